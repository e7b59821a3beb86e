//! Wages and settlements of day labour: the monthly wage sheet per project and crew (工资表)
//! with advances (借支) and payouts (发放), the payout list for the project's wage account,
//! a worker's statement with its running balance, and settlement statements (结算单) that
//! gather a crew's confirmed tickets, lock them and print with signature lines.
//!
//! Wages are the named lines of confirmed and settled tickets; head-count lines count for
//! the crew and its settlement, never for a worker. Everyone who may open Labour may read
//! these pages for the projects they may see; writing needs `Permission::PayLabour`.

mod domain;
mod payments;
mod queries;
mod settlements;
mod sheet;
mod statement;
mod views;

use axum::Router;
use axum::routing::{get, post};
use chrono::NaiveDate;

pub use domain::capital_money;

use crate::error::{AppError, AppResult};
use crate::labour::queries as labour_queries;
use crate::state::AppState;
use crate::tenancy::{Labour, TenantTx};
use crate::web::form::Choice;
use queries::ProjectPick;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/labour/wages", get(sheet::show))
        .route("/labour/wages/export", get(sheet::export))
        .route("/labour/wages/payout-list", get(sheet::payout_list))
        .route("/labour/wages/pay-all", post(payments::pay_all))
        .route(
            "/labour/advances",
            get(payments::list_advances).post(payments::create_advance),
        )
        .route(
            "/labour/payouts",
            get(payments::list_payouts).post(payments::create_payout),
        )
        .route("/labour/workers/{id}/statement", get(statement::show))
        .route(
            "/labour/workers/{id}/statement/export",
            get(statement::export),
        )
        .route(
            "/labour/settlements",
            get(settlements::list).post(settlements::create),
        )
        .route("/labour/settlements/new", get(settlements::new_form))
        .route("/labour/settlements/{id}", get(settlements::show))
        .route("/labour/settlements/{id}/export", get(settlements::export))
        .route("/labour/settlements/{id}/cancel", post(settlements::cancel))
}

/// The tenant's today: nothing is paid on a later day.
fn today(tx: &TenantTx<Labour>) -> NaiveDate {
    tx.tenant()
        .now
        .with_timezone(&tx.tenant().time_zone)
        .date_naive()
}

/// An id typed into a form or a query; empty or malformed is `None`.
fn id_param(value: &str) -> Option<i64> {
    value.trim().parse().ok().filter(|id| *id > 0)
}

/// The project of `value` if the user may see it: `None` when none is named, 404 when the
/// named one does not exist, belongs to another tenant or is not the user's.
async fn chosen_project(tx: &mut TenantTx<Labour>, value: &str) -> AppResult<Option<ProjectPick>> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    let id = id_param(value).ok_or(AppError::NotFound)?;
    let p = crate::tenancy::project::find_project(tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Some(ProjectPick {
        id: p.id,
        code: p.code,
        name: p.name,
    }))
}

/// The crew of `value`: `None` when none is named, 404 when it is not this tenant's.
async fn chosen_crew(
    tx: &mut TenantTx<Labour>,
    value: &str,
) -> AppResult<Option<labour_queries::CrewRow>> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    let id = id_param(value).ok_or(AppError::NotFound)?;
    Ok(Some(labour_queries::require_crew(tx, id).await?))
}

async fn project_choices(tx: &mut TenantTx<Labour>) -> AppResult<Vec<Choice>> {
    Ok(queries::visible_projects(tx)
        .await?
        .into_iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: format!("{} {}", p.code, p.name),
        })
        .collect())
}

async fn crew_choices(tx: &mut TenantTx<Labour>) -> AppResult<Vec<Choice>> {
    Ok(labour_queries::list_crews(tx, None)
        .await?
        .into_iter()
        .map(|c| Choice {
            value: c.id.to_string(),
            label: c.name,
        })
        .collect())
}

/// The ways of paying, named in the user's language.
fn method_choices(locale: crate::i18n::Locale) -> Vec<Choice> {
    crate::labour::domain::PayMethod::ALL
        .iter()
        .map(|m| Choice {
            value: m.as_str().to_owned(),
            label: crate::i18n::t(locale, m.label_key()).to_owned(),
        })
        .collect()
}
