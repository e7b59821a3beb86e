//! What happens to a request after it is made: approval (one or two steps), rejection with a
//! reason, cancellation, and payment through the ledger.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::domain::{
    Decision, Refusal, RequestStatus, may_cancel, movement_kind, over_balance, pays_in_full,
    status_after_approval,
};
use super::handlers::{Extra, decidable, detail_page, money_of};
use super::queries::Request;
use super::{BASE, queries};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::funds::contracts::queries as contract_queries;
use crate::funds::domain::ContractStatus;
use crate::funds::ledger::{self, MovementForm, Purpose};
use crate::i18n;
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::form::{self, FieldErrors};
use crate::web::{AppForm, Page, Path, format};

/// The detail page again, with `status` and a message.
pub(super) async fn refuse(
    mut tx: TenantTx<Funds>,
    page: &Page,
    id: i64,
    status: StatusCode,
    x: Extra,
) -> AppResult<Response> {
    let html = detail_page(&mut tx, page, id, x).await?;
    Ok((status, Html(html)).into_response())
}

pub(super) fn notice(tx: &TenantTx<Funds>, key: &str) -> Extra {
    Extra {
        notice: Some(i18n::t(tx.user().locale, key).to_owned()),
        ..Extra::default()
    }
}

/// The answer to a refused approval or rejection.
pub(super) fn refusal(tx: &TenantTx<Funds>, why: Refusal) -> (StatusCode, Extra) {
    match why {
        Refusal::Role => (
            StatusCode::FORBIDDEN,
            notice(tx, "funds_pay.not_an_approver"),
        ),
        Refusal::OwnRequest => (StatusCode::FORBIDDEN, notice(tx, "funds_pay.own_request")),
        Refusal::SameApprover => (
            StatusCode::FORBIDDEN,
            notice(tx, "funds_pay.already_approved"),
        ),
        Refusal::AboveLimit(limit) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Extra {
                notice: Some(i18n::tf(
                    tx.user().locale,
                    "funds_pay.above_limit",
                    &[("limit", &format::money(limit))],
                )),
                ..Extra::default()
            },
        ),
        Refusal::NotOpen => (StatusCode::CONFLICT, notice(tx, "funds.stale")),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VersionForm {
    pub version: i32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RejectForm {
    pub version: i32,
    pub reason: String,
}

/// Checks that the user may decide on request `id` now; the request, or the refusal.
pub(super) async fn decision_check(
    tx: &mut TenantTx<Funds>,
    id: i64,
    version: i32,
) -> AppResult<Result<Request, (StatusCode, Extra)>> {
    let r = queries::find(tx, id, true).await?;
    let settings = queries::approval_settings(tx).await?;
    let me = tx.user().id;
    let limit = queries::limit_of(tx, me).await?;
    if let Err(why) = decidable(&settings.approver_roles, tx, limit, &r) {
        return Ok(Err(refusal(tx, why)));
    }
    if r.version != version {
        return Ok(Err((StatusCode::CONFLICT, notice(tx, "funds.stale"))));
    }
    Ok(Ok(r))
}

/// Approves a request: one step of one or two; the last makes it approved.
pub async fn approve(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    let r = match decision_check(&mut tx, id, f.version).await? {
        Ok(r) => r,
        Err((status, x)) => return refuse(tx, &page, id, status, x).await,
    };
    let by = tx.user().id;
    let step = i16::try_from(r.approvals + 1).unwrap_or(i16::MAX);
    let to = status_after_approval(step, r.approvals_needed);
    queries::insert_approval(&mut tx, id, step, Decision::Approved, "", by).await?;
    if queries::set_status(&mut tx, id, RequestStatus::Requested, to, "", r.version, by)
        .await?
        .is_none()
    {
        let x = notice(&tx, "funds.stale");
        return refuse(tx, &page, id, StatusCode::CONFLICT, x).await;
    }
    tx.audit(Change {
        entity: "payment_request",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("approve {step}/{}", r.approvals_needed),
        before: snapshot(&serde_json::json!({ "status": r.status.as_str() })),
        after: snapshot(&serde_json::json!({ "status": to.as_str(), "step": step })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds_pay.approved_flash").await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

/// Rejects a request, with a reason the requester sees.
pub async fn reject(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<RejectForm>,
) -> AppResult<Response> {
    let r = match decision_check(&mut tx, id, f.version).await? {
        Ok(r) => r,
        Err((status, x)) => return refuse(tx, &page, id, status, x).await,
    };
    let mut e = FieldErrors::default();
    let reason = form::text(&mut e, "reason", &f.reason, true, 500);
    if !e.is_empty() {
        let x = Extra {
            errors: e,
            reason: f.reason,
            ..Extra::default()
        };
        return refuse(tx, &page, id, StatusCode::UNPROCESSABLE_ENTITY, x).await;
    }
    let by = tx.user().id;
    let step = i16::try_from(r.approvals + 1).unwrap_or(i16::MAX);
    queries::insert_approval(&mut tx, id, step, Decision::Rejected, &reason, by).await?;
    if queries::set_status(
        &mut tx,
        id,
        RequestStatus::Requested,
        RequestStatus::Rejected,
        &reason,
        r.version,
        by,
    )
    .await?
    .is_none()
    {
        let x = notice(&tx, "funds.stale");
        return refuse(tx, &page, id, StatusCode::CONFLICT, x).await;
    }
    tx.audit(Change {
        entity: "payment_request",
        entity_id: Some(id),
        action: Action::Update,
        summary: "reject",
        before: snapshot(&serde_json::json!({ "status": r.status.as_str() })),
        after: snapshot(&serde_json::json!({ "status": "rejected", "reason": reason })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds_pay.rejected_flash").await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

/// The requester withdraws a request still awaiting approval.
pub async fn cancel(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    tx.require(Permission::RequestPayment)?;
    let r = queries::find(&mut tx, id, true).await?;
    let open = matches!(r.status, RequestStatus::Requested | RequestStatus::Approved);
    if open && !may_cancel(r.status, r.requested_by == tx.user().id.0, tx.user().role) {
        let x = notice(&tx, "funds_pay.not_requester");
        return refuse(tx, &page, id, StatusCode::FORBIDDEN, x).await;
    }
    let by = tx.user().id;
    if !open
        || queries::set_status(
            &mut tx,
            id,
            r.status,
            RequestStatus::Cancelled,
            "",
            f.version,
            by,
        )
        .await?
        .is_none()
    {
        let x = notice(&tx, "funds.stale");
        return refuse(tx, &page, id, StatusCode::CONFLICT, x).await;
    }
    tx.audit(Change {
        entity: "payment_request",
        entity_id: Some(id),
        action: Action::Update,
        summary: "cancel",
        before: snapshot(&serde_json::json!({ "status": r.status.as_str() })),
        after: snapshot(&serde_json::json!({ "status": "cancelled" })),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_pay.cancelled_flash")
        .await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

/// The payment form: the ledger's fields and the request's version (text: flattened forms
/// hand every value over as text).
#[derive(Debug, Default, Deserialize)]
pub struct PayForm {
    #[serde(default)]
    pub version: String,
    #[serde(flatten)]
    pub movement: MovementForm,
}

/// Pays an approved request in full through the ledger. The month must be open and, for a
/// contract, the request still within the payable balance unless it was an override.
pub async fn pay(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<PayForm>,
) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    let locale = tx.user().locale;
    let r = queries::find(&mut tx, id, true).await?;
    if r.status != RequestStatus::Approved
        || f.version.trim().parse::<i32>().ok() != Some(r.version)
    {
        let x = Extra {
            movement: Some(f.movement),
            ..notice(&tx, "funds.stale")
        };
        return refuse(tx, &page, id, StatusCode::CONFLICT, x).await;
    }
    let mut e = FieldErrors::default();
    let input = f.movement.parse(&mut e, tx.tenant().today());
    if let Some(input) = &input {
        if !pays_in_full(input.amount, r.amount) {
            e.add("amount", "funds_pay.pay_in_full");
        }
        ledger::check(&mut tx, input, &mut e).await?;
    }
    let mut notice_text = None;
    let mut contract = None;
    if let Some(c) = r.contract_id {
        let k = contract_queries::find(&mut tx, c, true).await?;
        let balance = money_of(&mut tx, &k, Some(r.id)).await?.balance(r.kind);
        if k.status != ContractStatus::Signed {
            // A closed contract takes no more payments.
            e.add("amount", "funds_pay.contract_not_signed");
        } else if !r.over_balance && over_balance(r.amount, balance) {
            e.add("amount", "funds_pay.over_balance_now");
            notice_text = Some(i18n::tf(
                locale,
                "funds_pay.over_balance_named",
                &[("balance", &format::money(balance))],
            ));
        }
        contract = Some(k);
    }
    let Some(input) = input.filter(|_| e.is_empty()) else {
        let x = Extra {
            notice: notice_text,
            errors: e,
            movement: Some(f.movement),
            ..Extra::default()
        };
        return refuse(tx, &page, id, StatusCode::UNPROCESSABLE_ENTITY, x).await;
    };
    let purpose = Purpose {
        project_id: Some(r.project_id),
        counterparty_id: contract.as_ref().map(|k| k.counterparty_id),
        contract_id: r.contract_id,
        payment_request_id: Some(r.id),
        ..Purpose::of(movement_kind(r.kind))
    };
    let by = tx.user().id;
    let movement = ledger::record(&mut tx, &purpose, &input, by).await?;
    if queries::set_status(
        &mut tx,
        id,
        RequestStatus::Approved,
        RequestStatus::Paid,
        "",
        r.version,
        by,
    )
    .await?
    .is_none()
    {
        return Err(AppError::Conflict);
    }
    tx.audit(Change {
        entity: "payment_request",
        entity_id: Some(id),
        action: Action::Update,
        summary: "pay",
        before: snapshot(&serde_json::json!({ "status": r.status.as_str() })),
        after: snapshot(&serde_json::json!({
            "status": "paid",
            "movement_id": movement,
            "moved_on": input.moved_on,
            "amount": input.amount,
            "method": input.method,
        })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds_pay.paid_flash").await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}
