//! Applying an approved change request, all or nothing: the affected tasks' durations change
//! and the project is rescheduled; a budget revision adds the cost lines; a variation on the
//! income contract (Funds) and on the cost centre's revenue side adds the revenue impact. Any
//! part refused undoes every part (back to a savepoint), and the caller keeps the request
//! under review with the reason.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::domain::new_duration;
use super::queries::{self, Applied, Request};
use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::cost::{self, NewVariation};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::funds::{self, Refused, VariationRefusal};
use crate::i18n::{t, tf};
use crate::plans::reschedule;
use crate::tenancy::CurrentUser;
use crate::tenancy::project::Project;
use crate::web::format;

/// Applies `request` of `project` in the caller's transaction. `Ok(Err(reason))` when a part
/// was refused: nothing of it is left, and the reason is in the user's language.
pub async fn apply(
    scope: &mut TenantScope,
    project: &Project,
    request: &Request,
    user: &CurrentUser,
    today: NaiveDate,
) -> AppResult<Result<Applied, String>> {
    scope.savepoint().await?;
    let refused = match effects(scope, project, request, user, today).await {
        Ok(Ok(applied)) => {
            queries::set_approved(scope, request.id, &applied, user.id).await?;
            return Ok(Ok(applied));
        }
        Ok(Err(reason)) => reason,
        Err(AppError::BadRequest(reason)) => reason.into_owned(),
        Err(AppError::Conflict) => t(user.locale, "changes.apply_conflict").to_owned(),
        Err(AppError::NotFound) => t(user.locale, "changes.apply_not_found").to_owned(),
        // A check or key the database refused (class 23): a reason like the others.
        Err(AppError::Database(sqlx::Error::Database(db)))
            if db.code().is_some_and(|c| c.starts_with("23")) =>
        {
            tracing::warn!(error = %db, request = request.id, "applying a change was refused");
            t(user.locale, "changes.apply_failed").to_owned()
        }
        // Anything else (a lost connection, a deadlock) is no reason to keep: the caller's
        // transaction fails whole and the request is as it was.
        Err(e) => return Err(e),
    };
    scope.rollback_to_savepoint().await?;
    Ok(Err(refused))
}

type Step<T> = AppResult<Result<T, String>>;

async fn effects(
    scope: &mut TenantScope,
    project: &Project,
    request: &Request,
    user: &CurrentUser,
    today: NaiveDate,
) -> Step<Applied> {
    let mut applied = Applied::default();
    let (before, after) = match change_schedule(scope, project, request, user).await? {
        Ok(finish) => finish,
        Err(reason) => return Ok(Err(reason)),
    };
    applied.finish_before = before;
    applied.finish_after = after;
    applied.budget_before = Some(queries::budget_total(scope, project.id).await?);
    applied.budget_version_id = revise_budget(scope, project, request, user).await?;
    applied.budget_after = Some(queries::budget_total(scope, project.id).await?);
    match vary_revenue(scope, project, request, user, today).await? {
        Ok(Some((contract_variation, revenue_variation))) => {
            applied.contract_variation_id = Some(contract_variation);
            applied.revenue_variation_id = Some(revenue_variation);
        }
        Ok(None) => {}
        Err(reason) => return Ok(Err(reason)),
    }
    Ok(Ok(applied))
}

fn actor(user: &CurrentUser) -> Actor {
    Actor::User {
        id: user.id,
        name: user.name.clone(),
    }
}

