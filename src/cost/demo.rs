//! The demo project's cost: an original budget spread over the WBS and a revision for a design
//! change, a signed variation on the revenue side, invoices and cost transfers that follow the
//! progress already recorded, closed months, and an estimate that forecasts a steel price rise
//! — so a trial user sees the report, its alerts and earned value working on day one. Day
//! labour needs nothing here: its confirmed tickets are labour cost already.

use std::collections::HashMap;

use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::domain::month_of;
use super::queries;
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::plans::queries::Task;

/// The original budget per builtin category, in yuan; the first four are spread over the
/// WBS by duration, the rest stay on the project.
const BUDGET: [(&str, i64); 9] = [
    ("labour", 6_200_000),
    ("materials", 18_500_000),
    ("plant", 2_600_000),
    ("subcontract", 9_800_000),
    ("measures", 2_100_000),
    ("overhead", 1_600_000),
    ("fees", 600_000),
    ("taxes", 380_000),
    ("other", 300_000),
];
const SPREAD_OVER_TASKS: [&str; 4] = ["labour", "materials", "plant", "subcontract"];

/// Who invoices each category, with the VAT rate their invoices carry.
const SUPPLIERS: [(&str, &str, &str, i64); 6] = [
    ("labour", "杭州建工劳务有限公司", "劳务分包进度款", 3),
    (
        "materials",
        "浙江物产钢材贸易有限公司",
        "钢筋、商品混凝土及辅材",
        13,
    ),
    ("plant", "中联重科建机租赁公司", "塔吊、施工电梯租赁费", 13),
    (
        "subcontract",
        "杭州华信防水工程有限公司",
        "专业分包进度款",
        9,
    ),
    (
        "measures",
        "杭州安达脚手架工程有限公司",
        "脚手架搭设及安全文明施工",
        9,
    ),
    ("overhead", "项目部", "项目部管理人员工资及办公费", 0),
];

/// One planned demo entry.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoEntry {
    pub date: NaiveDate,
    pub builtin: &'static str,
    pub task_id: Option<i64>,
    pub supplier: &'static str,
    pub description: String,
    pub amount: Decimal,
    pub tax_rate: Decimal,
    pub document_no: String,
}

