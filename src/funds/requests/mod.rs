//! Payment requests (付款申请): progress payments and retention releases against signed
//! expense contracts, and staff reimbursements (报销). A request is held against the
//! contract's payable balance (above it only with a stated reason), approved by the tenant's
//! approver roles within each approver's limit (two different approvers above the
//! threshold), then paid in full through the ledger; or rejected with a reason, or cancelled
//! by the requester.
//!
//! Routes: `/funds/requests` (list with filters, totals, CSV/XLSX; and create), `/new`
//! (`?contract=ID` or `?kind=reimbursement`), `/{id}` (details, approval trail, actions),
//! `/{id}/approve`, `/{id}/reject`, `/{id}/cancel`, `/{id}/pay`.

pub mod domain;
pub mod queries;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use self::domain::{
    ContractMoney, Decider, KINDS, Pending, Refusal, STATUSES, approvals_needed, may_decide,
    movement_kind, over_balance, pays_in_full, retention_due, status_after_approval,
};
use self::queries::{Filter, NewRequest, Request};
use super::contracts::queries::{self as contract_queries, Contract};
use super::domain::{current_amount, positive_amount};
use super::ledger::{self, MovementForm, Purpose};
use super::queries as funds_queries;
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::roles::{Permission, Role};
use crate::tenancy::{Funds, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::fields::optional_int;
use crate::web::form::Choice;
use crate::web::form::{self, FieldErrors};
use crate::web::{AppForm, Layout, Page, Path, format};

const BASE: &str = "/funds/requests";

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(list).post(create))
        .route("/funds/requests/new", get(new))
        .route("/funds/requests/{id}", get(show))
        .route("/funds/requests/{id}/approve", post(approve))
        .route("/funds/requests/{id}/reject", post(reject))
        .route("/funds/requests/{id}/cancel", post(cancel))
        .route("/funds/requests/{id}/pay", post(pay))
}

fn category_label(locale: Locale, zh: Option<&str>, en: Option<&str>) -> String {
    match (locale, en) {
        (Locale::En, Some(en)) if !en.is_empty() => en.to_owned(),
        _ => zh.unwrap_or("").to_owned(),
    }
}

/// The status in words, with the approvals given while two are needed ("1 of 2 approvals").
fn status_text(locale: Locale, r: &Request) -> String {
    let status = i18n::t(locale, &format!("funds_pay.status_{}", r.status)).to_owned();
    if r.status == "requested" && r.approvals_needed == 2 {
        let progress = i18n::tf(
            locale,
            "funds_pay.approvals_progress",
            &[("done", &r.approvals), ("needed", &r.approvals_needed)],
        );
        format!("{status} · {progress}")
    } else {
        status
    }
}

/// Whom the request pays: the contract's counterparty or the member of staff.
fn payee(r: &Request) -> String {
    r.counterparty_name
        .clone()
        .or_else(|| r.payee_name.clone())
        .unwrap_or_default()
}

fn contract_money_of(k: &Contract) -> (Decimal, Decimal) {
    (
        current_amount(k.amount, &[k.variations]),
        k.retention_percent,
    )
}

async fn money_of(
    tx: &mut TenantTx<Funds>,
    k: &Contract,
    except: Option<i64>,
) -> AppResult<ContractMoney> {
    let (current, percent) = contract_money_of(k);
    queries::contract_money(tx, k.id, current, percent, except).await
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

// The list ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
    pub project: String,
    pub kind: String,
    /// "1": only the requests the user may approve now.
    pub mine: String,
    pub contract: String,
    pub format: Option<ExportFormat>,
}

impl ListQuery {
    /// The query string without the format, for the export links.
    fn export_query(&self) -> String {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", &self.status),
            ("project", &self.project),
            ("kind", &self.kind),
            ("mine", &self.mine),
            ("contract", &self.contract),
        ] {
            if !v.trim().is_empty() {
                pairs.append_pair(k, v.trim());
            }
        }
        pairs.finish()
    }
}

