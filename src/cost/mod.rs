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

pub mod bench;
pub mod demo;
pub mod budget;
pub mod domain;
pub mod entries;
pub mod periods;
pub mod queries;
pub mod report;
mod settings;
pub mod views;

use axum::Router;
use axum::routing::{get, post};

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(entries::router())
        .merge(periods::router())
        .merge(report::router())
        .route("/settings/cost", get(settings::show))
        .route(
            "/settings/cost/thresholds",
            post(settings::save_thresholds_form),
        )
        .route("/settings/cost/categories", post(settings::add_category))
        .route(
            "/settings/cost/categories/{id}",
            post(settings::update_category_form),
        )
        .route(
            "/settings/cost/categories/{id}/active",
            post(settings::set_category_active),
        )
        .route(
            "/settings/cost/categories/{id}/delete",
            post(settings::delete_category_form),
        )
        .merge(budget::router())
}
