//! Labour tallies (点工汇总中心): day labour outside the fixed-price scope, from the foreman's
//! ticket to the crew's settlement.
//!
//! - `domain`: the rules, pure — identity numbers, pay types and multipliers, a ticket's flow.
//! - `queries`: the SQL the parts share — pay rules, trades, crews, workers, writing tickets.
//! - `roster`: settings (standard day, multipliers, trades), crews and workers.
//! - `tickets`: the foreman's fast entry, the ticket flow and the ticket list.
//! - `summary`: 点工汇总 by any dimension, and the dashboard's panel.
//! - `wages`: the wage sheet (工资表), advances (借支), payouts (发放), worker statements and
//!   settlement statements (结算单).
//! - `import`: workers and tickets in from XLSX or CSV, checked row by row, in the background.
//! - `demo`: the demo project's day labour.
//!
//! Workers are records, not users: they never sign in and take no licence seat. Confirmed
//! tickets are labour cost; the `labour_cost` view gives them to the cost centre by project,
//! task and month.

pub mod domain;
pub mod import;
pub mod queries;
pub mod roster;
pub mod summary;
pub mod tickets;
pub mod views;
pub mod wages;

// What other features use: a new company's standard trades.
pub use queries::seed_trades;

use axum::Router;

use crate::roles::ModuleId;
use crate::state::AppState;
use crate::web::registry::{Audience, Feature, NavEntry, SettingsTab};

/// Day labour: its navigation entry and settings tab.
pub fn feature() -> Feature {
    Feature {
        largest_upload: crate::plans::IMPORT_BODY_LIMIT,
        nav: vec![NavEntry {
            order: 50,
            href: "/labour",
            label_key: "nav.labour",
            active_under: &["/labour"],
            audience: Audience::module(ModuleId::Labour),
        }],
        settings_tabs: vec![SettingsTab {
            order: 60,
            key: "labour",
            href: "/settings/labour",
            label_key: "labour_roster.settings_tab",
        }],
        dashboard_panels: summary::dashboard_panels(),
        ..Feature::new(router())
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(roster::router())
        .merge(summary::router())
        .merge(tickets::router())
        .merge(wages::router())
        .merge(import::router())
}
