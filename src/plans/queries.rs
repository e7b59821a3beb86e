//! Every SQL statement of Plans: calendars, projects, members, tasks, links, baselines and
//! templates. Each takes the tenant scope and still says `where tenant_id = $1`.

use chrono::{NaiveDate, Weekday};
use rust_decimal::Decimal;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::schedule::{self, Calendar, LinkKind};
use crate::tenancy::project::ProjectStatus;

// Calendars -----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct CalendarRow {
    pub id: i64,
    pub name: String,
    pub working_weekdays: Vec<i16>,
    pub is_default: bool,
    pub version: i32,
}

#[derive(Debug, Clone)]
pub struct CalendarDay {
    pub day: NaiveDate,
    pub working: bool,
    pub name: String,
}

/// The China mainland public holidays and make-up workdays shipped with Girder.
const CHINA_MAINLAND: &str = include_str!("cn-holidays-2025-2026.csv");

/// The days of the shipped China mainland calendar.
pub fn china_mainland_days() -> Vec<CalendarDay> {
    let mut reader = csv::Reader::from_reader(CHINA_MAINLAND.as_bytes());
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|r| {
            Some(CalendarDay {
                day: r.get(0)?.parse().ok()?,
                working: r.get(1)? == "workday",
                name: r.get(2)?.to_owned(),
            })
        })
        .collect()
}

pub async fn list_calendars(scope: &mut TenantScope) -> AppResult<Vec<CalendarRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        CalendarRow,
        "select id, name, working_weekdays, is_default, version from calendar
         where tenant_id = $1 order by is_default desc, name",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

pub async fn find_calendar(scope: &mut TenantScope, id: i64) -> AppResult<Option<CalendarRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        CalendarRow,
        "select id, name, working_weekdays, is_default, version from calendar
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id
    )
    .fetch_optional(scope.conn())
    .await?)
}

pub async fn calendar_days(scope: &mut TenantScope, calendar: i64) -> AppResult<Vec<CalendarDay>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        CalendarDay,
        "select day, working, name from calendar_day
         where tenant_id = $1 and calendar_id = $2 order by day",
        tenant as TenantId,
        calendar
    )
    .fetch_all(scope.conn())
    .await?)
}

