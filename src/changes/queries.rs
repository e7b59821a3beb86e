//! The SQL the parts of the changes module share: the review board, a change request with its
//! affected tasks, cost lines and votes, and what approval writes.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::domain::{Board, RequestKind, Status};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::ids::{ContractId, TaskId};
use crate::tenancy::ProjectId;

/// The board settings: how many approvals a change needs, its version (0 while the tenant
/// has the defaults), and the named members.
#[derive(Debug, Clone)]
pub struct BoardSettings {
    pub approvals_needed: i16,
    pub version: i32,
    pub members: Vec<BoardMember>,
}

impl BoardSettings {
    pub fn board(&self) -> Board {
        Board {
            members: self.members.iter().map(|m| m.user_id).collect(),
            approvals_needed: u32::try_from(self.approvals_needed).unwrap_or(1),
        }
    }
}

#[derive(Debug, Clone)]
pub struct BoardMember {
    pub user_id: i64,
    pub name: String,
    pub role: String,
    pub active: bool,
}

pub async fn board_settings(scope: &mut TenantScope) -> AppResult<BoardSettings> {
    let tenant = scope.tenant_id();
    let row = sqlx::query!(
        "select approvals_needed, version from changes_settings where tenant_id = $1",
        tenant as TenantId
    )
    .fetch_optional(scope.conn())
    .await?;
    let members = sqlx::query_as!(
        BoardMember,
        r#"select m.user_id, u.name, u.role, u.active
           from change_board_member m
           join app_user u on u.tenant_id = m.tenant_id and u.id = m.user_id
           where m.tenant_id = $1
           order by u.name, m.user_id"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(BoardSettings {
        approvals_needed: row.as_ref().map_or(1, |r| r.approvals_needed),
        version: row.map_or(0, |r| r.version),
        members,
    })
}

/// A change request with the names the pages show.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: i64,
    pub project_id: i64,
    pub number: String,
    pub kind: RequestKind,
    pub title: String,
    pub reason: String,
    pub requester_id: i64,
    pub requester_name: String,
    pub revenue_amount: Decimal,
    pub contract_id: Option<ContractId>,
    pub contract_number: Option<String>,
    pub status: Status,
    pub round: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub apply_error: Option<String>,
    pub budget_version_id: Option<i64>,
    pub contract_variation_id: Option<i64>,
    pub revenue_variation_id: Option<i64>,
    pub budget_before: Option<Decimal>,
    pub budget_after: Option<Decimal>,
    pub finish_before: Option<NaiveDate>,
    pub finish_after: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// A request of `project` (already checked visible to the user), locked for update when
/// `lock`; another project's or tenant's id is not found.
pub async fn find(
    scope: &mut TenantScope,
    project: ProjectId,
    id: i64,
    lock: bool,
) -> AppResult<Request> {
    let tenant = scope.tenant_id();
    if lock {
        sqlx::query!(
            "select id from change_request where tenant_id = $1 and project_id = $2 and id = $3
             for update",
            tenant as TenantId,
            project as ProjectId,
            id
        )
        .fetch_optional(scope.conn())
        .await?;
    }
    sqlx::query_as!(
        Request,
        r#"select r.id, r.project_id, r.number, r.kind as "kind: RequestKind", r.title, r.reason, r.requester_id,
                  u.name as requester_name, r.revenue_amount,
                  r.contract_id as "contract_id: ContractId",
                  k.number as "contract_number?", r.status as "status: Status", r.round,
                  r.submitted_at,
                  r.decided_at, r.apply_error, r.budget_version_id, r.contract_variation_id,
                  r.revenue_variation_id, r.budget_before, r.budget_after, r.finish_before,
                  r.finish_after, r.created_at, r.updated_at, r.version
           from change_request r
           join app_user u on u.tenant_id = r.tenant_id and u.id = r.requester_id
           left join contract k on k.tenant_id = r.tenant_id and k.id = r.contract_id
           where r.tenant_id = $1 and r.project_id = $2 and r.id = $3"#,
        tenant as TenantId,
        project as ProjectId,
        id
    )
    .fetch_optional(scope.conn())
    .await?
    .ok_or(AppError::NotFound)
}

/// An affected task with its current schedule figures.
#[derive(Debug, Clone)]
pub struct TaskLine {
    pub task_id: TaskId,
    pub task_name: String,
    pub days: i32,
    pub duration_days: i32,
    pub remaining_days: Option<i32>,
    pub is_summary: bool,
    pub milestone: bool,
    pub finished: bool,
    pub task_version: i32,
    /// Written when the request was approved.
    pub duration_before: Option<i32>,
    pub duration_after: Option<i32>,
}

