//! Cash flow: the views that look across money. A project's funds page with its monthly fund
//! plan (`/projects/{id}/funds`, `/projects/{id}/funds/plan`), the company overview (`/funds`),
//! receivables and payables aging (`/funds/aging`) and the dashboard's funds panel.
//!
//! - `domain`: the rules, pure — roll-up, balance, plan against actual and the projected
//!   balance, FIFO aging, receivables, payables, retention both ways.
//! - `queries`: reads of `fund_month`, `fund_plan`, contracts with their money, and the dated
//!   items the aging needs; the plan's upsert.
//! - `chart`: the monthly bars and balance line.
//! - `views`: what the pages share — the month table's rows, the chart, the negative-balance
//!   warning, the retention rows; `panel`: the dashboard's panel, its figures included.

pub mod chart;
pub mod domain;
pub mod queries;

mod aging;
pub mod overview;
mod panel;
mod plan;
mod project;
mod views;

pub use panel::dashboard_panels;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/funds", get(overview::show))
        .route("/funds/aging", get(aging::show))
        .route("/projects/{project_id}/funds", get(project::show))
        .route(
            "/projects/{project_id}/funds/plan",
            get(plan::edit).post(plan::save),
        )
}
