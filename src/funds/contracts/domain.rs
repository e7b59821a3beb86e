//! The contract form and its checks, pure: a form filled from a saved contract, and the
//! validation against the projects, counterparties, categories and retention cap it may name.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::queries::{Contract, ContractFields};
use crate::cost::Category;
use crate::funds::applications;
use crate::funds::domain::{
    ContractDirection, ContractKind, counterparty_fits, default_category, kind_fits,
    positive_amount, retention_within_cap,
};
use crate::funds::queries::{Counterparty, ProjectPick};
use crate::web::fields::{optional_date, optional_decimal, optional_int};
use crate::web::form::{self, FieldErrors};
use crate::web::format;

// The form ------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ContractForm {
    pub project_id: String,
    pub number: String,
    pub title: String,
    pub direction: String,
    pub kind: String,
    pub counterparty_id: String,
    pub category_id: String,
    pub amount: String,
    pub tax_rate: String,
    pub signed_on: String,
    pub payment_terms: String,
    pub retention_percent: String,
    pub retention_release_on: String,
    pub payment_ratio: String,
    pub advance_amount: String,
    pub version: i32,
}

impl ContractForm {
    pub(super) fn of(k: &Contract) -> Self {
        ContractForm {
            project_id: k.project_id.to_string(),
            number: k.number.clone(),
            title: k.title.clone(),
            direction: k.direction.as_str().to_owned(),
            kind: k.kind.as_str().to_owned(),
            counterparty_id: k.counterparty_id.to_string(),
            category_id: k.category_id.map(|c| c.to_string()).unwrap_or_default(),
            amount: k.amount.to_string(),
            tax_rate: format::quantity(k.tax_rate),
            signed_on: k.signed_on.map(|d| d.to_string()).unwrap_or_default(),
            payment_terms: k.payment_terms.clone(),
            retention_percent: format::quantity(k.retention_percent),
            retention_release_on: k
                .retention_release_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            payment_ratio: k.payment_ratio.map(format::quantity).unwrap_or_default(),
            advance_amount: k.advance_amount.to_string(),
            version: k.version,
        }
    }
}

/// What a contract form is checked against.
pub(super) struct Context {
    pub(super) projects: Vec<ProjectPick>,
    pub(super) counterparties: Vec<Counterparty>,
    pub(super) categories: Vec<Category>,
    pub(super) cap: Decimal,
}

