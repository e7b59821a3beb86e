//! Progress-payment application handlers: thin — parse, check with the rules in `domain`,
//! call the SQL in `queries`, render the pages in `views`.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::domain::{
    ApplicationForm, ApplicationStatus, STATUSES, check, figures, listed, takes_applications, terms,
};
use super::queries::{Application, Filter};
use super::receipts::CertifyForm;
use super::views::{
    ApplicationFormPage, ApplicationListPage, ApplicationPage, ApplicationRow, Settlement, Sheet,
    contract_choice, date_text, facts, key_choices, percent_text, receipt_rows,
};
use super::{BASE, domain, queries};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::funds::contracts::queries::{self as contracts, Contract};
use crate::funds::ledger::{self, MovementForm};
use crate::funds::queries as funds_queries;
use crate::i18n::{self, Locale};
use crate::ids::ContractId;
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::form::{Choice, FieldErrors};
use crate::web::{AppForm, Page, Path, format};

// The list ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub project: String,
    pub contract: String,
    pub status: String,
    pub format: Option<ExportFormat>,
}

/// The applications of the projects the user sees, filtered, with totals (withdrawn ones
/// left out of them); `?format=csv|xlsx` downloads the same columns.
pub async fn list(
    mut tx: TenantTx<Funds>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let locale = tx.user().locale;
    let status = q.status.trim();
    let filter = Filter {
        project: q.project.trim().parse().ok(),
        contract: q.contract.trim().parse().ok(),
        status: STATUSES.contains(&status).then(|| status.to_owned()),
    };
    let apps = queries::list(&mut tx, &filter).await?;
    let day = tx.tenant().today();
    let mut totals = [Decimal::ZERO; 5];
    for a in apps
        .iter()
        .filter(|a| a.status != ApplicationStatus::Withdrawn)
    {
        let l = listed(a);
        for (t, x) in totals.iter_mut().zip([
            l.value,
            l.net,
            l.certified.unwrap_or_default(),
            l.received,
            l.outstanding,
        ]) {
            *t += x;
        }
    }
    if let Some(fmt) = q.format {
        return export(locale, &apps, &totals, fmt);
    }
    let income = contracts::Filter {
        direction: Some("income".into()),
        ..contracts::Filter::default()
    };
    let income = contracts::list(&mut tx, &income).await?;
    let projects = funds_queries::visible_projects(&mut tx).await?;
    let rows = apps
        .iter()
        .map(|a| {
            let l = listed(a);
            ApplicationRow {
                id: a.id,
                contract_id: a.contract_id,
                contract: format!("{} {}", a.contract_number, a.contract_title),
                project: format!("{} {}", a.project_code, a.project_name),
                period_no: a.period_no,
                period_end: a.period_end.to_string(),
                period_value: format::money(l.value),
                net_payable: format::money(l.net),
                certified: l.certified.map(format::money).unwrap_or_default(),
                received: format::money(l.received),
                outstanding: format::money(l.outstanding),
                overdue: domain::overdue(l.outstanding, a.due_on, day),
                status_key: format!("funds_apply.status_{}", a.status.as_str()),
                status: a.status.as_str().to_owned(),
            }
        })
        .collect();
    let export_query = format!(
        "project={}&contract={}&status={}",
        urlencoding(&q.project),
        urlencoding(&q.contract),
        urlencoding(&q.status)
    );
    let html = ApplicationListPage {
        layout: page.layout(&tx, "funds_apply.title"),
        funds_tab: "applications",
        rows,
        projects: projects
            .iter()
            .map(|p| Choice {
                value: p.id.to_string(),
                label: format!("{} {}", p.code, p.name),
            })
            .collect(),
        contracts: income.iter().map(contract_choice).collect(),
        open_contracts: income
            .iter()
            .filter(|k| takes_applications(k))
            .map(contract_choice)
            .collect(),
        statuses: key_choices(locale, &STATUSES, "funds_apply.status_"),
        project: q.project,
        contract: q.contract,
        status: q.status,
        export_query,
        total_value: format::money(totals[0]),
        total_net: format::money(totals[1]),
        total_certified: format::money(totals[2]),
        total_received: format::money(totals[3]),
        total_outstanding: format::money(totals[4]),
        can_request: tx.user().role.has(Permission::RequestPayment),
    }
    .render()?;
    Ok(Html(html).into_response())
}

