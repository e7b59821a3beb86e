//! The steps of a change request, each a POST with the version it was read at: submit,
//! withdraw, vote (the board; the last approval applies the change all or nothing) and
//! apply again once the cause of a failed application is fixed.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::base;
use super::domain::{MAX_COMMENT, has_impact};
use super::queries;
use super::show::{self, Parts, may_apply, round_decisions, vote_refusal};
use super::views::VoteForm;
use crate::audit::{Action, Change};
use crate::changes::apply::apply;
use crate::changes::domain::{Decision, Outcome, Status, Step, VoteRefusal, outcome};
use crate::changes::queries::{self as shared, Request};
use crate::error::AppResult;
use crate::roles::Permission;
use crate::tenancy::Changes;
use crate::tenancy::ProjectId;
use crate::tenancy::ProjectTx;
use crate::web::form::{self, FieldErrors};
use crate::web::{AppForm, Page, Path, transition};

use super::form::VersionForm;

/// What a refused submit or withdrawal says.
const SUBMIT: transition::Messages = transition::Messages {
    wrong_status: "changes_requests.not_draft",
    stale: "changes_requests.stale",
};
const WITHDRAW: transition::Messages = transition::Messages {
    wrong_status: "changes_requests.not_in_review",
    stale: "changes_requests.stale",
};
const VOTE: transition::Messages = transition::Messages {
    wrong_status: "changes.vote_not_in_review",
    stale: "changes_requests.stale",
};
const APPLY_AGAIN: transition::Messages = transition::Messages {
    wrong_status: "changes_requests.nothing_to_apply",
    stale: "changes_requests.stale",
};

/// Audits a step of the request: its status (and round) before and after.
async fn audit_step(
    p: &mut ProjectTx<Changes>,
    before: &Request,
    step: &str,
    extra: serde_json::Value,
) -> AppResult<()> {
    let after = shared::find(&mut p.tx, p.project.id, before.id, false).await?;
    p.tx.audit(Change {
        entity: "change_request",
        entity_id: Some(before.id),
        action: Action::Update,
        summary: &format!("change request {} {step}", before.number),
        before: Some(serde_json::json!({
            "status": before.status.as_str(),
            "round": before.round,
            "apply_error": before.apply_error,
        })),
        after: Some(serde_json::json!({
            "step": step,
            "status": after.status.as_str(),
            "round": after.round,
            "apply_error": after.apply_error,
            "detail": extra,
        })),
    })
    .await
}

fn back(project: ProjectId, id: i64) -> Response {
    Redirect::to(&format!("{}/{id}", base(project))).into_response()
}

/// Draft → submitted: a new round of votes. A request without any impact is refused.
pub async fn submit(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    p.require(Permission::RaiseChange)?;
    let project = p.project.id;
    let r = shared::find(&mut p.tx, project, id, true).await?;
    // Only the requester submits what they wrote: a board member never approves their own.
    if r.requester_id != p.tx.user().id.0 {
        return show::refuse(
            p,
            page,
            id,
            StatusCode::FORBIDDEN,
            "changes_requests.not_requester",
        )
        .await;
    }
    if let Err(refusal) = transition::check(r.status.after(Step::Submit), r.version, f.version) {
        return show::refuse(p, page, id, refusal.status(), refusal.key(SUBMIT)).await;
    }
    let tasks = shared::task_lines(&mut p.tx, id).await?.len();
    let costs = shared::cost_lines(&mut p.tx, id).await?.len();
    if !has_impact(tasks, costs, r.revenue_amount) {
        return show::refuse(
            p,
            page,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            "changes_requests.no_impact",
        )
        .await;
    }
    let me = p.tx.user().id;
    queries::submit(&mut p.tx, id, me).await?;
    audit_step(&mut p, &r, "submit", serde_json::Value::Null).await?;
    p.commit().await?;
    page.session
        .flash(true, "changes_requests.submitted")
        .await?;
    Ok(back(project, id))
}

/// Submitted or under review → draft, by the requester or an owner or admin. The votes stay
/// as the history of their round.
pub async fn withdraw(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    p.require(Permission::RaiseChange)?;
    let project = p.project.id;
    let r = shared::find(&mut p.tx, project, id, true).await?;
    let user = p.tx.user().clone();
    if r.requester_id != user.id.0 && !user.role.has(Permission::SeeAllProjects) {
        return show::refuse(
            p,
            page,
            id,
            StatusCode::FORBIDDEN,
            "changes_requests.withdraw_not_yours",
        )
        .await;
    }
    if let Err(refusal) = transition::check(r.status.after(Step::Withdraw), r.version, f.version) {
        return show::refuse(p, page, id, refusal.status(), refusal.key(WITHDRAW)).await;
    }
    queries::withdraw(&mut p.tx, id, user.id).await?;
    audit_step(&mut p, &r, "withdraw", serde_json::Value::Null).await?;
    p.commit().await?;
    page.session
        .flash(true, "changes_requests.withdrawn")
        .await?;
    Ok(back(project, id))
}

