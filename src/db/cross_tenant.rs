//! The tables that belong to no tenant, and the only code that reaches them:
//!
//! - `tenant`: one row per company, with its plan and the licence summary;
//! - `login_identity`: email → (tenant, user), so sign-in can find a user before it knows the tenant;
//! - `session`: server-side session records, keyed by the SHA-256 of the session id;
//! - `auth_throttle`: sign-in, sign-up and password-reset attempts per address or account
//!   and time window;
//! - `platform_operator`: the vendor's staff who run the platform console.
//!
//! Functions acting for one tenant take its `TenantScope` and use the scope's tenant id.
#![expect(
    clippy::disallowed_types,
    reason = "cross-tenant tables are reached through the pool"
)]

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use super::{Db, TenantScope};
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::licence::plan::{PlanFacts, PlanKind};
use crate::roles::ModuleId;

fn pool(db: &Db) -> &PgPool {
    db.pool()
}

// Sessions ------------------------------------------------------------------------------

/// Save an existing session. Update only: a session deleted meanwhile (signed out, password
/// reset) stays deleted even if a request still running on it saves at its end; new sessions
/// go through `insert_new_session`.
pub async fn save_session(
    db: &Db,
    id: &str,
    data: &serde_json::Value,
    expires_at: DateTime<Utc>,
) -> AppResult<()> {
    sqlx::query!(
        r#"
        update session
        set data = $2, expires_at = $3
        where id = $1
        "#,
        id,
        data,
        expires_at
    )
    .execute(pool(db))
    .await?;
    Ok(())
}

/// Insert a new session; `false` if the id is taken.
pub async fn insert_new_session(
    db: &Db,
    id: &str,
    data: &serde_json::Value,
    expires_at: DateTime<Utc>,
) -> AppResult<bool> {
    let done = sqlx::query!(
        r#"
        insert into session (id, data, expires_at)
        values ($1, $2, $3)
        on conflict (id) do nothing
        "#,
        id,
        data,
        expires_at
    )
    .execute(pool(db))
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn load_session(
    db: &Db,
    id: &str,
) -> AppResult<Option<(serde_json::Value, DateTime<Utc>)>> {
    let row = sqlx::query!(
        r#"
        select data, expires_at
        from session
        where id = $1
          and expires_at > now()
        "#,
        id
    )
    .fetch_optional(pool(db))
    .await?;
    Ok(row.map(|r| (r.data, r.expires_at)))
}

pub async fn delete_session(db: &Db, id: &str) -> AppResult<()> {
    sqlx::query!("delete from session where id = $1", id)
        .execute(pool(db))
        .await?;
    Ok(())
}

/// End every session of a user (after their password changed).
pub async fn end_user_sessions(scope: &mut TenantScope, user: UserId) -> AppResult<u64> {
    let tenant = scope.tenant_id();
    let done = sqlx::query!(
        r#"
        delete from session
        where (data -> 'auth' ->> 'tenant_id')::bigint = $1
          and (data -> 'auth' ->> 'user_id')::bigint = $2
        "#,
        tenant as TenantId,
        user as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(done.rows_affected())
}

/// Remove sessions past their expiry; returns how many.
pub async fn delete_expired_sessions(db: &Db) -> AppResult<u64> {
    let done = sqlx::query!("delete from session where expires_at <= now()")
        .execute(pool(db))
        .await?;
    Ok(done.rows_affected())
}

// Sign-in throttling ----------------------------------------------------------------------

/// One counter to take an attempt from: a key (an address or an account) and the length of
/// its window.
#[derive(Debug, Clone)]
pub struct ThrottleKey {
    pub key: String,
    pub window_seconds: i64,
}

/// A counted attempt: which counter and window it went to, and the count after it.
#[derive(Debug, Clone)]
pub struct ThrottleCount {
    pub key: String,
    pub window_start: DateTime<Utc>,
    pub attempts: i32,
}

/// Count one attempt against each key, in its current fixed window, and return the counts.
/// One autocommitted statement on the pool, outside any request transaction, so a refused
/// or failed request still counts and concurrent attempts cannot both see the old count.
pub async fn count_attempt(db: &Db, keys: &[ThrottleKey]) -> AppResult<Vec<ThrottleCount>> {
    let names: Vec<String> = keys.iter().map(|k| k.key.clone()).collect();
    let windows: Vec<i64> = keys.iter().map(|k| k.window_seconds.max(1)).collect();
    let rows = sqlx::query!(
        r#"
        insert into auth_throttle (key, window_start, attempts)
        select k, date_bin(make_interval(secs => w::float8), now(), timestamptz '2000-01-01 00:00:00+00'), 1
        from unnest($1::text[], $2::int8[]) as t(k, w)
        on conflict (key, window_start)
        do update set attempts = auth_throttle.attempts + 1
        returning key, window_start, attempts
        "#,
        &names,
        &windows
    )
    .fetch_all(pool(db))
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ThrottleCount {
            key: r.key,
            window_start: r.window_start,
            attempts: r.attempts,
        })
        .collect())
}

