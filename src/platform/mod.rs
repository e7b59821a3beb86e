//! The platform operator console (the vendor's side): every tenant with its plan, seats and
//! activity; extend a trial, suspend or resume a tenant. Operators are not tenant users, and
//! tenant users never reach it.

mod handlers;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};

use crate::auth::session::AppSession;
use crate::db::cross_tenant::{self, Operator};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::registry::Feature;

/// The operators' console: routes only.
pub fn feature() -> Feature {
    Feature::new(router())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/platform", get(handlers::tenants))
        .route(
            "/platform/login",
            get(handlers::login_form).post(handlers::login),
        )
        .route("/platform/logout", post(handlers::logout))
        .route("/platform/tenants/{id}/extend", post(handlers::extend))
        .route("/platform/tenants/{id}/suspend", post(handlers::suspend))
        .route("/platform/tenants/{id}/resume", post(handlers::resume))
}

/// A signed-in, active platform operator. A tenant user gets 403; nobody signed in is sent
/// to the operator sign-in page.
#[derive(Debug)]
pub struct OperatorUser(pub Operator);

impl FromRequestParts<AppState> for OperatorUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let session = AppSession::from_request_parts(parts, state).await?;
        if let Some(signed_in) = session.operator().await? {
            let too_old = chrono::Utc::now().timestamp() - signed_in.since
                > state.config.session_max_hours * 3600;
            if let Some(op) = cross_tenant::find_operator(&state.db, signed_in.operator_id)
                .await?
                .filter(|o| o.active && !too_old)
            {
                return Ok(OperatorUser(op));
            }
            session.end().await?;
        }
        if session.signed_in().await?.is_some() {
            return Err(AppError::OperatorOnly);
        }
        Err(AppError::Unauthenticated)
    }
}
