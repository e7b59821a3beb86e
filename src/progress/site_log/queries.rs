//! Site log SQL: the log of a day with its crews, the month's logs for the calendar, and
//! photos. Every query names the project as well as the tenant, so a log or photo id of
//! another project is as absent as one that does not exist.

use chrono::{DateTime, NaiveDate, Utc};

use super::domain::{CrewLine, SiteLogEntry};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::tenancy::ProjectId;

/// A saved log.
#[derive(Debug, Clone)]
pub struct SiteLog {
    pub id: i64,
    pub log_date: NaiveDate,
    pub weather: String,
    pub temperature: String,
    pub work_done: String,
    pub problems: String,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub updated_by_name: Option<String>,
}

pub async fn find_log(
    scope: &mut TenantScope,
    project: ProjectId,
    date: NaiveDate,
) -> AppResult<Option<SiteLog>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        SiteLog,
        r#"select l.id, l.log_date, l.weather, l.temperature, l.work_done, l.problems,
                  l.version, l.updated_at, u.name as "updated_by_name?"
           from site_log l
           left join app_user u on u.tenant_id = l.tenant_id and u.id = l.updated_by
           where l.tenant_id = $1 and l.project_id = $2 and l.log_date = $3"#,
        tenant as TenantId,
        project as ProjectId,
        date
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// The latest log before `date`, for "copy yesterday".
pub async fn find_previous_log(
    scope: &mut TenantScope,
    project: ProjectId,
    date: NaiveDate,
) -> AppResult<Option<SiteLog>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        SiteLog,
        r#"select l.id, l.log_date, l.weather, l.temperature, l.work_done, l.problems,
                  l.version, l.updated_at, u.name as "updated_by_name?"
           from site_log l
           left join app_user u on u.tenant_id = l.tenant_id and u.id = l.updated_by
           where l.tenant_id = $1 and l.project_id = $2 and l.log_date < $3
           order by l.log_date desc
           limit 1"#,
        tenant as TenantId,
        project as ProjectId,
        date
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// The id of the log of `date`, locked until the transaction ends (photo uploads to one log
/// take turns, so two cannot both pass the photo limit).
pub async fn lock_log(
    scope: &mut TenantScope,
    project: ProjectId,
    date: NaiveDate,
) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select id from site_log
         where tenant_id = $1 and project_id = $2 and log_date = $3
         for update",
        tenant as TenantId,
        project as ProjectId,
        date
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// The crews of a log, by name.
pub async fn list_crews(scope: &mut TenantScope, log: i64) -> AppResult<Vec<CrewLine>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        CrewLine,
        "select crew, headcount from site_log_crew
         where tenant_id = $1 and site_log_id = $2
         order by crew",
        tenant as TenantId,
        log
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Creates the log of `date`; `None` when one exists already (someone else was quicker).
pub async fn insert_log(
    scope: &mut TenantScope,
    project: ProjectId,
    date: NaiveDate,
    entry: &SiteLogEntry,
    by: UserId,
) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into site_log (tenant_id, project_id, log_date, weather, temperature, work_done,
                               problems, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         on conflict (tenant_id, project_id, log_date) do nothing
         returning id",
        tenant as TenantId,
        project as ProjectId,
        date,
        entry.weather,
        entry.temperature,
        entry.work_done,
        entry.problems,
        by as UserId
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Saves a log if it is still at `version`; its new version, or `None` when someone saved first.
pub async fn update_log(
    scope: &mut TenantScope,
    log: i64,
    entry: &SiteLogEntry,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update site_log
         set weather = $3, temperature = $4, work_done = $5, problems = $6,
             updated_by = $7, updated_at = now(), version = version + 1
         where tenant_id = $1 and id = $2 and version = $8
         returning version",
        tenant as TenantId,
        log,
        entry.weather,
        entry.temperature,
        entry.work_done,
        entry.problems,
        by as UserId,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Replaces the crews of a log with `crews`.
pub async fn replace_crews(scope: &mut TenantScope, log: i64, crews: &[CrewLine]) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "delete from site_log_crew where tenant_id = $1 and site_log_id = $2",
        tenant as TenantId,
        log
    )
    .execute(scope.conn())
    .await?;
    let names: Vec<String> = crews.iter().map(|c| c.crew.clone()).collect();
    let counts: Vec<i32> = crews.iter().map(|c| c.headcount).collect();
    sqlx::query!(
        "insert into site_log_crew (tenant_id, site_log_id, crew, headcount)
         select $1, $2, c.crew, c.headcount
         from unnest($3::text[], $4::int[]) as c (crew, headcount)",
        tenant as TenantId,
        log,
        &names,
        &counts
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// A day of the calendar that has a log.
#[derive(Debug, Clone)]
pub struct DayLog {
    pub log_date: NaiveDate,
    pub weather: String,
    pub headcount: i64,
    pub photos: i64,
}

/// The logs dated `from` to `to` (inclusive), with their headcount and photo count.
pub async fn list_logs_between(
    scope: &mut TenantScope,
    project: ProjectId,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<DayLog>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        DayLog,
        r#"select l.log_date, l.weather,
                  coalesce((select sum(c.headcount) from site_log_crew c
                            where c.tenant_id = l.tenant_id and c.site_log_id = l.id), 0)::bigint
                      as "headcount!",
                  (select count(*) from site_log_photo p
                   where p.tenant_id = l.tenant_id and p.site_log_id = l.id) as "photos!"
           from site_log l
           where l.tenant_id = $1 and l.project_id = $2 and l.log_date between $3 and $4
           order by l.log_date"#,
        tenant as TenantId,
        project as ProjectId,
        from,
        to
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A photo as listed on its log.
#[derive(Debug, Clone)]
pub struct PhotoRow {
    pub id: i64,
    pub site_log_id: i64,
    pub log_date: NaiveDate,
    pub file_name: String,
    pub content_type: String,
    pub size: i32,
}

pub async fn list_photos(scope: &mut TenantScope, log: i64) -> AppResult<Vec<PhotoRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        PhotoRow,
        r#"select p.id, p.site_log_id, l.log_date, p.file_name, p.content_type,
                  octet_length(p.bytes) as "size!"
           from site_log_photo p
           join site_log l on l.tenant_id = p.tenant_id and l.id = p.site_log_id
           where p.tenant_id = $1 and p.site_log_id = $2
           order by p.created_at, p.id"#,
        tenant as TenantId,
        log
    )
    .fetch_all(scope.conn())
    .await?)
}