pub async fn task_lines(scope: &mut TenantScope, request: i64) -> AppResult<Vec<TaskLine>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        TaskLine,
        r#"select l.task_id as "task_id: TaskId", t.name as task_name, l.days, t.duration_days, t.remaining_days,
                  t.is_summary, t.milestone, t.actual_finish is not null as "finished!",
                  t.version as task_version, l.duration_before, l.duration_after
           from change_request_task l
           join task t on t.tenant_id = l.tenant_id and t.id = l.task_id
           where l.tenant_id = $1 and l.change_request_id = $2
           order by t.sort_order, t.id"#,
        tenant as TenantId,
        request
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A cost line with its category's names.
#[derive(Debug, Clone)]
pub struct CostLine {
    pub category_id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub amount: Decimal,
}

pub async fn cost_lines(scope: &mut TenantScope, request: i64) -> AppResult<Vec<CostLine>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        CostLine,
        "select l.category_id, c.code, c.name_zh, c.name_en, l.amount
         from change_request_cost l
         join cost_category c on c.tenant_id = l.tenant_id and c.id = l.category_id
         where l.tenant_id = $1 and l.change_request_id = $2
         order by c.sort_order, c.code",
        tenant as TenantId,
        request
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A vote as the request's page lists it.
#[derive(Debug, Clone)]
pub struct Vote {
    pub voter_id: i64,
    pub voter_name: String,
    pub voter_role: String,
    pub voter_active: bool,
    pub round: i32,
    pub decision: String,
    pub comment: String,
    pub voted_at: DateTime<Utc>,
}

/// Every vote on a request, newest round first.
pub async fn votes(scope: &mut TenantScope, request: i64) -> AppResult<Vec<Vote>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Vote,
        "select v.voter_id, u.name as voter_name, u.role as voter_role, u.active as voter_active,
                v.round, v.decision, v.comment, v.voted_at
         from change_vote v
         join app_user u on u.tenant_id = v.tenant_id and u.id = v.voter_id
         where v.tenant_id = $1 and v.change_request_id = $2
         order by v.round desc, v.voted_at, v.id",
        tenant as TenantId,
        request
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The total of the project's current budget (zero without one).
pub async fn budget_total(scope: &mut TenantScope, project: ProjectId) -> AppResult<Decimal> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select coalesce(sum(l.amount), 0) as "total!"
           from cost_budget_line l
           where l.tenant_id = $1
             and l.budget_version_id = (select v.id from cost_budget_version v
                                        where v.tenant_id = $1 and v.project_id = $2
                                          and v.status = 'approved'
                                        order by v.number desc limit 1)"#,
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Sets a task's duration (and remaining days) for an approved change; the caller
/// reschedules.
pub async fn set_task_duration(
    scope: &mut TenantScope,
    task: TaskId,
    duration: i32,
    remaining: Option<i32>,
    by: UserId,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update task set duration_days = $3, remaining_days = $4, version = version + 1,
                         updated_at = now(), updated_by = $5
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        task as TaskId,
        duration,
        remaining,
        by.0
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Writes an affected task's duration before and after approval.
pub async fn record_task_line(
    scope: &mut TenantScope,
    request: i64,
    task: TaskId,
    before: i32,
    after: i32,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update change_request_task set duration_before = $4, duration_after = $5
         where tenant_id = $1 and change_request_id = $2 and task_id = $3",
        tenant as TenantId,
        request,
        task as TaskId,
        before,
        after
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// The project's finish as scheduled (or planned, before it has tasks).
pub async fn project_finish(
    scope: &mut TenantScope,
    project: ProjectId,
) -> AppResult<Option<NaiveDate>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select coalesce(scheduled_finish, planned_finish) from project
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// What approval did, written on the request.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Applied {
    pub budget_version_id: Option<i64>,
    pub contract_variation_id: Option<i64>,
    pub revenue_variation_id: Option<i64>,
    pub budget_before: Option<Decimal>,
    pub budget_after: Option<Decimal>,
    pub finish_before: Option<NaiveDate>,
    pub finish_after: Option<NaiveDate>,
}

/// Marks the request approved with what approval did.
pub async fn set_approved(
    scope: &mut TenantScope,
    request: i64,
    a: &Applied,
    by: UserId,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update change_request
         set status = $11, decided_at = now(), apply_error = null,
             budget_version_id = $3, contract_variation_id = $4, revenue_variation_id = $5,
             budget_before = $6, budget_after = $7, finish_before = $8, finish_after = $9,
             version = version + 1, updated_at = now(), updated_by = $10
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        request,
        a.budget_version_id,
        a.contract_variation_id,
        a.revenue_variation_id,
        a.budget_before,
        a.budget_after,
        a.finish_before,
        a.finish_after,
        by.0,
        Status::Approved as Status
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Keeps the request under review with the reason its approval could not be applied.
pub async fn set_apply_error(
    scope: &mut TenantScope,
    request: i64,
    reason: &str,
    by: UserId,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let reason: String = reason.chars().take(2000).collect();
    sqlx::query!(
        "update change_request
         set status = $5, apply_error = $3, version = version + 1,
             updated_at = now(), updated_by = $4
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        request,
        reason,
        by.0,
        Status::UnderReview as Status
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}
