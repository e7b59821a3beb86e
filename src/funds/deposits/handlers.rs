//! Tender-deposit handlers: the list with the form to record one paid, one deposit's page,
//! refunding it and converting it.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::BASE;
use super::domain::{DepositStatus, overdue};
use super::queries::{self, DepositFields, NewDeposit, find, lock, select, settle};
use super::views::{DepositPage, DepositRow, DepositsPage, status_key};
use crate::audit::{Action, Change, snapshot};
use crate::error::AppResult;
use crate::funds::domain::CounterpartyKind;
use crate::funds::ledger::{self, MovementForm, MovementKind, Purpose};
use crate::funds::queries as funds_queries;
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::fields::{optional_date, optional_int, required_date};
use crate::web::form::{self, Choice, FieldErrors};
use crate::web::{AppForm, Page, Path, format};

// The list and paying a deposit ---------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DepositForm {
    #[serde(default)]
    pub tender_name: String,
    #[serde(default)]
    pub counterparty_id: String,
    #[serde(default)]
    pub project_id: String,
    #[serde(default)]
    pub due_back_on: String,
    #[serde(flatten)]
    pub movement: MovementForm,
}

pub(super) async fn list_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    form: DepositForm,
    errors: FieldErrors,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let now = tx.tenant().today();
    let deposits = select(tx, None).await?;
    let outstanding: Decimal = deposits
        .iter()
        .filter(|d| d.status == DepositStatus::Paid && !d.cancelled)
        .map(|d| d.amount)
        .sum();
    let rows = deposits
        .iter()
        .map(|d| DepositRow {
            id: d.id,
            tender_name: d.tender_name.clone(),
            counterparty: d.counterparty.clone(),
            project: d.project.clone().unwrap_or_default(),
            amount: format::money(d.amount),
            paid_on: d.paid_on.to_string(),
            due_back_on: d.due_back_on.map(|x| x.to_string()).unwrap_or_default(),
            status: d.status.as_str().to_owned(),
            status_key: status_key(d),
            settled_on: d.settled_on.map(|x| x.to_string()).unwrap_or_default(),
            overdue: !d.cancelled && overdue(d.status, d.due_back_on, now),
        })
        .collect();
    let clients = funds_queries::counterparties(tx)
        .await?
        .into_iter()
        .filter(|c| c.active && c.kind == CounterpartyKind::Client)
        .map(|c| Choice {
            value: c.id.to_string(),
            label: c.name,
        })
        .collect();
    let projects = funds_queries::visible_projects(tx)
        .await?
        .into_iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: format!("{} {}", p.code, p.name),
        })
        .collect();
    let accounts = ledger::account_choices(&ledger::active_accounts(tx).await?);
    Ok(DepositsPage {
        layout: page.layout(tx, "funds.tab_deposits"),
        funds_tab: "deposits",
        rows,
        outstanding: format::money(outstanding),
        can_record: tx.user().role.has(Permission::RecordFunds),
        movement: form.movement.clone(),
        form,
        errors,
        clients,
        projects,
        methods: ledger::method_choices(locale),
        accounts,
    }
    .render()?)
}

/// The deposits, unsettled first with overdue due-back dates marked, and the form to pay one.
pub async fn list(mut tx: TenantTx<Funds>, page: Page) -> AppResult<Response> {
    let form = DepositForm {
        movement: MovementForm::new(tx.tenant().today(), Decimal::ZERO),
        ..DepositForm::default()
    };
    let html = list_page(&mut tx, &page, form, FieldErrors::default()).await?;
    Ok(Html(html).into_response())
}

