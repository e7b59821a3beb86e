//! Calendar SQL: working calendars, their days and the shipped China mainland holidays.

use chrono::{NaiveDate, Weekday};

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::schedule::{self, Calendar};

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
const CHINA_MAINLAND: &str = include_str!("../cn-holidays-2025-2026.csv");

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
