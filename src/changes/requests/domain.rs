//! A change request's form and impact, pure: the fields checked, the affected task rows and
//! cost rows, and the totals the list and the page show.

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::changes::domain::RequestKind;
use crate::cost::signed_amount;
use crate::ids::{ContractId, TaskId};
use crate::web::form::{self, FieldErrors};

/// Empty rows the form offers at least, so it works without JavaScript.
pub const BLANK_ROWS: usize = 3;
/// Affected tasks (and cost lines) one request may list.
pub const MAX_ROWS: usize = 20;
/// The most working days one line may add or remove (the table's check).
pub const MAX_DAYS: i64 = 10_000;
pub const MAX_TITLE: usize = 200;
pub const MAX_REASON: usize = 4000;
pub const MAX_COMMENT: usize = 2000;

/// Field names of the rows, so each row's message sits beside it.
pub const TASK_FIELDS: [&str; MAX_ROWS] = [
    "task_0", "task_1", "task_2", "task_3", "task_4", "task_5", "task_6", "task_7", "task_8",
    "task_9", "task_10", "task_11", "task_12", "task_13", "task_14", "task_15", "task_16",
    "task_17", "task_18", "task_19",
];
pub const DAYS_FIELDS: [&str; MAX_ROWS] = [
    "days_0", "days_1", "days_2", "days_3", "days_4", "days_5", "days_6", "days_7", "days_8",
    "days_9", "days_10", "days_11", "days_12", "days_13", "days_14", "days_15", "days_16",
    "days_17", "days_18", "days_19",
];
pub const CATEGORY_FIELDS: [&str; MAX_ROWS] = [
    "category_0",
    "category_1",
    "category_2",
    "category_3",
    "category_4",
    "category_5",
    "category_6",
    "category_7",
    "category_8",
    "category_9",
    "category_10",
    "category_11",
    "category_12",
    "category_13",
    "category_14",
    "category_15",
    "category_16",
    "category_17",
    "category_18",
    "category_19",
];
pub const AMOUNT_FIELDS: [&str; MAX_ROWS] = [
    "amount_0",
    "amount_1",
    "amount_2",
    "amount_3",
    "amount_4",
    "amount_5",
    "amount_6",
    "amount_7",
    "amount_8",
    "amount_9",
    "amount_10",
    "amount_11",
    "amount_12",
    "amount_13",
    "amount_14",
    "amount_15",
    "amount_16",
    "amount_17",
    "amount_18",
    "amount_19",
];

/// The request form as posted: tasks and cost lines come as repeated fields, row by row.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RequestForm {
    pub kind: String,
    pub title: String,
    pub reason: String,
    pub revenue_amount: String,
    pub contract_id: String,
    pub task: Vec<String>,
    pub days: Vec<String>,
    pub category: Vec<String>,
    pub amount: Vec<String>,
    /// 0 for a new request.
    pub version: i32,
}

/// A checked request: what is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Draft {
    pub kind: RequestKind,
    pub title: String,
    pub reason: String,
    pub revenue_amount: Decimal,
    pub contract_id: Option<ContractId>,
    /// (task, working days added or removed)
    pub tasks: Vec<(TaskId, i32)>,
    /// (cost category, amount up or down)
    pub costs: Vec<(i64, Decimal)>,
}

/// What the project offers the form: the tasks whose duration may change, the active cost
/// categories and the income contracts.
#[derive(Debug, Clone, Default)]
pub struct Allowed {
    pub tasks: Vec<i64>,
    pub categories: Vec<i64>,
    pub contracts: Vec<ContractId>,
}

/// An id typed or chosen in a select: `None` when blank, `Err` when not a number.
fn id_of(value: &str) -> Result<Option<i64>, ()> {
    let v = value.trim();
    if v.is_empty() {
        Ok(None)
    } else {
        v.parse::<i64>().map(Some).map_err(|_| ())
    }
}

impl RequestForm {
    /// The affected-task rows to show: the posted or saved ones, then blank rows.
    pub fn task_rows(&self) -> Vec<(String, String)> {
        rows(&self.task, &self.days)
    }