/// Give back attempts `count_attempt` took (a sign-in that succeeded is not held against
/// the address or the account).
pub async fn uncount_attempt(db: &Db, counts: &[ThrottleCount]) -> AppResult<()> {
    let names: Vec<String> = counts.iter().map(|c| c.key.clone()).collect();
    let starts: Vec<DateTime<Utc>> = counts.iter().map(|c| c.window_start).collect();
    sqlx::query!(
        r#"
        update auth_throttle
        set attempts = attempts - 1
        from unnest($1::text[], $2::timestamptz[]) as t(k, ws)
        where auth_throttle.key = t.k
          and auth_throttle.window_start = t.ws
          and auth_throttle.attempts > 0
        "#,
        &names,
        &starts
    )
    .execute(pool(db))
    .await?;
    Ok(())
}

/// Remove attempt counts whose window began more than a day ago (no window is longer),
/// logging the outcome; the server calls it hourly.
pub async fn sweep_attempt_counts(db: &Db) {
    let done = sqlx::query!(
        "delete from auth_throttle where window_start < now() - interval '1 day 1 hour'"
    )
    .execute(pool(db))
    .await;
    match done {
        Ok(d) if d.rows_affected() > 0 => {
            tracing::info!(
                counts = d.rows_affected(),
                "old sign-in attempt counts removed"
            );
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = ?e, "removing old sign-in attempt counts"),
    }
}

// Tenants -------------------------------------------------------------------------------

/// A tenant row.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub time_zone: String,
    pub currency: String,
    pub default_locale: String,
    pub plan: String,
    pub trial_ends_at: DateTime<Utc>,
    pub trial_extended: bool,
    pub licence_seats: Option<i32>,
    pub licence_expires_on: Option<NaiveDate>,
    pub licence_modules: Vec<String>,
    pub suspended_at: Option<DateTime<Utc>>,
    pub last_active_at: Option<DateTime<Utc>>,
    pub user_count: i32,
    pub active_user_count: i32,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

impl Tenant {
    pub fn plan_facts(&self) -> PlanFacts {
        PlanFacts {
            kind: PlanKind::parse(&self.plan),
            trial_ends_at: self.trial_ends_at,
            trial_extended: self.trial_extended,
            licence_seats: self.licence_seats,
            licence_expires_on: self.licence_expires_on,
            licence_modules: self
                .licence_modules
                .iter()
                .filter_map(|m| ModuleId::parse(m))
                .collect(),
        }
    }
}

/// Create a tenant on a trial and return a transaction bound to it, in which the caller
/// creates the owner; nothing exists until the caller commits.
pub async fn create_tenant(
    db: &Db,
    name: &str,
    default_locale: &str,
    trial_ends_at: DateTime<Utc>,
) -> AppResult<TenantScope> {
    let mut tx = pool(db).begin().await?;
    let id = sqlx::query_scalar!(
        r#"
        insert into tenant (name, default_locale, trial_ends_at)
        values ($1, $2, $3)
        returning id as "id: TenantId"
        "#,
        name,
        default_locale,
        trial_ends_at
    )
    .fetch_one(&mut *tx)
    .await?;
    TenantScope::bind(tx, id).await
}

