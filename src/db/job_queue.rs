//! The job queue's table, `job`, and the only code that reaches it. It belongs to no tenant
//! (workers claim across tenants), but every row carries one: functions acting for one tenant
//! take its `TenantScope` and use the scope's tenant id, so a job is queued and ended in the
//! same transaction as the tenant's own writes.
//!
//! A claim sets `locked_by` to a value of its own and `locked_until` to the end of its lease;
//! whatever a worker does to a job afterwards names that value, so a worker whose lease ran
//! out (and whose job another worker took) changes nothing.
#![expect(
    clippy::disallowed_types,
    reason = "the queue is claimed across tenants through the pool"
)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::Postgres;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgListener, PgTypeInfo, PgValueRef};

use super::{Db, TenantScope};
use crate::error::AppResult;
use crate::ids::TenantId;

/// The channel a queued job is announced on.
const CHANNEL: &str = "girder_job";

fn pool(db: &Db) -> &PgPool {
    db.pool()
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// A job to queue.
#[derive(Debug, Clone, Copy)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: &'a serde_json::Value,
    pub data: Option<&'a [u8]>,
    pub max_attempts: i32,
}

/// Queues a job of the scope's tenant; it becomes claimable when the transaction commits,
/// and idle workers are woken then.
pub async fn insert_job(scope: &mut TenantScope, job: NewJob<'_>) -> AppResult<JobId> {
    let tenant = scope.tenant_id();
    let id = sqlx::query_scalar!(
        r#"
        insert into job (tenant_id, kind, payload, data, max_attempts)
        values ($1, $2, $3, $4, $5)
        returning id as "id: JobId"
        "#,
        tenant as TenantId,
        job.kind,
        job.payload,
        job.data,
        job.max_attempts
    )
    .fetch_one(scope.conn())
    .await?;
    // Delivered at commit, not before: a woken worker finds the job.
    sqlx::query_scalar!("select pg_notify($1, $2)", CHANNEL, job.kind)
        .fetch_one(scope.conn())
        .await?;
    Ok(id)
}

/// A job a worker holds.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: JobId,
    pub tenant_id: TenantId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub data: Option<Vec<u8>>,
    /// This attempt's number, from 1.
    pub attempts: i32,
    pub max_attempts: i32,
}

/// Claims the oldest job of `kinds` that is queued and due, or whose lease ran out while
/// attempts remain: it becomes `running`, held by `locked_by` for `lease`. Rows other workers
/// are claiming are skipped, not waited for.
pub async fn claim_job(
    db: &Db,
    kinds: &[String],
    locked_by: &str,
    lease: Duration,
) -> AppResult<Option<ClaimedJob>> {
    Ok(sqlx::query_as!(
        ClaimedJob,
        r#"
        with next as (
            select id
            from job
            where kind = any($1)
              and status in ('queued', 'running')
              and run_after <= now()
              and (status = 'queued' or (locked_until < now() and attempts < max_attempts))
            order by run_after, id
            limit 1
            for update skip locked
        )
        update job j
        set status = 'running',
            attempts = j.attempts + 1,
            locked_by = $2,
            locked_until = now() + make_interval(secs => $3),
            started_at = coalesce(j.started_at, now())
        from next
        where j.id = next.id
        returning j.id as "id: JobId", j.tenant_id as "tenant_id: TenantId", j.kind, j.payload,
                  j.data, j.attempts, j.max_attempts
        "#,
        kinds,
        locked_by,
        seconds(lease)
    )
    .fetch_optional(pool(db))
    .await?)
}

