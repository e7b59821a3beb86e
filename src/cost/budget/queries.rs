//! The SQL of budgets, revenue variations and snapshots. Each function takes the tenant scope
//! and still says `where tenant_id = $1`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::domain::{BudgetStatus, Line};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult, ResultExt};
use crate::ids::TaskId;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::tenancy::ProjectId;

/// A budget version with its total.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub id: i64,
    pub number: i32,
    pub status: BudgetStatus,
    pub reason: String,
    pub change_request_id: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by_name: Option<String>,
    pub total: Decimal,
    pub version: i32,
}

impl VersionRow {
    pub fn is_draft(&self) -> bool {
        self.status.is_draft()
    }
}

/// Every budget version of a project, by number.
pub async fn list_versions(
    scope: &mut TenantScope,
    project: ProjectId,
) -> AppResult<Vec<VersionRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        VersionRow,
        r#"select v.id, v.number, v.status as "status: BudgetStatus", v.reason, v.change_request_id, v.approved_at,
                  u.name as "approved_by_name?", v.version,
                  coalesce((select sum(l.amount) from cost_budget_line l
                            where l.tenant_id = v.tenant_id and l.budget_version_id = v.id), 0)
                    as "total!"
           from cost_budget_version v
           left join app_user u on u.tenant_id = v.tenant_id and u.id = v.approved_by
           where v.tenant_id = $1 and v.project_id = $2
           order by v.number"#,
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A budget line as a page shows it.
#[derive(Debug, Clone)]
pub struct LineRow {
    pub category_id: i64,
    pub task_id: Option<TaskId>,
    pub task_name: Option<String>,
    pub amount: Decimal,
}

impl LineRow {
    pub fn line(&self) -> Line {
        Line {
            category_id: self.category_id,
            task_id: self.task_id,
            amount: self.amount,
        }
    }
}

/// The lines of one budget version.
pub async fn lines(scope: &mut TenantScope, version: i64) -> AppResult<Vec<LineRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        LineRow,
        r#"select l.category_id, l.task_id as "task_id: TaskId", t.name as "task_name?", l.amount
           from cost_budget_line l
           left join task t on t.tenant_id = l.tenant_id and t.id = l.task_id
           where l.tenant_id = $1 and l.budget_version_id = $2
           order by l.task_id nulls first, l.id"#,
        tenant as TenantId,
        version
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The next version number of a project's budget (0 for the original).
pub async fn next_number(scope: &mut TenantScope, project: ProjectId) -> AppResult<i32> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select coalesce(max(number) + 1, 0) as "n!" from cost_budget_version
           where tenant_id = $1 and project_id = $2"#,
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// A new version: a draft, or (from a change request) approved at once. A second draft of
/// the same project answers `Conflict`.
pub struct NewVersion<'a> {
    pub project: ProjectId,
    pub number: i32,
    pub approved: bool,
    pub reason: &'a str,
    pub change_request_id: Option<i64>,
    pub by: UserId,
}

pub async fn insert_version(scope: &mut TenantScope, v: &NewVersion<'_>) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    let status = if v.approved {
        BudgetStatus::Approved
    } else {
        BudgetStatus::Draft
    };
    sqlx::query_scalar!(
        "insert into cost_budget_version
             (tenant_id, project_id, number, status, reason, change_request_id,
              approved_at, approved_by, created_by, updated_by)
         values ($1, $2, $3, $8, $5, $6,
                 case when $4 then now() end, case when $4 then $7::bigint end, $7, $7)
         returning id",
        tenant as TenantId,
        v.project as ProjectId,
        v.number,
        v.approved,
        v.reason,
        v.change_request_id,
        v.by.0,
        status as BudgetStatus
    )
    .fetch_one(scope.conn())
    .await
    .on_constraint("cost_budget_version_one_draft_idx", || AppError::Conflict)
}

