//! Certification and money in: the client's certificate on a submitted application, the
//! receipts against it, and a contract's retention receipts.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::domain::{ApplicationStatus, RetentionRefusal};
use super::handlers::{Kept, answer};
use super::queries::Certification;
use super::views::{RetentionPage, date_text, facts, receipt_rows};
use super::{BASE, domain, queries};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::funds::contracts::queries::{self as contracts, Contract};
use crate::funds::domain::{ContractDirection, ContractStatus, MAX_AMOUNT};
use crate::funds::ledger::{self, MovementForm, MovementKind, Purpose};
use crate::i18n;
use crate::ids::ContractId;
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::fields::{optional_date, optional_decimal, required_date};
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path, format};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CertifyForm {
    pub certified_amount: String,
    pub certified_on: String,
    pub due_on: String,
    pub version: i32,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReceiptForm {
    #[serde(flatten)]
    pub movement: MovementForm,
}

/// Enters the client's certificate: the amount certified (0 up to the period's value), the
/// date, and the date payment is due (14 days later unless the certificate says otherwise).
pub async fn certify(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<CertifyForm>,
) -> AppResult<Response> {
    tx.require(Permission::RequestPayment)?;
    let locale = tx.user().locale;
    let a = queries::find(&mut tx, id, true).await?;
    if domain::next_status(a.status, "certify").is_none() || f.version != a.version {
        return answer(
            tx,
            &page,
            id,
            StatusCode::CONFLICT,
            Kept {
                cert: Some(f),
                ..Kept::stale(locale)
            },
        )
        .await;
    }
    let day = tx.tenant().today();
    let mut e = FieldErrors::default();
    let amount = optional_decimal(
        &mut e,
        "certified_amount",
        &f.certified_amount,
        MAX_AMOUNT,
        2,
    );
    // The client pays at most what was applied for: retention and deductions are already out.
    let value = a.net_payable;
    let mut notice = Vec::new();
    match amount {
        None if !e.has("certified_amount") => e.add("certified_amount", "form.required"),
        Some(x) if !domain::certifiable(x, value) => {
            e.add("certified_amount", "funds_apply.certified_above_value");
            notice.push(i18n::tf(
                locale,
                "funds_apply.certified_above_value_detail",
                &[("amount", &format::money(value))],
            ));
        }
        _ => {}
    }
    let certified_on = required_date(&mut e, "certified_on", &f.certified_on);
    if let Some(on) = certified_on {
        if on > day {
            e.add("certified_on", "funds.moved_in_future");
        } else if a.submitted_on.is_some_and(|s| on < s) {
            e.add("certified_on", "funds_apply.certified_before_submitted");
        }
    }
    let due_on = optional_date(&mut e, "due_on", &f.due_on);
    if let (Some(due), Some(on)) = (due_on, certified_on)
        && due < on
    {
        e.add("due_on", "funds_apply.due_before_certified");
    }
    let (amount, certified_on) = match (amount, certified_on) {
        (Some(amount), Some(on)) if e.is_empty() => (amount, on),
        _ => {
            return answer(
                tx,
                &page,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Kept {
                    notice,
                    cert: Some(f),
                    cert_errors: e,
                    ..Kept::default()
                },
            )
            .await;
        }
    };
    let c = Certification {
        certified_amount: amount,
        certified_on,
        due_on: due_on.unwrap_or_else(|| domain::default_due(certified_on)),
    };
    let by = tx.user().id;
    if queries::certify(&mut tx, id, &c, f.version, by)
        .await?
        .is_none()
    {
        return answer(
            tx,
            &page,
            id,
            StatusCode::CONFLICT,
            Kept {
                cert: Some(f),
                ..Kept::stale(locale)
            },
        )
        .await;
    }
    tx.audit(Change {
        entity: "payment_application",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("{} #{}", a.contract_number, a.period_no),
        before: snapshot(&serde_json::json!({ "status": a.status.as_str() })),
        after: snapshot(&c),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds_apply.certified").await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

/// Records a receipt against a certified application, up to what is outstanding.
pub async fn receive(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ReceiptForm>,
) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    let locale = tx.user().locale;
    // The row lock keeps two receipts from passing the outstanding check together.
    let a = queries::find(&mut tx, id, true).await?;
    let Some(certified) = a
        .certified_amount
        .filter(|_| a.status == ApplicationStatus::Certified)
    else {
        return Err(AppError::Conflict);
    };
    let mut e = FieldErrors::default();
    let mut notice = Vec::new();
    let input = f.movement.parse(&mut e, tx.tenant().today());
    if let Some(input) = &input {
        ledger::check(&mut tx, input, &mut e).await?;
        let outstanding = domain::outstanding(certified, a.received);
        if !domain::receipt_fits(input.amount, outstanding) {
            e.add("amount", "funds_apply.receipt_above_outstanding");
            notice.push(i18n::tf(
                locale,
                "funds_apply.receipt_above_outstanding_detail",
                &[("amount", &format::money(outstanding))],
            ));
        }
    }
    let input = match input {
        Some(x) if e.is_empty() => x,
        _ => {
            return answer(
                tx,
                &page,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Kept {
                    notice,
                    movement: Some(f.movement),
                    errors: e,
                    ..Kept::default()
                },
            )
            .await;
        }
    };
    let purpose = Purpose {
        project_id: Some(a.project_id),
        counterparty_id: Some(a.counterparty_id),
        contract_id: Some(a.contract_id),
        application_id: Some(id),
        ..Purpose::of(MovementKind::ProgressReceipt)
    };
    let by = tx.user().id;
    let movement = ledger::record(&mut tx, &purpose, &input, by).await?;
    tx.audit(Change {
        entity: "fund_movement",
        entity_id: Some(movement),
        action: Action::Create,
        summary: &format!("{} #{} {}", a.contract_number, a.period_no, input.amount),
        before: None,
        after: snapshot(&serde_json::json!({
            "kind": purpose.kind,
            "application_id": id,
            "moved_on": input.moved_on,
            "amount": input.amount,
            "method": input.method,
            "bank_account_id": input.bank_account_id,
            "reference": input.reference,
        })),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_apply.receipt_recorded")
        .await?;
    Ok(Redirect::to(&format!("{BASE}/{id}#receipts")).into_response())
}

pub(super) async fn retention_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    k: &Contract,
    notice: Vec<String>,
    movement: Option<MovementForm>,
    errors: FieldErrors,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let withheld = queries::retention_withheld(tx, k.id).await?;
    let list = queries::retention_receipts(tx, k.id).await?;
    let received: Decimal = list.iter().map(|r| r.amount).sum();
    let left = domain::outstanding(withheld, received);
    let can_record = tx.user().role.has(Permission::RecordFunds);
    let accounts = if can_record {
        ledger::account_choices(&ledger::active_accounts(tx).await?)
    } else {
        Vec::new()
    };
    let day = tx.tenant().today();
    Ok(RetentionPage {
        layout: page.layout(tx, "funds_apply.retention_title"),
        funds_tab: "applications",
        contract: facts(k),
        release_on: date_text(k.retention_release_on),
        withheld: format::money(withheld),
        received: format::money(received),
        left: format::money(left),
        receipts: receipt_rows(list),
        can_record,
        notice,
        movement: movement.unwrap_or_else(|| MovementForm::new(day, left)),
        errors,
        methods: ledger::method_choices(locale),
        accounts,
    }
    .render()?)
}

/// An income contract that has applications' retention to receive.
pub(super) async fn income_contract(
    tx: &mut TenantTx<Funds>,
    id: ContractId,
    lock: bool,
) -> AppResult<Contract> {
    let k = contracts::find(tx, id, lock).await?;
    if k.direction != ContractDirection::Income || k.status == ContractStatus::Draft {
        return Err(AppError::NotFound);
    }
    Ok(k)
}

/// The retention of an income contract: withheld on certified applications, received, left,
/// and the form to record a receipt once the defects liability period has ended.
pub async fn retention(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<ContractId>,
) -> AppResult<Response> {
    let k = income_contract(&mut tx, id, false).await?;
    let html = retention_page(&mut tx, &page, &k, Vec::new(), None, FieldErrors::default()).await?;
    Ok(Html(html).into_response())
}

/// Records a retention receipt: on or after the release date, up to what is left.
pub async fn receive_retention(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<ContractId>,
    AppForm(f): AppForm<ReceiptForm>,
) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    let locale = tx.user().locale;
    // The contract's row lock keeps two receipts from passing the check together.
    let k = income_contract(&mut tx, id, true).await?;
    let mut e = FieldErrors::default();
    let mut notice = Vec::new();
    let input = f.movement.parse(&mut e, tx.tenant().today());
    if let Some(input) = &input {
        ledger::check(&mut tx, input, &mut e).await?;
        let withheld = queries::retention_withheld(&mut tx, id).await?;
        let received: Decimal = queries::retention_receipts(&mut tx, id)
            .await?
            .iter()
            .map(|r| r.amount)
            .sum();
        match domain::retention_receipt(
            k.retention_release_on,
            input.moved_on,
            input.amount,
            withheld,
            received,
        ) {
            Ok(()) => {}
            Err(RetentionRefusal::NoReleaseDate) => {
                e.add("moved_on", "funds_apply.no_release_date");
            }
            Err(RetentionRefusal::BeforeRelease(d)) => {
                e.add("moved_on", "funds_apply.before_release");
                notice.push(i18n::tf(
                    locale,
                    "funds_apply.before_release_detail",
                    &[("date", &d)],
                ));
            }
            Err(RetentionRefusal::AboveWithheld(left)) => {
                e.add("amount", "funds_apply.retention_above_withheld");
                notice.push(i18n::tf(
                    locale,
                    "funds_apply.retention_above_withheld_detail",
                    &[("amount", &format::money(left))],
                ));
            }
        }
    }
    let input = match input {
        Some(x) if e.is_empty() => x,
        _ => {
            let html = retention_page(&mut tx, &page, &k, notice, Some(f.movement), e).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let purpose = Purpose {
        project_id: Some(k.project_id),
        counterparty_id: Some(k.counterparty_id),
        contract_id: Some(k.id),
        ..Purpose::of(MovementKind::RetentionReceipt)
    };
    let by = tx.user().id;
    let movement = ledger::record(&mut tx, &purpose, &input, by).await?;
    tx.audit(Change {
        entity: "fund_movement",
        entity_id: Some(movement),
        action: Action::Create,
        summary: &format!("{} {}", k.number, input.amount),
        before: None,
        after: snapshot(&serde_json::json!({
            "kind": purpose.kind,
            "contract_id": k.id,
            "moved_on": input.moved_on,
            "amount": input.amount,
            "method": input.method,
            "bank_account_id": input.bank_account_id,
            "reference": input.reference,
        })),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_apply.receipt_recorded")
        .await?;
    Ok(Redirect::to(&format!("/funds/contracts/{id}/retention-receipt")).into_response())
}
