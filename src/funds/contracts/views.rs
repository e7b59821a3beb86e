//! What the contract pages show: the list with its totals, the form, one contract with its
//! variations.

use askama::Template;
use rust_decimal::Decimal;

use super::domain::ContractForm;
use super::handlers::VariationForm;
use crate::funds::queries::ProjectPick;
use crate::i18n::{self, Locale};
use crate::ids::ContractId;
use crate::web::form::{Choice, FieldErrors};
use crate::web::{Layout, format};

pub(super) fn category_label(locale: Locale, zh: Option<&str>, en: Option<&str>) -> String {
    match (locale, en) {
        (Locale::En, Some(en)) if !en.is_empty() => en.to_owned(),
        _ => zh.unwrap_or("").to_owned(),
    }
}

pub(super) fn percent_text(d: Decimal) -> String {
    format!("{} %", format::quantity(d))
}

/// A contract as the list shows it.
#[derive(Debug, Clone)]
pub struct ContractRow {
    pub id: ContractId,
    pub project: String,
    pub number: String,
    pub title: String,
    pub direction_key: String,
    pub kind_key: String,
    pub counterparty: String,
    pub amount: String,
    pub status: String,
    pub status_key: String,
}

#[derive(Template)]
#[template(path = "funds/contracts.html")]
pub struct ContractListPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub rows: Vec<ContractRow>,
    pub projects: Vec<Choice>,
    pub directions: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub project: String,
    pub direction: String,
    pub status: String,
    pub income_total: String,
    pub expense_total: String,
    pub can_manage: bool,
}

pub(super) fn project_choices(projects: &[ProjectPick]) -> Vec<Choice> {
    projects
        .iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: format!("{} {}", p.code, p.name),
        })
        .collect()
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

#[derive(Template)]
#[template(path = "funds/contract_form.html")]
pub struct ContractFormPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub editing: Option<ContractId>,
    pub form: ContractForm,
    pub errors: FieldErrors,
    pub projects: Vec<Choice>,
    pub directions: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub counterparties: Vec<Choice>,
    pub categories: Vec<Choice>,
    /// The retention message in words (it names the rule and the cap).
    pub retention_error: Option<String>,
    pub cap: String,
    pub notice: Option<String>,
}

// The detail page -----------------------------------------------------------------------------

/// A variation as the detail page shows it.
#[derive(Debug, Clone)]
pub struct VariationRow {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub amount: String,
    pub approved_on: String,
    pub from_change: bool,
}

#[derive(Template)]
#[template(path = "funds/contract.html")]
pub struct ContractPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub id: ContractId,
    pub project_id: i64,
    pub project: String,
    pub number: String,
    pub title: String,
    pub direction_key: String,
    pub kind_key: String,
    pub counterparty: String,
    pub category: String,
    pub amount: String,
    pub tax_rate: String,
    pub variations_total: String,
    pub current: String,
    pub current_without_vat: String,
    pub signed_on: String,
    pub payment_terms: String,
    pub retention_percent: String,
    pub retention_amount: String,
    pub retention_release_on: String,
    pub payment_ratio: String,
    pub advance_amount: String,
    pub status: String,
    pub status_key: String,
    pub version: i32,
    pub variations: Vec<VariationRow>,
    pub can_manage: bool,
    pub form: VariationForm,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}
