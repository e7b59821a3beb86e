//! The risk register (风险登记册): each project's risks with their probability, impact,
//! owner, response plan and next review; suggested responses for the usual risks; 5×5 heat
//! maps per project and across projects; reviews; the company's own risk categories; and the
//! overdue reviews the project home and the dashboard warn about.

mod company;
pub mod domain;
mod handlers;
mod panels;
pub mod queries;
pub mod views;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub use panels::{dashboard_panels, project_panels};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/risks", get(company::overview))
        .route(
            "/risks/categories",
            get(company::categories).post(company::add_category),
        )
        .route("/risks/categories/{id}", post(company::update_category))
        .route(
            "/projects/{project_id}/risks",
            get(handlers::list).post(handlers::create),
        )
        .route("/projects/{project_id}/risks/new", get(handlers::new_form))
        .route("/projects/{project_id}/risks/{id}", get(handlers::show))
        .route(
            "/projects/{project_id}/risks/{id}/edit",
            get(handlers::edit_form).post(handlers::update),
        )
        .route(
            "/projects/{project_id}/risks/{id}/reviews",
            post(handlers::record_review),
        )
        .route(
            "/projects/{project_id}/risks/{id}/delete",
            post(handlers::delete),
        )
}