/// A request as the list shows it.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub requested_on: String,
    pub kind_key: String,
    pub project: String,
    pub contract: String,
    pub payee: String,
    pub purpose: String,
    pub amount: String,
    pub status: String,
    pub status_text: String,
    pub over_balance: bool,
}

#[derive(Template)]
#[template(path = "funds/requests.html")]
pub struct RequestListPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub rows: Vec<RequestRow>,
    pub projects: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub status: String,
    pub project: String,
    pub kind: String,
    pub mine: bool,
    pub contract: String,
    pub count: usize,
    pub total: String,
    pub export_query: String,
    pub can_request: bool,
}

/// Whether the user may decide on `r` now.
fn decidable(
    roles: &[String],
    tx: &TenantTx<Funds>,
    limit: Option<Decimal>,
    r: &Request,
) -> Result<(), Refusal> {
    let me = tx.user();
    may_decide(
        roles,
        Decider {
            user: me.id.0,
            role: me.role.as_str(),
            limit,
        },
        Pending {
            status: &r.status,
            amount: r.amount,
            requested_by: r.requested_by,
            payee: r.payee_user_id,
            first_approver: r.first_approver,
        },
    )
}

/// The requests of the projects the user sees, filtered, with their count and total; or the
/// same as CSV or XLSX (`format`).
pub async fn list(
    mut tx: TenantTx<Funds>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let locale = tx.user().locale;
    let keep = |s: &str, allowed: &[&str]| {
        let s = s.trim();
        allowed.contains(&s).then(|| s.to_owned())
    };
    let filter = Filter {
        status: keep(&q.status, &STATUSES),
        project: q.project.trim().parse().ok(),
        kind: keep(&q.kind, &KINDS),
        contract: q.contract.trim().parse().ok(),
    };
    let mut requests = queries::list(&mut tx, &filter).await?;
    let mine = q.mine.trim() == "1";
    if mine {
        let settings = queries::approval_settings(&mut tx).await?;
        let me = tx.user().id;
        let limit = queries::limit_of(&mut tx, me).await?;
        requests.retain(|r| decidable(&settings.approver_roles, &tx, limit, r).is_ok());
    }
    let total: Decimal = requests.iter().map(|r| r.amount).sum();
    if let Some(format) = q.format {
        return export(locale, &requests, total, format);
    }
    let projects = funds_queries::visible_projects(&mut tx).await?;
    let rows = requests
        .iter()
        .map(|r| RequestRow {
            id: r.id,
            requested_on: r.requested_on.to_string(),
            kind_key: format!("funds_pay.kind_{}", r.kind),
            project: format!("{} {}", r.project_code, r.project_name),
            contract: r.contract_number.clone().unwrap_or_default(),
            payee: payee(r),
            purpose: r.purpose.clone(),
            amount: format::money(r.amount),
            status: r.status.clone(),
            status_text: status_text(locale, r),
            over_balance: r.over_balance,
        })
        .collect();
    let html = RequestListPage {
        layout: page.layout(&tx, "funds_pay.requests"),
        funds_tab: "requests",
        count: requests.len(),
        rows,
        projects: projects
            .iter()
            .map(|p| Choice {
                value: p.id.to_string(),
                label: format!("{} {}", p.code, p.name),
            })
            .collect(),
        kinds: key_choices(locale, &KINDS, "funds_pay.kind_"),
        statuses: key_choices(locale, &STATUSES, "funds_pay.status_"),
        status: q.status.clone(),
        project: q.project.clone(),
        kind: q.kind.clone(),
        mine,
        contract: q.contract.clone(),
        total: format::money(total),
        export_query: q.export_query(),
        can_request: tx.user().role.has(Permission::RequestPayment),
    }
    .render()?;
    Ok(Html(html).into_response())
}

/// The export's column heads, in the user's language as the page shows them.
const EXPORT_HEADERS: [&str; 9] = [
    "funds_pay.number",
    "funds_pay.requested_on",
    "funds_pay.kind",
    "funds.project",
    "funds_pay.contract",
    "funds_pay.payee",
    "funds_pay.purpose",
    "funds_pay.amount",
    "funds.status",
];

