//! The cost centre (项目成本中心): every project's money against its budget as it happens.
//!
//! - `domain`: the rules, pure — categories nested one level, the report's figures (remaining,
//!   forecast at completion, variance, percent used), alerts and the three margins.
//! - `queries`: the SQL the parts share — categories, thresholds, closed months, the current
//!   budget and what was recorded per project and category.
//! - `settings`: Settings › Cost — categories (成本科目) and alert thresholds.
//! - `budget`: budget versions (目标成本: the original, then approved revisions), the revenue
//!   side (contract and variations) and snapshots of the report compared line by line.
//! - `entries`: cost entries with VAT, attachments and reversals; `periods`: closing months.
//! - `report`: the cost report by category and by month, estimates to complete, margins, the
//!   company overview, the dashboard panel and the project home's alerts.
//! - `ev`: earned value against the baseline and progress, with its chart.
//! - `demo` and `bench`: the demo project's cost, and `girder bench cost`.
//!
//! Actual cost is cost entries plus confirmed day-labour tickets, kept per project, category
//! and month in `cost_actual_month` by triggers on both, so labour is never typed twice, and
//! over all months in `cost_actual_total` (a row trigger on the monthly roll-up). Committed
//! cost and billing come from the `cost_committed` and `project_billing` views over each
//! contract's one row of `contract_money`, which the funds module's writes keep.

pub mod budget;
pub mod domain;
pub mod entries;
pub mod ev;
pub mod periods;
pub mod queries;
pub mod report;
mod settings;
pub mod views;

// What other features use: the cost categories, whether a month is closed to posting, and the
// budget revision and revenue variation an approved change makes.
pub use budget::{NewVariation, add_revenue_variation, create_revision, signed_amount};
pub use domain::{Category, in_report_order, month_of, to_f64};
pub use queries::{categories, is_closed, lock_periods, seed_categories};

use axum::Router;

use crate::roles::ModuleId;
use crate::state::AppState;
use crate::web::registry::{Audience, Feature, NavEntry, ProjectTab, SettingsTab};

/// The cost centre: its navigation entry, settings tab and project tab.
pub fn feature() -> Feature {
    Feature {
        nav: vec![NavEntry {
            order: 20,
            href: "/cost",
            label_key: "nav.cost",
            active_under: &["/cost"],
            audience: Audience::module(ModuleId::Cost),
        }],
        settings_tabs: vec![SettingsTab {
            order: 70,
            key: "cost",
            href: "/settings/cost",
            label_key: "cost.settings_tab",
        }],
        project_tabs: vec![ProjectTab {
            order: 80,
            key: "cost",
            suffix: "/cost",
            label_key: "cost.tab",
            module: Some(ModuleId::Cost),
        }],
        dashboard_panels: report::dashboard_panels(),
        project_panels: report::project_panels(),
        ..Feature::new(router())
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(entries::router())
        .merge(periods::router())
        .merge(report::router())
        .merge(settings::router())
        .merge(budget::router())
        .merge(ev::router())
}
