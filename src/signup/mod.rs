//! Joining Girder: the trial sign-up form that creates a company, and accepting an invitation
//! to an existing one.

mod domain;
mod handlers;
mod views;

use axum::Router;
use axum::routing::get;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::UserId;
use crate::state::AppState;
use crate::web::registry::Feature;

/// What every new company starts with: the China mainland working calendar, the usual trades
/// and the standard cost categories. Used by sign-up, the demo company and benchmarks.
pub async fn seed_company(scope: &mut TenantScope, owner: UserId) -> AppResult<()> {
    crate::plans::ensure_default_calendar(scope, owner).await?;
    crate::labour::seed_trades(scope).await?;
    crate::cost::seed_categories(scope).await?;
    Ok(())
}

/// Sign-up and invitations: routes only.
pub fn feature() -> Feature {
    Feature::new(router())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(handlers::signup_form).post(handlers::signup))
        .route("/terms", get(handlers::terms))
        .route(
            "/invite/{token}",
            get(handlers::invitation_form).post(handlers::accept_invitation),
        )
}