fn export(
    locale: Locale,
    requests: &[Request],
    total: Decimal,
    format: ExportFormat,
) -> AppResult<Response> {
    let t = |key: &str| i18n::t(locale, key).to_owned();
    let table = Table {
        headers: EXPORT_HEADERS.iter().map(|k| t(k)).collect(),
        rows: requests
            .iter()
            .map(|r| {
                vec![
                    Cell::Integer(r.id),
                    Cell::Text(r.requested_on.to_string()),
                    Cell::Text(t(&format!("funds_pay.kind_{}", r.kind))),
                    Cell::Text(format!("{} {}", r.project_code, r.project_name)),
                    Cell::Text(r.contract_number.clone().unwrap_or_default()),
                    Cell::Text(payee(r)),
                    Cell::Text(r.purpose.clone()),
                    Cell::Money(r.amount),
                    Cell::Text(status_text(locale, r)),
                ]
            })
            .collect(),
        totals: Some(vec![
            Cell::Text(t("funds_pay.total")),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Money(total),
            Cell::Text(String::new()),
        ]),
    };
    table.download(format, "payment-requests")
}

// The new-request form ------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    pub contract: String,
    pub kind: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RequestForm {
    pub kind: String,
    pub contract_id: String,
    pub project_id: String,
    pub payee_user_id: String,
    pub category_id: String,
    pub amount: String,
    pub purpose: String,
    /// "1": the requester asks above the payable balance on purpose.
    pub override_balance: String,
    pub override_reason: String,
}

/// A contract's money as the form shows it.
#[derive(Debug, Clone)]
pub struct ContractFacts {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub project: String,
    pub counterparty: String,
    pub current: String,
    pub retention: String,
    pub paid: String,
    pub open: String,
    pub payable: String,
    pub retention_paid: String,
    pub retention_payable: String,
    pub retention_release_on: String,
    pub retention_due: bool,
    pub signed: bool,
}

/// A signed expense contract to request a payment against.
#[derive(Debug, Clone)]
pub struct ContractPick {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub project: String,
    pub counterparty: String,
}

#[derive(Template)]
#[template(path = "funds/request_form.html")]
pub struct RequestFormPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    /// "contract", "reimbursement" or "choose" (no contract named yet).
    pub mode: &'static str,
    pub form: RequestForm,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub contract: Option<ContractFacts>,
    pub contracts: Vec<ContractPick>,
    pub kinds: Vec<Choice>,
    pub projects: Vec<Choice>,
    pub payees: Vec<Choice>,
    pub categories: Vec<Choice>,
    /// False for a contract that takes no requests (not a signed expense contract).
    pub can_submit: bool,
}

async fn facts(tx: &mut TenantTx<Funds>, k: &Contract) -> AppResult<ContractFacts> {
    let m = money_of(tx, k, None).await?;
    Ok(ContractFacts {
        id: k.id,
        number: k.number.clone(),
        title: k.title.clone(),
        project: format!("{} {}", k.project_code, k.project_name),
        counterparty: k.counterparty_name.clone(),
        current: format::money(m.current),
        retention: format::money(m.retention()),
        paid: format::money(m.paid),
        open: format::money(m.open),
        payable: format::money(m.payable()),
        retention_paid: format::money(m.retention_paid),
        retention_payable: format::money(m.retention_payable()),
        retention_release_on: k
            .retention_release_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        retention_due: retention_due(k.retention_release_on, tx.tenant().today()),
        signed: k.direction == "expense" && k.status == "signed",
    })
}