/// Writes `lines` into version `version` (which holds none of them yet).
pub async fn insert_lines(scope: &mut TenantScope, version: i64, lines: &[Line]) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let categories: Vec<i64> = lines.iter().map(|l| l.category_id).collect();
    let tasks: Vec<Option<i64>> = lines.iter().map(|l| l.task_id.map(|t| t.0)).collect();
    let amounts: Vec<Decimal> = lines.iter().map(|l| l.amount).collect();
    sqlx::query!(
        "insert into cost_budget_line (tenant_id, budget_version_id, category_id, task_id, amount)
         select $1, $2, c, t, a
         from unnest($3::bigint[], $4::bigint[], $5::numeric[]) as u(c, t, a)",
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

pub async fn delete_lines(scope: &mut TenantScope, version: i64) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "delete from cost_budget_line where tenant_id = $1 and budget_version_id = $2",
        tenant as TenantId,
        version
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Saves a draft's reason if it is still at `version`; `None` when it changed meanwhile (or
/// is no longer a draft).
pub async fn touch_draft(
    scope: &mut TenantScope,
    id: i64,
    version: i32,
    reason: &str,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update cost_budget_version
         set reason = $4, version = version + 1, updated_at = now(), updated_by = $5
         where tenant_id = $1 and id = $2 and version = $3 and status = 'draft'
         returning version",
        tenant as TenantId,
        id,
        version,
        reason,
        by.0
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Moves a draft to a new number (a change request's revision went in before it).
pub async fn renumber_draft(scope: &mut TenantScope, id: i64, number: i32) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update cost_budget_version set number = $3, version = version + 1, updated_at = now()
         where tenant_id = $1 and id = $2 and status = 'draft'",
        tenant as TenantId,
        id,
        number
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Approves a draft still at `version`; `None` when it changed meanwhile.
pub async fn approve(
    scope: &mut TenantScope,
    id: i64,
    version: i32,
    reason: &str,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update cost_budget_version
         set status = $6, approved_at = now(), approved_by = $5, reason = $4,
             version = version + 1, updated_at = now(), updated_by = $5
         where tenant_id = $1 and id = $2 and version = $3 and status = $7
         returning version",
        tenant as TenantId,
        id,
        version,
        reason,
        by.0,
        BudgetStatus::Approved as BudgetStatus,
        BudgetStatus::Draft as BudgetStatus
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Deletes a draft still at `version` (its lines go with it); false when it changed.
pub async fn delete_draft(scope: &mut TenantScope, id: i64, version: i32) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query!(
        "delete from cost_budget_version
         where tenant_id = $1 and id = $2 and version = $3 and status = 'draft'",
        tenant as TenantId,
        id,
        version
    )
    .execute(scope.conn())
    .await?
    .rows_affected()
        == 1)
}

/// A task a budget line may name: a leaf of the project's WBS, in outline order.
#[derive(Debug, Clone)]
pub struct TaskChoice {
    pub id: i64,
    pub name: String,
}

pub async fn leaf_tasks(scope: &mut TenantScope, project: ProjectId) -> AppResult<Vec<TaskChoice>> {
    let tenant = scope.tenant_id();
    // Leaves and outline order are worked out here, in linear time: a correlated `not exists`
    // or a recursive join over a freshly imported 20,000-task project can take the planner
    // quadratic time before statistics catch up.
    let rows = sqlx::query!(
        "select id, name, parent_id, sort_order from task
         where tenant_id = $1 and project_id = $2",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?;
    let wbs = crate::plans::Wbs::new(rows.iter().map(|r| crate::plans::Place {
        id: r.id,
        parent: r.parent_id,
        sort_order: r.sort_order,
    }));
    let mut names: std::collections::HashMap<i64, String> =
        rows.into_iter().map(|r| (r.id, r.name)).collect();
    Ok(wbs
        .outline()
        .into_iter()
        .filter(|o| !o.has_children)
        .filter_map(|o| {
            names
                .remove(&o.id)
                .map(|name| TaskChoice { id: o.id, name })
        })
        .collect())
}

// ---- revenue ----

/// An approved variation to the contract amount.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Variation {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub amount: Decimal,
    pub approved_on: NaiveDate,
    pub change_request_id: Option<i64>,
}

pub async fn variations(scope: &mut TenantScope, project: ProjectId) -> AppResult<Vec<Variation>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Variation,
        "select id, number, title, amount, approved_on, change_request_id
         from revenue_variation where tenant_id = $1 and project_id = $2
         order by approved_on, number",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A variation's fields as validated.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewVariation {
    pub number: String,
    pub title: String,
    pub amount: Decimal,
    pub approved_on: NaiveDate,
}

/// Inserts a variation; `None` when its number is taken in the project.
pub async fn insert_variation(
    scope: &mut TenantScope,
    project: ProjectId,
    v: &NewVariation,
    change_request: Option<i64>,
    by: UserId,
) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into revenue_variation
             (tenant_id, project_id, number, title, amount, approved_on, change_request_id,
              created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (tenant_id, project_id, number) do nothing
         returning id",
        tenant as TenantId,
        project as ProjectId,
        v.number,
        v.title,
        v.amount,
        v.approved_on,
        change_request,
        by.0
    )
    .fetch_optional(scope.conn())
    .await?)
}

pub async fn delete_variation(
    scope: &mut TenantScope,
    project: ProjectId,
    id: i64,
) -> AppResult<Option<Variation>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Variation,
        "delete from revenue_variation
         where tenant_id = $1 and project_id = $2 and id = $3 and change_request_id is null
         returning id, number, title, amount, approved_on, change_request_id",
        tenant as TenantId,
        project as ProjectId,
        id
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// What the funds module records as billed and collected for the project.
pub async fn billing(scope: &mut TenantScope, project: ProjectId) -> AppResult<(Decimal, Decimal)> {
    let tenant = scope.tenant_id();
    let r = sqlx::query!(
        r#"select coalesce(sum(billed), 0) as "billed!", coalesce(sum(collected), 0) as "collected!"
           from project_billing where tenant_id = $1 and project_id = $2"#,
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_one(scope.conn())
    .await?;
    Ok((r.billed, r.collected))
}

/// Sets the project's contract amount if the project is still at `version`.
pub async fn set_contract_amount(
    scope: &mut TenantScope,
    project: ProjectId,
    amount: Decimal,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update project set contract_amount = $3, version = version + 1, updated_at = now(),
                updated_by = $5
         where tenant_id = $1 and id = $2 and version = $4
         returning version",
        tenant as TenantId,
        project as ProjectId,
        amount,
        version,
        by.0
    )
    .fetch_optional(scope.conn())
    .await?)
}

