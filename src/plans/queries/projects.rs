//! Project SQL: the project list, codes, saving and archiving, and project members.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::tenancy::ProjectId;
use crate::tenancy::project::ProjectStatus;

/// The fields a project form saves.
#[derive(Debug, Clone)]
pub struct ProjectFields {
    pub code: String,
    pub name: String,
    pub client: String,
    pub project_type: String,
    pub location: String,
    pub contract_amount: Decimal,
    pub planned_start: NaiveDate,
    pub planned_finish: Option<NaiveDate>,
    pub status: ProjectStatus,
    pub manager_id: Option<i64>,
    pub calendar_id: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub status: Option<String>,
    pub manager: Option<i64>,
    pub text: String,
    pub archived: bool,
    /// One of `code`, `name`, `start`, `finish`, `progress`, `status`.
    pub sort: String,
    pub descending: bool,
}

#[derive(Debug, Clone)]
pub struct ProjectListRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub client: String,
    pub status: ProjectStatus,
    pub manager_name: Option<String>,
    pub planned_start: NaiveDate,
    pub scheduled_finish: Option<NaiveDate>,
    pub percent_complete: Decimal,
    pub archived: bool,
}

pub async fn list_projects(
    scope: &mut TenantScope,
    filter: &ProjectFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<ProjectListRow>, i64)> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    let pattern = format!(
        "%{}%",
        filter
            .text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = sqlx::query_as!(
        ProjectListRow,
        r#"
        select p.id, p.code, p.name, p.client, p.status as "status: ProjectStatus",
               u.name as "manager_name?",
               p.planned_start, p.scheduled_finish, p.percent_complete,
               p.archived_at is not null as "archived!"
        from project p
        left join app_user u on u.tenant_id = p.tenant_id and u.id = p.manager_id
        where p.tenant_id = $1
          and p.id in (select * from visible_project_ids($1))
          and ($2::text is null or p.status = $2)
          and ($3::bigint is null or p.manager_id = $3)
          and ($4 = '%%' or p.code ilike $4 or p.name ilike $4 or p.client ilike $4)
          and ((p.archived_at is not null) = $5)
        order by
          case when not $7 then case $6 when 'name' then p.name when 'status' then p.status
                                  when 'code' then p.code end end asc,
          case when $7 then case $6 when 'name' then p.name when 'status' then p.status
                              when 'code' then p.code end end desc,
          case when not $7 then case $6 when 'start' then p.planned_start
                                  when 'finish' then p.scheduled_finish end end asc,
          case when $7 then case $6 when 'start' then p.planned_start
                              when 'finish' then p.scheduled_finish end end desc,
          case when not $7 and $6 = 'progress' then p.percent_complete end asc,
          case when $7 and $6 = 'progress' then p.percent_complete end desc,
          p.code
        limit $8 offset $9
        "#,
        tenant as TenantId,
        filter.status,
        filter.manager,
        pattern,
        filter.archived,
        filter.sort,
        filter.descending,
        limit,
        offset
    )
    .fetch_all(scope.conn())
    .await?;
    let total = sqlx::query_scalar!(
        r#"
        select count(*) as "n!" from project p
        where p.tenant_id = $1
          and p.id in (select * from visible_project_ids($1))
          and ($2::text is null or p.status = $2)
          and ($3::bigint is null or p.manager_id = $3)
          and ($4 = '%%' or p.code ilike $4 or p.name ilike $4 or p.client ilike $4)
          and ((p.archived_at is not null) = $5)
        "#,
        tenant as TenantId,
        filter.status,
        filter.manager,
        pattern,
        filter.archived
    )
    .fetch_one(scope.conn())
    .await?;
    Ok((rows, total))
}

pub async fn project_count(scope: &mut TenantScope) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "n!" from project where tenant_id = $1"#,
        tenant as TenantId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// The project with `code`, if any (whoever may see it).