async fn form_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    contract: Option<&Contract>,
    mode: &'static str,
    form: RequestForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let contract = match contract {
        Some(k) => Some(facts(tx, k).await?),
        None => None,
    };
    let contracts = if mode == "choose" {
        let filter = contract_queries::Filter {
            direction: Some("expense".to_owned()),
            status: Some("signed".to_owned()),
            ..contract_queries::Filter::default()
        };
        contract_queries::list(tx, &filter)
            .await?
            .into_iter()
            .map(|k| ContractPick {
                id: k.id,
                number: k.number,
                title: k.title,
                project: format!("{} {}", k.project_code, k.project_name),
                counterparty: k.counterparty_name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let (projects, payees, categories) = if mode == "reimbursement" {
        let projects = funds_queries::visible_projects(tx)
            .await?
            .into_iter()
            .map(|p| Choice {
                value: p.id.to_string(),
                label: format!("{} {}", p.code, p.name),
            })
            .collect();
        let payees = queries::users(tx)
            .await?
            .into_iter()
            .map(|u| Choice {
                value: u.id.to_string(),
                label: u.name,
            })
            .collect();
        let all = crate::cost::queries::categories(tx).await?;
        let categories = crate::cost::domain::in_report_order(&all)
            .into_iter()
            .filter(|c| c.active)
            .map(|c| Choice {
                value: c.id.to_string(),
                label: format!("{} {}", c.code, c.name(locale)),
            })
            .collect();
        (projects, payees, categories)
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    Ok(RequestFormPage {
        can_submit: contract.as_ref().is_none_or(|k| k.signed),
        layout: page.layout(tx, "funds_pay.new_request"),
        funds_tab: "requests",
        mode,
        form,
        errors,
        notice,
        contract,
        contracts,
        kinds: key_choices(locale, &["contract", "retention"], "funds_pay.kind_"),
        projects,
        payees,
        categories,
    }
    .render()?)
}

/// The form for a new request: against `?contract=ID` (its payable balance shown), a
/// reimbursement (`?kind=reimbursement`), or else a choice of signed expense contracts.
pub async fn new(
    mut tx: TenantTx<Funds>,
    page: Page,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    tx.require(Permission::RequestPayment)?;
    let html = if q.kind.trim() == "reimbursement" {
        let form = RequestForm {
            kind: "reimbursement".to_owned(),
            payee_user_id: tx.user().id.0.to_string(),
            ..RequestForm::default()
        };
        form_page(
            &mut tx,
            &page,
            None,
            "reimbursement",
            form,
            FieldErrors::default(),
            None,
        )
        .await?
    } else if let Ok(id) = q.contract.trim().parse::<i64>() {
        let k = contract_queries::find(&mut tx, id, false).await?;
        let notice = (k.direction != "expense" || k.status != "signed")
            .then(|| i18n::t(tx.user().locale, "funds_pay.contract_not_signed").to_owned());
        let form = RequestForm {
            kind: if q.kind.trim() == "retention" {
                "retention"
            } else {
                "contract"
            }
            .to_owned(),
            contract_id: id.to_string(),
            ..RequestForm::default()
        };
        form_page(
            &mut tx,
            &page,
            Some(&k),
            "contract",
            form,
            FieldErrors::default(),
            notice,
        )
        .await?
    } else {
        form_page(
            &mut tx,
            &page,
            None,
            "choose",
            RequestForm::default(),
            FieldErrors::default(),
            None,
        )
        .await?
    };
    Ok(Html(html).into_response())
}

/// A refused form, sent back with its input.
struct Refused {
    contract: Option<Contract>,
    errors: FieldErrors,
    notice: Option<String>,
}

/// Checks a request form against the contract (locked) or the reimbursement's choices.
async fn validate(
    tx: &mut TenantTx<Funds>,
    f: &RequestForm,
) -> AppResult<Result<NewRequest, Refused>> {
    let locale = tx.user().locale;
    let mut e = FieldErrors::default();
    let amount = positive_amount(&mut e, "amount", &f.amount);
    let purpose = form::text(&mut e, "purpose", &f.purpose, true, 500);
    let override_reason = form::text(&mut e, "override_reason", &f.override_reason, false, 500);
    let settings = queries::approval_settings(tx).await?;
    let requested_on = tx.tenant().today();
    let kind = f.kind.trim();
    if kind == "reimbursement" {
        let project_id = optional_int(&mut e, "project_id", &f.project_id, 1..=i64::MAX);
        let projects = funds_queries::visible_projects(tx).await?;
        match project_id {
            None if !e.has("project_id") => e.add("project_id", "form.required"),
            Some(p) if !projects.iter().any(|x| x.id == p) => {
                e.add("project_id", "funds.unknown_project")
            }
            _ => {}
        }
        let payee = optional_int(&mut e, "payee_user_id", &f.payee_user_id, 1..=i64::MAX);
        let users = queries::users(tx).await?;
        match payee {
            None if !e.has("payee_user_id") => e.add("payee_user_id", "form.required"),
            Some(u) if !users.iter().any(|x| x.id == u) => {
                e.add("payee_user_id", "form.invalid_choice")
            }
            _ => {}
        }
        let category_id = optional_int(&mut e, "category_id", &f.category_id, 1..=i64::MAX);
        if let Some(c) = category_id {
            let categories = crate::cost::queries::categories(tx).await?;
            if !categories.iter().any(|x| x.id == c && x.active) {
                e.add("category_id", "funds.unknown_category");
            }
        }
        if !e.is_empty() {
            return Ok(Err(Refused {
                contract: None,
                errors: e,
                notice: None,
            }));
        }
        return Ok(Ok(NewRequest {
            kind: "reimbursement".to_owned(),
            project_id: project_id.unwrap_or_default(),
            contract_id: None,
            payee_user_id: payee,
            category_id,
            amount,
            purpose,
            requested_on,
            approvals_needed: approvals_needed(amount, settings.second_approval_above),
            over_balance: false,
            override_reason: String::new(),
        }));
    }
    let id = f
        .contract_id
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::NotFound)?;
    // Locked, so two requests against one contract are checked one after the other.
    let k = contract_queries::find(tx, id, true).await?;
    let mut notice = None;
    if kind != "contract" && kind != "retention" {
        e.add("kind", "form.invalid_choice");
    }
    if k.direction != "expense" || k.status != "signed" {
        notice = Some(i18n::t(locale, "funds_pay.contract_not_signed").to_owned());
        e.add("contract_id", "funds_pay.contract_not_signed");
    } else if kind == "retention" && !retention_due(k.retention_release_on, requested_on) {
        e.add("kind", "funds_pay.retention_not_due");
    }
    let mut over = false;
    if e.is_empty() {
        let balance = money_of(tx, &k, None).await?.balance(kind);
        if over_balance(amount, balance) {
            if f.override_balance.trim() != "1" {
                e.add("amount", "funds_pay.over_balance");
                notice = Some(i18n::tf(
                    locale,
                    "funds_pay.over_balance_named",
                    &[("balance", &format::money(balance))],
                ));
            } else if override_reason.is_empty() {
                e.add("override_reason", "funds_pay.override_reason_required");
            } else {
                over = true;
            }
        }
    }
    if !e.is_empty() {
        return Ok(Err(Refused {
            contract: Some(k),
            errors: e,
            notice,
        }));
    }
    Ok(Ok(NewRequest {
        kind: kind.to_owned(),
        project_id: k.project_id,
        contract_id: Some(k.id),
        payee_user_id: None,
        category_id: None,
        amount,
        purpose,
        requested_on,
        approvals_needed: approvals_needed(amount, settings.second_approval_above),
        over_balance: over,
        override_reason: if over { override_reason } else { String::new() },
    }))
}

/// Saves a new request; above the contract's payable balance only with the override ticked
/// and a reason (audited as such).
pub async fn create(
    mut tx: TenantTx<Funds>,
    page: Page,
    AppForm(f): AppForm<RequestForm>,
) -> AppResult<Response> {
    tx.require(Permission::RequestPayment)?;
    let fields = match validate(&mut tx, &f).await? {
        Ok(x) => x,
        Err(r) => {
            let mode = if r.contract.is_some() {
                "contract"
            } else {
                "reimbursement"
            };
            let html = form_page(
                &mut tx,
                &page,
                r.contract.as_ref(),
                mode,
                f,
                r.errors,
                r.notice,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let by = tx.user().id;
    let id = queries::insert(&mut tx, &fields, by).await?;
    tx.audit(Change {
        entity: "payment_request",
        entity_id: Some(id),
        action: Action::Create,
        summary: if fields.over_balance {
            "request_over_balance"
        } else {
            "request"
        },
        before: None,
        after: snapshot(&fields),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_pay.requested_flash")
        .await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

// The detail page and its actions -------------------------------------------------------------

/// One decision of the trail.
#[derive(Debug, Clone)]
pub struct ApprovalRow {
    pub step: i16,
    pub decision: String,
    pub decision_key: String,
    pub approver: String,
    pub role_key: String,
    pub limit: String,
    pub reason: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "funds/request.html")]
pub struct RequestPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub id: i64,
    pub kind_key: String,
    pub project_id: i64,
    pub project: String,
    pub contract_id: Option<i64>,
    pub contract: String,
    pub payee: String,
    pub category: String,
    pub amount: String,
    pub purpose: String,
    pub requested_on: String,
    pub requester: String,
    pub status: String,
    pub status_text: String,
    pub approvals_needed: i16,
    pub over_balance: bool,
    pub override_reason: String,
    pub rejected_reason: String,
    pub movement_id: Option<i64>,
    /// The contract's payable balance now (for the kind of request), without this request.
    pub balance: Option<String>,
    pub version: i32,
    pub approvals: Vec<ApprovalRow>,
    pub can_decide: bool,
    pub can_cancel: bool,
    pub can_pay: bool,
    pub notice: Option<String>,
    pub reason: String,
    pub errors: FieldErrors,
    pub movement: MovementForm,
    pub methods: Vec<Choice>,
    pub accounts: Vec<Choice>,
}

/// What an action sends back to the detail page.
#[derive(Default)]
struct Extra {
    notice: Option<String>,
    errors: FieldErrors,
    reason: String,
    movement: Option<MovementForm>,
}

async fn detail_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    id: i64,
    x: Extra,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let tz = tx.tenant().time_zone;
    let r = queries::find(tx, id, false).await?;
    let settings = queries::approval_settings(tx).await?;
    let me = tx.user().id;
    let limit = queries::limit_of(tx, me).await?;
    let can_decide = decidable(&settings.approver_roles, tx, limit, &r).is_ok();
    let role = tx.user().role;
    let balance = match r.contract_id {
        Some(c) if r.status == "requested" || r.status == "approved" => {
            let k = contract_queries::find(tx, c, false).await?;
            let m = money_of(tx, &k, Some(r.id)).await?;
            Some(format::money(m.balance(&r.kind)))
        }
        _ => None,
    };
    let trail = queries::approvals(tx, id).await?;
    let accounts = ledger::account_choices(&ledger::active_accounts(tx).await?);
    let today = tx.tenant().today();
    Ok(RequestPage {
        layout: page.layout(tx, "funds_pay.request"),
        funds_tab: "requests",
        id: r.id,
        kind_key: format!("funds_pay.kind_{}", r.kind),
        project_id: r.project_id,
        project: format!("{} {}", r.project_code, r.project_name),
        contract_id: r.contract_id,
        contract: match (&r.contract_number, &r.contract_title) {
            (Some(n), Some(t)) => format!("{n} {t}"),
            _ => String::new(),
        },
        payee: payee(&r),
        category: category_label(locale, r.category_zh.as_deref(), r.category_en.as_deref()),
        amount: format::money(r.amount),
        purpose: r.purpose.clone(),
        requested_on: r.requested_on.to_string(),
        requester: r.requester_name.clone(),
        status: r.status.clone(),
        status_text: status_text(locale, &r),
        approvals_needed: r.approvals_needed,
        over_balance: r.over_balance,
        override_reason: r.override_reason.clone(),
        rejected_reason: r.rejected_reason.clone(),
        movement_id: r.movement_id,
        balance,
        version: r.version,
        approvals: trail
            .into_iter()
            .map(|a| ApprovalRow {
                step: a.step,
                decision_key: format!("funds_pay.decision_{}", a.decision),
                decision: a.decision,
                approver: a.approver_name,
                role_key: format!("role.{}", a.approver_role),
                limit: a.amount_limit.map(format::money).unwrap_or_default(),
                reason: a.reason,
                at: format::datetime(a.decided_at, tz),
            })
            .collect(),
        can_decide,
        can_cancel: role.has(Permission::RequestPayment)
            && may_cancel(&r.status, r.requested_by == tx.user().id.0, role),
        can_pay: r.status == "approved" && role.has(Permission::RecordFunds),
        notice: x.notice,
        reason: x.reason,
        errors: x.errors,
        movement: x
            .movement
            .unwrap_or_else(|| MovementForm::new(today, r.amount)),
        methods: ledger::method_choices(locale),
        accounts,
    }
    .render()?)
}

/// A request with its approval trail and what the user may do with it.
pub async fn show(mut tx: TenantTx<Funds>, page: Page, Path(id): Path<i64>) -> AppResult<Response> {
    let html = detail_page(&mut tx, &page, id, Extra::default()).await?;
    Ok(Html(html).into_response())
}

/// The detail page again, with `status` and a message.
async fn refuse(
    mut tx: TenantTx<Funds>,
    page: &Page,
    id: i64,
    status: StatusCode,
    x: Extra,
) -> AppResult<Response> {
    let html = detail_page(&mut tx, page, id, x).await?;
    Ok((status, Html(html)).into_response())
}

fn notice(tx: &TenantTx<Funds>, key: &str) -> Extra {
    Extra {
        notice: Some(i18n::t(tx.user().locale, key).to_owned()),
        ..Extra::default()
    }
}

/// The answer to a refused approval or rejection.
fn refusal(tx: &TenantTx<Funds>, why: Refusal) -> (StatusCode, Extra) {
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
async fn decision_check(
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
    queries::insert_approval(&mut tx, id, step, "approved", "", by).await?;
    if queries::set_status(&mut tx, id, "requested", to, "", r.version, by)
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
        before: snapshot(&serde_json::json!({ "status": r.status })),
        after: snapshot(&serde_json::json!({ "status": to, "step": step })),
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
    queries::insert_approval(&mut tx, id, step, "rejected", &reason, by).await?;
    if queries::set_status(&mut tx, id, "requested", "rejected", &reason, r.version, by)
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
        before: snapshot(&serde_json::json!({ "status": r.status })),
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
    let open = matches!(r.status.as_str(), "requested" | "approved");
    if open && !may_cancel(&r.status, r.requested_by == tx.user().id.0, tx.user().role) {
        let x = notice(&tx, "funds_pay.not_requester");
        return refuse(tx, &page, id, StatusCode::FORBIDDEN, x).await;
    }
    let by = tx.user().id;
    if !open
        || queries::set_status(&mut tx, id, &r.status, "cancelled", "", f.version, by)
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
        before: snapshot(&serde_json::json!({ "status": r.status })),
        after: snapshot(&serde_json::json!({ "status": "cancelled" })),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_pay.cancelled_flash")
        .await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

/// Who may withdraw a request not yet paid: the requester while it awaits approval; once
/// approved (or its payment reversed) also whoever records payments, who decides not to pay.
fn may_cancel(status: &str, requester: bool, role: Role) -> bool {
    match status {
        "requested" => requester,
        "approved" => requester || role.has(Permission::RecordFunds),
        _ => false,
    }
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
    if r.status != "approved" || f.version.trim().parse::<i32>().ok() != Some(r.version) {
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
        let balance = money_of(&mut tx, &k, Some(r.id)).await?.balance(&r.kind);
        if k.status != "signed" {
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
        kind: movement_kind(&r.kind),
        project_id: Some(r.project_id),
        counterparty_id: contract.as_ref().map(|k| k.counterparty_id),
        contract_id: r.contract_id,
        payment_request_id: Some(r.id),
        ..Purpose::default()
    };
    let by = tx.user().id;
    let movement = ledger::record(&mut tx, &purpose, &input, by).await?;
    if queries::set_status(&mut tx, id, "approved", "paid", "", r.version, by)
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
        before: snapshot(&serde_json::json!({ "status": r.status })),
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
