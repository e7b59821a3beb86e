//! The roster's SQL: the labour settings row, trades as the settings page edits them, crews
//! and workers with their versions. Every function says `where tenant_id = $1`.

use rust_decimal::Decimal;

use super::domain::{NewCrew, NewWorker};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::labour::domain::{CountUnit, PayRules, WorkerId};

// Settings ---------------------------------------------------------------------------------

/// The saved settings' version; 0 while the tenant has the defaults (no row).
pub async fn settings_version(scope: &mut TenantScope) -> AppResult<i32> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select version from labour_settings where tenant_id = $1",
        tenant as TenantId
    )
    .fetch_optional(scope.conn())
    .await?
    .unwrap_or(0))
}

/// Saves the settings read at `version` (0: the defaults, no row yet) in one upsert. `None`
/// when someone saved meanwhile: the row's version moved on (or a row appeared).
pub async fn save_settings(
    scope: &mut TenantScope,
    rules: &PayRules,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into labour_settings (tenant_id, day_hours, regular_multiplier,
                                      overtime_multiplier, rest_day_multiplier,
                                      holiday_multiplier, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (tenant_id) do update
         set day_hours = excluded.day_hours,
             regular_multiplier = excluded.regular_multiplier,
             overtime_multiplier = excluded.overtime_multiplier,
             rest_day_multiplier = excluded.rest_day_multiplier,
             holiday_multiplier = excluded.holiday_multiplier,
             updated_by = excluded.updated_by, updated_at = now(),
             version = labour_settings.version + 1
         where labour_settings.version = $8
         returning version",
        tenant as TenantId,
        rules.day_hours,
        rules.regular,
        rules.overtime,
        rules.rest_day,
        rules.holiday,
        by as UserId,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

// Trades -----------------------------------------------------------------------------------

/// A trade as the settings page edits it.
#[derive(Debug, Clone)]
pub struct Trade {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub active: bool,
    pub version: i32,
}

pub async fn list_trades(scope: &mut TenantScope) -> AppResult<Vec<Trade>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Trade,
        "select id, name_zh, name_en, active, version from trade where tenant_id = $1
         order by sort_order, id",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Adds a trade at the end of the list.
pub async fn insert_trade(scope: &mut TenantScope, name_zh: &str, name_en: &str) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into trade (tenant_id, name_zh, name_en, sort_order)
         select $1, $2, $3, coalesce(max(sort_order), 0) + 1 from trade where tenant_id = $1
         returning id",
        tenant as TenantId,
        name_zh,
        name_en
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Renames a trade read at `version`; `None` when it changed meanwhile.
pub async fn rename_trade(
    scope: &mut TenantScope,
    id: i64,
    name_zh: &str,
    name_en: &str,
    version: i32,
) -> AppResult<Option<()>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update trade set name_zh = $3, name_en = $4, version = version + 1
         where tenant_id = $1 and id = $2 and version = $5
         returning id",
        tenant as TenantId,
        id,
        name_zh,
        name_en,
        version
    )
    .fetch_optional(scope.conn())
    .await?
    .map(|_| ()))
}

pub async fn set_trade_active(scope: &mut TenantScope, id: i64, active: bool) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update trade set active = $3, version = version + 1 where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id,
        active
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Numbers the trades in the order of `ids`.
pub async fn reorder_trades(scope: &mut TenantScope, ids: &[i64]) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update trade t set sort_order = o.n::int, version = t.version + 1
         from unnest($2::bigint[]) with ordinality as o(id, n)
         where t.tenant_id = $1 and t.id = o.id and t.sort_order <> o.n::int",
        tenant as TenantId,
        ids
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

// Crews ------------------------------------------------------------------------------------

/// A crew in the list.
#[derive(Debug, Clone)]
pub struct CrewListRow {
    pub id: i64,
    pub name: String,
    pub foreman_name: Option<String>,
    pub subcontractor: String,
    pub trade_id: Option<i64>,
    pub count_unit: CountUnit,
    pub active: bool,
    /// Active workers.
    pub workers: i64,
}

pub async fn list_crews(scope: &mut TenantScope) -> AppResult<Vec<CrewListRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        CrewListRow,
        r#"select c.id, c.name, u.name as "foreman_name?", c.subcontractor, c.trade_id,
                  c.count_unit as "count_unit: CountUnit", c.active,
                  (select count(*) from worker w
                   where w.tenant_id = c.tenant_id and w.crew_id = c.id and w.active) as "workers!"
           from crew c
           left join app_user u on u.tenant_id = c.tenant_id and u.id = c.foreman_id
           where c.tenant_id = $1
           order by c.active desc, c.name"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A crew as its page edits it.