/// Extends the lease of a job `locked_by` still holds; `false` if it holds it no longer.
pub async fn renew_lease(db: &Db, id: JobId, locked_by: &str, lease: Duration) -> AppResult<bool> {
    let done = sqlx::query!(
        r#"
        update job
        set locked_until = now() + make_interval(secs => $3)
        where id = $1
          and locked_by = $2
          and status = 'running'
        "#,
        id as JobId,
        locked_by,
        seconds(lease)
    )
    .execute(pool(db))
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends a job `locked_by` holds as `done` or `failed`, in the scope's transaction (with the
/// work it finishes), and drops its data. `false` if the claim is no longer held: then the
/// caller must not commit.
pub async fn end_job(
    scope: &mut TenantScope,
    id: JobId,
    locked_by: &str,
    status: JobStatus,
    error: Option<&str>,
) -> AppResult<bool> {
    debug_assert!(status.is_final());
    let tenant = scope.tenant_id();
    let done = sqlx::query!(
        r#"
        update job
        set status = $4,
            error = left($5, 2000),
            finished_at = now(),
            locked_until = null,
            data = null
        where tenant_id = $1
          and id = $2
          and locked_by = $3
          and status = 'running'
        "#,
        tenant as TenantId,
        id as JobId,
        locked_by,
        status as JobStatus,
        error
    )
    .execute(scope.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts a job `locked_by` holds back in the queue, due after `delay`, noting why.
pub async fn retry_job(
    db: &Db,
    id: JobId,
    locked_by: &str,
    error: &str,
    delay: Duration,
) -> AppResult<bool> {
    let done = sqlx::query!(
        r#"
        update job
        set status = 'queued',
            error = left($3, 2000),
            run_after = now() + make_interval(secs => $4),
            locked_by = null,
            locked_until = null
        where id = $1
          and locked_by = $2
          and status = 'running'
        "#,
        id as JobId,
        locked_by,
        error,
        seconds(delay)
    )
    .execute(pool(db))
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts back in the queue, due now, every job a claim starting with `process` holds (its
/// server is shutting down), handing back the attempt it used: a deploy costs no attempt and
/// no wait for a lease to run out. Returns how many were put back.
pub async fn release_jobs(db: &Db, process: &str) -> AppResult<u64> {
    let done = sqlx::query!(
        r#"
        update job
        set status = 'queued',
            attempts = greatest(attempts - 1, 0),
            run_after = now(),
            locked_by = null,
            locked_until = null
        where status = 'running'
          and starts_with(locked_by, $1)
        "#,
        process
    )
    .execute(pool(db))
    .await?;
    Ok(done.rows_affected())
}

/// Jobs of `kinds` whose lease ran out with no attempt left: their process stopped, and no
/// worker will take them again.
pub async fn list_abandoned_jobs(
    db: &Db,
    kinds: &[String],
    limit: i64,
) -> AppResult<Vec<(JobId, TenantId)>> {
    let rows = sqlx::query!(
        r#"
        select id as "id: JobId", tenant_id as "tenant_id: TenantId"
        from job
        where kind = any($1)
          and status = 'running'
          and locked_until < now()
          and attempts >= max_attempts
        order by id
        limit $2
        "#,
        kinds,
        limit
    )
    .fetch_all(pool(db))
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.tenant_id)).collect())
}

/// A job given up on.
#[derive(Debug, Clone)]
pub struct AbandonedJob {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
}

/// Marks an abandoned job `failed` with `error`, in the scope's transaction (where its
/// feature records the failure too). `None` if it is no longer abandoned (another worker
/// got there first; the row lock makes that worker's change the one that counts).
pub async fn give_up_job(
    scope: &mut TenantScope,
    id: JobId,
    error: &str,
) -> AppResult<Option<AbandonedJob>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        AbandonedJob,
        r#"
        update job
        set status = 'failed',
            error = left($3, 2000),
            finished_at = now(),
            locked_until = null,
            data = null
        where tenant_id = $1
          and id = $2
          and status = 'running'
          and locked_until < now()
          and attempts >= max_attempts
        returning id as "id: JobId", kind, payload, attempts
        "#,
        tenant as TenantId,
        id as JobId,
        error
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A job as an operator or a test sees it.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: JobId,
    pub kind: String,
    pub status: JobStatus,
    pub attempts: i32,
    pub max_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub has_data: bool,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One job of the scope's tenant.
pub async fn find_job(scope: &mut TenantScope, id: JobId) -> AppResult<Option<JobRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        JobRow,
        r#"
        select id as "id: JobId", kind, status as "status: JobStatus", attempts, max_attempts,
               locked_until, error, data is not null as "has_data!", created_at, finished_at
        from job
        where tenant_id = $1
          and id = $2
        "#,
        tenant as TenantId,
        id as JobId
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Removes jobs that ended before `before` (their features keep their own records).
pub async fn delete_ended_jobs(db: &Db, before: DateTime<Utc>) -> AppResult<u64> {
    let done = sqlx::query!(
        r#"
        delete from job
        where status in ('done', 'failed')
          and finished_at < $1
        "#,
        before
    )
    .execute(pool(db))
    .await?;
    Ok(done.rows_affected())
}

/// Word that a job was queued: wakes idle workers at once instead of at their next poll.
#[derive(Debug)]
pub struct JobSignals {
    listener: PgListener,
}

impl JobSignals {
    /// Listens on one connection of the pool, held for as long as this lives.
    pub async fn listen(db: &Db) -> AppResult<Self> {
        let mut listener = PgListener::connect_with(pool(db)).await?;
        listener.listen(CHANNEL).await?;
        Ok(JobSignals { listener })
    }

    /// Waits for the next announcement (reconnecting if the connection was lost; whatever
    /// was announced meanwhile is found by the next poll).
    pub async fn next(&mut self) -> AppResult<()> {
        self.listener.recv().await?;
        Ok(())
    }
}

/// A job's id (one sequence for every tenant: the queue is one table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct JobId(pub i64);

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a job is in its life: queued → running → done or failed (running → queued again
/// when an attempt fails and another remains).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub const ALL: [JobStatus; 4] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Done,
        JobStatus::Failed,
    ];

    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether the job has ended.
    pub fn is_final(self) -> bool {
        matches!(self, JobStatus::Done | JobStatus::Failed)
    }
}

// Stored as text; a value the enum does not know is a decode error, never a default.
impl sqlx::Type<Postgres> for JobStatus {
    fn type_info() -> PgTypeInfo {
        <&str as sqlx::Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <&str as sqlx::Type<Postgres>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Postgres> for JobStatus {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let s = <&str as sqlx::Decode<Postgres>>::decode(value)?;
        JobStatus::parse(s).ok_or_else(|| format!("unknown job status {s:?}").into())
    }
}

impl sqlx::Encode<'_, Postgres> for JobStatus {
    fn encode_by_ref(
        &self,
        buf: &mut PgArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, BoxDynError> {
        <&str as sqlx::Encode<Postgres>>::encode(self.as_str(), buf)
    }
}
