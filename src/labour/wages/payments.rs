//! Advances (借支) and payouts (发放): recorded from the wage sheet one at a time, or "pay all
//! unpaid" for the sheet's month in one go; and their lists with filters. A payout never pays
//! more than is unpaid, and nothing is paid on a later day than today.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::domain::{check_paid_on, money, payment_amount};
use super::queries::{self, NewAdvance, NewPayout, PaymentFilter, PaymentPage};
use super::sheet::{self, SheetParts, SheetQuery, row_unpaid, sheet_href};
use super::views::{AdvanceInput, PayAllInput, PaymentLine, PaymentListPage, PayoutInput};
use super::{chosen_crew, chosen_project, id_param, project_choices, today};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::labour::domain::{PayMethod, WorkerId, month_end, month_of, parse_month, unpaid};
use crate::labour::views::LabourTab;
use crate::roles::Permission;
use crate::tenancy::{Labour, TenantTx};
use crate::web::fields::{optional_date, required_date};
use crate::web::form::{self, FieldErrors};
use crate::web::pager::MAX_PAGE;
use crate::web::{AppForm, Page};

const PAGE_SIZE: i64 = 50;

/// The sheet a payment form was posted from (hidden fields), so a refusal shows it again.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SheetFields {
    pub project: String,
    pub crew: String,
    pub month: String,
}

