//! Cost-entry handlers: thin — parse, check, call the rules in `domain` and the SQL in
//! `queries`. Every write checks the month is open; corrections are reversals, never deletes.

mod form;
mod list;
mod show;

pub use form::{create, edit_form, new_form, update};
pub use list::list;
pub(super) use show::{ShowParts, show_refused};
pub use show::{reverse, show};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::queries::{self, Entry};
use super::views::EntrySummary;
use crate::cost::domain::{Category, in_report_order};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::tenancy::ProjectId;
use crate::tenancy::{Cost, ProjectTx};
use crate::web::form::Choice;
use crate::web::format;

/// The tenant's today: no entry is dated later.
pub(super) fn today(p: &ProjectTx<Cost>) -> NaiveDate {
    let t = p.tx.tenant();
    t.today()
}

pub(super) fn base(project: ProjectId) -> String {
    format!("/projects/{project}/cost/entries")
}

/// A message in words: a closed month names the month.
pub(super) fn message(locale: Locale, key: &str, month: Option<NaiveDate>) -> String {
    match month {
        Some(m) if key == "cost.period_closed" => i18n::tf(
            locale,
            "cost.period_closed",
            &[("month", &m.format("%Y-%m"))],
        ),
        _ => i18n::t(locale, key).to_owned(),
    }
}

/// The category of a row in the user's language.
fn category_name(locale: Locale, zh: &str, en: &str) -> String {
    if locale == Locale::En && !en.is_empty() {
        en.to_owned()
    } else {
        zh.to_owned()
    }
}

/// Categories in report order, children indented: the active ones (and `keep`, an entry's
/// own category even if since switched off) for the form, all of them for the filter.
fn category_choices(categories: &[Category], locale: Locale, form: Option<i64>) -> Vec<Choice> {
    in_report_order(categories)
        .into_iter()
        .filter(|c| form.is_none_or(|keep| c.active || c.id == keep))
        .map(|c| {
            let child = c
                .parent_id
                .is_some_and(|p| categories.iter().any(|x| x.id == p));
            let indent = if child { "\u{3000}\u{3000}" } else { "" };
            Choice {
                value: c.id.to_string(),
                label: format!("{indent}{} {}", c.code, c.name(locale)),
            }
        })
        .collect()
}

fn task_choices(tasks: &[queries::TaskPick]) -> Vec<Choice> {
    tasks
        .iter()
        .map(|t| Choice {
            value: t.id.to_string(),
            label: t.name.clone(),
        })
        .collect()
}

fn rate_text(rate: Decimal) -> String {
    format::quantity(rate)
}

fn summary(locale: Locale, tz: chrono_tz::Tz, e: &Entry) -> EntrySummary {
    EntrySummary {
        date: e.entry_date.to_string(),
        category: category_name(locale, &e.category_zh, &e.category_en),
        task: e.task_name.clone().unwrap_or_default(),
        contract: e.contract_number.clone().unwrap_or_default(),
        supplier: e.supplier.clone(),
        description: e.description.clone(),
        amount: format::money(e.amount),
        tax_rate: rate_text(e.tax_rate),
        tax: format::money(e.tax_amount),
        total: format::money(e.amount + e.tax_amount),
        document_no: e.document_no.clone(),
        updated: i18n::tf(
            locale,
            "cost_entries.updated_by",
            &[
                ("name", &e.updated_by_name.as_deref().unwrap_or("—")),
                ("at", &format::datetime(e.updated_at, tz)),
            ],
        ),
    }
}

pub(super) async fn load(p: &mut ProjectTx<Cost>, id: i64, lock: bool) -> AppResult<Entry> {
    let project = p.project.id;
    queries::find_entry(&mut p.tx, project, id, lock)
        .await?
        .ok_or(AppError::NotFound)
}