/// Checks a contract form. `keep`: the counterparty and category a saved draft already names
/// (they stay valid if since deactivated). The retention above the cap names the rule.
pub(super) fn validate(
    f: &ContractForm,
    cx: &Context,
    keep: Option<&Contract>,
) -> Result<ContractFields, FieldErrors> {
    let mut e = FieldErrors::default();
    let project_id = optional_int(&mut e, "project_id", &f.project_id, 1..=i64::MAX);
    match project_id {
        None if !e.has("project_id") => e.add("project_id", "form.required"),
        Some(p) if !cx.projects.iter().any(|x| x.id.get() == p) => {
            e.add("project_id", "funds.unknown_project")
        }
        _ => {}
    }
    let number = form::text(&mut e, "number", &f.number, true, 40);
    let title = form::text(&mut e, "title", &f.title, true, 200);
    let direction = ContractDirection::parse(f.direction.trim());
    if direction.is_none() {
        e.add("direction", "form.required");
    }
    let kind = ContractKind::parse(f.kind.trim());
    match (direction, kind) {
        (_, None) => e.add("kind", "form.required"),
        (Some(d), Some(k)) if !kind_fits(d, k) => e.add("kind", "funds.kind_mismatch"),
        _ => {}
    }
    let counterparty_id = optional_int(&mut e, "counterparty_id", &f.counterparty_id, 1..=i64::MAX);
    match counterparty_id {
        None if !e.has("counterparty_id") => e.add("counterparty_id", "form.required"),
        Some(id) => match cx.counterparties.iter().find(|c| c.id == id) {
            Some(c) if !c.active && keep.is_none_or(|k| k.counterparty_id != id) => {
                e.add("counterparty_id", "funds.unknown_counterparty")
            }
            Some(c) if direction.is_some_and(|d| !counterparty_fits(d, c.kind)) => {
                e.add("counterparty_id", "funds.counterparty_mismatch")
            }
            Some(_) => {}
            None => e.add("counterparty_id", "funds.unknown_counterparty"),
        },
        None => {}
    }
    let mut category_id = optional_int(&mut e, "category_id", &f.category_id, 1..=i64::MAX);
    if let Some(id) = category_id {
        let known = cx
            .categories
            .iter()
            .any(|c| c.id == id && (c.active || keep.is_some_and(|k| k.category_id == Some(id))));
        if !known {
            e.add("category_id", "funds.unknown_category");
        } else if direction == Some(ContractDirection::Income) {
            e.add("category_id", "funds.income_no_category");
        }
    } else if direction == Some(ContractDirection::Expense) {
        category_id = kind.and_then(default_category).and_then(|b| {
            cx.categories
                .iter()
                .find(|c| c.builtin.as_deref() == Some(b))
                .map(|c| c.id)
        });
    }
    let amount = positive_amount(&mut e, "amount", &f.amount);
    let tax_rate = optional_decimal(&mut e, "tax_rate", &f.tax_rate, Decimal::ONE_HUNDRED, 2)
        .unwrap_or_default();
    let signed_on = optional_date(&mut e, "signed_on", &f.signed_on);
    let payment_terms = form::multiline(&mut e, "payment_terms", &f.payment_terms, 2000);
    let retention_percent = optional_decimal(
        &mut e,
        "retention_percent",
        &f.retention_percent,
        Decimal::ONE_HUNDRED,
        2,
    )
    .unwrap_or_default();
    if !e.has("retention_percent") && !retention_within_cap(retention_percent, cx.cap) {
        e.add("retention_percent", "funds.retention_above_cap");
    }
    let retention_release_on =
        optional_date(&mut e, "retention_release_on", &f.retention_release_on);
    if let (Some(signed), Some(release)) = (signed_on, retention_release_on)
        && release < signed
    {
        e.add("retention_release_on", "funds.release_before_signing");
    }
    // The contract terms progress-payment applications need (GB 50500-2013 §10.3.7).
    let payment_ratio = optional_decimal(
        &mut e,
        "payment_ratio",
        &f.payment_ratio,
        Decimal::ONE_HUNDRED,
        2,
    );
    if direction == Some(ContractDirection::Income) {
        match payment_ratio {
            None if !e.has("payment_ratio") => e.add("payment_ratio", "funds_apply.ratio_required"),
            Some(r) if !applications::domain::ratio_within_law(r) => {
                e.add("payment_ratio", "funds_apply.ratio_out_of_range")
            }
            _ => {}
        }
    } else if payment_ratio.is_some() {
        e.add("payment_ratio", "funds_apply.ratio_income_only");
    }
    let advance_amount = optional_decimal(
        &mut e,
        "advance_amount",
        &f.advance_amount,
        crate::funds::domain::MAX_AMOUNT,
        2,
    )
    .unwrap_or_default();
    if !e.has("advance_amount") && !e.has("amount") && advance_amount > amount {
        e.add("advance_amount", "funds_apply.advance_above_amount");
    }
    let (Some(direction), Some(kind)) = (direction, kind) else {
        return Err(e);
    };
    if !e.is_empty() {
        return Err(e);
    }
    Ok(ContractFields {
        project_id: project_id.unwrap_or_default(),
        number,
        title,
        direction,
        kind,
        counterparty_id: counterparty_id.unwrap_or_default(),
        category_id,
        amount,
        tax_rate,
        signed_on,
        payment_terms,
        retention_percent,
        retention_release_on,
        payment_ratio,
        advance_amount,
    })
}