// ---- snapshots ----

#[derive(Debug, Clone)]
pub struct SnapshotRow {
    pub id: i64,
    pub name: String,
    pub as_of: NaiveDate,
    pub revenue: Decimal,
    pub billed: Decimal,
    pub collected: Decimal,
    pub created_at: DateTime<Utc>,
    pub created_by_name: Option<String>,
    pub budget: Decimal,
    pub forecast: Decimal,
}

pub async fn snapshots(scope: &mut TenantScope, project: ProjectId) -> AppResult<Vec<SnapshotRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        SnapshotRow,
        r#"select s.id, s.name, s.as_of, s.revenue, s.billed, s.collected, s.created_at,
                  u.name as "created_by_name?",
                  coalesce((select sum(l.budget) from cost_snapshot_line l
                            where l.tenant_id = s.tenant_id and l.snapshot_id = s.id), 0)
                    as "budget!",
                  coalesce((select sum(l.actual + l.committed + l.estimate) from cost_snapshot_line l
                            where l.tenant_id = s.tenant_id and l.snapshot_id = s.id), 0)
                    as "forecast!"
           from cost_snapshot s
           left join app_user u on u.tenant_id = s.tenant_id and u.id = s.created_by
           where s.tenant_id = $1 and s.project_id = $2
           order by s.as_of desc, s.id desc"#,
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// One category of a snapshot: its own figures, not its children's.
#[derive(Debug, Clone)]
pub struct SnapshotLine {
    pub category_id: i64,
    pub budget: Decimal,
    pub actual: Decimal,
    pub committed: Decimal,
    pub estimate: Decimal,
}

pub async fn snapshot_lines(
    scope: &mut TenantScope,
    snapshot: i64,
) -> AppResult<Vec<SnapshotLine>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        SnapshotLine,
        "select category_id, budget, actual, committed, estimate from cost_snapshot_line
         where tenant_id = $1 and snapshot_id = $2",
        tenant as TenantId,
        snapshot
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A snapshot's header as taken.
pub struct NewSnapshot<'a> {
    pub project: ProjectId,
    pub name: &'a str,
    pub as_of: NaiveDate,
    pub revenue: Decimal,
    pub billed: Decimal,
    pub collected: Decimal,
}

/// Freezes a snapshot; `None` when its name is taken in the project.
pub async fn insert_snapshot(
    scope: &mut TenantScope,
    s: &NewSnapshot<'_>,
    lines: &[SnapshotLine],
    by: UserId,
) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    let Some(id) = sqlx::query_scalar!(
        "insert into cost_snapshot
             (tenant_id, project_id, name, as_of, revenue, billed, collected, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (tenant_id, project_id, name) do nothing
         returning id",
        tenant as TenantId,
        s.project as ProjectId,
        s.name,
        s.as_of,
        s.revenue,
        s.billed,
        s.collected,
        by.0
    )
    .fetch_optional(scope.conn())
    .await?
    else {
        return Ok(None);
    };
    let categories: Vec<i64> = lines.iter().map(|l| l.category_id).collect();
    let budget: Vec<Decimal> = lines.iter().map(|l| l.budget).collect();
    let actual: Vec<Decimal> = lines.iter().map(|l| l.actual).collect();
    let committed: Vec<Decimal> = lines.iter().map(|l| l.committed).collect();
    let estimate: Vec<Decimal> = lines.iter().map(|l| l.estimate).collect();
    sqlx::query!(
        "insert into cost_snapshot_line
             (tenant_id, snapshot_id, category_id, budget, actual, committed, estimate)
         select $1, $2, c, b, a, m, e
         from unnest($3::bigint[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[])
              as u(c, b, a, m, e)",
        tenant as TenantId,
        id,
        &categories,
        &budget,
        &actual,
        &committed,
        &estimate
    )
    .execute(scope.conn())
    .await?;
    Ok(Some(id))
}

pub async fn delete_snapshot(
    scope: &mut TenantScope,
    project: ProjectId,
    id: i64,
) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query!(
        "delete from cost_snapshot where tenant_id = $1 and project_id = $2 and id = $3",
        tenant as TenantId,
        project as ProjectId,
        id
    )
    .execute(scope.conn())
    .await?
    .rows_affected()
        == 1)
}
