//! A change request's page: its fields, its impact (tasks, cost lines, revenue), attachments,
//! the votes of every round, the reason an approval could not be applied, and the actions the
//! user may take.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::attachments::RequestAttachments;
use super::base;
use super::domain::{signed_days, totals};
use super::views::{CostView, RoundView, ShowPage, TaskView, VoteForm, VoteView};
use crate::changes::domain::{Board, Decision, Outcome, Status, may_vote, new_duration, outcome};
use crate::changes::queries::{self as shared, Request, Vote};
use crate::error::AppResult;
use crate::i18n;
use crate::roles::Permission;
use crate::tenancy::Changes;
use crate::tenancy::ProjectTx;
use crate::web::attachments::{self, ListOptions};
use crate::web::form::{Choice, FieldErrors};
use crate::web::{Page, Path, format};

/// Attachments one request may hold.
pub const MAX_ATTACHMENTS: i64 = 20;

/// What a refused action shows on the page.
#[derive(Debug, Default)]
pub struct Parts {
    pub refusal: Option<String>,
    pub vote: Option<(VoteForm, FieldErrors)>,
    pub attachment_error: Option<&'static str>,
}

/// This round's decisions.
/// The decisions of `round` that count: votes of users still on the board and active (a
/// member removed since, or an owner who voted before members were named, no longer counts).
pub fn round_decisions(board: &Board, votes: &[Vote], round: i32) -> Vec<Decision> {
    votes
        .iter()
        .filter(|v| v.round == round && v.voter_active)
        .filter(|v| {
            crate::roles::Role::parse(&v.voter_role)
                .is_some_and(|role| board.includes(v.voter_id, role))
        })
        .filter_map(|v| Decision::parse(&v.decision))
        .collect()
}

/// Whether the user may vote on `r` now (and why not).
pub fn vote_refusal(
    p: &ProjectTx<Changes>,
    board: &Board,
    r: &Request,
    votes: &[Vote],
) -> Result<(), crate::changes::domain::VoteRefusal> {
    let me = p.tx.user().id.0;
    let voted = votes.iter().any(|v| v.round == r.round && v.voter_id == me);
    may_vote(board, r.status, r.requester_id, me, p.tx.user().role, voted)
}

/// Whether the user may apply an approved request again: its votes approve it, its last
/// application failed, and the user sits on the board or is an owner or admin.
pub fn may_apply(p: &ProjectTx<Changes>, board: &Board, r: &Request, votes: &[Vote]) -> bool {
    let user = p.tx.user();
    r.status == Status::UnderReview
        && r.apply_error.is_some()
        && outcome(
            &round_decisions(board, votes, r.round),
            board.approvals_needed,
        ) == Outcome::Approved
        && (board.includes(user.id.0, user.role) || user.role.has(Permission::SeeAllProjects))
}

