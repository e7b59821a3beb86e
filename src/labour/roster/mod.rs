//! The roster of day labour: labour settings (the standard day, pay-type multipliers and the
//! trades list, for owners and admins), crews (班组) and workers (工人). Workers are records,
//! never users: no login, no seat. Identity-card numbers are shown whole only to those with
//! `Permission::SeeIdNumbers`, on pages and in exports.
//!
//! - `domain`: who may edit what, masking and searching numbers, the forms' checks.
//! - `queries`: the roster's SQL.
//! - `settings`, `crews`, `workers`: the handlers; `views`: their pages.

mod crews;
mod domain;
mod queries;
mod settings;
mod views;
mod workers;

use axum::Router;
use axum::routing::{get, post};

pub use domain::{may_edit_crew, shown_id_number};

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::labour::queries::CrewRow;
use crate::state::AppState;
use crate::tenancy::CurrentUser;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/labour", get(settings::show).post(settings::save))
        .route("/settings/labour/trades", post(settings::add_trade))
        .route("/settings/labour/trades/{id}", post(settings::rename_trade))
        .route(
            "/settings/labour/trades/{id}/active",
            post(settings::set_trade_active),
        )
        .route(
            "/settings/labour/trades/{id}/move",
            post(settings::move_trade),
        )
        .route("/labour/crews", get(crews::list).post(crews::create))
        .route("/labour/crews/new", get(crews::new_form))
        .route("/labour/crews/{id}", get(crews::show).post(crews::update))
        .route("/labour/workers", get(workers::list).post(workers::create))
        .route("/labour/workers/new", get(workers::new_form))
        .route("/labour/workers/export", get(workers::export))
        .route(
            "/labour/workers/{id}",
            get(workers::show).post(workers::update),
        )
}

/// The active crews `user` may book day labour for: a foreman's own, anyone else's all.
pub async fn crews_for_user(
    scope: &mut TenantScope,
    user: &CurrentUser,
) -> AppResult<Vec<CrewRow>> {
    let led_by = crate::labour::domain::crews_led_by(user.role, user.id);
    Ok(crate::labour::queries::list_crews(scope, led_by)
        .await?
        .into_iter()
        .filter(|c| c.active)
        .collect())
}