#[derive(Debug, Clone)]
pub struct Crew {
    pub id: i64,
    pub name: String,
    pub foreman_id: Option<i64>,
    pub subcontractor: String,
    pub trade_id: Option<i64>,
    pub count_unit: CountUnit,
    pub active: bool,
    pub version: i32,
}

pub async fn find_crew(scope: &mut TenantScope, id: i64) -> AppResult<Option<Crew>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Crew,
        r#"select id, name, foreman_id, subcontractor, trade_id,
                  count_unit as "count_unit: CountUnit", active, version
           from crew where tenant_id = $1 and id = $2"#,
        tenant as TenantId,
        id
    )
    .fetch_optional(scope.conn())
    .await?)
}

pub async fn insert_crew(scope: &mut TenantScope, crew: &NewCrew, by: UserId) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into crew (tenant_id, name, foreman_id, subcontractor, trade_id, count_unit,
                           active, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         returning id",
        tenant as TenantId,
        crew.name,
        crew.foreman_id,
        crew.subcontractor,
        crew.trade_id,
        crew.count_unit as CountUnit,
        crew.active,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Saves a crew read at `version`; `None` when it changed meanwhile.
pub async fn update_crew(
    scope: &mut TenantScope,
    id: i64,
    crew: &NewCrew,
    version: i32,
    by: UserId,
) -> AppResult<Option<()>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update crew
         set name = $3, foreman_id = $4, subcontractor = $5, trade_id = $6, count_unit = $7,
             active = $8, updated_by = $9, updated_at = now(), version = version + 1
         where tenant_id = $1 and id = $2 and version = $10
         returning id",
        tenant as TenantId,
        id,
        crew.name,
        crew.foreman_id,
        crew.subcontractor,
        crew.trade_id,
        crew.count_unit as CountUnit,
        crew.active,
        by as UserId,
        version
    )
    .fetch_optional(scope.conn())
    .await?
    .map(|_| ()))
}

/// Who may lead a crew: active foremen and project managers, and `current` whoever it is.
pub async fn foreman_choices(
    scope: &mut TenantScope,
    current: Option<i64>,
) -> AppResult<Vec<(i64, String)>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query!(
        "select id, name from app_user
         where tenant_id = $1
           and ((active and role in ('foreman', 'project_manager')) or id = $2)
         order by name, id",
        tenant as TenantId,
        current
    )
    .fetch_all(scope.conn())
    .await?
    .into_iter()
    .map(|r| (r.id, r.name))
    .collect())
}

// Workers ----------------------------------------------------------------------------------

/// How the worker list is narrowed and ordered.
#[derive(Debug, Clone, Default)]
pub struct WorkerFilter {
    pub crew: Option<i64>,
    pub trade: Option<i64>,
    pub active: Option<bool>,
    /// Matched against name and phone.
    pub text: String,
    /// Matched against the end of the identity-card number.
    pub id_suffix: Option<String>,
    /// name, crew, trade, phone or rate.
    pub sort: String,
    pub descending: bool,
}

/// A worker in the list (and the export).
#[derive(Debug, Clone)]
pub struct WorkerListRow {
    pub id: i64,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub trade_id: i64,
    pub crew_id: Option<i64>,
    pub crew_name: Option<String>,
    pub day_rate: Decimal,
    pub bank_name: String,
    pub bank_account: String,
    pub active: bool,
}

fn like_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

