//! The SQL of a project's change requests beyond what `crate::changes::queries` shares: the
//! list with its totals, drafts saved with their lines, the steps of the flow, votes and
//! attachments.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::domain::Draft;
use crate::changes::domain::{RequestKind, Status};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::ids::{ContractId, TaskId};
use crate::tenancy::ProjectId;

/// A request as the project's list shows it.
#[derive(Debug, Clone)]
pub struct ListRow {
    pub id: i64,
    pub number: String,
    pub kind: RequestKind,
    pub title: String,
    pub requester_name: String,
    pub status: Status,
    pub revenue_amount: Decimal,
    pub cost_total: Decimal,
    pub days_added: i64,
    pub days_removed: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// The project's requests, newest number first, of one status when given.
pub async fn list(
    scope: &mut TenantScope,
    project: ProjectId,
    status: Option<Status>,
) -> AppResult<Vec<ListRow>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ListRow,
        r#"select r.id, r.number, r.kind as "kind: RequestKind", r.title, u.name as requester_name,
                  r.status as "status: Status", r.revenue_amount,
                  coalesce((select sum(c.amount) from change_request_cost c
                            where c.tenant_id = r.tenant_id and c.change_request_id = r.id),
                           0) as "cost_total!",
                  coalesce((select sum(t.days) filter (where t.days > 0)
                            from change_request_task t
                            where t.tenant_id = r.tenant_id and t.change_request_id = r.id),
                           0)::bigint as "days_added!",
                  coalesce((select -sum(t.days) filter (where t.days < 0)
                            from change_request_task t
                            where t.tenant_id = r.tenant_id and t.change_request_id = r.id),
                           0)::bigint as "days_removed!",
                  r.submitted_at, r.decided_at
           from change_request r
           join app_user u on u.tenant_id = r.tenant_id and u.id = r.requester_id
           where r.tenant_id = $1 and r.project_id = $2
             and ($3::text is null or r.status = $3)
           order by r.id desc"#,
        tenant as TenantId,
        project as ProjectId,
        status as Option<Status>
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The numbers the project's requests already have.
pub async fn numbers(scope: &mut TenantScope, project: ProjectId) -> AppResult<Vec<String>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select number from change_request where tenant_id = $1 and project_id = $2",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Serialises numbering within a project for the transaction.
pub async fn lock_numbers(scope: &mut TenantScope, project: ProjectId) -> AppResult<()> {
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtext('change_request'), $1::int)",
        i32::try_from(project.get().rem_euclid(i64::from(i32::MAX))).unwrap_or(0)
    )
    .fetch_one(scope.conn())
    .await?;
    Ok(())
}

pub async fn insert(
    scope: &mut TenantScope,
    project: ProjectId,
    number: &str,
    d: &Draft,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into change_request (tenant_id, project_id, number, kind, title, reason,
                                     requester_id, revenue_amount, contract_id, created_by,
                                     updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7, $7)
         returning id",
        tenant as TenantId,
        project as ProjectId,
        number,
        d.kind as RequestKind,
        d.title,
        d.reason,
        by.0,
        d.revenue_amount,
        d.contract_id as Option<ContractId>
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Saves a draft read at `version`; false when it is no longer that draft.
pub async fn update(
    scope: &mut TenantScope,
    id: i64,
    d: &Draft,
    version: i32,
    by: UserId,
) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    let done = sqlx::query!(
        "update change_request
         set kind = $3, title = $4, reason = $5, revenue_amount = $6, contract_id = $7,
             version = version + 1, updated_at = now(), updated_by = $8
         where tenant_id = $1 and id = $2 and version = $9 and status = 'draft'",
        tenant as TenantId,
        id,
        d.kind as RequestKind,
        d.title,
        d.reason,
        d.revenue_amount,
        d.contract_id as Option<ContractId>,
        by.0,
        version
    )
    .execute(scope.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces the request's affected tasks and cost lines with the draft's.
pub async fn replace_lines(scope: &mut TenantScope, id: i64, d: &Draft) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "delete from change_request_task where tenant_id = $1 and change_request_id = $2",
        tenant as TenantId,
        id
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "delete from change_request_cost where tenant_id = $1 and change_request_id = $2",
        tenant as TenantId,
        id
    )
    .execute(scope.conn())
    .await?;
    insert_lines(scope, id, &d.tasks, &d.costs).await
}

