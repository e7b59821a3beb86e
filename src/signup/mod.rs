//! Joining Girder: the trial sign-up form that creates a company, and accepting an invitation
//! to an existing one.

mod domain;
mod handlers;
mod views;

use axum::Router;
use axum::routing::get;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(handlers::signup_form).post(handlers::signup))
        .route("/terms", get(handlers::terms))
        .route(
            "/invite/{token}",
            get(handlers::invitation_form).post(handlers::accept_invitation),
        )
}