pub async fn project_by_code(scope: &mut TenantScope, code: &str) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select id from project where tenant_id = $1 and code = $2",
        tenant as TenantId,
        code
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Whether another project (not `except`) already uses `code`.
pub async fn code_taken(
    scope: &mut TenantScope,
    code: &str,
    except: Option<i64>,
) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from project where tenant_id = $1 and code = $2
                          and id is distinct from $3) as "taken!""#,
        tenant as TenantId,
        code,
        except
    )
    .fetch_one(scope.conn())
    .await?)
}

pub async fn insert_project(
    scope: &mut TenantScope,
    f: &ProjectFields,
    by: UserId,
) -> AppResult<ProjectId> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"insert into project (tenant_id, code, name, client, project_type, location, contract_amount,
                              planned_start, planned_finish, status, manager_id, calendar_id,
                              created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
         returning id as "id: ProjectId""#,
        tenant as TenantId,
        f.code,
        f.name,
        f.client,
        f.project_type,
        f.location,
        f.contract_amount,
        f.planned_start,
        f.planned_finish,
        f.status as ProjectStatus,
        f.manager_id,
        f.calendar_id,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Saves the project if `version` is current; `None` when someone saved first.
pub async fn update_project(
    scope: &mut TenantScope,
    id: ProjectId,
    f: &ProjectFields,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update project set code = $3, name = $4, client = $5, project_type = $6, location = $7,
                contract_amount = $8, planned_start = $9, planned_finish = $10, status = $11,
                manager_id = $12, calendar_id = $13, version = version + 1, updated_at = now(),
                updated_by = $15
         where tenant_id = $1 and id = $2 and version = $14 returning version",
        tenant as TenantId,
        id as ProjectId,
        f.code,
        f.name,
        f.client,
        f.project_type,
        f.location,
        f.contract_amount,
        f.planned_start,
        f.planned_finish,
        f.status as ProjectStatus,
        f.manager_id,
        f.calendar_id,
        version,
        by as UserId
    )
    .fetch_optional(scope.conn())
    .await?)
}

pub async fn set_archived(
    scope: &mut TenantScope,
    id: ProjectId,
    archived: bool,
    by: UserId,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update project set archived_at = case when $3 then now() end, version = version + 1,
                updated_at = now(), updated_by = $4
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id as ProjectId,
        archived,
        by as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

pub async fn set_status_date(
    scope: &mut TenantScope,
    id: ProjectId,
    status_date: Option<NaiveDate>,
    by: UserId,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update project set status_date = $3, version = version + 1, updated_at = now(), updated_by = $4
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id as ProjectId,
        status_date,
        by as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

// Members -------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub project_role: String,
}

pub async fn members(scope: &mut TenantScope, project: ProjectId) -> AppResult<Vec<Member>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Member,
        "select m.user_id, u.name, u.email, m.project_role from project_member m
         join app_user u on u.tenant_id = m.tenant_id and u.id = m.user_id
         where m.tenant_id = $1 and m.project_id = $2 order by u.name",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Adds or changes a member's project role.
pub async fn upsert_member(
    scope: &mut TenantScope,
    project: ProjectId,
    user: i64,
    role: &str,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "insert into project_member (tenant_id, project_id, user_id, project_role) values ($1, $2, $3, $4)
         on conflict (tenant_id, project_id, user_id) do update set project_role = excluded.project_role",
        tenant as TenantId,
        project as ProjectId,
        user,
        role
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

pub async fn remove_member(
    scope: &mut TenantScope,
    project: ProjectId,
    user: i64,
) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    let done = sqlx::query!(
        "delete from project_member where tenant_id = $1 and project_id = $2 and user_id = $3",
        tenant as TenantId,
        project as ProjectId,
        user
    )
    .execute(scope.conn())
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Active users of the tenant, for pickers: (id, name).
pub async fn active_users(scope: &mut TenantScope) -> AppResult<Vec<(i64, String)>> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query!(
        "select id, name from app_user where tenant_id = $1 and active order by name",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}
