//! Earned value SQL: the current budget by task, and the actual cost by day and task (cost
//! entries without VAT, and confirmed or settled day labour). Tasks, baselines, the calendar
//! and progress history come from the plans and progress modules' queries.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::{TaskId, TenantId};
use crate::tenancy::ProjectId;

/// A budget version's lines summed by task (`None`: lines without a task).
pub async fn budget_by_task(
    scope: &mut TenantScope,
    budget_version: i64,
) -> AppResult<HashMap<Option<TaskId>, Decimal>> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query!(
        r#"select task_id, sum(amount) as "amount!"
           from cost_budget_line
           where tenant_id = $1 and budget_version_id = $2
           group by task_id"#,
        tenant as TenantId,
        budget_version
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.task_id.map(TaskId), r.amount))
        .collect())
}

/// The project's actual cost up to `through`, summed by day and task: cost entries (amounts
/// exclude VAT; reversals are negative entries) and confirmed or settled day-labour lines.
pub async fn costs(
    scope: &mut TenantScope,
    project: ProjectId,
    through: NaiveDate,
) -> AppResult<Vec<(NaiveDate, Option<TaskId>, Decimal)>> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query!(
        r#"select day as "day!", task_id, sum(amount) as "amount!"
           from (select entry_date as day, task_id, amount from cost_entry
                 where tenant_id = $1 and project_id = $2 and entry_date <= $3
                 union all
                 select ticket_date, task_id, amount from labour_ticket_line
                 where tenant_id = $1 and project_id = $2 and ticket_date <= $3
                   and status in ('confirmed', 'settled')) a
           group by 1, 2
           order by 1"#,
        tenant as TenantId,
        project as ProjectId,
        through
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.day, r.task_id.map(TaskId), r.amount))
        .collect())
}
