//! Task SQL: tasks, links, computed schedules written back and task progress.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TaskId;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::schedule::{self, LinkKind};
use crate::tenancy::ProjectId;

#[derive(Debug, Clone)]
pub struct Task {
    pub id: TaskId,
    pub project_id: ProjectId,
    pub parent_id: Option<TaskId>,
    pub sort_order: i32,
    pub name: String,
    pub duration_days: i32,
    pub milestone: bool,
    pub start_no_earlier_than: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub responsible_id: Option<i64>,
    pub notes: String,
    pub weight: Option<Decimal>,
    pub actual_start: Option<NaiveDate>,
    pub actual_finish: Option<NaiveDate>,
    pub percent_complete: Decimal,
    pub remaining_days: Option<i32>,
    pub is_summary: bool,
    pub early_start: Option<NaiveDate>,
    pub early_finish: Option<NaiveDate>,
    pub late_start: Option<NaiveDate>,
    pub late_finish: Option<NaiveDate>,
    pub total_slack: Option<i32>,
    pub free_slack: Option<i32>,
    pub critical: bool,
    pub version: i32,
}

pub async fn tasks(scope: &mut TenantScope, project: ProjectId) -> AppResult<Vec<Task>> {
    tasks_of(scope, &[project]).await
}

/// The tasks of several projects in one statement (each task says whose it is): pages that
/// span projects read them so, never a project at a time.
pub async fn tasks_of(scope: &mut TenantScope, projects: &[ProjectId]) -> AppResult<Vec<Task>> {
    let tenant = scope.tenant_id();
    let projects: Vec<i64> = projects.iter().map(|p| p.get()).collect();
    Ok(sqlx::query_as!(
        Task,
        r#"select id as "id: TaskId", project_id as "project_id: ProjectId", parent_id as "parent_id: TaskId", sort_order, name, duration_days, milestone, start_no_earlier_than,
                deadline, responsible_id, notes, weight, actual_start, actual_finish,
                percent_complete, remaining_days, is_summary, early_start, early_finish,
                late_start, late_finish, total_slack, free_slack, critical, version
         from task where tenant_id = $1 and project_id = any($2)"#,
        tenant as TenantId,
        &projects
    )
    .fetch_all(scope.conn())
    .await?)
}

/// One task of `project`.
pub async fn task(
    scope: &mut TenantScope,
    project: ProjectId,
    id: TaskId,
) -> AppResult<Option<Task>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Task,
        r#"select id as "id: TaskId", project_id as "project_id: ProjectId", parent_id as "parent_id: TaskId", sort_order, name, duration_days, milestone, start_no_earlier_than,
                deadline, responsible_id, notes, weight, actual_start, actual_finish,
                percent_complete, remaining_days, is_summary, early_start, early_finish,
                late_start, late_finish, total_slack, free_slack, critical, version
         from task where tenant_id = $1 and project_id = $2 and id = $3"#,
        tenant as TenantId,
        project as ProjectId,
        id as TaskId
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// The fields a task form saves.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskFields {
    pub name: String,
    pub duration_days: i32,
    pub milestone: bool,
    pub start_no_earlier_than: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub responsible_id: Option<i64>,
    pub notes: String,
    pub weight: Option<Decimal>,
}

impl TaskFields {
    /// A task with a name, a duration and nothing else set.
    pub fn new(name: String, duration_days: i32, milestone: bool) -> Self {
        Self {
            name,
            duration_days,
            milestone,
            start_no_earlier_than: None,
            deadline: None,
            responsible_id: None,
            notes: String::new(),
            weight: None,
        }
    }
}

pub async fn insert_task(
    scope: &mut TenantScope,
    project: ProjectId,
    parent: Option<TaskId>,
    sort_order: i32,
    f: &TaskFields,
    by: UserId,
) -> AppResult<TaskId> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"insert into task (tenant_id, project_id, parent_id, sort_order, name, duration_days,
                           milestone, start_no_earlier_than, deadline, responsible_id, notes,
                           weight, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
         returning id as "id: TaskId""#,
        tenant as TenantId,
        project as ProjectId,
        parent as Option<TaskId>,
        sort_order,
        f.name,
        f.duration_days,
        f.milestone,
        f.start_no_earlier_than,
        f.deadline,
        f.responsible_id,
        f.notes,
        f.weight,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Saves the task if `version` is current; `None` when someone saved first.