/// Writes a request's lines: (task, working days) and (cost category, amount).
pub async fn insert_lines(
    scope: &mut TenantScope,
    id: i64,
    tasks: &[(TaskId, i32)],
    costs: &[(i64, Decimal)],
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    for (task, days) in tasks {
        sqlx::query!(
            "insert into change_request_task (tenant_id, change_request_id, task_id, days)
             values ($1, $2, $3, $4)",
            tenant as TenantId,
            id,
            *task as TaskId,
            days
        )
        .execute(scope.conn())
        .await?;
    }
    for (category, amount) in costs {
        sqlx::query!(
            "insert into change_request_cost (tenant_id, change_request_id, category_id, amount)
             values ($1, $2, $3, $4)",
            tenant as TenantId,
            id,
            category,
            amount
        )
        .execute(scope.conn())
        .await?;
    }
    Ok(())
}

/// Deletes a draft with its lines, votes and attachments; false when it is no longer that
/// draft.
pub async fn delete(scope: &mut TenantScope, id: i64, version: i32) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    let done = sqlx::query!(
        "delete from change_request
         where tenant_id = $1 and id = $2 and version = $3 and status = 'draft'",
        tenant as TenantId,
        id,
        version
    )
    .execute(scope.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A task whose duration a change may move.
#[derive(Debug, Clone)]
pub struct TaskChoice {
    pub id: i64,
    pub name: String,
    pub duration_days: i32,
}

/// The project's leaf tasks that are neither milestones nor finished.
pub async fn task_choices(
    scope: &mut TenantScope,
    project: ProjectId,
) -> AppResult<Vec<TaskChoice>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        TaskChoice,
        "select id, name, duration_days from task
         where tenant_id = $1 and project_id = $2
           and not is_summary and not milestone and actual_finish is null
         order by early_start nulls last, sort_order, id",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// An income contract of the project.
#[derive(Debug, Clone)]
pub struct ContractChoice {
    pub id: ContractId,
    pub number: String,
    pub title: String,
    pub status: String,
}

pub async fn income_contracts(
    scope: &mut TenantScope,
    project: ProjectId,
) -> AppResult<Vec<ContractChoice>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ContractChoice,
        r#"select id as "id: ContractId", number, title, status from contract
           where tenant_id = $1 and project_id = $2 and direction = 'income'
           order by number, id"#,
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Draft → submitted, a new round of votes.
pub async fn submit(scope: &mut TenantScope, id: i64, by: UserId) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update change_request
         set status = $4, round = round + 1, submitted_at = now(), apply_error = null,
             version = version + 1, updated_at = now(), updated_by = $3
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id,
        by.0,
        Status::Submitted as Status
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Back to draft; the votes stay as the history of their round.
pub async fn withdraw(scope: &mut TenantScope, id: i64, by: UserId) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update change_request
         set status = $4, apply_error = null,
             version = version + 1, updated_at = now(), updated_by = $3
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id,
        by.0,
        Status::Draft as Status
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Submitted → under review (the first vote), or rejected with the decision's time.
pub async fn set_status(
    scope: &mut TenantScope,
    id: i64,
    status: Status,
    by: UserId,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update change_request
         set status = $3,
             decided_at = case when $3 in ('approved', 'rejected') then now() end,
             version = version + 1, updated_at = now(), updated_by = $4
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id,
        status as Status,
        by.0
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Records a vote; `None` when the voter already voted in this round.
pub async fn insert_vote(
    scope: &mut TenantScope,
    id: i64,
    round: i32,
    voter: UserId,
    decision: &str,
    comment: &str,
) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into change_vote (tenant_id, change_request_id, round, voter_id, decision,
                                  comment)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (tenant_id, change_request_id, round, voter_id) do nothing
         returning id",
        tenant as TenantId,
        id,
        round,
        voter.0,
        decision,
        comment
    )
    .fetch_optional(scope.conn())
    .await?)
}
