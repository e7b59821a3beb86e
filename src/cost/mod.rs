//! The cost centre (项目成本中心): every project's money against its budget as it happens.
//!
//! - `domain`: the rules, pure — categories nested one level, the report's figures (remaining,
//!   forecast at completion, variance, percent used), alerts and the three margins.
//! - `queries`: the SQL the parts share — categories, thresholds, closed months, the current
//!   budget and what was recorded per project and category.
//!
//! Actual cost is cost entries plus confirmed day-labour tickets, kept per project, category
//! and month in `cost_actual_month` by triggers on both, so labour is never typed twice.
//! Committed cost and billing come from the `cost_committed` and `project_billing` views,
//! which the funds module fills.

pub mod domain;
pub mod ev;
pub mod queries;
pub mod views;

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(ev::router())
}
