//! A project's budget (目标成本), revenue and cost snapshots.
//!
//! - Budget versions: number 0 is the original, then revisions, each approved with a reason;
//!   the current budget is the latest approved version. A draft is edited (an amount per
//!   category, optionally per WBS task), approved or deleted; approved versions never change.
//!   `create_revision` lets an approved change request add one in its own transaction.
//! - Revenue: the contract amount on the project, approved variations, billed and collected.
//!   `add_revenue_variation` lets an approved change request add its variation.
//! - Snapshots: the cost report frozen at a date, shown alone or compared with another.
//!
//! - `domain`: amounts, deltas, comparisons (pure); `queries`: the SQL; `views`: the budget
//!   pages; `handlers`: the budget handlers; `revenue`, `snapshots`: those pages whole.

mod domain;
mod handlers;
mod queries;
mod revenue;
pub mod snapshots;
mod views;

use axum::Router;
use axum::routing::{get, post};
use rust_decimal::Decimal;

pub use domain::{DeltaError, Line, amount, apply_deltas, percent, signed_amount};
pub use queries::NewVariation;

use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::cost::queries as cost_queries;
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::state::AppState;
use crate::tenancy::CurrentUser;
use crate::tenancy::ProjectId;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{project_id}/cost/budget", get(handlers::show))
        .route(
            "/projects/{project_id}/cost/budget/versions",
            post(handlers::create),
        )
        .route(
            "/projects/{project_id}/cost/budget/{id}/edit",
            get(handlers::edit_form).post(handlers::save),
        )
        .route(
            "/projects/{project_id}/cost/budget/{id}/approve",
            post(handlers::approve),
        )
        .route(
            "/projects/{project_id}/cost/budget/{id}/delete",
            post(handlers::delete),
        )
        .route("/projects/{project_id}/cost/revenue", get(revenue::show))
        .route(
            "/projects/{project_id}/cost/revenue/contract",
            post(revenue::save_contract),
        )
        .route(
            "/projects/{project_id}/cost/revenue/variations",
            post(revenue::add_variation),
        )
        .route(
            "/projects/{project_id}/cost/revenue/variations/{id}/delete",
            post(revenue::delete_variation),
        )
        .route(
            "/projects/{project_id}/cost/snapshots",
            get(snapshots::list).post(snapshots::take),
        )
        .route(
            "/projects/{project_id}/cost/snapshots/compare",
            get(snapshots::compare),
        )
        .route(
            "/projects/{project_id}/cost/snapshots/{id}",
            get(snapshots::show),
        )
        .route(
            "/projects/{project_id}/cost/snapshots/{id}/delete",
            post(snapshots::delete),
        )
}

/// Creates and approves a budget revision of `project`: the current budget's lines with each
/// `(category, delta)` added to the category's own line (see `domain::apply_deltas`), for an
/// approved change request. Runs in the caller's transaction and records the audit row. A
/// draft in progress keeps being the newest version (it moves up one number) and takes the
/// same deltas, so approving it later does not undo the change. Refused (400) without a
/// reason, with an unknown category, or when a category's line would fall below zero.
pub async fn create_revision(
    scope: &mut TenantScope,
    project: ProjectId,
    user: &CurrentUser,
    reason: &str,
    change_request_id: Option<i64>,
    deltas: &[(i64, Decimal)],
) -> AppResult<i64> {
    let locale = user.locale;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::BadRequest(
            i18n::t(locale, "cost_budget.revision_reason")
                .to_owned()
                .into(),
        ));
    }
    let categories = cost_queries::categories(scope).await?;
    let code = |id: i64| {
        categories
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.code.clone())
    };
    if let Some((id, _)) = deltas.iter().find(|(id, _)| code(*id).is_none()) {
        return Err(AppError::BadRequest(
            i18n::tf(
                locale,
                "cost_budget.revision_unknown_category",
                &[("id", id)],
            )
            .into(),
        ));
    }
    let refused = |e: DeltaError| {
        AppError::BadRequest(
            match e {
                DeltaError::BelowZero {
                    category_id,
                    result,
                } => i18n::tf(
                    locale,
                    "cost_budget.revision_below_zero",
                    &[
                        ("category", &code(category_id).unwrap_or_default()),
                        ("result", &crate::web::format::money(result)),
                    ],
                ),
                DeltaError::TooLarge { category_id } => i18n::tf(
                    locale,
                    "cost_budget.revision_too_large",
                    &[("category", &code(category_id).unwrap_or_default())],
                ),
            }
            .into(),
        )
    };
    let current: Vec<Line> = match cost_queries::current_budget(scope, project).await? {
        Some(c) => queries::lines(scope, c.id)
            .await?
            .iter()
            .map(queries::LineRow::line)
            .collect(),
        None => Vec::new(),
    };
    let lines = apply_deltas(&current, deltas).map_err(refused)?;
    let next = queries::next_number(scope, project).await?;
    let versions = queries::list_versions(scope, project).await?;
    let number = match versions.iter().find(|v| v.is_draft()) {
        Some(draft) => {
            let draft_lines: Vec<Line> = queries::lines(scope, draft.id)
                .await?
                .iter()
                .map(queries::LineRow::line)
                .collect();
            let moved = apply_deltas(&draft_lines, deltas).map_err(refused)?;
            queries::renumber_draft(scope, draft.id, next).await?;
            queries::delete_lines(scope, draft.id).await?;
            queries::insert_lines(scope, draft.id, &moved).await?;
            draft.number
        }
        None => next,
    };
    let id = queries::insert_version(
        scope,
        &queries::NewVersion {
            project,
            number,
            approved: true,
            reason,
            change_request_id,
            by: user.id,
        },
    )
    .await?;
    queries::insert_lines(scope, id, &lines).await?;
    let summary = format!("budget revision {number}");
    audit::record(
        scope,
        &Actor::User {
            id: user.id,
            name: user.name.clone(),
        },
        Change {
            entity: "cost_budget_version",
            entity_id: Some(id),
            action: Action::Create,
            summary: &summary,
            before: None,
            after: snapshot(&serde_json::json!({
                "project_id": project,
                "number": number,
                "status": "approved",
                "reason": reason,
                "change_request_id": change_request_id,
                "deltas": deltas.iter().map(|(c, d)| (c, d.to_string())).collect::<Vec<_>>(),
            })),
        },
    )
    .await?;
    Ok(id)
}

/// Adds an approved revenue variation (签证、变更) to `project` for an approved change request,
/// in the caller's transaction, with its audit row. `None` when the project already has a
/// variation of that number.
pub async fn add_revenue_variation(
    scope: &mut TenantScope,
    project: ProjectId,
    user: &CurrentUser,
    variation: &NewVariation,
    change_request_id: i64,
) -> AppResult<Option<i64>> {
    let Some(id) =
        queries::insert_variation(scope, project, variation, Some(change_request_id), user.id)
            .await?
    else {
        return Ok(None);
    };
    audit::record(
        scope,
        &Actor::User {
            id: user.id,
            name: user.name.clone(),
        },
        Change {
            entity: "revenue_variation",
            entity_id: Some(id),
            action: Action::Create,
            summary: &format!("{} {}", variation.number, variation.title),
            before: None,
            after: snapshot(variation),
        },
    )
    .await?;
    Ok(Some(id))
}
