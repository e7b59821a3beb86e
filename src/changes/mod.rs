//! Risks and changes (风险与变更): the risks nobody should leave unowned, and the changes
//! nobody should leave unpriced.
//!
//! - `domain`: the rules change requests share, pure — statuses, the review board, who may
//!   vote, what the votes decide, a task's new duration, request numbers.
//! - `queries`: the SQL the parts share — the board, a request with its lines and votes, and
//!   what approval writes.
//! - `apply`: an approved request applied all or nothing — new task durations and a
//!   reschedule, a budget revision, a variation on the income contract and revenue side.
//! - `risks`: the risk register per project, suggested responses, 5×5 heat maps, reviews,
//!   the company's risk categories.
//! - `requests`: change requests (工程变更 / 现场签证) per project — drafting, affected tasks,
//!   cost and revenue impact, attachments, submission, the board's votes and approval.
//! - `overview`: every visible project's change requests, and those awaiting my vote.
//! - `log`: a project's change log with the approved impact against the original budget and
//!   finish.
//! - `settings`: Settings › Changes — the review board and the approvals a change needs.
//! - `demo`: the demo project's risks and changes.

pub mod apply;
pub mod domain;
mod log;
mod overview;
pub mod queries;
pub mod requests;
pub mod risks;
mod settings;

use axum::Router;

use crate::roles::ModuleId;
use crate::state::AppState;
use crate::web::registry::{Audience, Feature, NavEntry, ProjectTab, SettingsTab};

/// Risks and changes: the navigation entry, settings tab and the project's risk and change tabs.
pub fn feature() -> Feature {
    let tab = |order, key, suffix, label_key| ProjectTab {
        order,
        key,
        suffix,
        label_key,
        module: Some(ModuleId::Changes),
    };
    Feature {
        nav: vec![NavEntry {
            order: 40,
            href: "/changes",
            label_key: "changes.nav",
            active_under: &["/changes", "/risks"],
            audience: Audience::module(ModuleId::Changes),
        }],
        settings_tabs: vec![SettingsTab {
            order: 90,
            key: "changes",
            href: "/settings/changes",
            label_key: "changes.settings_tab",
        }],
        project_tabs: vec![
            tab(100, "risks", "/risks", "changes.risks_tab"),
            tab(110, "changes", "/changes", "changes.project_tab"),
        ],
        dashboard_panels: risks::dashboard_panels(),
        project_panels: risks::project_panels(),
        ..Feature::new(router())
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(log::router())
        .merge(overview::router())
        .merge(requests::router())
        .merge(risks::router())
        .merge(settings::router())
}
