//! The budget pages and their view-models: the budget by category with its versions, and
//! the draft's edit form.

use std::collections::HashMap;

use askama::Template;
use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::queries::{LineRow, VersionRow};
use crate::cost::domain::{Category, in_report_order};
use crate::cost::views::CostTab;
use crate::i18n::{self, Locale};
use crate::tenancy::project::Project;
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::{Layout, format};

/// A budget version as the list shows it.
#[derive(Debug, Clone)]
pub struct VersionView {
    pub id: i64,
    pub number: i32,
    pub label: String,
    pub draft: bool,
    pub status_key: &'static str,
    pub reason: String,
    pub from_change: Option<i64>,
    pub approved_by: String,
    pub approved_at: String,
    pub total: String,
    /// The total's change from the version before it, signed; empty for the first.
    pub change: String,
    pub version: i32,
}

/// "Original budget" for number 0, "Revision n" after it.
pub fn version_label(locale: Locale, number: i32) -> String {
    if number == 0 {
        i18n::t(locale, "cost_budget.original").to_owned()
    } else {
        i18n::tf(locale, "cost_budget.revision_n", &[("n", &number)])
    }
}

/// A signed amount: `+1,000.00`, `-50.00`, `0.00`.
pub fn signed_money(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", format::money(d))
    } else {
        format::money(d)
    }
}

pub fn version_views(versions: &[VersionRow], locale: Locale, tz: Tz) -> Vec<VersionView> {
    let mut previous: Option<Decimal> = None;
    versions
        .iter()
        .map(|v| {
            let change = previous
                .map(|p| signed_money(v.total - p))
                .unwrap_or_default();
            previous = Some(v.total);
            VersionView {
                id: v.id,
                number: v.number,
                label: version_label(locale, v.number),
                draft: v.is_draft(),
                status_key: v.status.label_key(),
                reason: v.reason.clone(),
                from_change: v.change_request_id,
                approved_by: v.approved_by_name.clone().unwrap_or_default(),
                approved_at: v
                    .approved_at
                    .map(|at| format::datetime(at, tz))
                    .unwrap_or_default(),
                total: format::money(v.total),
                change,
                version: v.version,
            }
        })
        .collect()
}

/// One category of the budget: its own amount and, for a parent, the subtotal with its
/// children.
#[derive(Debug, Clone)]
pub struct CategoryAmount {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub depth: u8,
    pub inactive: bool,
    pub amount: String,
    pub subtotal: Option<String>,
}

/// The budget by category in report order: active categories and those with an amount,
/// children after their parent, parents with the subtotal of their children.
pub fn category_amounts(
    categories: &[Category],
    totals: &HashMap<i64, Decimal>,
    locale: Locale,
) -> Vec<CategoryAmount> {
    let own = |id: i64| totals.get(&id).copied();
    let children = |id: i64| categories.iter().filter(move |c| c.parent_id == Some(id));
    in_report_order(categories)
        .into_iter()
        .filter(|c| c.active || own(c.id).is_some() || children(c.id).any(|x| own(x.id).is_some()))
        .map(|c| {
            let is_child = c
                .parent_id
                .is_some_and(|p| categories.iter().any(|x| x.id == p));
            let has_children = children(c.id).next().is_some();
            CategoryAmount {
                id: c.id,
                code: c.code.clone(),
                name: c.name(locale).to_owned(),
                depth: u8::from(is_child),
                inactive: !c.active,
                amount: own(c.id).map(format::money).unwrap_or_else(|| "—".into()),
                subtotal: has_children.then(|| {
                    let sum = children(c.id)
                        .filter_map(|x| own(x.id))
                        .fold(own(c.id).unwrap_or_default(), |a, b| a + b);
                    format::money(sum)
                }),
            }
        })
        .collect()
}

/// A budget line down to a task.
#[derive(Debug, Clone)]
pub struct TaskLineView {
    pub category: String,
    pub task: String,
    pub amount: String,
}

pub fn task_lines(lines: &[LineRow], categories: &[Category], locale: Locale) -> Vec<TaskLineView> {
    lines
        .iter()
        .filter(|l| l.task_id.is_some())
        .map(|l| TaskLineView {
            category: category_label(categories, l.category_id, locale),
            task: l.task_name.clone().unwrap_or_default(),
            amount: format::money(l.amount),
        })
        .collect()
}

/// `02 材料费`.
pub fn category_label(categories: &[Category], id: i64, locale: Locale) -> String {
    categories
        .iter()
        .find(|c| c.id == id)
        .map(|c| format!("{} {}", c.code, c.name(locale)))
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "cost/budget.html")]
pub struct BudgetPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    /// The version shown: the current budget unless another was asked for.
    pub shown: Option<VersionView>,
    pub shown_is_current: bool,
    pub rows: Vec<CategoryAmount>,
    pub task_lines: Vec<TaskLineView>,
    pub total: String,
    pub versions: Vec<VersionView>,
    pub draft: Option<VersionView>,
    pub can_edit: bool,
    pub can_approve: bool,
    /// No version at all: the original budget can be started.
    pub can_start_original: bool,
    /// An approved budget and no draft: a revision can be started.
    pub can_start_revision: bool,
    pub approve_reason: String,
    pub approve_errors: FieldErrors,
    /// A refusal shown above everything (an i18n key).
    pub notice: Option<&'static str>,
}

/// A category's amount in the edit form.
#[derive(Debug, Clone)]
pub struct EditCategoryRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub depth: u8,
    pub inactive: bool,
    pub amount: String,
    pub error: Option<&'static str>,
}

/// A task line in the edit form (saved, typed, or empty for a new one).
#[derive(Debug, Clone, Default)]
pub struct EditTaskRow {
    pub index: usize,
    pub category: String,
    pub task: String,
    pub amount: String,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "cost/budget_edit.html")]
pub struct BudgetEditPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    pub draft: VersionView,
    pub version: i32,
    pub reason: String,
    pub errors: FieldErrors,
    pub category_rows: Vec<EditCategoryRow>,
    pub task_rows: Vec<EditTaskRow>,
    pub categories: Vec<Choice>,
    pub tasks: Vec<Choice>,
    /// A refusal shown above the form (an i18n key).
    pub notice: Option<&'static str>,
    pub conflict: bool,
}