pub async fn insert_calendar(
    scope: &mut TenantScope,
    name: &str,
    weekdays: &[i16],
    is_default: bool,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into calendar (tenant_id, name, working_weekdays, is_default, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $5) returning id",
        tenant as TenantId,
        name,
        weekdays,
        is_default,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Saves name and weekdays if `version` is current; `None` when someone saved first.
pub async fn update_calendar(
    scope: &mut TenantScope,
    id: i64,
    name: &str,
    weekdays: &[i16],
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update calendar set name = $3, working_weekdays = $4, version = version + 1,
                updated_at = now(), updated_by = $6
         where tenant_id = $1 and id = $2 and version = $5 returning version",
        tenant as TenantId,
        id,
        name,
        weekdays,
        version,
        by as UserId
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Makes `id` the default calendar new projects get.
pub async fn set_default_calendar(scope: &mut TenantScope, id: i64) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update calendar set is_default = (id = $2) where tenant_id = $1 and (is_default or id = $2)",
        tenant as TenantId,
        id
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

pub async fn upsert_calendar_days(
    scope: &mut TenantScope,
    calendar: i64,
    days: &[CalendarDay],
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let dates: Vec<NaiveDate> = days.iter().map(|d| d.day).collect();
    let working: Vec<bool> = days.iter().map(|d| d.working).collect();
    let names: Vec<String> = days.iter().map(|d| d.name.clone()).collect();
    sqlx::query!(
        "insert into calendar_day (tenant_id, calendar_id, day, working, name)
         select $1, $2, * from unnest($3::date[], $4::bool[], $5::text[])
         on conflict (tenant_id, calendar_id, day)
         do update set working = excluded.working, name = excluded.name",
        tenant as TenantId,
        calendar,
        &dates,
        &working,
        &names
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

pub async fn delete_calendar_day(
    scope: &mut TenantScope,
    calendar: i64,
    day: NaiveDate,
) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    let done = sqlx::query!(
        "delete from calendar_day where tenant_id = $1 and calendar_id = $2 and day = $3",
        tenant as TenantId,
        calendar,
        day
    )
    .execute(scope.conn())
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The tenant's default calendar, if it has any calendar.
pub async fn default_calendar_id(scope: &mut TenantScope) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select id from calendar where tenant_id = $1 order by is_default desc, id limit 1",
        tenant as TenantId
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// The tenant's default calendar, creating the shipped "China mainland" one if it has none
/// (sign-up, the demo and the bench; pages only read).
pub async fn ensure_default_calendar(scope: &mut TenantScope, by: UserId) -> AppResult<i64> {
    if let Some(id) = default_calendar_id(scope).await? {
        return Ok(id);
    }
    let id = insert_calendar(scope, "中国大陆 China mainland", &[1, 2, 3, 4, 5], true, by).await?;
    upsert_calendar_days(scope, id, &china_mainland_days()).await?;
    Ok(id)
}

/// Projects that use `calendar`.
pub async fn projects_on_calendar(scope: &mut TenantScope, calendar: i64) -> AppResult<Vec<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select id from project where tenant_id = $1 and calendar_id = $2",
        tenant as TenantId,
        calendar
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A calendar as the scheduler wants it.
pub fn to_schedule_calendar(row: &CalendarRow, days: &[CalendarDay]) -> Calendar {
    let weekdays = row
        .working_weekdays
        .iter()
        .filter_map(|d| weekday_from_iso(*d));
    let holidays = days.iter().filter(|d| !d.working).map(|d| d.day);
    let workdays = days.iter().filter(|d| d.working).map(|d| d.day);
    // The table's checks keep weekdays non-empty and a day either working or not.
    Calendar::new(weekdays, holidays, workdays).unwrap_or_else(|_| Calendar::mon_fri())
}

/// The weekday of an ISO number, 1 = Monday … 7 = Sunday.
pub fn weekday_from_iso(d: i16) -> Option<Weekday> {
    usize::try_from(d.saturating_sub(1))
        .ok()
        .and_then(|i| schedule::WEEK.get(i))
        .copied()
}

pub async fn load_calendar(scope: &mut TenantScope, id: i64) -> AppResult<Calendar> {
    let row = find_calendar(scope, id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let days = calendar_days(scope, id).await?;
    Ok(to_schedule_calendar(&row, &days))
}

// Projects ------------------------------------------------------------------------------

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
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into project (tenant_id, code, name, client, project_type, location, contract_amount,
                              planned_start, planned_finish, status, manager_id, calendar_id,
                              created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) returning id",
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
    id: i64,
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
        id,
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
    id: i64,
    archived: bool,
    by: UserId,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update project set archived_at = case when $3 then now() end, version = version + 1,
                updated_at = now(), updated_by = $4
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id,
        archived,
        by as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

pub async fn set_status_date(
    scope: &mut TenantScope,
    id: i64,
    status_date: Option<NaiveDate>,
    by: UserId,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update project set status_date = $3, version = version + 1, updated_at = now(), updated_by = $4
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id,
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

pub async fn members(scope: &mut TenantScope, project: i64) -> AppResult<Vec<Member>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Member,
        "select m.user_id, u.name, u.email, m.project_role from project_member m
         join app_user u on u.tenant_id = m.tenant_id and u.id = m.user_id
         where m.tenant_id = $1 and m.project_id = $2 order by u.name",
        tenant as TenantId,
        project
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Adds or changes a member's project role.
pub async fn upsert_member(
    scope: &mut TenantScope,
    project: i64,
    user: i64,
    role: &str,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "insert into project_member (tenant_id, project_id, user_id, project_role) values ($1, $2, $3, $4)
         on conflict (tenant_id, project_id, user_id) do update set project_role = excluded.project_role",
        tenant as TenantId,
        project,
        user,
        role
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

pub async fn remove_member(scope: &mut TenantScope, project: i64, user: i64) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    let done = sqlx::query!(
        "delete from project_member where tenant_id = $1 and project_id = $2 and user_id = $3",
        tenant as TenantId,
        project,
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

// Tasks and links -----------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Task {
    pub id: i64,
    pub parent_id: Option<i64>,
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

pub async fn tasks(scope: &mut TenantScope, project: i64) -> AppResult<Vec<Task>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Task,
        "select id, parent_id, sort_order, name, duration_days, milestone, start_no_earlier_than,
                deadline, responsible_id, notes, weight, actual_start, actual_finish,
                percent_complete, remaining_days, is_summary, early_start, early_finish,
                late_start, late_finish, total_slack, free_slack, critical, version
         from task where tenant_id = $1 and project_id = $2",
        tenant as TenantId,
        project
    )
    .fetch_all(scope.conn())
    .await?)
}

/// One task of `project`.
pub async fn task(scope: &mut TenantScope, project: i64, id: i64) -> AppResult<Option<Task>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Task,
        "select id, parent_id, sort_order, name, duration_days, milestone, start_no_earlier_than,
                deadline, responsible_id, notes, weight, actual_start, actual_finish,
                percent_complete, remaining_days, is_summary, early_start, early_finish,
                late_start, late_finish, total_slack, free_slack, critical, version
         from task where tenant_id = $1 and project_id = $2 and id = $3",
        tenant as TenantId,
        project,
        id
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
    project: i64,
    parent: Option<i64>,
    sort_order: i32,
    f: &TaskFields,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into task (tenant_id, project_id, parent_id, sort_order, name, duration_days,
                           milestone, start_no_earlier_than, deadline, responsible_id, notes,
                           weight, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) returning id",
        tenant as TenantId,
        project,
        parent,
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
    project: i64,
    id: i64,
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
        project,
        id,
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
    project: i64,
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
        project,
        &ids,
        &parents as &[Option<i64>],
        &orders
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Deletes tasks (a subtree); their links and history go with them.
pub async fn delete_tasks(scope: &mut TenantScope, project: i64, ids: &[i64]) -> AppResult<()> {
    let tenant = scope.tenant_id();
    // Children first is not needed: the whole subtree goes in one statement, and the
    // self-referencing foreign key is checked at its end.
    sqlx::query!(
        "delete from task where tenant_id = $1 and project_id = $2 and id = any($3)",
        tenant as TenantId,
        project,
        ids
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Link {
    pub id: i64,
    pub pred_id: i64,
    pub succ_id: i64,
    pub kind: LinkKind,
    pub lag_days: i32,
}

impl Link {
    pub fn kind(&self) -> LinkKind {
        self.kind
    }
}

pub async fn links(scope: &mut TenantScope, project: i64) -> AppResult<Vec<Link>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Link,
        r#"select id, pred_id, succ_id, kind as "kind: LinkKind", lag_days from task_link
           where tenant_id = $1 and project_id = $2 order by id"#,
        tenant as TenantId,
        project
    )
    .fetch_all(scope.conn())
    .await?)
}

pub async fn insert_link(
    scope: &mut TenantScope,
    project: i64,
    pred: i64,
    succ: i64,
    kind: LinkKind,
    lag_days: i32,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into task_link (tenant_id, project_id, pred_id, succ_id, kind, lag_days)
         values ($1, $2, $3, $4, $5, $6) returning id",
        tenant as TenantId,
        project,
        pred,
        succ,
        kind as LinkKind,
        lag_days
    )
    .fetch_one(scope.conn())
    .await?)
}

pub async fn delete_link(
    scope: &mut TenantScope,
    project: i64,
    id: i64,
) -> AppResult<Option<Link>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Link,
        r#"delete from task_link where tenant_id = $1 and project_id = $2 and id = $3
           returning id, pred_id, succ_id, kind as "kind: LinkKind", lag_days"#,
        tenant as TenantId,
        project,
        id
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A computed schedule row to write back.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputedRow {
    pub id: i64,
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
    project: i64,
    rows: &[ComputedRow],
) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let tenant = scope.tenant_id();
    let col = |f: fn(&ComputedRow) -> NaiveDate| rows.iter().map(f).collect::<Vec<_>>();
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
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
        project,
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
    project: i64,
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
        project,
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
    project: i64,
    task: i64,
    p: &schedule::TaskProgress,
    percent: Decimal,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update task set actual_start = $4, actual_finish = $5, remaining_days = $6,
                percent_complete = $7, version = version + 1
         where tenant_id = $1 and project_id = $2 and id = $3",
        tenant as TenantId,
        project,
        task,
        p.actual_start,
        p.actual_finish,
        p.remaining_days,
        percent
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}
