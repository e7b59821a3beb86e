//! What the application pages show: the list, the form, one application with its
//! certification and receipts, and a contract's retention.

use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::domain;
use super::domain::{ApplicationForm, terms};
use super::queries::Receipt;
use super::receipts::CertifyForm;
use crate::funds::contracts::queries::Contract;
use crate::funds::ledger::MovementForm;
use crate::i18n::{self, Locale};
use crate::ids::ContractId;
use crate::web::form::{Choice, FieldErrors};
use crate::web::{Layout, format};

pub(super) fn percent_text(d: Decimal) -> String {
    format!("{} %", format::quantity(d))
}

pub(super) fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
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

pub(super) fn contract_choice(k: &Contract) -> Choice {
    Choice {
        value: k.id.to_string(),
        label: format!("{} {} ({})", k.number, k.title, k.project_code),
    }
}

/// An application as the list shows it.
#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub id: i64,
    pub contract_id: ContractId,
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

/// The contract's facts the forms show.
#[derive(Debug, Clone)]
pub struct ContractFacts {
    pub id: ContractId,
    pub label: String,
    pub project: String,
    pub client: String,
    pub current: String,
    pub ratio: String,
    pub retention_percent: String,
    pub retention_cap: String,
    pub advance: String,
}

pub(super) fn facts(k: &Contract) -> ContractFacts {
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
    pub method_key: &'static str,
    pub reference: String,
}

pub(super) fn receipt_rows(list: Vec<Receipt>) -> Vec<ReceiptRow> {
    list.into_iter()
        .map(|r| ReceiptRow {
            id: r.id,
            moved_on: r.moved_on.to_string(),
            amount: format::money(r.amount),
            method_key: r.method.label_key(),
            reference: r.reference,
        })
        .collect()
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
