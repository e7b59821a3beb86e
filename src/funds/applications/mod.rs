//! Progress-payment applications (进度款申请, GB 50500-2013 §10.3) against signed income
//! contracts: a draft per period (numbered 1, 2, 3 …, one open draft per contract), submitted
//! with its retention and net payable frozen, withdrawn or certified by the client (the
//! certificate is entered by our staff; payment due 14 days later, §10.3.11), and the receipts
//! against what was certified. Retention withheld is received on the contract once the defects
//! liability period has ended.
//!
//! Routes: `/funds/applications` (list with filters, totals and CSV/XLSX export; create),
//! `/new?contract=ID`, `/{id}` (the 进度款支付申请(核准)表; save a draft), `/{id}/submit`,
//! `/{id}/withdraw`, `/{id}/certify`, `/{id}/receipts`, and
//! `/funds/contracts/{id}/retention-receipt` (the retention of a contract and its receipts).

pub mod domain;
pub mod queries;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use self::domain::{Computed, Earlier, Figures, RetentionRefusal, STATUSES, Terms};
use self::queries::{Application, ApplicationFields, Certification, Filter, Receipt};
use super::contracts::queries::{self as contracts, Contract};
use super::domain::{MAX_AMOUNT, current_amount};
use super::ledger::{self, MovementForm, Purpose};
use super::queries as funds_queries;
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::fields::{optional_date, optional_decimal, required_date};
use crate::web::form::Choice;
use crate::web::form::{self, FieldErrors};
use crate::web::{AppForm, Layout, Page, Path, format};

const BASE: &str = "/funds/applications";

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(list).post(create))
        .route("/funds/applications/new", get(new))
        .route("/funds/applications/{id}", get(show).post(update))
        .route("/funds/applications/{id}/submit", post(submit))
        .route("/funds/applications/{id}/withdraw", post(withdraw))
        .route("/funds/applications/{id}/certify", post(certify))
        .route("/funds/applications/{id}/receipts", post(receive))
        .route(
            "/funds/contracts/{id}/retention-receipt",
            get(retention).post(receive_retention),
        )
}

fn percent_text(d: Decimal) -> String {
    format!("{} %", format::quantity(d))
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn terms(k: &Contract) -> Terms {
    Terms {
        current_amount: current_amount(k.amount, &[k.variations]),
        retention_percent: k.retention_percent,
        advance_amount: k.advance_amount,
    }
}

fn figures(a: &Application) -> Figures {
    Figures {
        completed: a.completed_value,
        variation: a.variation_value,
        day_labour: a.day_labour_value,
        advance_recovered: a.advance_recovered,
        owner_materials: a.owner_materials,
        other_deductions: a.other_deductions,
        payment_ratio: a.payment_ratio,
    }
}

fn period_value(a: &Application) -> Decimal {
    a.completed_value + a.variation_value + a.day_labour_value
}

/// Whether a contract takes applications: a signed income contract.
fn takes_applications(k: &Contract) -> bool {
    k.direction == "income" && k.status == "signed"
}

fn key_choices(locale: Locale, values: &[&str], prefix: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_owned(),
            label: i18n::t(locale, &format!("{prefix}{v}")).to_owned(),
        })
        .collect()
}

fn contract_choice(k: &Contract) -> Choice {
    Choice {
        value: k.id.to_string(),
        label: format!("{} {} ({})", k.number, k.title, k.project_code),
    }
}

// The list ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub project: String,
    pub contract: String,
    pub status: String,
    pub format: Option<ExportFormat>,
}

/// An application as the list shows it.
#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub id: i64,
    pub contract_id: i64,
    pub contract: String,
    pub project: String,
    pub period_no: i32,
    pub period_end: String,
    pub period_value: String,
    pub net_payable: String,
    pub certified: String,
    pub received: String,
    pub outstanding: String,
    pub overdue: bool,
    pub status: String,
    pub status_key: String,
}

#[derive(Template)]
#[template(path = "funds/applications.html")]
pub struct ApplicationListPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub rows: Vec<ApplicationRow>,
    pub projects: Vec<Choice>,
    pub contracts: Vec<Choice>,
    /// Signed income contracts, for a new application.
    pub open_contracts: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub project: String,
    pub contract: String,
    pub status: String,
    pub export_query: String,
    pub total_value: String,
    pub total_net: String,
    pub total_certified: String,
    pub total_received: String,
    pub total_outstanding: String,
    pub can_request: bool,
}

/// Figures of one listed application.
struct Listed {
    value: Decimal,
    net: Decimal,
    certified: Option<Decimal>,
    received: Decimal,
    outstanding: Decimal,
}