/// New durations for the affected tasks, then a reschedule. The project's finish before and
/// after.
async fn change_schedule(
    scope: &mut TenantScope,
    project: &Project,
    request: &Request,
    user: &CurrentUser,
) -> Step<(Option<NaiveDate>, Option<NaiveDate>)> {
    let before = queries::project_finish(scope, project.id).await?;
    let lines = queries::task_lines(scope, request.id).await?;
    if lines.is_empty() {
        return Ok(Ok((before, before)));
    }
    for l in &lines {
        let (duration, remaining) = match new_duration(
            l.duration_days,
            l.remaining_days,
            l.days,
            l.is_summary,
            l.milestone,
            l.finished,
        ) {
            Ok(next) => next,
            Err(refusal) => {
                return Ok(Err(tf(
                    user.locale,
                    refusal.message_key(),
                    &[
                        ("task", &l.task_name),
                        ("days", &l.days.abs()),
                        ("duration", &l.duration_days),
                    ],
                )));
            }
        };
        queries::set_task_duration(scope, l.task_id, duration, remaining, user.id).await?;
        queries::record_task_line(scope, request.id, l.task_id, l.duration_days, duration).await?;
        audit::record(
            scope,
            &actor(user),
            Change {
                entity: "task",
                entity_id: Some(l.task_id.0),
                action: Action::Update,
                summary: &format!("{} {}: {}", request.number, l.task_name, l.days),
                before: snapshot(&serde_json::json!({ "duration_days": l.duration_days })),
                after: snapshot(&serde_json::json!({
                    "duration_days": duration,
                    "change_request_id": request.id,
                })),
            },
        )
        .await?;
    }
    if let Err(reason) = reschedule(scope, project, user.locale).await? {
        return Ok(Err(reason));
    }
    let after = queries::project_finish(scope, project.id).await?;
    Ok(Ok((before, after)))
}

/// A budget revision with the cost lines (none without cost lines). A line taking a
/// category below zero is refused by `create_revision` with the category named.
async fn revise_budget(
    scope: &mut TenantScope,
    project: &Project,
    request: &Request,
    user: &CurrentUser,
) -> AppResult<Option<i64>> {
    let lines = queries::cost_lines(scope, request.id).await?;
    if lines.is_empty() {
        return Ok(None);
    }
    let deltas: Vec<(i64, Decimal)> = lines.iter().map(|l| (l.category_id, l.amount)).collect();
    let reason = format!("{} {}", request.number, request.title);
    let id =
        cost::create_revision(scope, project.id, user, &reason, Some(request.id), &deltas).await?;
    Ok(Some(id))
}

/// The revenue impact as a variation on the signed income contract and on the cost centre's
/// revenue side, both numbered as the request. `None` without a revenue impact.
async fn vary_revenue(
    scope: &mut TenantScope,
    project: &Project,
    request: &Request,
    user: &CurrentUser,
    today: NaiveDate,
) -> Step<Option<(i64, i64)>> {
    let amount = request.revenue_amount;
    if amount.is_zero() {
        return Ok(Ok(None));
    }
    let locale = user.locale;
    let Some(contract_id) = request.contract_id else {
        return Ok(Err(t(locale, "changes.no_contract").to_owned()));
    };
    let variation = NewVariation {
        number: request.number.clone(),
        title: request.title.clone(),
        amount,
        approved_on: today,
    };
    let contract_variation = match funds::vary_income_contract(
        scope,
        project.id,
        contract_id,
        &variation,
        request.id,
        user,
    )
    .await?
    {
        Ok(id) => id,
        Err(Refused { contract, reason }) => {
            let named = |key: &str| tf(locale, key, &[("contract", &contract)]);
            return Ok(Err(match reason {
                VariationRefusal::NotIncome => named("changes.contract_not_income"),
                VariationRefusal::NotSigned => named("changes.contract_not_signed"),
                VariationRefusal::BelowZero => named("changes.contract_below_zero"),
                VariationRefusal::BelowClaimed(claimed) => tf(
                    locale,
                    "changes.contract_below_claimed",
                    &[
                        ("contract", &contract),
                        ("claimed", &format::money(claimed)),
                    ],
                ),
                VariationRefusal::NumberTaken => named("changes.variation_number_taken"),
            }));
        }
    };
    let Some(revenue_variation) =
        cost::add_revenue_variation(scope, project.id, user, &variation, request.id).await?
    else {
        return Ok(Err(tf(
            locale,
            "changes.revenue_number_taken",
            &[("number", &request.number)],
        )));
    };
    Ok(Ok(Some((contract_variation, revenue_variation))))
}
