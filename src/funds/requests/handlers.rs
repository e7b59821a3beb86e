//! Payment-request handlers: the list with its export, the request form, and one request
//! with its approval trail. Approving, rejecting, cancelling and paying are in `decisions`.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::domain::{
    ContractMoney, Decider, KINDS, Pending, Refusal, RequestKind, RequestStatus, STATUSES,
    approvals_needed, contract_money_of, may_cancel, may_decide, over_balance, retention_due,
};
use super::queries::{Filter, NewRequest, Request};
use super::views::{
    ApprovalRow, ContractFacts, ContractPick, RequestFormPage, RequestListPage, RequestPage,
    RequestRow, category_label, key_choices, payee, status_text,
};
use super::{BASE, queries};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::funds::contracts::queries::{self as contract_queries, Contract};
use crate::funds::domain::{ContractDirection, ContractStatus, positive_amount};
use crate::funds::ledger::{self, MovementForm};
use crate::funds::queries as funds_queries;
use crate::i18n::{self, Locale};
use crate::ids::ContractId;
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::fields::optional_int;
use crate::web::form::{self, Choice, FieldErrors};
use crate::web::pager::filter_query;
use crate::web::{AppForm, Page, Path, format};

pub(super) async fn money_of(
    tx: &mut TenantTx<Funds>,
    k: &Contract,
    except: Option<i64>,
) -> AppResult<ContractMoney> {
    let (current, percent) = contract_money_of(k);
    queries::contract_money(tx, k.id, current, percent, except).await
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
    pub(super) fn export_query(&self) -> String {
        filter_query([
            ("status", &self.status),
            ("project", &self.project),
            ("kind", &self.kind),
            ("mine", &self.mine),
            ("contract", &self.contract),
        ])
    }
}

/// Whether the user may decide on `r` now.
pub(super) fn decidable(
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
            status: r.status,
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
            kind_key: format!("funds_pay.kind_{}", r.kind.as_str()),
            project: format!("{} {}", r.project_code, r.project_name),
            contract: r.contract_number.clone().unwrap_or_default(),
            payee: payee(r),
            purpose: r.purpose.clone(),
            amount: format::money(r.amount),
            status: r.status.as_str().to_owned(),
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
pub(super) const EXPORT_HEADERS: [&str; 9] = [
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

pub(super) fn export(
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
                    Cell::Text(t(&format!("funds_pay.kind_{}", r.kind.as_str()))),
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

pub(super) async fn facts(tx: &mut TenantTx<Funds>, k: &Contract) -> AppResult<ContractFacts> {
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
        retention_payable: format::money(m.retention_payable()),
        retention_release_on: k
            .retention_release_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        retention_due: retention_due(k.retention_release_on, tx.tenant().today()),
        signed: k.direction == ContractDirection::Expense && k.status == ContractStatus::Signed,
    })
}

pub(super) async fn form_page(
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
        let all = crate::cost::categories(tx).await?;
        let categories = crate::cost::in_report_order(&all)
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
    } else if let Ok(id) = q.contract.trim().parse::<i64>().map(ContractId) {
        let k = contract_queries::find(&mut tx, id, false).await?;
        let notice = (k.direction != ContractDirection::Expense
            || k.status != ContractStatus::Signed)
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
pub(super) struct Refused {
    pub(super) contract: Option<Contract>,
    pub(super) errors: FieldErrors,
    pub(super) notice: Option<String>,
}

/// Checks a request form against the contract (locked) or the reimbursement's choices.
pub(super) async fn validate(
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
            Some(p) if !projects.iter().any(|x| x.id.get() == p) => {
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
            let categories = crate::cost::categories(tx).await?;
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
            kind: RequestKind::Reimbursement,
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
        .map(ContractId)
        .map_err(|_| AppError::NotFound)?;
    // Locked, so two requests against one contract are checked one after the other.
    let k = contract_queries::find(tx, id, true).await?;
    let mut notice = None;
    let parsed = RequestKind::parse(kind).filter(|k| *k != RequestKind::Reimbursement);
    if parsed.is_none() {
        e.add("kind", "form.invalid_choice");
    }
    if k.direction != ContractDirection::Expense || k.status != ContractStatus::Signed {
        notice = Some(i18n::t(locale, "funds_pay.contract_not_signed").to_owned());
        e.add("contract_id", "funds_pay.contract_not_signed");
    } else if parsed == Some(RequestKind::Retention)
        && !retention_due(k.retention_release_on, requested_on)
    {
        e.add("kind", "funds_pay.retention_not_due");
    }
    let mut over = false;
    if e.is_empty()
        && let Some(kind) = parsed
    {
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
    let Some(kind) = parsed.filter(|_| e.is_empty()) else {
        return Ok(Err(Refused {
            contract: Some(k),
            errors: e,
            notice,
        }));
    };
    Ok(Ok(NewRequest {
        kind,
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

/// What an action sends back to the detail page.
#[derive(Default)]
pub(super) struct Extra {
    pub(super) notice: Option<String>,
    pub(super) errors: FieldErrors,
    pub(super) reason: String,
    pub(super) movement: Option<MovementForm>,
}

pub(super) async fn detail_page(
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
        Some(c) if matches!(r.status, RequestStatus::Requested | RequestStatus::Approved) => {
            let k = contract_queries::find(tx, c, false).await?;
            let m = money_of(tx, &k, Some(r.id)).await?;
            Some(format::money(m.balance(r.kind)))
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
        kind_key: format!("funds_pay.kind_{}", r.kind.as_str()),
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
        status: r.status.as_str().to_owned(),
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
                decision_key: format!("funds_pay.decision_{}", a.decision.as_str()),
                decision: a.decision.as_str().to_owned(),
                approver: a.approver_name,
                role_key: format!("role.{}", a.approver_role),
                limit: a.amount_limit.map(format::money).unwrap_or_default(),
                reason: a.reason,
                at: format::datetime(a.decided_at, tz),
            })
            .collect(),
        can_decide,
        can_cancel: role.has(Permission::RequestPayment)
            && may_cancel(r.status, r.requested_by == tx.user().id.0, role),
        can_pay: r.status == RequestStatus::Approved && role.has(Permission::RecordFunds),
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
