//! Company settings for owners and admins: company details, users and invitations, module
//! switches, the licence and trial, and the audit log.

mod domain;
mod handlers;

pub(crate) use handlers::MAX_PAGE;
pub mod queries;
pub mod views;

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/settings",
            get(|| async { Redirect::to("/settings/company") }),
        )
        .route(
            "/settings/company",
            get(handlers::company_form).post(handlers::update_company),
        )
        .route("/settings/users", get(handlers::users))
        .route("/settings/users/invite", post(handlers::invite))
        .route("/settings/users/{id}", post(handlers::update_user))
        .route(
            "/settings/invitations/{id}/revoke",
            post(handlers::revoke_invitation),
        )
        .route(
            "/settings/modules",
            get(handlers::modules_form).post(handlers::update_modules),
        )
        .route(
            "/settings/licence",
            get(handlers::licence).post(handlers::activate_licence),
        )
        .route(
            "/settings/licence/extend-trial",
            post(handlers::extend_trial),
        )
        .route("/settings/audit", get(handlers::audit_log))
        .route("/settings/audit/export", get(handlers::audit_export))
        .route("/settings/audit/{id}", get(handlers::audit_entry))
}
