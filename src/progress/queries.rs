//! Progress SQL: update history, warning thresholds, and progress across projects.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::domain::{ProgressUpdate, Thresholds};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TaskId;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::tenancy::ProjectId;

#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub by_name: Option<String>,
    pub status_date: NaiveDate,
    pub percent_complete: Decimal,
    pub actual_start: Option<NaiveDate>,
    pub actual_finish: Option<NaiveDate>,
    pub remaining_days: Option<i32>,
    pub comment: String,
}

pub async fn history(scope: &mut TenantScope, task: TaskId) -> AppResult<Vec<HistoryRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        HistoryRow,
        r#"select p.created_at, u.name as "by_name?", p.status_date, p.percent_complete,
                  p.actual_start, p.actual_finish, p.remaining_days, p.comment
           from progress_update p
           left join app_user u on u.tenant_id = p.tenant_id and u.id = p.created_by
           where p.tenant_id = $1 and p.task_id = $2 order by p.created_at desc, p.id desc"#,
        tenant as TenantId,
        task as TaskId
    )
    .fetch_all(scope.conn())
    .await?)
}

pub async fn insert_update(
    scope: &mut TenantScope,
    project: ProjectId,
    task: TaskId,
    status_date: NaiveDate,
    u: &ProgressUpdate,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into progress_update (tenant_id, project_id, task_id, status_date, actual_start,
                                      actual_finish, percent_complete, remaining_days, comment, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id",
        tenant as TenantId,
        project as ProjectId,
        task as TaskId,
        status_date,
        u.progress.actual_start,
        u.progress.actual_finish,
        u.percent,
        u.progress.remaining_days,
        u.comment,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Every recorded (task, status date, percent), oldest first, for the actual S-curve.
pub async fn progress_points(
    scope: &mut TenantScope,
    project: ProjectId,
) -> AppResult<Vec<(TaskId, NaiveDate, Decimal)>> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query!(
        "select task_id, status_date, percent_complete from progress_update
         where tenant_id = $1 and project_id = $2 order by status_date, created_at, id",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (TaskId(r.task_id), r.status_date, r.percent_complete))
        .collect())
}

pub async fn thresholds(scope: &mut TenantScope) -> AppResult<(Thresholds, i32)> {
    let tenant = scope.tenant_id();
    let row = sqlx::query!(
        "select minor_days, major_days, critical_days, version from warning_threshold where tenant_id = $1",
        tenant as TenantId
    )
    .fetch_optional(scope.conn())
    .await?;
    Ok(row.map_or((Thresholds::default(), 0), |r| {
        (
            Thresholds {
                minor: r.minor_days,
                major: r.major_days,
                critical: r.critical_days,
            },
            r.version,
        )
    }))
}

/// Saves thresholds if `version` is current (0 when none were saved yet); false when
/// someone saved first.
pub async fn save_thresholds(
    scope: &mut TenantScope,
    t: &Thresholds,
    version: i32,
) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    // The first save inserts; later ones update only the version they were read at.
    Ok(sqlx::query_scalar!(
        "insert into warning_threshold as w (tenant_id, minor_days, major_days, critical_days)
         values ($1, $2, $3, $4)
         on conflict (tenant_id) do update
            set minor_days = $2, major_days = $3, critical_days = $4, version = w.version + 1
            where w.version = $5
         returning version",
        tenant as TenantId,
        t.minor,
        t.major,
        t.critical,
        version
    )
    .fetch_optional(scope.conn())
    .await?
    .is_some())
}

/// Active, unarchived projects the user sees (all of them for owners and admins).
pub async fn active_projects(scope: &mut TenantScope) -> AppResult<Vec<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select p.id from project p
         where p.tenant_id = $1 and p.archived_at is null and p.status in ('planning', 'active')
           and p.id in (select * from visible_project_ids($1))
         order by p.code limit 50",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}
