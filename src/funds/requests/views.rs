//! What the payment-request pages show: the list, the request form, one request with its
//! approvals.

use askama::Template;

use super::domain::RequestStatus;
use super::handlers::RequestForm;
use super::queries::Request;
use crate::funds::ledger::MovementForm;
use crate::i18n::{self, Locale};
use crate::ids::ContractId;
use crate::web::Layout;
use crate::web::form::{Choice, FieldErrors};

pub(super) fn category_label(locale: Locale, zh: Option<&str>, en: Option<&str>) -> String {
    match (locale, en) {
        (Locale::En, Some(en)) if !en.is_empty() => en.to_owned(),
        _ => zh.unwrap_or("").to_owned(),
    }
}

/// The status in words, with the approvals given while two are needed ("1 of 2 approvals").
pub(super) fn status_text(locale: Locale, r: &Request) -> String {
    let status = i18n::t(locale, &format!("funds_pay.status_{}", r.status.as_str())).to_owned();
    if r.status == RequestStatus::Requested && r.approvals_needed == 2 {
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
pub(super) fn payee(r: &Request) -> String {
    r.counterparty_name
        .clone()
        .or_else(|| r.payee_name.clone())
        .unwrap_or_default()
}

pub(super) fn key_choices(locale: Locale, values: &[&str], prefix: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_owned(),
            label: i18n::t(locale, &format!("{prefix}{v}")).to_owned(),
        })
        .collect()
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

/// A contract's money as the form shows it.
#[derive(Debug, Clone)]
pub struct ContractFacts {
    pub id: ContractId,
    pub number: String,
    pub title: String,
    pub project: String,
    pub counterparty: String,
    pub current: String,
    pub retention: String,
    pub paid: String,
    pub open: String,
    pub payable: String,
    pub retention_payable: String,
    pub retention_release_on: String,
    pub retention_due: bool,
    pub signed: bool,
}

/// A signed expense contract to request a payment against.
#[derive(Debug, Clone)]
pub struct ContractPick {
    pub id: ContractId,
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
    pub contract_id: Option<ContractId>,
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