/// Pays a deposit: the deposit and its payment from the ledger.
pub async fn create(
    mut tx: TenantTx<Funds>,
    page: Page,
    AppForm(f): AppForm<DepositForm>,
) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    let now = tx.tenant().today();
    let mut e = FieldErrors::default();
    let tender_name = form::text(&mut e, "tender_name", &f.tender_name, true, 200);
    let counterparty_id = optional_int(&mut e, "counterparty_id", &f.counterparty_id, 1..=i64::MAX);
    match counterparty_id {
        None if !e.has("counterparty_id") => e.add("counterparty_id", "form.required"),
        Some(c) => {
            let parties = funds_queries::counterparties(&mut tx).await?;
            if !parties
                .iter()
                .any(|x| x.id == c && x.active && x.kind == CounterpartyKind::Client)
            {
                e.add("counterparty_id", "funds_ledger.tenderer_unknown");
            }
        }
        None => {}
    }
    let project_id = optional_int(&mut e, "project_id", &f.project_id, 1..=i64::MAX);
    if let Some(p) = project_id {
        let projects = funds_queries::visible_projects(&mut tx).await?;
        if !projects.iter().any(|x| x.id.get() == p) {
            e.add("project_id", "funds.unknown_project");
        }
    } else if !tx.user().role.has(Permission::SeeAllProjects) && !e.has("project_id") {
        e.add("project_id", "form.required");
    }
    let due_back_on = optional_date(&mut e, "due_back_on", &f.due_back_on);
    let input = f.movement.parse(&mut e, now);
    if let Some(input) = &input {
        ledger::check(&mut tx, input, &mut e).await?;
        if due_back_on.is_some_and(|d| d < input.moved_on) {
            e.add("due_back_on", "funds_ledger.due_before_paid");
        }
    }
    let (Some(counterparty_id), Some(input)) = (counterparty_id, input) else {
        return refuse_list(tx, page, f, e).await;
    };
    if !e.is_empty() {
        return refuse_list(tx, page, f, e).await;
    }
    let by = tx.user().id;
    let new = NewDeposit {
        project_id,
        tender_name: &tender_name,
        counterparty_id,
        amount: input.amount,
        paid_on: input.moved_on,
        due_back_on,
    };
    let id = queries::insert(&mut tx, &new, by).await?;
    let purpose = Purpose {
        project_id,
        counterparty_id: Some(counterparty_id),
        deposit_id: Some(id),
        ..Purpose::of(MovementKind::DepositPaid)
    };
    let movement = ledger::record(&mut tx, &purpose, &input, by).await?;
    tx.audit(Change {
        entity: "tender_deposit",
        entity_id: Some(id),
        action: Action::Create,
        summary: &tender_name,
        before: None,
        after: snapshot(&DepositFields {
            tender_name: &tender_name,
            counterparty_id,
            project_id,
            amount: input.amount,
            paid_on: input.moved_on,
            due_back_on,
            movement_id: movement,
        }),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_ledger.deposit_saved")
        .await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

pub(super) async fn refuse_list(
    mut tx: TenantTx<Funds>,
    page: Page,
    f: DepositForm,
    e: FieldErrors,
) -> AppResult<Response> {
    let html = list_page(&mut tx, &page, f, e).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

// One deposit: refund or convert ---------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConvertForm {
    pub settled_on: String,
    pub reason: String,
}

#[derive(Default)]
pub(super) struct Refused {
    pub(super) refund: Option<(MovementForm, FieldErrors)>,
    pub(super) convert: Option<(ConvertForm, FieldErrors)>,
    pub(super) refusal: Option<&'static str>,
}

pub(super) async fn show_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    id: i64,
    refused: Refused,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let now = tx.tenant().today();
    let d = find(tx, id).await?;
    let movements = queries::movements(tx, id)
        .await?
        .into_iter()
        .map(|m| {
            (
                m.id,
                m.moved_on.to_string(),
                ledger::kind_label(locale, m.kind),
                format::money(m.amount),
            )
        })
        .collect();
    let (movement, errors) = refused
        .refund
        .unwrap_or_else(|| (MovementForm::new(now, d.amount), FieldErrors::default()));
    let (convert, convert_errors) = refused.convert.unwrap_or_else(|| {
        (
            ConvertForm {
                settled_on: now.to_string(),
                reason: String::new(),
            },
            FieldErrors::default(),
        )
    });
    let accounts = ledger::account_choices(&ledger::active_accounts(tx).await?);
    Ok(DepositPage {
        layout: page.layout(tx, "funds_ledger.deposit"),
        funds_tab: "deposits",
        amount: format::money(d.amount),
        status_key: status_key(&d),
        overdue: !d.cancelled && overdue(d.status, d.due_back_on, now),
        movements,
        can_settle: tx.user().role.has(Permission::RecordFunds)
            && d.status == DepositStatus::Paid
            && !d.cancelled,
        movement,
        errors,
        convert,
        convert_errors,
        methods: ledger::method_choices(locale),
        accounts,
        refusal: refused.refusal,
        d,
    }
    .render()?)
}

/// The deposit, its movements, and the forms to refund or convert it.
pub async fn show(mut tx: TenantTx<Funds>, page: Page, Path(id): Path<i64>) -> AppResult<Response> {
    let html = show_page(&mut tx, &page, id, Refused::default()).await?;
    Ok(Html(html).into_response())
}

pub(super) async fn not_open(tx: TenantTx<Funds>, page: Page, id: i64) -> AppResult<Response> {
    respond(
        tx,
        page,
        id,
        StatusCode::CONFLICT,
        Refused {
            refusal: Some("funds_ledger.deposit_settled"),
            ..Refused::default()
        },
    )
    .await
}

pub(super) async fn respond(
    mut tx: TenantTx<Funds>,
    page: Page,
    id: i64,
    status: StatusCode,
    refused: Refused,
) -> AppResult<Response> {
    let html = show_page(&mut tx, &page, id, refused).await?;
    Ok((status, Html(html)).into_response())
}

/// Refunds the deposit in full (the amount must equal it) into the ledger.
pub async fn refund(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<MovementForm>,
) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    lock(&mut tx, id).await?;
    let d = find(&mut tx, id).await?;
    if d.status != DepositStatus::Paid || d.cancelled {
        return not_open(tx, page, id).await;
    }
    let mut e = FieldErrors::default();
    let input = f.parse(&mut e, tx.tenant().today());
    if let Some(input) = &input {
        if input.amount != d.amount {
            e.add("amount", "funds_ledger.refund_whole");
        }
        if input.moved_on < d.paid_on {
            e.add("moved_on", "funds_ledger.before_paid");
        }
        ledger::check(&mut tx, input, &mut e).await?;
    }
    let Some(input) = input.filter(|_| e.is_empty()) else {
        return respond(
            tx,
            page,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Refused {
                refund: Some((f, e)),
                ..Refused::default()
            },
        )
        .await;
    };
    let by = tx.user().id;
    if !settle(
        &mut tx,
        id,
        DepositStatus::Refunded,
        input.moved_on,
        &d.note,
        by,
    )
    .await?
    {
        return not_open(tx, page, id).await;
    }
    let purpose = Purpose {
        project_id: d.project_id,
        counterparty_id: Some(d.counterparty_id),
        deposit_id: Some(id),
        ..Purpose::of(MovementKind::DepositRefund)
    };
    let movement = ledger::record(&mut tx, &purpose, &input, by).await?;
    tx.audit(Change {
        entity: "tender_deposit",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("{} refunded", d.tender_name),
        before: snapshot(&d),
        after: Some(serde_json::json!({
            "status": "refunded",
            "settled_on": input.moved_on,
            "movement_id": movement,
        })),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_ledger.deposit_refund_saved")
        .await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

/// Converts the deposit into the performance security or a payment: no cash moves.
pub async fn convert(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ConvertForm>,
) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    lock(&mut tx, id).await?;
    let d = find(&mut tx, id).await?;
    if d.status != DepositStatus::Paid || d.cancelled {
        return not_open(tx, page, id).await;
    }
    let now = tx.tenant().today();
    let mut e = FieldErrors::default();
    let on = required_date(&mut e, "settled_on", &f.settled_on);
    if on.is_some_and(|x| x > now) {
        e.add("settled_on", "funds_ledger.settled_in_future");
    } else if on.is_some_and(|x| x < d.paid_on) {
        e.add("settled_on", "funds_ledger.before_paid");
    }
    let reason = form::text(&mut e, "reason", &f.reason, true, 500);
    let Some(on) = on.filter(|_| e.is_empty()) else {
        return respond(
            tx,
            page,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Refused {
                convert: Some((f, e)),
                ..Refused::default()
            },
        )
        .await;
    };
    let by = tx.user().id;
    if !settle(&mut tx, id, DepositStatus::Converted, on, &reason, by).await? {
        return not_open(tx, page, id).await;
    }
    tx.audit(Change {
        entity: "tender_deposit",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("{} converted", d.tender_name),
        before: snapshot(&d),
        after: Some(serde_json::json!({
            "status": "converted",
            "settled_on": on,
            "note": reason,
        })),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_ledger.deposit_convert_saved")
        .await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}