/// Only digits pass through a filter link (ids and statuses are plain ASCII words).
pub(super) fn urlencoding(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

pub(super) fn export(
    locale: Locale,
    apps: &[Application],
    totals: &[Decimal; 5],
    fmt: ExportFormat,
) -> AppResult<Response> {
    let t = |k: &str| i18n::t(locale, k).to_owned();
    let headers = [
        "funds.project",
        "funds.contract",
        "funds_apply.period_no",
        "funds_apply.period_end",
        "funds_apply.period_value",
        "funds_apply.net_payable",
        "funds_apply.certified_amount",
        "funds_apply.received",
        "funds_apply.outstanding",
        "funds_apply.due_on",
        "funds.status",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let rows = apps
        .iter()
        .map(|a| {
            let l = listed(a);
            vec![
                Cell::Text(format!("{} {}", a.project_code, a.project_name)),
                Cell::Text(format!("{} {}", a.contract_number, a.contract_title)),
                Cell::Integer(i64::from(a.period_no)),
                Cell::Text(a.period_end.to_string()),
                Cell::Money(l.value),
                Cell::Money(l.net),
                l.certified.map_or_else(|| "".into(), Cell::Money),
                Cell::Money(l.received),
                Cell::Money(l.outstanding),
                Cell::Text(date_text(a.due_on)),
                Cell::Text(t(&format!("funds_apply.status_{}", a.status.as_str()))),
            ]
        })
        .collect();
    let mut total_row: Vec<Cell> = vec![
        Cell::Text(t("funds_apply.total")),
        "".into(),
        "".into(),
        "".into(),
    ];
    total_row.extend(totals.iter().map(|d| Cell::Money(*d)));
    total_row.extend(["".into(), "".into()]);
    Table {
        headers,
        rows,
        totals: Some(total_row),
    }
    .download(fmt, "progress-payment-applications")
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    pub contract: String,
}

/// Why a contract takes no new application now, as a message; none when it does.
pub(super) async fn refusal_for_new(
    tx: &mut TenantTx<Funds>,
    k: &Contract,
) -> AppResult<Option<String>> {
    let locale = tx.user().locale;
    if !takes_applications(k) {
        return Ok(Some(
            i18n::t(locale, "funds_apply.contract_not_open").to_owned(),
        ));
    }
    if queries::open_draft(tx, k.id).await?.is_some() {
        return Ok(Some(i18n::t(locale, "funds_apply.draft_open").to_owned()));
    }
    Ok(None)
}

pub(super) fn refused_new(
    tx: &TenantTx<Funds>,
    page: &Page,
    notice: String,
    form: ApplicationForm,
) -> AppResult<Response> {
    let html = ApplicationFormPage {
        layout: page.layout(tx, "funds_apply.new"),
        funds_tab: "applications",
        contract: None,
        period_no: 0,
        form,
        form_errors: FieldErrors::default(),
        notice: vec![notice],
    }
    .render()?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// The form of the next period's application of a signed income contract; its open draft
/// instead if it has one.
pub async fn new(
    mut tx: TenantTx<Funds>,
    page: Page,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    tx.require(Permission::RequestPayment)?;
    let id = ContractId(q.contract.trim().parse().map_err(|_| AppError::NotFound)?);
    let k = contracts::find(&mut tx, id, false).await?;
    if takes_applications(&k)
        && let Some(draft) = queries::open_draft(&mut tx, id).await?
    {
        return Ok(Redirect::to(&format!("{BASE}/{draft}")).into_response());
    }
    if let Some(why) = refusal_for_new(&mut tx, &k).await? {
        return refused_new(&tx, &page, why, ApplicationForm::default());
    }
    let period_no = queries::next_period_no(&mut tx, id).await?;
    let form = ApplicationForm {
        contract_id: id.to_string(),
        period_end: tx.tenant().today().to_string(),
        payment_ratio: k.payment_ratio.map(format::quantity).unwrap_or_default(),
        ..ApplicationForm::default()
    };
    let html = ApplicationFormPage {
        layout: page.layout(&tx, "funds_apply.new"),
        funds_tab: "applications",
        contract: Some(facts(&k)),
        period_no,
        form,
        form_errors: FieldErrors::default(),
        notice: Vec::new(),
    }
    .render()?;
    Ok(Html(html).into_response())
}

pub async fn create(
    mut tx: TenantTx<Funds>,
    page: Page,
    AppForm(f): AppForm<ApplicationForm>,
) -> AppResult<Response> {
    tx.require(Permission::RequestPayment)?;
    let locale = tx.user().locale;
    let id = f
        .contract_id
        .trim()
        .parse()
        .map(ContractId)
        .map_err(|_| AppError::NotFound)?;
    // The contract's row lock keeps two drafts of one contract from racing.
    let k = contracts::find(&mut tx, id, true).await?;
    if let Some(why) = refusal_for_new(&mut tx, &k).await? {
        return refused_new(&tx, &page, why, f);
    }
    let earlier = queries::earlier(&mut tx, id, None).await?;
    let period_no = queries::next_period_no(&mut tx, id).await?;
    let checked = match check(locale, &f, &k, &earlier) {
        Ok(c) => c,
        Err((form_errors, notice)) => {
            let html = ApplicationFormPage {
                layout: page.layout(&tx, "funds_apply.new"),
                funds_tab: "applications",
                contract: Some(facts(&k)),
                period_no,
                form: f,
                form_errors,
                notice,
            }
            .render()?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let by = tx.user().id;
    let app = queries::insert(&mut tx, id, period_no, &checked.fields, by).await?;
    tx.audit(Change {
        entity: "payment_application",
        entity_id: Some(app),
        action: Action::Create,
        summary: &format!("{} #{period_no}", k.number),
        before: None,
        after: snapshot(&checked.fields),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds_apply.saved").await?;
    Ok(Redirect::to(&format!("{BASE}/{app}")).into_response())
}

/// What a refused action puts back on the page.
#[derive(Default)]
pub(super) struct Kept {
    pub(super) notice: Vec<String>,
    pub(super) form: Option<ApplicationForm>,
    pub(super) form_errors: FieldErrors,
    pub(super) cert: Option<CertifyForm>,
    pub(super) cert_errors: FieldErrors,
    pub(super) movement: Option<MovementForm>,
    pub(super) errors: FieldErrors,
}

pub(super) async fn detail_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    id: i64,
    kept: Kept,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let a = queries::find(tx, id, false).await?;
    let k = contracts::find(tx, a.contract_id, false).await?;
    let earlier = queries::earlier(tx, a.contract_id, Some(a.period_no)).await?;
    let t = terms(&k);
    let mut c = domain::compute(&t, &earlier, &figures(&a));
    if !domain::editable(a.status) {
        // As submitted: the frozen figures, whatever the contract has become since.
        c.retention = a.retention_amount;
        c.cumulative_retention = earlier.retention + a.retention_amount;
        c.net_payable = a.net_payable;
        c.deductions =
            a.retention_amount + a.advance_recovered + a.owner_materials + a.other_deductions;
    }
    let day = tx.tenant().today();
    let settlement = match (a.status, a.certified_amount) {
        (ApplicationStatus::Certified, Some(certified)) => {
            let outstanding = domain::outstanding(certified, a.received);
            Some(Settlement {
                certified_amount: format::money(certified),
                certified_on: date_text(a.certified_on),
                due_on: date_text(a.due_on),
                certified_by: a.certified_by_name.clone().unwrap_or_default(),
                received: format::money(a.received),
                outstanding: format::money(outstanding),
                overdue: domain::overdue(outstanding, a.due_on, day),
            })
        }
        _ => None,
    };
    let can_record = tx.user().role.has(Permission::RecordFunds);
    let accounts = if can_record && a.status == ApplicationStatus::Certified {
        ledger::account_choices(&ledger::active_accounts(tx).await?)
    } else {
        Vec::new()
    };
    let receipts = receipt_rows(queries::receipts(tx, id).await?);
    let outstanding = a
        .certified_amount
        .map_or(Decimal::ZERO, |x| domain::outstanding(x, a.received));
    Ok(ApplicationPage {
        layout: page.layout(tx, "funds_apply.application"),
        funds_tab: "applications",
        id,
        contract: facts(&k),
        period_no: a.period_no,
        period_end: a.period_end.to_string(),
        status_key: format!("funds_apply.status_{}", a.status.as_str()),
        status: a.status.as_str().to_owned(),
        submitted_on: date_text(a.submitted_on),
        note: a.note.clone(),
        version: a.version,
        sheet: Sheet {
            cumulative_value: format::money(c.cumulative_value),
            earlier_value: format::money(earlier.value),
            period_value: format::money(c.period_value),
            completed: format::money(a.completed_value),
            variation: format::money(a.variation_value),
            day_labour: format::money(a.day_labour_value),
            ratio: percent_text(a.payment_ratio),
            at_ratio: format::money(c.at_ratio),
            advance: format::money(a.advance_recovered),
            cumulative_advance: format::money(c.cumulative_advance),
            owner_materials: format::money(a.owner_materials),
            retention: format::money(c.retention),
            cumulative_retention: format::money(c.cumulative_retention),
            retention_cap: format::money(c.retention_cap),
            other: format::money(a.other_deductions),
            deductions: format::money(c.deductions),
            net_payable: format::money(c.net_payable),
        },
        settlement,
        receipts,
        can_request: tx.user().role.has(Permission::RequestPayment),
        can_record,
        notice: kept.notice,
        form: kept.form.unwrap_or_else(|| ApplicationForm::of(&a)),
        form_errors: kept.form_errors,
        cert: kept.cert.unwrap_or_else(|| CertifyForm {
            certified_amount: a.net_payable.max(Decimal::ZERO).to_string(),
            certified_on: day.to_string(),
            due_on: String::new(),
            version: a.version,
        }),
        cert_errors: kept.cert_errors,
        movement: kept
            .movement
            .unwrap_or_else(|| MovementForm::new(day, outstanding)),
        errors: kept.errors,
        methods: ledger::method_choices(locale),
        accounts,
    }
    .render()?)
}

/// The application as a 进度款支付申请(核准)表, with its certification and receipts.
pub async fn show(mut tx: TenantTx<Funds>, page: Page, Path(id): Path<i64>) -> AppResult<Response> {
    let html = detail_page(&mut tx, &page, id, Kept::default()).await?;
    Ok(Html(html).into_response())
}

pub(super) async fn answer(
    mut tx: TenantTx<Funds>,
    page: &Page,
    id: i64,
    status: StatusCode,
    kept: Kept,
) -> AppResult<Response> {
    let html = detail_page(&mut tx, page, id, kept).await?;
    Ok((status, Html(html)).into_response())
}

impl Kept {
    /// Someone else changed the application first: the notice, and the page as it now is.
    pub(super) fn stale(locale: Locale) -> Self {
        Kept {
            notice: vec![i18n::t(locale, "funds.stale").to_owned()],
            ..Kept::default()
        }
    }
}

/// Saves a draft.
pub async fn update(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ApplicationForm>,
) -> AppResult<Response> {
    tx.require(Permission::RequestPayment)?;
    let locale = tx.user().locale;
    let a = queries::find(&mut tx, id, true).await?;
    if !domain::editable(a.status) {
        return Err(AppError::Conflict);
    }
    let k = contracts::find(&mut tx, a.contract_id, true).await?;
    let earlier = queries::earlier(&mut tx, a.contract_id, Some(a.period_no)).await?;
    let checked = match check(locale, &f, &k, &earlier) {
        Ok(c) => c,
        Err((form_errors, notice)) => {
            let kept = Kept {
                notice,
                form: Some(f),
                form_errors,
                ..Kept::default()
            };
            return answer(tx, &page, id, StatusCode::UNPROCESSABLE_ENTITY, kept).await;
        }
    };
    let by = tx.user().id;
    if queries::update(&mut tx, id, &checked.fields, f.version, by)
        .await?
        .is_none()
    {
        let kept = Kept {
            form: Some(ApplicationForm {
                version: a.version,
                ..f
            }),
            ..Kept::stale(locale)
        };
        return answer(tx, &page, id, StatusCode::CONFLICT, kept).await;
    }
    tx.audit(Change {
        entity: "payment_application",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("{} #{}", a.contract_number, a.period_no),
        before: snapshot(&a),
        after: snapshot(&checked.fields),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds_apply.saved").await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VersionForm {
    pub version: i32,
}

/// Submits a draft: its figures are checked again against the contract as it is now, and the
/// retention and net payable are frozen.
pub async fn submit(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    tx.require(Permission::RequestPayment)?;
    let locale = tx.user().locale;
    let a = queries::find(&mut tx, id, true).await?;
    let k = contracts::find(&mut tx, a.contract_id, true).await?;
    if a.status != ApplicationStatus::Draft || f.version != a.version {
        return answer(tx, &page, id, StatusCode::CONFLICT, Kept::stale(locale)).await;
    }
    let earlier = queries::earlier(&mut tx, a.contract_id, Some(a.period_no)).await?;
    let checked = match check(locale, &ApplicationForm::of(&a), &k, &earlier) {
        Ok(c) => c,
        Err((form_errors, notice)) => {
            let kept = Kept {
                notice,
                form_errors,
                ..Kept::default()
            };
            return answer(tx, &page, id, StatusCode::UNPROCESSABLE_ENTITY, kept).await;
        }
    };
    let by = tx.user().id;
    let day = tx.tenant().today();
    let c = checked.computed;
    if queries::submit(&mut tx, id, c.retention, c.net_payable, day, f.version, by)
        .await?
        .is_none()
    {
        return answer(tx, &page, id, StatusCode::CONFLICT, Kept::stale(locale)).await;
    }
    tx.audit(Change {
        entity: "payment_application",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("{} #{}", a.contract_number, a.period_no),
        before: snapshot(&serde_json::json!({ "status": "draft" })),
        after: snapshot(&serde_json::json!({
            "status": "submitted",
            "retention_amount": c.retention,
            "net_payable": c.net_payable,
        })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds_apply.submitted").await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

/// Withdraws a submitted application (its period number stays used).
pub async fn withdraw(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    tx.require(Permission::RequestPayment)?;
    let locale = tx.user().locale;
    let a = queries::find(&mut tx, id, true).await?;
    let by = tx.user().id;
    if domain::next_status(a.status, "withdraw").is_none()
        || queries::withdraw(&mut tx, id, f.version, by)
            .await?
            .is_none()
    {
        return answer(tx, &page, id, StatusCode::CONFLICT, Kept::stale(locale)).await;
    }
    tx.audit(Change {
        entity: "payment_application",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("{} #{}", a.contract_number, a.period_no),
        before: snapshot(&serde_json::json!({ "status": a.status.as_str() })),
        after: snapshot(&serde_json::json!({ "status": "withdrawn" })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds_apply.withdrawn").await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}