    /// The cost rows to show: the posted or saved ones, then blank rows.
    pub fn cost_rows(&self) -> Vec<(String, String)> {
        rows(&self.category, &self.amount)
    }

    /// Checks the form against what the project offers.
    pub fn validate(&self, allowed: &Allowed) -> Result<Draft, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = RequestKind::parse(self.kind.trim());
        if kind.is_none() {
            e.add("kind", "form.invalid_choice");
        }
        let title = form::text(&mut e, "title", &self.title, true, MAX_TITLE);
        let reason = form::multiline(&mut e, "reason", &self.reason, MAX_REASON);
        if reason.is_empty() && !e.has("reason") {
            e.add("reason", "form.required");
        }
        let revenue_amount = match signed_amount(&self.revenue_amount) {
            Ok(d) => d.unwrap_or(Decimal::ZERO),
            Err(key) => {
                e.add("revenue_amount", key);
                Decimal::ZERO
            }
        };
        let contract_id = match id_of(&self.contract_id) {
            Ok(Some(id)) if allowed.contracts.contains(&ContractId(id)) => Some(ContractId(id)),
            Ok(None) => None,
            _ => {
                e.add("contract_id", "form.invalid_choice");
                None
            }
        };
        if !revenue_amount.is_zero() && contract_id.is_none() && !e.has("contract_id") {
            e.add("contract_id", "changes_requests.contract_required");
        }
        let tasks = task_lines(&mut e, &self.task, &self.days, &allowed.tasks);
        let costs = cost_lines(&mut e, &self.category, &self.amount, &allowed.categories);
        // A kind that did not parse left its message in `e`.
        let (Some(kind), true) = (kind, e.is_empty()) else {
            return Err(e);
        };
        Ok(Draft {
            kind,
            title,
            reason,
            revenue_amount,
            contract_id,
            tasks: tasks.into_iter().map(|(t, d)| (TaskId(t), d)).collect(),
            costs,
        })
    }
}

fn rows(a: &[String], b: &[String]) -> Vec<(String, String)> {
    let blank = |v: &[String], i: usize| v.get(i).is_none_or(|s| s.trim().is_empty());
    let filled = (0..a.len().max(b.len()))
        .rev()
        .find(|&i| !blank(a, i) || !blank(b, i))
        .map_or(0, |i| i + 1);
    let n = (filled + BLANK_ROWS).min(MAX_ROWS.max(filled));
    (0..n)
        .map(|i| {
            (
                a.get(i).cloned().unwrap_or_default(),
                b.get(i).cloned().unwrap_or_default(),
            )
        })
        .collect()
}
/// The affected-task rows: blank rows are skipped; a task needs its days and the days a task;
/// each task once, of those offered; days a whole number other than zero.
fn task_lines(
    e: &mut FieldErrors,
    tasks: &[String],
    days: &[String],
    allowed: &[i64],
) -> Vec<(i64, i32)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for i in 0..tasks.len().max(days.len()) {
        let task = tasks.get(i).map_or("", |s| s.trim());
        let d = days.get(i).map_or("", |s| s.trim());
        if task.is_empty() && d.is_empty() {
            continue;
        }
        let (Some(&tf), Some(&df)) = (TASK_FIELDS.get(i), DAYS_FIELDS.get(i)) else {
            e.add("tasks", "changes_requests.too_many_rows");
            break;
        };
        let task = match id_of(task) {
            Ok(None) => {
                e.add(tf, "form.required");
                None
            }
            Ok(Some(id)) if allowed.contains(&id) => {
                if seen.insert(id) {
                    Some(id)
                } else {
                    e.add(tf, "changes_requests.duplicate_task");
                    None
                }
            }
            _ => {
                e.add(tf, "changes_requests.unknown_task");
                None
            }
        };
        let n = if d.is_empty() {
            e.add(df, "form.required");
            None
        } else {
            match d.trim_start_matches('+').parse::<i64>() {
                Ok(0) => {
                    e.add(df, "changes_requests.days_nonzero");
                    None
                }
                Ok(n) if n.abs() <= MAX_DAYS => i32::try_from(n).ok(),
                Ok(_) => {
                    e.add(df, "form.out_of_range");
                    None
                }
                Err(_) => {
                    e.add(df, "changes_requests.days_whole");
                    None
                }
            }
        };
        if let (Some(t), Some(n)) = (task, n) {
            out.push((t, n));
        }
    }
    out
}