/// A budget line per (builtin category, task): categories in `SPREAD_OVER_TASKS` by the
/// tasks' durations (the rounding rest on the longest task), the others on the project.
pub fn budget_lines(tasks: &[Task]) -> Vec<(&'static str, Option<i64>, Decimal)> {
    let leaves: Vec<&Task> = tasks
        .iter()
        .filter(|t| !t.is_summary && !t.milestone && t.duration_days > 0)
        .collect();
    let total_days: i64 = leaves.iter().map(|t| i64::from(t.duration_days)).sum();
    let longest = leaves.iter().max_by_key(|t| t.duration_days).map(|t| t.id);
    let mut out = Vec::new();
    for (builtin, amount) in BUDGET {
        let amount = Decimal::from(amount);
        if !SPREAD_OVER_TASKS.contains(&builtin) || total_days == 0 {
            out.push((builtin, None, amount));
            continue;
        }
        let mut given = Decimal::ZERO;
        let mut lines: Vec<(&'static str, Option<i64>, Decimal)> = leaves
            .iter()
            .map(|t| {
                let share = (amount * Decimal::from(t.duration_days) / Decimal::from(total_days))
                    .round_dp_with_strategy(0, RoundingStrategy::ToZero);
                given += share;
                (builtin, Some(t.id), share)
            })
            .collect();
        if let Some(line) = lines.iter_mut().find(|l| l.1 == longest) {
            line.2 += amount - given;
        }
        out.extend(lines);
    }
    out
}

/// The entries behind the progress recorded by `status`: each started task's budget times
/// its percent complete (materials 6 % over on the late tasks, as steel went up), invoiced
/// in up to three parts across the days it ran; monthly measures, overhead and plant hire.
pub fn entries(
    lines: &[(&'static str, Option<i64>, Decimal)],
    tasks: &[Task],
    start: NaiveDate,
    status: NaiveDate,
) -> Vec<DemoEntry> {
    let supplier = |builtin: &str| {
        SUPPLIERS
            .iter()
            .find(|s| s.0 == builtin)
            .copied()
            .unwrap_or(("other", "其他", "其他费用", 0))
    };
    let by_id: HashMap<i64, &Task> = tasks.iter().map(|t| (t.id, t)).collect();
    let mut out = Vec::new();
    let mut number = 0;
    let mut next_no = |date: NaiveDate| {
        number += 1;
        format!("FP{}{:02}-{number:04}", date.year(), date.month())
    };
    for &(builtin, task, budget) in lines {
        // Labour of the WBS is mostly the labour subcontractor's; day labour adds to it.
        let Some(task) = task.and_then(|id| by_id.get(&id)) else {
            continue;
        };
        let (Some(from), pct) = (task.actual_start, task.percent_complete) else {
            continue;
        };
        if pct.is_zero() {
            continue;
        }
        let to = task.actual_finish.unwrap_or(status).min(status);
        let late = task.actual_finish.is_none();
        let factor = if late && builtin == "materials" {
            Decimal::new(106, 2)
        } else {
            Decimal::ONE
        };
        let earned = (budget * pct / Decimal::ONE_HUNDRED * factor).round_dp(2);
        let span = to.signed_duration_since(from).num_days().max(0);
        let parts: i64 = if span >= 20 { 3 } else { 1 };
        let (_, name, what, rate) = supplier(builtin);
        let mut given = Decimal::ZERO;
        for k in 0..parts {
            let date = from
                .checked_add_days(Days::new(((k + 1) * span / parts).unsigned_abs()))
                .unwrap_or(to);
            let amount = if k + 1 == parts {
                earned - given
            } else {
                (earned / Decimal::from(parts)).round_dp(2)
            };
            given += amount;
            out.push(DemoEntry {
                date,
                builtin,
                task_id: Some(task.id),
                supplier: name,
                description: format!("{} — {}", task.name, what),
                amount,
                tax_rate: Decimal::from(rate),
                document_no: next_no(date),
            });
        }
    }
    // Month-end costs of the project as a whole, for every month that ended by `status`.
    let mut month = month_of(start);
    while let Some(end) = month
        .checked_add_months(Months::new(1))
        .and_then(|m| m.pred_opt())
    {
        if end > status {
            break;
        }
        for (builtin, amount) in [
            ("measures", 480_000),
            ("overhead", 95_000),
            ("plant", 60_000),
        ] {
            let (_, name, what, rate) = supplier(builtin);
            out.push(DemoEntry {
                date: end,
                builtin,
                task_id: None,
                supplier: name,
                description: format!("{}月 {}", end.month(), what),
                amount: Decimal::from(amount),
                tax_rate: Decimal::from(rate),
                document_no: next_no(end),
            });
        }
        month = end.succ_opt().unwrap_or(end);
    }
    out
}

/// VAT on `amount` at `rate` percent, to the fen.
fn tax(amount: Decimal, rate: Decimal) -> Decimal {
    (amount * rate / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Adds the demo cost to `project` unless it already has a budget.
pub async fn create(
    scope: &mut TenantScope,
    project: i64,
    owner: UserId,
    today: NaiveDate,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let existing = sqlx::query_scalar!(
        r#"select count(*) as "n!" from cost_budget_version where tenant_id = $1 and project_id = $2"#,
        tenant as TenantId,
        project
    )
    .fetch_one(scope.conn())
    .await?;
    if existing > 0 {
        return Ok(());
    }
    queries::seed_categories(scope).await?;
    let categories: HashMap<String, i64> = queries::categories(scope)
        .await?
        .into_iter()
        .filter_map(|c| Some((c.builtin?, c.id)))
        .collect();
    let category = |builtin: &str| categories.get(builtin).copied();
    let project_row = sqlx::query!(
        "select planned_start, status_date from project where tenant_id = $1 and id = $2",
        tenant as TenantId,
        project
    )
    .fetch_one(scope.conn())
    .await?;
    let start = project_row.planned_start;
    let status = project_row.status_date.unwrap_or(today);
    let tasks = crate::plans::queries::tasks(scope, project).await?;

    // The original budget, approved at the start; a revision for the waterproofing change.
    let lines = budget_lines(&tasks);
    let original = insert_version(scope, project, 0, "", owner, start).await?;
    insert_lines(scope, original, &lines, &categories).await?;
    let revised_on = status.checked_sub_days(Days::new(30)).unwrap_or(status);
    let revision = insert_version(
        scope,
        project,
        1,
        "设计变更 BG-003：地下室防水等级由二级提高到一级，增加防水卷材及施工费用",
        owner,
        revised_on,
    )
    .await?;
    let mut revised = lines.clone();
    revised.push(("subcontract", None, Decimal::from(450_000)));
    insert_lines(scope, revision, &revised, &categories).await?;
    sqlx::query!(
        "insert into revenue_variation (tenant_id, project_id, number, title, amount, approved_on, created_by)
         values ($1, $2, 'QZ-001', '地下室防水等级提高（设计变更 BG-003）', 520000, $3, $4)",
        tenant as TenantId,
        project,
        revised_on,
        owner.0
    )
    .execute(scope.conn())
    .await?;

    // What was spent for the progress recorded so far.
    let planned = entries(&lines, &tasks, start, status);
    let mut dates = Vec::new();
    let mut category_ids = Vec::new();
    let mut task_ids = Vec::new();
    let mut suppliers = Vec::new();
    let mut descriptions = Vec::new();
    let mut amounts = Vec::new();
    let mut rates = Vec::new();
    let mut taxes = Vec::new();
    let mut documents = Vec::new();
    for e in &planned {
        let Some(c) = category(e.builtin) else {
            continue;
        };
        dates.push(e.date);
        category_ids.push(c);
        task_ids.push(e.task_id);
        suppliers.push(e.supplier.to_owned());
        descriptions.push(e.description.clone());
        amounts.push(e.amount);
        rates.push(e.tax_rate);
        taxes.push(tax(e.amount, e.tax_rate));
        documents.push(e.document_no.clone());
    }
    sqlx::query!(
        "insert into cost_entry (tenant_id, project_id, entry_date, category_id, task_id, supplier,
                                 description, amount, tax_rate, tax_amount, document_no,
                                 created_by, updated_by)
         select $1, $2, d, c, t, s, n, a, r, x, o, $12, $12
         from unnest($3::date[], $4::bigint[], $5::bigint[], $6::text[], $7::text[],
                     $8::numeric[], $9::numeric[], $10::numeric[], $11::text[])
              as e(d, c, t, s, n, a, r, x, o)",
        tenant as TenantId,
        project,
        &dates,
        &category_ids,
        &task_ids as &[Option<i64>],
        &suppliers,
        &descriptions,
        &amounts,
        &rates,
        &taxes,
        &documents,
        owner.0
    )
    .execute(scope.conn())
    .await?;

    // Steel is dearer than budgeted: the cost engineer expects materials to finish over.
    if let Some(materials) = category("materials") {
        let spent: Decimal = planned
            .iter()
            .filter(|e| e.builtin == "materials")
            .map(|e| e.amount)
            .sum();
        let budget: Decimal = lines
            .iter()
            .filter(|l| l.0 == "materials")
            .map(|l| l.2)
            .sum();
        let estimate = (budget - spent).max(Decimal::ZERO) + Decimal::from(1_200_000);
        sqlx::query!(
            "insert into cost_estimate (tenant_id, project_id, category_id, amount, note, updated_by)
             values ($1, $2, $3, $4, '钢筋价格较目标成本上涨约 8%，主体剩余用量按现价测算', $5)
             on conflict do nothing",
            tenant as TenantId,
            project,
            materials,
            estimate,
            owner.0
        )
        .execute(scope.conn())
        .await?;
    }

    // Months that ended before last month are closed (结账) — in a company with no cost of
    // its own yet: periods are company-wide, and a trial's real projects must stay open.
    let busy = sqlx::query_scalar!(
        r#"select exists (select 1 from cost_entry where tenant_id = $1 and project_id <> $2)
               or exists (select 1 from labour_ticket where tenant_id = $1 and project_id <> $2)
               as "busy!""#,
        tenant as TenantId,
        project
    )
    .fetch_one(scope.conn())
    .await?;
    let last_month = month_of(today)
        .checked_sub_months(Months::new(1))
        .unwrap_or(today);
    let mut month = month_of(start);
    let mut closed = Vec::new();
    while let Some(next) = month.checked_add_months(Months::new(1)) {
        if busy || next > last_month {
            break;
        }
        closed.push(month);
        month = next;
    }
    sqlx::query!(
        "insert into cost_period (tenant_id, month, closed_by)
         select $1, m, $3 from unnest($2::date[]) as m on conflict do nothing",
        tenant as TenantId,
        &closed,
        owner.0
    )
    .execute(scope.conn())
    .await?;

    // The cost engineer froze the report at the end of last month, to compare against.
    if let Some(as_of) = month_of(today).pred_opt().filter(|d| *d >= start) {
        let name = format!("{}年{}月末成本快照", as_of.year(), as_of.month());
        super::budget::snapshots::freeze(scope, project, &name, as_of, owner).await?;
    }
    Ok(())
}

async fn insert_version(
    scope: &mut TenantScope,
    project: i64,
    number: i32,
    reason: &str,
    owner: UserId,
    approved_on: NaiveDate,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    let at = approved_on
        .and_hms_opt(10, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default();
    Ok(sqlx::query_scalar!(
        "insert into cost_budget_version (tenant_id, project_id, number, status, reason,
                                          approved_at, approved_by, created_at, created_by,
                                          updated_by)
         values ($1, $2, $3, 'approved', $4, $5, $6, $5, $6, $6)
         returning id",
        tenant as TenantId,
        project,
        number,
        reason,
        at,
        owner.0
    )
    .fetch_one(scope.conn())
    .await?)
}

async fn insert_lines(
    scope: &mut TenantScope,
    version: i64,
    lines: &[(&'static str, Option<i64>, Decimal)],
    categories: &HashMap<String, i64>,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    // Lines on the same category and task add up (a revision's extra on the project).
    let mut merged: Vec<(i64, Option<i64>, Decimal)> = Vec::new();
    for &(builtin, task, amount) in lines {
        let Some(&c) = categories.get(builtin) else {
            continue;
        };
        match merged.iter_mut().find(|m| m.0 == c && m.1 == task) {
            Some(m) => m.2 += amount,
            None => merged.push((c, task, amount)),
        }
    }
    let categories: Vec<i64> = merged.iter().map(|m| m.0).collect();
    let tasks: Vec<Option<i64>> = merged.iter().map(|m| m.1).collect();
    let amounts: Vec<Decimal> = merged.iter().map(|m| m.2).collect();
    sqlx::query!(
        "insert into cost_budget_line (tenant_id, budget_version_id, category_id, task_id, amount)
         select $1, $2, c, t, a from unnest($3::bigint[], $4::bigint[], $5::numeric[]) as l(c, t, a)",
        tenant as TenantId,
        version,
        &categories,
        &tasks as &[Option<i64>],
        &amounts
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: i64, days: i32, start: Option<NaiveDate>, pct: i64, done: bool) -> Task {
        Task {
            id,
            parent_id: None,
            sort_order: 0,
            name: format!("任务{id}"),
            duration_days: days,
            milestone: false,
            start_no_earlier_than: None,
            deadline: None,
            responsible_id: None,
            notes: String::new(),
            weight: None,
            actual_start: start,
            actual_finish: if done {
                start.and_then(|s| s.checked_add_days(Days::new(30)))
            } else {
                None
            },
            percent_complete: Decimal::from(pct),
            remaining_days: None,
            is_summary: false,
            early_start: start,
            early_finish: None,
            late_start: None,
            late_finish: None,
            total_slack: None,
            free_slack: None,
            critical: false,
            version: 1,
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_budget_spreads_over_tasks_to_the_yuan() {
        let tasks = vec![task(1, 10, None, 0, false), task(2, 20, None, 0, false)];
        let lines = budget_lines(&tasks);
        let total: Decimal = lines.iter().map(|l| l.2).sum();
        let expected: i64 = BUDGET.iter().map(|b| b.1).sum();
        assert_eq!(total, Decimal::from(expected));
        let labour_on_1: Decimal = lines
            .iter()
            .filter(|l| l.0 == "labour" && l.1 == Some(1))
            .map(|l| l.2)
            .sum();
        assert_eq!(labour_on_1, Decimal::from(2_066_666));
        assert!(lines.iter().any(|l| l.0 == "measures" && l.1.is_none()));
    }

    #[test]
    fn entries_follow_progress_and_stop_at_the_status_date() {
        let start = day(2026, 7, 27);
        let status = day(2026, 11, 23);
        let tasks = vec![
            task(1, 10, Some(start), 100, true),
            task(2, 20, Some(day(2026, 10, 1)), 50, false),
            task(3, 20, None, 0, false),
        ];
        let lines = budget_lines(&tasks);
        let planned = entries(&lines, &tasks, start, status);
        assert!(planned.iter().all(|e| e.date <= status && e.date >= start));
        assert!(planned.iter().all(|e| e.task_id != Some(3)));
        let materials_1: Decimal = planned
            .iter()
            .filter(|e| e.builtin == "materials" && e.task_id == Some(1))
            .map(|e| e.amount)
            .sum();
        let budget_1: Decimal = lines
            .iter()
            .filter(|l| l.0 == "materials" && l.1 == Some(1))
            .map(|l| l.2)
            .sum();
        assert_eq!(materials_1, budget_1);
        // The late task's materials run 6 % over what its progress earned.
        let materials_2: Decimal = planned
            .iter()
            .filter(|e| e.builtin == "materials" && e.task_id == Some(2))
            .map(|e| e.amount)
            .sum();
        let budget_2: Decimal = lines
            .iter()
            .filter(|l| l.0 == "materials" && l.1 == Some(2))
            .map(|l| l.2)
            .sum();
        assert_eq!(
            materials_2,
            (budget_2 / Decimal::from(2) * Decimal::new(106, 2)).round_dp(2)
        );
        // Three whole months ended (Aug, Sep, Oct; July began mid-month and counts too).
        let measures = planned.iter().filter(|e| e.builtin == "measures").count();
        assert_eq!(measures, 4);
        assert!(planned.iter().all(|e| e.amount > Decimal::ZERO));
    }

    #[test]
    fn tax_rounds_half_away_from_zero() {
        assert_eq!(
            tax(Decimal::new(1005, 2), Decimal::from(10)),
            Decimal::new(101, 2)
        );
        assert_eq!(tax(Decimal::from(100), Decimal::ZERO), Decimal::ZERO);
    }
}