impl SheetFields {
    fn query(&self) -> SheetQuery {
        SheetQuery {
            project: self.project.clone(),
            crew: self.crew.clone(),
            month: self.month.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AdvanceForm {
    #[serde(flatten)]
    pub sheet: SheetFields,
    #[serde(flatten)]
    pub input: AdvanceInput,
}

#[derive(Debug, Deserialize)]
pub struct PayoutForm {
    #[serde(flatten)]
    pub sheet: SheetFields,
    #[serde(flatten)]
    pub input: PayoutInput,
}

#[derive(Debug, Deserialize)]
pub struct PayAllForm {
    #[serde(flatten)]
    pub sheet: SheetFields,
    #[serde(flatten)]
    pub input: PayAllInput,
}

async fn refuse(
    mut tx: TenantTx<Labour>,
    page: Page,
    sheet: &SheetFields,
    parts: SheetParts,
) -> AppResult<Response> {
    let html = sheet::sheet_page(&mut tx, &page, &sheet.query(), parts).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// The worker a form names: a field error when none is chosen, 404 when the id is not a
/// worker of this tenant.
async fn chosen_worker(
    tx: &mut TenantTx<Labour>,
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
) -> AppResult<Option<queries::WorkerInfo>> {
    if value.trim().is_empty() {
        errors.add(field, "form.required");
        return Ok(None);
    }
    let id = id_param(value).ok_or(AppError::NotFound)?;
    Ok(Some(
        queries::find_worker(tx, WorkerId(id))
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

fn paid_on(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let date = required_date(errors, field, value)?;
    match check_paid_on(date, today) {
        Ok(d) => Some(d),
        Err(key) => {
            errors.add(field, key);
            None
        }
    }
}

fn method(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<PayMethod> {
    let m = PayMethod::parse(value.trim());
    if m.is_none() {
        errors.add(field, "form.invalid_choice");
    }
    m
}

fn amount(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<Decimal> {
    match payment_amount(value) {
        Ok(d) => Some(d),
        Err(key) => {
            errors.add(field, key);
            None
        }
    }
}

/// Records an advance (借支) paid to a worker on a project.
pub async fn create_advance(
    mut tx: TenantTx<Labour>,
    page: Page,
    AppForm(f): AppForm<AdvanceForm>,
) -> AppResult<Response> {
    tx.require(Permission::PayLabour)?;
    let project = chosen_project(&mut tx, &f.sheet.project)
        .await?
        .ok_or(AppError::NotFound)?;
    chosen_crew(&mut tx, &f.sheet.crew).await?;
    let mut errors = FieldErrors::default();
    let today = today(&tx);
    let input = &f.input;
    let worker = chosen_worker(&mut tx, &mut errors, "adv_worker", &input.adv_worker).await?;
    let date = paid_on(&mut errors, "adv_paid_on", &input.adv_paid_on, today);
    let sum = amount(&mut errors, "adv_amount", &input.adv_amount);
    let how = method(&mut errors, "adv_method", &input.adv_method);
    let note = form::multiline(&mut errors, "adv_note", &input.adv_note, 500);
    let (Some(worker), Some(date), Some(sum), Some(how), true) =
        (worker, date, sum, how, errors.is_empty())
    else {
        let parts = SheetParts {
            advance: Some(f.input.clone()),
            advance_errors: errors,
            ..SheetParts::default()
        };
        return refuse(tx, page, &f.sheet, parts).await;
    };
    let advance = NewAdvance {
        project_id: project.id,
        worker_id: worker.id,
        paid_on: date,
        amount: sum,
        method: how.as_str(),
        note,
    };
    let me = tx.user().id;
    let id = queries::insert_advance(&mut tx, &advance, me).await?;
    tx.audit(Change {
        entity: "labour_advance",
        entity_id: Some(id),
        action: Action::Create,
        summary: &format!(
            "advance {} to {} on {}",
            money(sum),
            worker.name,
            project.code
        ),
        before: None,
        after: snapshot(&advance),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "labour_wages.advance_saved")
        .await?;
    let crew = id_param(&f.sheet.crew);
    Ok(Redirect::to(&sheet_href(project.id, crew, month_of(date))).into_response())
}

/// Records a payout (发放) of a worker's wages for a month, never more than is unpaid.
pub async fn create_payout(
    mut tx: TenantTx<Labour>,
    page: Page,
    AppForm(f): AppForm<PayoutForm>,
) -> AppResult<Response> {
    tx.require(Permission::PayLabour)?;
    let project = chosen_project(&mut tx, &f.sheet.project)
        .await?
        .ok_or(AppError::NotFound)?;
    chosen_crew(&mut tx, &f.sheet.crew).await?;
    let mut errors = FieldErrors::default();
    let today = today(&tx);
    let input = &f.input;
    let worker = chosen_worker(&mut tx, &mut errors, "pay_worker", &input.pay_worker).await?;
    let period = match parse_month(&input.pay_period) {
        Some(p) if p > month_of(today) => {
            errors.add("pay_period", "labour_wages.future_period");
            None
        }
        Some(p) => Some(p),
        None => {
            errors.add("pay_period", "labour_wages.invalid_month");
            None
        }
    };
    let date = paid_on(&mut errors, "pay_paid_on", &input.pay_paid_on, today);
    let sum = amount(&mut errors, "pay_amount", &input.pay_amount);
    let how = method(&mut errors, "pay_method", &input.pay_method);
    let reference = form::text(
        &mut errors,
        "pay_reference",
        &input.pay_reference,
        false,
        100,
    );
    let mut refusal = None;
    if let (Some(worker), Some(period), Some(sum)) = (&worker, period, sum) {
        // The worker's row is locked first: a second payment waits and then sees this one.
        queries::lock_workers(&mut tx, &[worker.id]).await?;
        let m = queries::worker_month(&mut tx, worker.id, project.id, period, month_end(period))
            .await?;
        let owed = unpaid(m.gross, m.advances, m.paid);
        if sum > owed {
            errors.add("pay_amount", "labour_wages.more_than_unpaid");
            refusal = Some(i18n::tf(
                tx.user().locale,
                "labour_wages.unpaid_is",
                &[
                    ("name", &worker.name),
                    ("month", &period.format("%Y-%m")),
                    ("amount", &money(owed)),
                ],
            ));
        }
    }
    let (Some(worker), Some(period), Some(date), Some(sum), Some(how), true) =
        (worker, period, date, sum, how, errors.is_empty())
    else {
        let parts = SheetParts {
            payout: Some(f.input.clone()),
            payout_errors: errors,
            refusal,
            ..SheetParts::default()
        };
        return refuse(tx, page, &f.sheet, parts).await;
    };
    let payout = NewPayout {
        project_id: project.id,
        worker_id: worker.id,
        period,
        paid_on: date,
        amount: sum,
        method: how.as_str(),
        reference,
    };
    let me = tx.user().id;
    let id = queries::insert_payout(&mut tx, &payout, me).await?;
    tx.audit(Change {
        entity: "labour_payout",
        entity_id: Some(id),
        action: Action::Create,
        summary: &format!(
            "payout {} to {} on {} for {}",
            money(sum),
            worker.name,
            project.code,
            period.format("%Y-%m")
        ),
        before: None,
        after: snapshot(&payout),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "labour_wages.payout_saved")
        .await?;
    let crew = id_param(&f.sheet.crew);
    Ok(Redirect::to(&sheet_href(project.id, crew, period)).into_response())
}

/// Pays every worker of the sheet what is unpaid for its month: one payout each, all in one
/// transaction.
pub async fn pay_all(
    mut tx: TenantTx<Labour>,
    page: Page,
    AppForm(f): AppForm<PayAllForm>,
) -> AppResult<Response> {
    tx.require(Permission::PayLabour)?;
    let q = f.sheet.query();
    let first = sheet::load(&mut tx, &q).await?.ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    let today = today(&tx);
    let input = &f.input;
    if first.month > month_of(today) {
        errors.add("all_paid_on", "labour_wages.future_period");
    }
    let date = paid_on(&mut errors, "all_paid_on", &input.all_paid_on, today);
    let how = method(&mut errors, "all_method", &input.all_method);
    let reference = form::text(
        &mut errors,
        "all_reference",
        &input.all_reference,
        false,
        100,
    );
    let (Some(date), Some(how), true) = (date, how, errors.is_empty()) else {
        let parts = SheetParts {
            pay_all: Some(f.input.clone()),
            pay_all_errors: errors,
            ..SheetParts::default()
        };
        return refuse(tx, page, &f.sheet, parts).await;
    };
    // Lock the workers, then read the sheet again: what is unpaid now is what gets paid.
    let ids: Vec<WorkerId> = first.rows.iter().map(|r| r.worker_id).collect();
    queries::lock_workers(&mut tx, &ids).await?;
    let sheet = sheet::load(&mut tx, &q).await?.ok_or(AppError::NotFound)?;
    let payable: Vec<(WorkerId, String, Decimal)> = sheet
        .rows
        .iter()
        .map(|r| (r.worker_id, r.name.clone(), row_unpaid(r)))
        .filter(|(_, _, owed)| *owed > Decimal::ZERO)
        .collect();
    if payable.is_empty() {
        let parts = SheetParts {
            pay_all: Some(f.input.clone()),
            refusal: Some(i18n::t(tx.user().locale, "labour_wages.nothing_unpaid").to_owned()),
            ..SheetParts::default()
        };
        return refuse(tx, page, &f.sheet, parts).await;
    }
    let me = tx.user().id;
    for (worker, name, owed) in &payable {
        let payout = NewPayout {
            project_id: sheet.project.id,
            worker_id: *worker,
            period: sheet.month,
            paid_on: date,
            amount: *owed,
            method: how.as_str(),
            reference: reference.clone(),
        };
        let id = queries::insert_payout(&mut tx, &payout, me).await?;
        tx.audit(Change {
            entity: "labour_payout",
            entity_id: Some(id),
            action: Action::Create,
            summary: &format!(
                "payout {} to {name} on {} for {} (pay all unpaid)",
                money(*owed),
                sheet.project.code,
                sheet.month.format("%Y-%m")
            ),
            before: None,
            after: snapshot(&payout),
        })
        .await?;
    }
    tx.commit().await?;
    page.session.flash(true, "labour_wages.paid_all").await?;
    let crew = sheet.crew.as_ref().map(|c| c.id);
    Ok(Redirect::to(&sheet_href(sheet.project.id, crew, sheet.month)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub project: String,
    pub worker: String,
    pub from: String,
    pub to: String,
    pub page: i64,
}

async fn list_page(
    mut tx: TenantTx<Labour>,
    page: Page,
    q: ListQuery,
    kind: &'static str,
) -> AppResult<Html<String>> {
    let project = chosen_project(&mut tx, &q.project).await?;
    let worker = match id_param(&q.worker) {
        Some(id) => Some(
            queries::find_worker(&mut tx, WorkerId(id))
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let mut ignored = FieldErrors::default();
    let filter = PaymentFilter {
        project: project.as_ref().map(|p| p.id.get()),
        worker: worker.as_ref().map(|w| w.id),
        from: optional_date(&mut ignored, "from", &q.from),
        to: optional_date(&mut ignored, "to", &q.to),
    };
    let current = q.page.clamp(1, MAX_PAGE);
    let offset = (current - 1) * PAGE_SIZE;
    let listed = if kind == "advances" {
        queries::PaymentKind::Advance
    } else {
        queries::PaymentKind::Payout
    };
    let PaymentPage { rows, total, sum } =
        queries::list_payments(&mut tx, listed, &filter, PAGE_SIZE, offset).await?;
    let projects = project_choices(&mut tx).await?;
    let date_text = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair(
            "project",
            &filter.project.map(|p| p.to_string()).unwrap_or_default(),
        )
        .append_pair(
            "worker",
            &filter.worker.map(|w| w.to_string()).unwrap_or_default(),
        )
        .append_pair("from", &date_text(filter.from))
        .append_pair("to", &date_text(filter.to))
        .finish();
    let title = if kind == "advances" {
        "labour_wages.advances_title"
    } else {
        "labour_wages.payouts_title"
    };
    Ok(Html(
        PaymentListPage {
            layout: page.layout(&tx, title),
            tab: LabourTab::Wages,
            kind,
            projects,
            project: filter.project.map(|p| p.to_string()).unwrap_or_default(),
            worker: filter.worker.map(|w| w.to_string()).unwrap_or_default(),
            worker_name: worker.map(|w| w.name),
            from: date_text(filter.from),
            to: date_text(filter.to),
            rows: rows
                .into_iter()
                .map(|r| {
                    let month = r.period.unwrap_or_else(|| month_of(r.paid_on));
                    PaymentLine {
                        paid_on: r.paid_on.to_string(),
                        period: r
                            .period
                            .map(|p| p.format("%Y-%m").to_string())
                            .unwrap_or_default(),
                        sheet_href: sheet_href(r.project_id, None, month),
                        id: r.id,
                        project_code: r.project_code,
                        worker_id: r.worker_id,
                        worker_name: r.worker_name,
                        amount: money(r.amount),
                        method_key: r.method.label_key(),
                        note: r.note,
                        created_by: r.created_by_name.unwrap_or_default(),
                    }
                })
                .collect(),
            total,
            sum: money(sum),
            page: current,
            pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
            query,
        }
        .render()?,
    ))
}

pub async fn list_advances(
    tx: TenantTx<Labour>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    list_page(tx, page, q, "advances").await
}

pub async fn list_payouts(
    tx: TenantTx<Labour>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    list_page(tx, page, q, "payouts").await
}