/// The cost rows: as the task rows, with an amount up or down other than zero.
fn cost_lines(
    e: &mut FieldErrors,
    categories: &[String],
    amounts: &[String],
    allowed: &[i64],
) -> Vec<(i64, Decimal)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for i in 0..categories.len().max(amounts.len()) {
        let category = categories.get(i).map_or("", |s| s.trim());
        let a = amounts.get(i).map_or("", |s| s.trim());
        if category.is_empty() && a.is_empty() {
            continue;
        }
        let (Some(&cf), Some(&af)) = (CATEGORY_FIELDS.get(i), AMOUNT_FIELDS.get(i)) else {
            e.add("costs", "changes_requests.too_many_rows");
            break;
        };
        let category = match id_of(category) {
            Ok(None) => {
                e.add(cf, "form.required");
                None
            }
            Ok(Some(id)) if allowed.contains(&id) => {
                if seen.insert(id) {
                    Some(id)
                } else {
                    e.add(cf, "changes_requests.duplicate_category");
                    None
                }
            }
            _ => {
                e.add(cf, "changes_requests.unknown_category");
                None
            }
        };
        let amount = match signed_amount(a) {
            Ok(None) => {
                e.add(af, "form.required");
                None
            }
            Ok(Some(d)) if d.is_zero() => {
                e.add(af, "changes_requests.amount_nonzero");
                None
            }
            Ok(Some(d)) => Some(d),
            Err(key) => {
                e.add(af, key);
                None
            }
        };
        if let (Some(c), Some(a)) = (category, amount) {
            out.push((c, a));
        }
    }
    out
}

/// Whether a request changes anything: a task, a cost line or revenue. One without any
/// impact cannot be submitted.
pub fn has_impact(tasks: usize, costs: usize, revenue: Decimal) -> bool {
    tasks > 0 || costs > 0 || !revenue.is_zero()
}

/// The totals of a request's impact the list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub cost: Decimal,
    pub days_added: i64,
    pub days_removed: i64,
}

pub fn totals(days: &[i32], costs: &[Decimal]) -> Totals {
    Totals {
        cost: costs.iter().copied().sum(),
        days_added: days.iter().filter(|d| **d > 0).map(|d| i64::from(*d)).sum(),
        days_removed: days
            .iter()
            .filter(|d| **d < 0)
            .map(|d| i64::from(-*d))
            .sum(),
    }
}