pub async fn update_task(
    scope: &mut TenantScope,
    project: ProjectId,
    id: TaskId,
    f: &TaskFields,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update task set name = $4, duration_days = $5, milestone = $6, start_no_earlier_than = $7,
                deadline = $8, responsible_id = $9, notes = $10, weight = $11,
                version = version + 1, updated_at = now(), updated_by = $13
         where tenant_id = $1 and project_id = $2 and id = $3 and version = $12 returning version",
        tenant as TenantId,
        project as ProjectId,
        id as TaskId,
        f.name,
        f.duration_days,
        f.milestone,
        f.start_no_earlier_than,
        f.deadline,
        f.responsible_id,
        f.notes,
        f.weight,
        version,
        by as UserId
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Moves tasks in the tree.
pub async fn place_tasks(
    scope: &mut TenantScope,
    project: ProjectId,
    places: &[crate::plans::wbs::Place],
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let ids: Vec<i64> = places.iter().map(|p| p.id).collect();
    let parents: Vec<Option<i64>> = places.iter().map(|p| p.parent).collect();
    let orders: Vec<i32> = places.iter().map(|p| p.sort_order).collect();
    sqlx::query!(
        "update task t set parent_id = u.parent_id, sort_order = u.sort_order, version = t.version + 1
         from unnest($3::bigint[], $4::bigint[], $5::int[]) as u(id, parent_id, sort_order)
         where t.tenant_id = $1 and t.project_id = $2 and t.id = u.id",
        tenant as TenantId,
        project as ProjectId,
        &ids,
        &parents as &[Option<i64>],
        &orders
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Deletes tasks (a subtree); their links and history go with them.
pub async fn delete_tasks(
    scope: &mut TenantScope,
    project: ProjectId,
    ids: &[TaskId],
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    // Children first is not needed: the whole subtree goes in one statement, and the
    // self-referencing foreign key is checked at its end.
    sqlx::query!(
        "delete from task where tenant_id = $1 and project_id = $2 and id = any($3)",
        tenant as TenantId,
        project as ProjectId,
        ids as &[TaskId]
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Link {
    pub id: i64,
    pub pred_id: TaskId,
    pub succ_id: TaskId,
    pub kind: LinkKind,
    pub lag_days: i32,
}

impl Link {
    pub fn kind(&self) -> LinkKind {
        self.kind
    }
}

pub async fn links(scope: &mut TenantScope, project: ProjectId) -> AppResult<Vec<Link>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Link,
        r#"select id, pred_id as "pred_id: TaskId", succ_id as "succ_id: TaskId",
                  kind as "kind: LinkKind", lag_days from task_link
           where tenant_id = $1 and project_id = $2 order by id"#,
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

pub async fn insert_link(
    scope: &mut TenantScope,
    project: ProjectId,
    pred: TaskId,
    succ: TaskId,
    kind: LinkKind,
    lag_days: i32,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into task_link (tenant_id, project_id, pred_id, succ_id, kind, lag_days)
         values ($1, $2, $3, $4, $5, $6) returning id",
        tenant as TenantId,
        project as ProjectId,
        pred as TaskId,
        succ as TaskId,
        kind as LinkKind,
        lag_days
    )
    .fetch_one(scope.conn())
    .await?)
}

pub async fn delete_link(
    scope: &mut TenantScope,
    project: ProjectId,
    id: i64,
) -> AppResult<Option<Link>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Link,
        r#"delete from task_link where tenant_id = $1 and project_id = $2 and id = $3
           returning id, pred_id as "pred_id: TaskId", succ_id as "succ_id: TaskId",
                     kind as "kind: LinkKind", lag_days"#,
        tenant as TenantId,
        project as ProjectId,
        id
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A computed schedule row to write back.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputedRow {
    pub id: TaskId,
    pub is_summary: bool,
    pub early_start: NaiveDate,
    pub early_finish: NaiveDate,
    pub late_start: NaiveDate,
    pub late_finish: NaiveDate,
    pub total_slack: i32,
    pub free_slack: i32,
    pub critical: bool,
    pub percent_complete: Decimal,
}

/// Writes computed schedules back in one statement.
pub async fn write_computed(
    scope: &mut TenantScope,
    project: ProjectId,
    rows: &[ComputedRow],
) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let tenant = scope.tenant_id();
    let col = |f: fn(&ComputedRow) -> NaiveDate| rows.iter().map(f).collect::<Vec<_>>();
    let ids: Vec<i64> = rows.iter().map(|r| r.id.0).collect();
    let summary: Vec<bool> = rows.iter().map(|r| r.is_summary).collect();
    let total: Vec<i32> = rows.iter().map(|r| r.total_slack).collect();
    let free: Vec<i32> = rows.iter().map(|r| r.free_slack).collect();
    let critical: Vec<bool> = rows.iter().map(|r| r.critical).collect();
    let percent: Vec<Decimal> = rows.iter().map(|r| r.percent_complete).collect();
    sqlx::query!(
        "update task t set is_summary = u.is_summary, early_start = u.es, early_finish = u.ef,
                late_start = u.ls, late_finish = u.lf, total_slack = u.ts, free_slack = u.fs,
                critical = u.critical, percent_complete = u.pct
         from unnest($3::bigint[], $4::bool[], $5::date[], $6::date[], $7::date[], $8::date[],
                     $9::int[], $10::int[], $11::bool[], $12::numeric[])
              as u(id, is_summary, es, ef, ls, lf, ts, fs, critical, pct)
         where t.tenant_id = $1 and t.project_id = $2 and t.id = u.id",
        tenant as TenantId,
        project as ProjectId,
        &ids,
        &summary,
        &col(|r| r.early_start),
        &col(|r| r.early_finish),
        &col(|r| r.late_start),
        &col(|r| r.late_finish),
        &total,
        &free,
        &critical,
        &percent
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

pub async fn write_project_rollup(
    scope: &mut TenantScope,
    project: ProjectId,
    start: Option<NaiveDate>,
    finish: Option<NaiveDate>,
    percent: Decimal,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update project set scheduled_start = $3, scheduled_finish = $4, percent_complete = $5
         where tenant_id = $1 and id = $2
           and (scheduled_start, scheduled_finish, percent_complete) is distinct from ($3, $4, $5)",
        tenant as TenantId,
        project as ProjectId,
        start,
        finish,
        percent
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Progress fields of a task, as a progress update sets them.
pub async fn set_task_progress(
    scope: &mut TenantScope,
    project: ProjectId,
    task: TaskId,
    p: &schedule::TaskProgress,
    percent: Decimal,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update task set actual_start = $4, actual_finish = $5, remaining_days = $6,
                percent_complete = $7, version = version + 1
         where tenant_id = $1 and project_id = $2 and id = $3",
        tenant as TenantId,
        project as ProjectId,
        task as TaskId,
        p.actual_start,
        p.actual_finish,
        p.remaining_days,
        percent
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}