pub async fn count_photos(scope: &mut TenantScope, log: i64) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "n!" from site_log_photo where tenant_id = $1 and site_log_id = $2"#,
        tenant as TenantId,
        log
    )
    .fetch_one(scope.conn())
    .await?)
}

/// A photo of `project`, without its bytes.
pub async fn find_photo(
    scope: &mut TenantScope,
    project: ProjectId,
    photo: i64,
) -> AppResult<Option<PhotoRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        PhotoRow,
        r#"select p.id, p.site_log_id, l.log_date, p.file_name, p.content_type,
                  octet_length(p.bytes) as "size!"
           from site_log_photo p
           join site_log l on l.tenant_id = p.tenant_id and l.id = p.site_log_id
           where p.tenant_id = $1 and l.project_id = $2 and p.id = $3"#,
        tenant as TenantId,
        project as ProjectId,
        photo
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A stored file to send: its type, its name and its bytes.
#[derive(Debug)]
pub struct PhotoFile {
    pub content_type: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The photo as uploaded, or its thumbnail (always a JPEG).
pub async fn photo_file(
    scope: &mut TenantScope,
    project: ProjectId,
    photo: i64,
    thumbnail: bool,
) -> AppResult<Option<PhotoFile>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        PhotoFile,
        r#"select case when $4 then 'image/jpeg' else p.content_type end as "content_type!",
                  p.file_name,
                  case when $4 then p.thumbnail else p.bytes end as "bytes!"
           from site_log_photo p
           join site_log l on l.tenant_id = p.tenant_id and l.id = p.site_log_id
           where p.tenant_id = $1 and l.project_id = $2 and p.id = $3"#,
        tenant as TenantId,
        project as ProjectId,
        photo,
        thumbnail
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A photo to store.
#[derive(Debug)]
pub struct NewPhoto<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    pub thumbnail: &'a [u8],
}

pub async fn insert_photo(
    scope: &mut TenantScope,
    log: i64,
    photo: &NewPhoto<'_>,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into site_log_photo (tenant_id, site_log_id, file_name, content_type, bytes,
                                     thumbnail, created_by)
         values ($1, $2, $3, $4, $5, $6, $7)
         returning id",
        tenant as TenantId,
        log,
        photo.file_name,
        photo.content_type,
        photo.bytes,
        photo.thumbnail,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

pub async fn delete_photo(scope: &mut TenantScope, photo: i64) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "delete from site_log_photo where tenant_id = $1 and id = $2",
        tenant as TenantId,
        photo
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}