/// Deletes a tenant that holds only Plans and Cost data and users (the benchmarks' scratch
/// tenants; Labour's bench deletes its own tables first):
/// everything it owns goes in one transaction.
pub async fn delete_scratch_tenant(db: &Db, id: TenantId) -> AppResult<()> {
    let mut scope = TenantScope::begin(pool(db), id).await?;
    // Children before parents. Every statement names the tenant: a superuser (a developer's
    // DATABASE_URL) is not held back by row-level security, and an unfiltered delete would
    // reach every company.
    let t = id.0;
    sqlx::query!("delete from task_link where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from baseline_task where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from baseline where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from progress_update where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from cost_snapshot_line where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from cost_snapshot where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    // Risks and changes: votes, lines and attachments, then the requests once the budget
    // revisions and variations they made no longer point at them.
    sqlx::query!("delete from change_vote where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from change_attachment where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from change_request_task where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from change_request_cost where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!(
        "update cost_budget_version set change_request_id = null where tenant_id = $1",
        t
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "update contract_variation set change_request_id = null where tenant_id = $1",
        t
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "update revenue_variation set change_request_id = null where tenant_id = $1",
        t
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!("delete from change_request where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from change_board_member where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from changes_settings where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from risk_review where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from risk where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from risk_category where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    // Funds: the money first (reversals before what they reverse), then its documents.
    sqlx::query!(
        "delete from fund_movement_attachment where tenant_id = $1",
        t
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "delete from fund_movement where tenant_id = $1 and reverses_id is not null",
        t
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!("delete from fund_movement where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from payment_approval where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from payment_request where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from payment_approver where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from payment_application where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from tender_deposit where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from fund_plan where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from fund_month where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from fund_contract_flow where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from bank_account where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from cost_entry_attachment where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from cost_entry where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    // Funds: the contracts, once no cost entry names them.
    sqlx::query!("delete from contract_variation where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from contract_money where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from cost_committed_total where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from contract where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from counterparty where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from funds_settings where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from cost_budget_line where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from cost_budget_version where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from cost_estimate where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from cost_period where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from cost_alert_setting where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from revenue_variation where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from cost_actual_month where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from cost_actual_total where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!(
        "update cost_category set parent_id = null where tenant_id = $1",
        t
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!("delete from cost_category where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("update task set parent_id = null where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from task where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from project_member where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from project where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from calendar_day where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from calendar where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from login_identity where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from app_user where tenant_id = $1", t)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from tenant where id = $1", id as TenantId)
        .execute(scope.conn())
        .await?;
    scope.commit().await
}

/// The scope's own tenant row.
pub async fn find_tenant(scope: &mut TenantScope) -> AppResult<Tenant> {
    let id = scope.tenant_id();
    find_tenant_on(scope.conn(), id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("tenant {} of an open scope is missing", id.0).into())
}

async fn find_tenant_on(conn: &mut PgConnection, id: TenantId) -> AppResult<Option<Tenant>> {
    Ok(sqlx::query_as!(
        Tenant,
        r#"
        select id as "id: TenantId", name, time_zone, currency, default_locale, plan,
               trial_ends_at, trial_extended, licence_seats, licence_expires_on,
               licence_modules, suspended_at, last_active_at, user_count,
               active_user_count, created_at, version
        from tenant
        where id = $1
        "#,
        id as TenantId
    )
    .fetch_optional(conn)
    .await?)
}

/// The scope's tenant row, locked until the transaction ends (seat checks serialise on it).
pub async fn lock_tenant(scope: &mut TenantScope) -> AppResult<Tenant> {
    let id = scope.tenant_id();
    sqlx::query_scalar!(
        "select id from tenant where id = $1 for update",
        id as TenantId
    )
    .fetch_one(scope.conn())
    .await?;
    find_tenant(scope).await
}

/// Notes that the tenant was active, in its own short statement rather than a request's
/// transaction, so no request holds the tenant's row while others wait on it. Callers call
/// it at most every few minutes per session; the condition keeps it to one write per five
/// minutes per tenant however many sessions call.
pub async fn touch_tenant(db: &Db, id: TenantId) -> AppResult<()> {
    sqlx::query!(
        r#"
        update tenant
        set last_active_at = now()
        where id = $1
          and (last_active_at is null or last_active_at < now() - interval '5 minutes')
        "#,
        id as TenantId
    )
    .execute(pool(db))
    .await?;
    Ok(())
}

/// Company settings, with optimistic locking: `None` when `version` is stale.
pub async fn update_company(
    scope: &mut TenantScope,
    name: &str,
    time_zone: &str,
    currency: &str,
    default_locale: &str,
    version: i32,
) -> AppResult<Option<i32>> {
    let id = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"
        update tenant
        set name = $2, time_zone = $3, currency = $4, default_locale = $5,
            updated_at = now(), version = version + 1
        where id = $1
          and version = $6
        returning version
        "#,
        id as TenantId,
        name,
        time_zone,
        currency,
        default_locale,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// The owner's one trial extension.
pub async fn extend_trial(scope: &mut TenantScope, new_end: DateTime<Utc>) -> AppResult<bool> {
    let id = scope.tenant_id();
    let done = sqlx::query!(
        r#"
        update tenant
        set trial_ends_at = $2, trial_extended = true, updated_at = now(), version = version + 1
        where id = $1
          and not trial_extended
        "#,
        id as TenantId,
        new_end
    )
    .execute(scope.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Put the tenant on the licence just activated.
pub async fn apply_licence(
    scope: &mut TenantScope,
    seats: i32,
    modules: &[String],
    expires_on: Option<NaiveDate>,
) -> AppResult<()> {
    let id = scope.tenant_id();
    sqlx::query!(
        r#"
        update tenant
        set plan = 'licensed', licence_seats = $2, licence_modules = $3,
            licence_expires_on = $4, updated_at = now(), version = version + 1
        where id = $1
        "#,
        id as TenantId,
        seats,
        modules,
        expires_on
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

// The platform console ------------------------------------------------------------------

/// Tenants whose name contains `search` (all when `None`), newest first, for operators.
pub async fn list_tenants(
    db: &Db,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<Tenant>> {
    Ok(sqlx::query_as!(
        Tenant,
        r#"
        select id as "id: TenantId", name, time_zone, currency, default_locale, plan,
               trial_ends_at, trial_extended, licence_seats, licence_expires_on,
               licence_modules, suspended_at, last_active_at, user_count,
               active_user_count, created_at, version
        from tenant
        where ($1::text is null or strpos(lower(name), lower($1)) > 0)
        order by created_at desc, id desc
        limit $2 offset $3
        "#,
        search,
        limit,
        offset
    )
    .fetch_all(pool(db))
    .await?)
}

/// An operator's change to a tenant's trial end or suspension, in a scope of that tenant so
/// the tenant's audit log records it. `None` leaves a field as it is.
pub async fn operator_update_tenant(
    scope: &mut TenantScope,
    trial_ends_at: Option<DateTime<Utc>>,
    suspended: Option<bool>,
) -> AppResult<()> {
    let id = scope.tenant_id();
    sqlx::query!(
        r#"
        update tenant
        set trial_ends_at = coalesce($2, trial_ends_at),
            suspended_at = case when $3::boolean is null then suspended_at
                                when $3 then coalesce(suspended_at, now())
                                else null end,
            updated_at = now(), version = version + 1
        where id = $1
        "#,
        id as TenantId,
        trial_ends_at,
        suspended
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Whether a tenant with this id exists (operators address tenants by id).
pub async fn tenant_exists(db: &Db, id: TenantId) -> AppResult<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from tenant where id = $1) as "exists!""#,
        id as TenantId
    )
    .fetch_one(pool(db))
    .await?)
}

// Sign-in identities --------------------------------------------------------------------

/// Which tenant and user an email belongs to.
pub async fn find_login(db: &Db, email: &str) -> AppResult<Option<(TenantId, UserId)>> {
    let row = sqlx::query!(
        r#"
        select tenant_id as "tenant_id: TenantId", user_id as "user_id: UserId"
        from login_identity
        where email = $1
        "#,
        email
    )
    .fetch_optional(pool(db))
    .await?;
    Ok(row.map(|r| (r.tenant_id, r.user_id)))
}

/// Whether an email is registered anywhere on the platform.
pub async fn email_taken(scope: &mut TenantScope, email: &str) -> AppResult<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from login_identity where email = $1) as "exists!""#,
        email
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Register a user's email for sign-in. Fails on `login_identity_pkey` if taken.
pub async fn insert_login(scope: &mut TenantScope, email: &str, user: UserId) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "insert into login_identity (email, tenant_id, user_id) values ($1, $2, $3)",
        email,
        tenant as TenantId,
        user as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

// Platform operators --------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Operator {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub active: bool,
}

pub async fn find_operator_by_email(db: &Db, email: &str) -> AppResult<Option<Operator>> {
    Ok(sqlx::query_as!(
        Operator,
        "select id, email, name, password_hash, active from platform_operator where email = $1",
        email
    )
    .fetch_optional(pool(db))
    .await?)
}

pub async fn find_operator(db: &Db, id: i64) -> AppResult<Option<Operator>> {
    Ok(sqlx::query_as!(
        Operator,
        "select id, email, name, password_hash, active from platform_operator where id = $1",
        id
    )
    .fetch_optional(pool(db))
    .await?)
}

/// Create an operator, or reset the name and password of an existing one.
pub async fn upsert_operator(db: &Db, email: &str, name: &str, hash: &str) -> AppResult<i64> {
    Ok(sqlx::query_scalar!(
        r#"
        insert into platform_operator (email, name, password_hash)
        values ($1, $2, $3)
        on conflict (email) do update set name = excluded.name, password_hash = excluded.password_hash, active = true
        returning id
        "#,
        email,
        name,
        hash
    )
    .fetch_one(pool(db))
    .await?)
}