/// Applies an approved request in this transaction; on a refusal keeps it under review with
/// the reason. The flash key of the result.
async fn approve(p: &mut ProjectTx<Changes>, id: i64) -> AppResult<&'static str> {
    let r = shared::find(&mut p.tx, p.project.id, id, true).await?;
    let user = p.tx.user().clone();
    let today = p.tx.tenant().today();
    match apply(&mut p.tx, &p.project, &r, &user, today).await? {
        Ok(applied) => {
            audit_step(
                p,
                &r,
                "approve",
                serde_json::to_value(&applied).unwrap_or_default(),
            )
            .await?;
            Ok("changes_requests.approved")
        }
        Err(reason) => {
            shared::set_apply_error(&mut p.tx, id, &reason, user.id).await?;
            audit_step(p, &r, "apply_failed", serde_json::Value::String(reason)).await?;
            Ok("changes_requests.apply_failed")
        }
    }
}

/// A board member's vote with a comment. The first vote puts the request under review; one
/// rejection rejects it; the last approval needed applies it.
pub async fn vote(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<VoteForm>,
) -> AppResult<Response> {
    let project = p.project.id;
    let r = shared::find(&mut p.tx, project, id, true).await?;
    let board = shared::board_settings(&mut p.tx).await?.board();
    let votes = shared::votes(&mut p.tx, id).await?;
    if let Err(refusal) = vote_refusal(&p, &board, &r, &votes) {
        let status = match refusal {
            VoteRefusal::NotOnBoard | VoteRefusal::OwnRequest => StatusCode::FORBIDDEN,
            VoteRefusal::NotInReview | VoteRefusal::AlreadyVoted => StatusCode::CONFLICT,
        };
        return show::refuse(p, page, id, status, refusal.message_key()).await;
    }
    if let Err(refusal) = transition::fresh(r.version, f.version) {
        return show::refuse(p, page, id, refusal.status(), refusal.key(VOTE)).await;
    }
    let mut errors = FieldErrors::default();
    let decision = Decision::parse(f.decision.trim());
    if decision.is_none() {
        errors.add("decision", "form.invalid_choice");
    }
    let comment = form::multiline(&mut errors, "comment", &f.comment, MAX_COMMENT);
    if comment.is_empty() && !errors.has("comment") {
        errors.add("comment", "changes_requests.comment_required");
    }
    let Some(decision) = decision.filter(|_| errors.is_empty()) else {
        let parts = Parts {
            vote: Some((f, errors)),
            ..Parts::default()
        };
        let html = show::page(&mut p, &page, id, parts).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    let me = p.tx.user().id;
    let Some(vote) =
        queries::insert_vote(&mut p.tx, id, r.round, me, decision.as_str(), &comment).await?
    else {
        return show::refuse(p, page, id, StatusCode::CONFLICT, "changes.vote_already").await;
    };
    p.tx.audit(Change {
        entity: "change_vote",
        entity_id: Some(vote),
        action: Action::Create,
        summary: &format!("change request {} vote {}", r.number, decision.as_str()),
        before: None,
        after: Some(serde_json::json!({
            "change_request_id": id,
            "round": r.round,
            "decision": decision.as_str(),
            "comment": comment,
        })),
    })
    .await?;
    if r.status == Status::Submitted {
        queries::set_status(&mut p.tx, id, Status::UnderReview, me).await?;
    }
    let mut decisions = round_decisions(&board, &votes, r.round);
    decisions.push(decision);
    let flash = match outcome(&decisions, board.approvals_needed) {
        Outcome::Rejected => {
            queries::set_status(&mut p.tx, id, Status::Rejected, me).await?;
            audit_step(&mut p, &r, "reject", serde_json::Value::Null).await?;
            "changes_requests.rejected"
        }
        Outcome::Pending { .. } => {
            audit_step(&mut p, &r, "vote", serde_json::Value::Null).await?;
            "changes_requests.voted"
        }
        Outcome::Approved => approve(&mut p, id).await?,
    };
    p.commit().await?;
    page.session
        .flash(flash != "changes_requests.apply_failed", flash)
        .await?;
    Ok(back(project, id))
}

/// Applies again a request its votes approve but whose application failed, once the cause
/// is fixed; by a board member, an owner or an admin.
pub async fn apply_again(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    let project = p.project.id;
    let r = shared::find(&mut p.tx, project, id, true).await?;
    let board = shared::board_settings(&mut p.tx).await?.board();
    let votes = shared::votes(&mut p.tx, id).await?;
    let user = p.tx.user().clone();
    if !board.includes(user.id.0, user.role) && !user.role.has(Permission::SeeAllProjects) {
        return show::refuse(
            p,
            page,
            id,
            StatusCode::FORBIDDEN,
            "changes.vote_not_on_board",
        )
        .await;
    }
    let applicable = may_apply(&p, &board, &r, &votes).then_some(r.status);
    if let Err(refusal) = transition::check(applicable, r.version, f.version) {
        return show::refuse(p, page, id, refusal.status(), refusal.key(APPLY_AGAIN)).await;
    }
    let flash = approve(&mut p, id).await?;
    p.commit().await?;
    page.session
        .flash(flash != "changes_requests.apply_failed", flash)
        .await?;
    Ok(back(project, id))
}