pub async fn list_workers(
    scope: &mut TenantScope,
    filter: &WorkerFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<WorkerListRow>, i64)> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    let pattern = like_pattern(&filter.text);
    let rows = sqlx::query_as!(
        WorkerListRow,
        r#"select w.id, w.name, w.id_number, w.phone, w.trade_id, w.crew_id,
                  c.name as "crew_name?", w.day_rate, w.bank_name, w.bank_account, w.active
           from worker w
           left join crew c on c.tenant_id = w.tenant_id and c.id = w.crew_id
           join trade t on t.tenant_id = w.tenant_id and t.id = w.trade_id
           where w.tenant_id = $1
             and ($2::bigint is null or w.crew_id = $2)
             and ($3::bigint is null or w.trade_id = $3)
             and ($4::bool is null or w.active = $4)
             and ($5 = '%%' or w.name ilike $5 or w.phone ilike $5
                  or ($6::text is not null and w.id_number like '%' || $6))
           order by
             case when not $8 then case $7 when 'name' then w.name when 'crew' then c.name
                                     when 'phone' then w.phone end end asc,
             case when $8 then case $7 when 'name' then w.name when 'crew' then c.name
                                 when 'phone' then w.phone end end desc,
             case when not $8 and $7 = 'trade' then t.sort_order end asc,
             case when $8 and $7 = 'trade' then t.sort_order end desc,
             case when not $8 and $7 = 'rate' then w.day_rate end asc,
             case when $8 and $7 = 'rate' then w.day_rate end desc,
             w.name, w.id
           limit $9 offset $10"#,
        tenant as TenantId,
        filter.crew,
        filter.trade,
        filter.active,
        pattern,
        filter.id_suffix,
        filter.sort,
        filter.descending,
        limit,
        offset
    )
    .fetch_all(scope.conn())
    .await?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from worker w
           where w.tenant_id = $1
             and ($2::bigint is null or w.crew_id = $2)
             and ($3::bigint is null or w.trade_id = $3)
             and ($4::bool is null or w.active = $4)
             and ($5 = '%%' or w.name ilike $5 or w.phone ilike $5
                  or ($6::text is not null and w.id_number like '%' || $6))"#,
        tenant as TenantId,
        filter.crew,
        filter.trade,
        filter.active,
        pattern,
        filter.id_suffix
    )
    .fetch_one(scope.conn())
    .await?;
    Ok((rows, total))
}

/// A worker as the edit page needs it, with the foreman of their crew.
#[derive(Debug, Clone)]
pub struct Worker {
    pub id: WorkerId,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub trade_id: i64,
    pub crew_id: Option<i64>,
    pub crew_foreman_id: Option<i64>,
    pub day_rate: Decimal,
    pub bank_name: String,
    pub bank_account: String,
    pub active: bool,
    pub version: i32,
}

pub async fn find_worker(scope: &mut TenantScope, id: WorkerId) -> AppResult<Option<Worker>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Worker,
        // The left join makes sqlx's nullability guess unstable: say it.
        r#"select w.id as "id!: WorkerId", w.name as "name!", w.id_number as "id_number!",
                  w.phone as "phone!", w.trade_id as "trade_id!", w.crew_id,
                  c.foreman_id as "crew_foreman_id?", w.day_rate as "day_rate!",
                  w.bank_name as "bank_name!", w.bank_account as "bank_account!",
                  w.active as "active!", w.version as "version!"
           from worker w
           left join crew c on c.tenant_id = w.tenant_id and c.id = w.crew_id
           where w.tenant_id = $1 and w.id = $2"#,
        tenant as TenantId,
        id as WorkerId
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// The worker (id, name) already holding this identity-card number, other than `except`.
pub async fn worker_with_id_number(
    scope: &mut TenantScope,
    id_number: &str,
    except: Option<WorkerId>,
) -> AppResult<Option<(WorkerId, String)>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query!(
        r#"select id as "id: WorkerId", name from worker
           where tenant_id = $1 and id_number = $2 and id is distinct from $3"#,
        tenant as TenantId,
        id_number,
        except as Option<WorkerId>
    )
    .fetch_optional(scope.conn())
    .await?
    .map(|r| (r.id, r.name)))
}

pub async fn insert_worker(
    scope: &mut TenantScope,
    worker: &NewWorker,
    by: UserId,
) -> AppResult<WorkerId> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"insert into worker (tenant_id, name, id_number, phone, trade_id, crew_id, day_rate,
                               bank_name, bank_account, active, created_by, updated_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
           returning id as "id: WorkerId""#,
        tenant as TenantId,
        worker.name,
        worker.id_number,
        worker.phone,
        worker.trade_id,
        worker.crew_id,
        worker.day_rate,
        worker.bank_name,
        worker.bank_account,
        worker.active,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Saves a worker read at `version`; `None` when it changed meanwhile.
pub async fn update_worker(
    scope: &mut TenantScope,
    id: WorkerId,
    worker: &NewWorker,
    version: i32,
    by: UserId,
) -> AppResult<Option<()>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update worker
         set name = $3, id_number = $4, phone = $5, trade_id = $6, crew_id = $7, day_rate = $8,
             bank_name = $9, bank_account = $10, active = $11, updated_by = $12,
             updated_at = now(), version = version + 1
         where tenant_id = $1 and id = $2 and version = $13
         returning id",
        tenant as TenantId,
        id as WorkerId,
        worker.name,
        worker.id_number,
        worker.phone,
        worker.trade_id,
        worker.crew_id,
        worker.day_rate,
        worker.bank_name,
        worker.bank_account,
        worker.active,
        by as UserId,
        version
    )
    .fetch_optional(scope.conn())
    .await?
    .map(|_| ()))
}
