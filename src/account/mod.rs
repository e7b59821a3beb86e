//! The sign-in, sign-out and password-reset pages.

mod handlers;
mod views;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;
use crate::web::registry::Feature;

/// The sign-in, sign-out and password-reset routes.
/// The sign-in pages: routes only.
pub fn feature() -> Feature {
    Feature::new(router())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(handlers::login_form).post(handlers::login))
        .route("/logout", post(handlers::logout))
        .route(
            "/forgot-password",
            get(handlers::forgot_form).post(handlers::forgot),
        )
        .route(
            "/reset-password/{token}",
            get(handlers::reset_form).post(handlers::reset),
        )
}