fn listed(a: &Application) -> Listed {
    let certified = (a.status == "certified")
        .then_some(a.certified_amount)
        .flatten();
    Listed {
        value: period_value(a),
        net: a.net_payable,
        certified,
        received: a.received,
        outstanding: certified.map_or(Decimal::ZERO, |c| domain::outstanding(c, a.received)),
    }
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
    for a in apps.iter().filter(|a| a.status != "withdrawn") {
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
                status_key: format!("funds_apply.status_{}", a.status),
                status: a.status.clone(),
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
fn urlencoding(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

fn export(
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
                Cell::Text(t(&format!("funds_apply.status_{}", a.status))),
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

// The application form ------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ApplicationForm {
    pub contract_id: String,
    pub period_end: String,
    pub completed_value: String,
    pub variation_value: String,
    pub day_labour_value: String,
    pub advance_recovered: String,
    pub owner_materials: String,
    pub other_deductions: String,
    pub payment_ratio: String,
    pub note: String,
    pub version: i32,
}

impl ApplicationForm {
    fn of(a: &Application) -> Self {
        ApplicationForm {
            contract_id: a.contract_id.to_string(),
            period_end: a.period_end.to_string(),
            completed_value: a.completed_value.to_string(),
            variation_value: a.variation_value.to_string(),
            day_labour_value: a.day_labour_value.to_string(),
            advance_recovered: a.advance_recovered.to_string(),
            owner_materials: a.owner_materials.to_string(),
            other_deductions: a.other_deductions.to_string(),
            payment_ratio: format::quantity(a.payment_ratio),
            note: a.note.clone(),
            version: a.version,
        }
    }
}

/// An amount of either sign (a variation may lower the period's value); empty is zero.
fn signed_amount(errors: &mut FieldErrors, field: &'static str, value: &str) -> Decimal {
    super::domain::signed_amount_or_zero(errors, field, value)
}

/// An amount of zero or more; empty is zero.
fn amount_or_zero(errors: &mut FieldErrors, field: &'static str, value: &str) -> Decimal {
    optional_decimal(errors, field, value, MAX_AMOUNT, 2).unwrap_or_default()
}

/// A checked form: the fields to save and the figures derived from them.
struct Checked {
    fields: ApplicationFields,
    computed: Computed,
}

/// Checks an application form against the contract and the earlier periods. Errors go
/// beside the fields; the refusals that name an amount also come back in words.
fn check(
    locale: Locale,
    f: &ApplicationForm,
    k: &Contract,
    earlier: &Earlier,
) -> Result<Checked, (FieldErrors, Vec<String>)> {
    let mut e = FieldErrors::default();
    let period_end = required_date(&mut e, "period_end", &f.period_end);
    if let (Some(end), Some(signed)) = (period_end, k.signed_on)
        && end < signed
    {
        e.add("period_end", "funds_apply.period_before_signing");
    }
    if let Some(end) = period_end
        && !e.has("period_end")
        && !domain::period_follows(end, earlier)
    {
        e.add("period_end", "funds_apply.period_not_after");
    }
    let fig = Figures {
        completed: amount_or_zero(&mut e, "completed_value", &f.completed_value),
        variation: signed_amount(&mut e, "variation_value", &f.variation_value),
        day_labour: amount_or_zero(&mut e, "day_labour_value", &f.day_labour_value),
        advance_recovered: amount_or_zero(&mut e, "advance_recovered", &f.advance_recovered),
        owner_materials: amount_or_zero(&mut e, "owner_materials", &f.owner_materials),
        other_deductions: amount_or_zero(&mut e, "other_deductions", &f.other_deductions),
        payment_ratio: optional_decimal(
            &mut e,
            "payment_ratio",
            &f.payment_ratio,
            Decimal::ONE_HUNDRED,
            2,
        )
        .unwrap_or_default(),
    };
    if !e.has("payment_ratio") && !domain::ratio_within_law(fig.payment_ratio) {
        e.add("payment_ratio", "funds_apply.ratio_out_of_range");
    }
    let note = form::multiline(&mut e, "note", &f.note, 2000);
    let t = terms(k);
    let computed = domain::compute(&t, earlier, &fig);
    let mut words = Vec::new();
    if e.is_empty() {
        for r in domain::refusals(&t, earlier, &computed) {
            e.add(r.field(), r.key());
            // The message beside the field says what is wrong; the one above names the amount.
            if let Some(x) = r.amount() {
                let key = format!("{}_detail", r.key());
                words.push(i18n::tf(locale, &key, &[("amount", &format::money(x))]));
            }
        }
    }
    match period_end {
        Some(period_end) if e.is_empty() => Ok(Checked {
            fields: ApplicationFields {
                period_end,
                completed_value: fig.completed,
                variation_value: fig.variation,
                day_labour_value: fig.day_labour,
                advance_recovered: fig.advance_recovered,
                owner_materials: fig.owner_materials,
                other_deductions: fig.other_deductions,
                payment_ratio: fig.payment_ratio,
                note,
                retention_amount: computed.retention,
                net_payable: computed.net_payable,
            },
            computed,
        }),
        _ => Err((e, words)),
    }
}

/// The contract's facts the forms show.
#[derive(Debug, Clone)]
pub struct ContractFacts {
    pub id: i64,
    pub label: String,
    pub project: String,
    pub client: String,
    pub current: String,
    pub ratio: String,
    pub retention_percent: String,
    pub retention_cap: String,
    pub advance: String,
}

fn facts(k: &Contract) -> ContractFacts {
    let t = terms(k);
    ContractFacts {
        id: k.id,
        label: format!("{} {}", k.number, k.title),
        project: format!("{} {}", k.project_code, k.project_name),
        client: k.counterparty_name.clone(),
        current: format::money(t.current_amount),
        ratio: k.payment_ratio.map(percent_text).unwrap_or_default(),
        retention_percent: percent_text(k.retention_percent),
        retention_cap: format::money(domain::percent_of(t.current_amount, t.retention_percent)),
        advance: format::money(k.advance_amount),
    }
}

#[derive(Template)]
#[template(path = "funds/application_form.html")]
pub struct ApplicationFormPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    /// None when the contract takes no application (the notice says why).
    pub contract: Option<ContractFacts>,
    pub period_no: i32,
    pub form: ApplicationForm,
    pub form_errors: FieldErrors,
    pub notice: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    pub contract: String,
}

/// Why a contract takes no new application now, as a message; none when it does.
async fn refusal_for_new(tx: &mut TenantTx<Funds>, k: &Contract) -> AppResult<Option<String>> {
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

fn refused_new(
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
    let id: i64 = q.contract.trim().parse().map_err(|_| AppError::NotFound)?;
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
    let id: i64 = f
        .contract_id
        .trim()
        .parse()
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

// The application page ------------------------------------------------------------------------

/// The 进度款支付申请(核准)表 figures, formatted: this period and, where kept, cumulative.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub cumulative_value: String,
    pub earlier_value: String,
    pub period_value: String,
    pub completed: String,
    pub variation: String,
    pub day_labour: String,
    pub ratio: String,
    pub at_ratio: String,
    pub advance: String,
    pub cumulative_advance: String,
    pub owner_materials: String,
    pub retention: String,
    pub cumulative_retention: String,
    pub retention_cap: String,
    pub other: String,
    pub deductions: String,
    pub net_payable: String,
}

/// The certification and what was received.
#[derive(Debug, Clone)]
pub struct Settlement {
    pub certified_amount: String,
    pub certified_on: String,
    pub due_on: String,
    pub certified_by: String,
    pub received: String,
    pub outstanding: String,
    pub overdue: bool,
}

/// A receipt as listed.
#[derive(Debug, Clone)]
pub struct ReceiptRow {
    pub id: i64,
    pub moved_on: String,
    pub amount: String,
    pub method_key: String,
    pub reference: String,
}

fn receipt_rows(list: Vec<Receipt>) -> Vec<ReceiptRow> {
    list.into_iter()
        .map(|r| ReceiptRow {
            id: r.id,
            moved_on: r.moved_on.to_string(),
            amount: format::money(r.amount),
            method_key: format!("funds.method_{}", r.method),
            reference: r.reference,
        })
        .collect()
}

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

#[derive(Template)]
#[template(path = "funds/application.html")]
pub struct ApplicationPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub id: i64,
    pub contract: ContractFacts,
    pub period_no: i32,
    pub period_end: String,
    pub status: String,
    pub status_key: String,
    pub submitted_on: String,
    pub note: String,
    pub version: i32,
    pub sheet: Sheet,
    pub settlement: Option<Settlement>,
    pub receipts: Vec<ReceiptRow>,
    pub can_request: bool,
    pub can_record: bool,
    pub notice: Vec<String>,
    pub form: ApplicationForm,
    pub form_errors: FieldErrors,
    pub cert: CertifyForm,
    pub cert_errors: FieldErrors,
    pub movement: MovementForm,
    pub errors: FieldErrors,
    pub methods: Vec<Choice>,
    pub accounts: Vec<Choice>,
}

/// What a refused action puts back on the page.
#[derive(Default)]
struct Kept {
    notice: Vec<String>,
    form: Option<ApplicationForm>,
    form_errors: FieldErrors,
    cert: Option<CertifyForm>,
    cert_errors: FieldErrors,
    movement: Option<MovementForm>,
    errors: FieldErrors,
}

async fn detail_page(
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
    if !domain::editable(&a.status) {
        // As submitted: the frozen figures, whatever the contract has become since.
        c.retention = a.retention_amount;
        c.cumulative_retention = earlier.retention + a.retention_amount;
        c.net_payable = a.net_payable;
        c.deductions =
            a.retention_amount + a.advance_recovered + a.owner_materials + a.other_deductions;
    }
    let day = tx.tenant().today();
    let settlement = match (a.status.as_str(), a.certified_amount) {
        ("certified", Some(certified)) => {
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
    let accounts = if can_record && a.status == "certified" {
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
        status_key: format!("funds_apply.status_{}", a.status),
        status: a.status.clone(),
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

async fn answer(
    mut tx: TenantTx<Funds>,
    page: &Page,
    id: i64,
    status: StatusCode,
    kept: Kept,
) -> AppResult<Response> {
    let html = detail_page(&mut tx, page, id, kept).await?;
    Ok((status, Html(html)).into_response())
}

fn stale(locale: Locale) -> Vec<String> {
    vec![i18n::t(locale, "funds.stale").to_owned()]
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
    if !domain::editable(&a.status) {
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
            notice: stale(locale),
            form: Some(ApplicationForm {
                version: a.version,
                ..f
            }),
            ..Kept::default()
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
    if a.status != "draft" || f.version != a.version {
        return answer(
            tx,
            &page,
            id,
            StatusCode::CONFLICT,
            Kept {
                notice: stale(locale),
                ..Kept::default()
            },
        )
        .await;
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
        return answer(
            tx,
            &page,
            id,
            StatusCode::CONFLICT,
            Kept {
                notice: stale(locale),
                ..Kept::default()
            },
        )
        .await;
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
    if domain::next_status(&a.status, "withdraw").is_none()
        || queries::withdraw(&mut tx, id, f.version, by)
            .await?
            .is_none()
    {
        return answer(
            tx,
            &page,
            id,
            StatusCode::CONFLICT,
            Kept {
                notice: stale(locale),
                ..Kept::default()
            },
        )
        .await;
    }
    tx.audit(Change {
        entity: "payment_application",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("{} #{}", a.contract_number, a.period_no),
        before: snapshot(&serde_json::json!({ "status": a.status })),
        after: snapshot(&serde_json::json!({ "status": "withdrawn" })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds_apply.withdrawn").await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
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
    if domain::next_status(&a.status, "certify").is_none() || f.version != a.version {
        return answer(
            tx,
            &page,
            id,
            StatusCode::CONFLICT,
            Kept {
                notice: stale(locale),
                cert: Some(f),
                ..Kept::default()
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
    let (Some(amount), Some(certified_on)) = (amount, certified_on) else {
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
    };
    if !e.is_empty() {
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
                notice: stale(locale),
                cert: Some(f),
                ..Kept::default()
            },
        )
        .await;
    }
    tx.audit(Change {
        entity: "payment_application",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("{} #{}", a.contract_number, a.period_no),
        before: snapshot(&serde_json::json!({ "status": a.status })),
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
    let Some(certified) = a.certified_amount.filter(|_| a.status == "certified") else {
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
        kind: "progress_receipt",
        project_id: Some(a.project_id),
        counterparty_id: Some(a.counterparty_id),
        contract_id: Some(a.contract_id),
        application_id: Some(id),
        ..Purpose::default()
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

// Retention -----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "funds/application_retention.html")]
pub struct RetentionPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub contract: ContractFacts,
    pub release_on: String,
    pub withheld: String,
    pub received: String,
    pub left: String,
    pub receipts: Vec<ReceiptRow>,
    pub can_record: bool,
    pub notice: Vec<String>,
    pub movement: MovementForm,
    pub errors: FieldErrors,
    pub methods: Vec<Choice>,
    pub accounts: Vec<Choice>,
}

async fn retention_page(
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
async fn income_contract(tx: &mut TenantTx<Funds>, id: i64, lock: bool) -> AppResult<Contract> {
    let k = contracts::find(tx, id, lock).await?;
    if k.direction != "income" || k.status == "draft" {
        return Err(AppError::NotFound);
    }
    Ok(k)
}

/// The retention of an income contract: withheld on certified applications, received, left,
/// and the form to record a receipt once the defects liability period has ended.
pub async fn retention(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let k = income_contract(&mut tx, id, false).await?;
    let html = retention_page(&mut tx, &page, &k, Vec::new(), None, FieldErrors::default()).await?;
    Ok(Html(html).into_response())
}

/// Records a retention receipt: on or after the release date, up to what is left.
pub async fn receive_retention(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
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
        kind: "retention_receipt",
        project_id: Some(k.project_id),
        counterparty_id: Some(k.counterparty_id),
        contract_id: Some(k.id),
        ..Purpose::default()
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