pub async fn page(
    p: &mut ProjectTx<Changes>,
    page: &Page,
    id: i64,
    parts: Parts,
) -> AppResult<String> {
    let locale = p.tx.user().locale;
    let tz = p.tx.tenant().time_zone;
    let project = p.project.id;
    let r = shared::find(&mut p.tx, project, id, false).await?;
    let status = r.status;
    let approved = status == Status::Approved;
    let lines = shared::task_lines(&mut p.tx, id).await?;
    let costs = shared::cost_lines(&mut p.tx, id).await?;
    let votes = shared::votes(&mut p.tx, id).await?;
    let board = shared::board_settings(&mut p.tx).await?.board();
    let user = p.tx.user().clone();
    let me = user.id.0;
    let raise = user.role.has(Permission::RaiseChange);

    let tasks = lines
        .iter()
        .map(|l| {
            let (from, to, problem) = match (l.duration_before, l.duration_after) {
                (Some(b), Some(a)) if approved => (b, a.to_string(), None),
                _ => match new_duration(
                    l.duration_days,
                    l.remaining_days,
                    l.days,
                    l.is_summary,
                    l.milestone,
                    l.finished,
                ) {
                    Ok((n, _)) => (l.duration_days, n.to_string(), None),
                    Err(refusal) => (
                        l.duration_days,
                        "—".to_owned(),
                        Some(i18n::tf(
                            locale,
                            refusal.message_key(),
                            &[
                                ("task", &l.task_name),
                                ("days", &l.days.abs()),
                                ("duration", &l.duration_days),
                            ],
                        )),
                    ),
                },
            };
            TaskView {
                name: l.task_name.clone(),
                days: signed_days(l.days),
                from,
                to,
                problem,
            }
        })
        .collect();
    let total = totals(&[], &costs.iter().map(|c| c.amount).collect::<Vec<_>>());
    let decisions = round_decisions(&board, &votes, r.round);
    let approvals = decisions
        .iter()
        .filter(|d| **d == Decision::Approve)
        .count();
    let mut rounds: Vec<RoundView> = Vec::new();
    for v in &votes {
        let view = VoteView {
            voter: v.voter_name.clone(),
            decision: v.decision.clone(),
            decision_key: format!("changes_requests.decision_{}", v.decision),
            comment: v.comment.clone(),
            at: format::datetime(v.voted_at, tz),
        };
        match rounds.last_mut() {
            Some(last) if last.round == v.round => last.votes.push(view),
            _ => rounds.push(RoundView {
                round: v.round,
                current: v.round == r.round && status != Status::Draft,
                votes: vec![view],
            }),
        }
    }
    let base = base(project);
    let href = format!("{base}/{id}");
    let files = attachments::list::<RequestAttachments>(
        &mut p.tx,
        id,
        &href,
        ListOptions {
            can_add: raise && !matches!(status, Status::Approved | Status::Rejected),
            can_remove: raise && status == Status::Draft,
            error: parts
                .attachment_error
                .map(|k| i18n::t(locale, k).to_owned()),
        },
    )
    .await?;
    let money_or_dash = |d: Option<rust_decimal::Decimal>| d.map_or("—".to_owned(), format::money);
    let date_or_dash = |d: Option<chrono::NaiveDate>| d.map_or("—".to_owned(), |d| d.to_string());
    let when = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map_or_else(|| "—".to_owned(), |at| format::datetime(at, tz))
    };
    let can_vote = vote_refusal(p, &board, &r, &votes).is_ok();
    let can_apply = may_apply(p, &board, &r, &votes);
    let (vote, errors) = parts.vote.unwrap_or_else(|| {
        (
            VoteForm {
                decision: "approve".to_owned(),
                comment: String::new(),
                version: r.version,
            },
            FieldErrors::default(),
        )
    });
    let mut layout = page.layout(&p.tx, "changes_requests.title");
    layout.title = format!("{} {}", r.number, r.title);
    Ok(ShowPage {
        layout,
        project: p.project.clone(),
        tab: "changes",
        kind_key: r.kind.label_key(),
        status_key: status.label_key(),
        revenue: format::money(r.revenue_amount),
        contract: r.contract_number.clone(),
        contract_href: r.contract_id.map(|c| format!("/funds/contracts/{c}")),
        created: format::datetime(r.created_at, tz),
        submitted: when(r.submitted_at),
        decided: when(r.decided_at),
        approved,
        tasks,
        costs: costs
            .iter()
            .map(|c| CostView {
                code: c.code.clone(),
                name: match locale {
                    i18n::Locale::En if !c.name_en.is_empty() => c.name_en.clone(),
                    _ => c.name_zh.clone(),
                },
                amount: format::money(c.amount),
            })
            .collect(),
        cost_total: format::money(total.cost),
        budget_before: money_or_dash(r.budget_before),
        budget_after: money_or_dash(r.budget_after),
        finish_before: date_or_dash(r.finish_before),
        finish_after: date_or_dash(r.finish_after),
        rounds,
        approvals: i18n::tf(
            locale,
            "changes_requests.approvals",
            &[
                ("n", &approvals),
                ("needed", &board.approvals_needed.max(1)),
            ],
        ),
        attachments: files,
        can_edit: raise && status == Status::Draft && r.requester_id == me,
        can_submit: raise && status == Status::Draft && r.requester_id == me,
        can_delete: raise
            && status == Status::Draft
            && r.round == 0
            && (r.requester_id == me || user.role.has(Permission::SeeAllProjects)),
        can_withdraw: status.in_review()
            && (r.requester_id == me || user.role.has(Permission::SeeAllProjects)),
        can_vote,
        can_apply,
        refusal: parts.refusal,
        vote,
        errors,
        decisions: ["approve", "reject"]
            .iter()
            .map(|d| Choice {
                value: (*d).to_owned(),
                label: i18n::t(locale, &format!("changes_requests.decision_{d}")).to_owned(),
            })
            .collect(),
        base,
        href,
        r,
    }
    .render()?)
}

/// The request's page.
pub async fn show(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
) -> AppResult<Html<String>> {
    Ok(Html(self::page(&mut p, &page, id, Parts::default()).await?))
}

/// The request's page with a refusal at the top, with `status`.
pub async fn refuse(
    mut p: ProjectTx<Changes>,
    page: Page,
    id: i64,
    status: StatusCode,
    key: &str,
) -> AppResult<Response> {
    let message = i18n::t(p.tx.user().locale, key).to_owned();
    refuse_with(&mut p, page, id, status, message).await
}

/// As `refuse`, with a message already in the user's language.
pub async fn refuse_with(
    p: &mut ProjectTx<Changes>,
    page: Page,
    id: i64,
    status: StatusCode,
    message: String,
) -> AppResult<Response> {
    let parts = Parts {
        refusal: Some(message),
        ..Parts::default()
    };
    let html = self::page(p, &page, id, parts).await?;
    Ok((status, Html(html)).into_response())
}