/// Signed days as shown: `+3`, `-2`.
pub fn signed_days(days: i32) -> String {
    if days > 0 {
        format!("+{days}")
    } else {
        days.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Allowed {
        Allowed {
            tasks: vec![10, 11],
            categories: vec![1, 2],
            contracts: vec![ContractId(7)],
        }
    }

    fn form() -> RequestForm {
        RequestForm {
            kind: "change".into(),
            title: " 地下室防水变更 ".into(),
            reason: "设计院变更通知单 03".into(),
            revenue_amount: "120,000.50".into(),
            contract_id: "7".into(),
            task: vec!["10".into(), "".into(), "11".into()],
            days: vec!["+5".into(), "".into(), "-2".into()],
            category: vec!["2".into(), "".into()],
            amount: vec!["-3000".into(), "".into()],
            version: 0,
        }
    }

    #[test]
    fn a_good_form_makes_a_draft_skipping_blank_rows() {
        let d = form().validate(&allowed()).unwrap();
        assert_eq!(d.title, "地下室防水变更");
        assert_eq!(d.revenue_amount, Decimal::new(12_000_050, 2));
        assert_eq!(d.contract_id, Some(ContractId(7)));
        assert_eq!(d.tasks, vec![(TaskId(10), 5), (TaskId(11), -2)]);
        assert_eq!(d.costs, vec![(2, Decimal::from(-3000))]);
    }

    #[test]
    fn bad_fields_are_named() {
        let mut f = form();
        f.title = " ".into();
        f.reason = String::new();
        f.kind = "other".into();
        f.task = vec!["10".into(), "10".into(), "99".into(), "".into()];
        f.days = vec!["0".into(), "3".into(), "1".into(), "4".into()];
        f.category = vec!["1".into(), "1".into(), "5".into()];
        f.amount = vec!["0".into(), "1.001".into(), "abc".into()];
        let e = f.validate(&allowed()).unwrap_err();
        assert_eq!(e.get("title"), Some("form.required"));
        assert_eq!(e.get("reason"), Some("form.required"));
        assert_eq!(e.get("kind"), Some("form.invalid_choice"));
        assert_eq!(e.get("days_0"), Some("changes_requests.days_nonzero"));
        assert_eq!(e.get("task_1"), Some("changes_requests.duplicate_task"));
        assert_eq!(e.get("task_2"), Some("changes_requests.unknown_task"));
        assert_eq!(e.get("task_3"), Some("form.required"));
        assert_eq!(e.get("amount_0"), Some("changes_requests.amount_nonzero"));
        assert_eq!(
            e.get("category_1"),
            Some("changes_requests.duplicate_category")
        );
        assert_eq!(e.get("amount_1"), Some("form.too_many_decimals"));
        assert_eq!(
            e.get("category_2"),
            Some("changes_requests.unknown_category")
        );
        assert_eq!(e.get("amount_2"), Some("form.invalid_number"));
    }

    #[test]
    fn revenue_needs_a_contract_of_the_project() {
        let mut f = form();
        f.contract_id = String::new();
        let e = f.validate(&allowed()).unwrap_err();
        assert_eq!(
            e.get("contract_id"),
            Some("changes_requests.contract_required")
        );
        f.contract_id = "8".into();
        let e = f.validate(&allowed()).unwrap_err();
        assert_eq!(e.get("contract_id"), Some("form.invalid_choice"));
        f.revenue_amount = "-0".into();
        f.contract_id = String::new();
        let d = f.validate(&allowed()).unwrap();
        assert!(d.revenue_amount.is_zero());
        f.revenue_amount = "1e20".into();
        assert!(f.validate(&allowed()).unwrap_err().has("revenue_amount"));
        f.revenue_amount = "1.234".into();
        assert_eq!(
            f.validate(&allowed()).unwrap_err().get("revenue_amount"),
            Some("form.too_many_decimals")
        );
    }

    #[test]
    fn days_are_whole_and_within_bounds() {
        let mut f = form();
        f.days = vec!["1.5".into(), "".into(), "-10001".into()];
        let e = f.validate(&allowed()).unwrap_err();
        assert_eq!(e.get("days_0"), Some("changes_requests.days_whole"));
        assert_eq!(e.get("days_2"), Some("form.out_of_range"));
    }

    #[test]
    fn rows_keep_input_and_add_blank_ones() {
        let f = form();
        assert_eq!(f.task_rows().len(), 3 + BLANK_ROWS);
        assert_eq!(f.task_rows()[2], ("11".to_owned(), "-2".to_owned()));
        assert_eq!(RequestForm::default().cost_rows().len(), BLANK_ROWS);
        let many = RequestForm {
            task: vec!["1".into(); MAX_ROWS],
            ..RequestForm::default()
        };
        assert_eq!(many.task_rows().len(), MAX_ROWS);
    }

    #[test]
    fn impact_and_totals() {
        assert!(!has_impact(0, 0, Decimal::ZERO));
        assert!(has_impact(0, 0, Decimal::ONE));
        assert!(has_impact(1, 0, Decimal::ZERO));
        let t = totals(&[5, -2, 3], &[Decimal::from(100), Decimal::from(-40)]);
        assert_eq!(t.cost, Decimal::from(60));
        assert_eq!(t.days_added, 8);
        assert_eq!(t.days_removed, 2);
        assert_eq!(signed_days(3), "+3");
        assert_eq!(signed_days(-3), "-3");
    }
}
