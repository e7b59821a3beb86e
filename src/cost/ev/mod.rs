//! Earned value (挣值分析) of a project, as of its status date: PV, EV, AC and the indicators
//! derived from them, for the project and every summary task, and a chart of PV, EV and AC
//! over time.
//!
//! - `domain`: the formulas and the measuring, pure.
//! - `queries`: the budget by task and the actual cost by day and task.
//! - `chart`: the SVG chart.
//! - `handlers`, `views`: the page.

pub mod chart;
pub mod domain;
mod handlers;
pub mod queries;
mod views;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/projects/{project_id}/cost/earned-value",
        get(handlers::show),
    )
}
