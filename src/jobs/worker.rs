//! The workers: claim a job, run its handler while a heartbeat renews the lease, end it; give
//! up jobs whose process stopped on their last attempt; sleep until a job is announced or the
//! next poll.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::{GaveUp, GaveUpReason, Handler, Job, JobError, JobId, JobStatus, Registry};
use crate::db::Db;
use crate::db::job_queue::{self, ClaimedJob, JobSignals};
use crate::error::AppResult;
use crate::ids::TenantId;

/// How the workers of a process behave.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Jobs run at once by this process.
    pub workers: usize,
    /// How long a claim lasts without a heartbeat: a job whose process stopped is taken
    /// again (or given up) this long after its last heartbeat.
    pub lease: Duration,
    /// How often an idle worker looks for due jobs when no announcement wakes it (retries
    /// come due, leases run out).
    pub poll: Duration,
    /// Wait before a failed attempt is retried, times the attempt's number.
    pub retry_delay: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            workers: 2,
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(2),
            retry_delay: Duration::from_secs(10),
        }
    }
}

/// Ended jobs are kept this long for operators, then removed.
const KEEP_ENDED: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// Claims and runs jobs of the kinds in its registry.
#[derive(Debug, Clone)]
pub struct Runner {
    db: Db,
    registry: Arc<Registry>,
    settings: Settings,
    /// This process's name in `locked_by`; each claim adds a number.
    name: Arc<str>,
    claims: Arc<AtomicU64>,
}

/// The running workers of a process; dropping this does not stop them (`stop` does).
#[derive(Debug)]
pub struct Workers {
    pub tasks: Vec<JoinHandle<()>>,
    runner: Runner,
}

impl Workers {
    /// Stops the workers (the jobs they run are cancelled, and their writes rolled back) and
    /// puts the jobs they held back in the queue, for the next server to run at once.
    pub async fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks {
            let _ = task.await;
        }
        // A cancelled job's transaction is rolled back as its connection goes back to the
        // pool; a row it locked is waited for, but never for long.
        match tokio::time::timeout(Duration::from_secs(5), self.runner.release_held()).await {
            Ok(Ok(n)) if n > 0 => tracing::info!(jobs = n, "running jobs put back in the queue"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = ?e, "putting running jobs back in the queue"),
            Err(_) => tracing::warn!("putting running jobs back in the queue timed out"),
        }
    }
}

/// Aborts a job's task when the worker running it is dropped (stopped), so a stopped worker
/// leaves no job running on its own.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Runner {
    pub fn new(db: Db, registry: Registry) -> Self {
        let mut random = [0u8; 4];
        // A collision only matters between two processes of the same pid; the clock then
        // tells them apart.
        if getrandom::fill(&mut random).is_err() {
            random = chrono::Utc::now().timestamp_subsec_nanos().to_le_bytes();
        }
        let name = format!("{}-{:08x}", std::process::id(), u32::from_le_bytes(random));
        Runner {
            db,
            registry: Arc::new(registry),
            settings: Settings::default(),
            name: name.into(),
            claims: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Puts every job this process's claims hold back in the queue, their attempt handed
    /// back (see `job_queue::release_jobs`).
    pub async fn release_held(&self) -> AppResult<u64> {
        job_queue::release_jobs(&self.db, &format!("{}#", self.name)).await
    }

    /// Claims the next due job, if any, without running it (`execute` runs it).
    pub async fn claim(&self) -> AppResult<Option<Job>> {
        let n = self.claims.fetch_add(1, Ordering::Relaxed);
        let claim: Arc<str> = format!("{}#{n}", self.name).into();
        let kinds = self.registry.kinds();
        let Some(row) = job_queue::claim_job(&self.db, &kinds, &claim, self.settings.lease).await?
        else {
            return Ok(None);
        };
        let ClaimedJob {
            id,
            tenant_id,
            kind,
            payload,
            data,
            attempts,
            max_attempts,
        } = row;
        Ok(Some(Job {
            id,
            tenant: tenant_id,
            kind,
            payload,
            data,
            attempt: attempts,
            max_attempts,
            db: self.db.clone(),
            claim,
        }))
    }

    /// Gives up what is abandoned, then claims and runs one job. `false` when there was
    /// nothing to do.
    pub async fn run_one(&self) -> AppResult<bool> {
        let gave_up = self.give_up_abandoned().await?;
        match self.claim().await? {
            Some(job) => {
                self.execute(job).await;
                Ok(true)
            }
            None => Ok(gave_up > 0),
        }
    }

    /// Runs jobs until none is due; returns how many were run or given up.
    pub async fn run_until_idle(&self) -> usize {
        let mut n = 0;
        loop {
            match self.run_one().await {
                Ok(true) => n += 1,
                Ok(false) => return n,
                Err(e) => {
                    tracing::error!(error = ?e, "running jobs");
                    return n;
                }
            }
        }
    }

    /// Runs a claimed job to its end: its handler in a task of its own (a panic is an
    /// attempt that failed), the lease renewed meanwhile, then done, retried or given up.
    pub async fn execute(&self, job: Job) {
        let Some(handler) = self.registry.get(&job.kind).copied() else {
            tracing::error!(job = %job.id, kind = job.kind, "claimed a job of an unknown kind");
            return;
        };
        let held = Held {
            id: job.id,
            tenant: job.tenant,
            claim: job.claim.clone(),
            payload: job.payload.clone(),
            attempt: job.attempt,
            max_attempts: job.max_attempts,
        };
        let span = tracing::info_span!("job", id = %held.id, kind = handler.kind, tenant.id = held.tenant.0, attempt = held.attempt);
        tracing::info!(parent: &span, "job started");
        let mut task = AbortOnDrop(tokio::spawn((handler.run)(job)));
        let beat_every = (self.settings.lease / 3).max(Duration::from_millis(100));
        let mut beat =
            tokio::time::interval_at(tokio::time::Instant::now() + beat_every, beat_every);
        let outcome = loop {
            tokio::select! {
                ended = &mut task.0 => break match ended {
                    Ok(outcome) => outcome,
                    Err(e) if e.is_panic() => Err(JobError::Retry("the job's task panicked".to_owned())),
                    Err(_) => Err(JobError::Retry("the job's task was cancelled".to_owned())),
                },
                _ = beat.tick() => {
                    match job_queue::renew_lease(&self.db, held.id, &held.claim, self.settings.lease).await {
                        Ok(true) => {}
                        Ok(false) => {
                            // Another worker took it after this one's lease ran out; what
                            // this attempt would still write is refused anyway.
                            task.0.abort();
                            tracing::warn!(parent: &span, "job lost its lease; stopped");
                            return;
                        }
                        Err(e) => tracing::warn!(parent: &span, error = ?e, "renewing a job's lease"),
                    }
                }
            }
        };
        let ended = match outcome {
            Ok(()) => self.end_done(&held).await,
            Err(JobError::Retry(message)) if held.attempt < held.max_attempts => {
                tracing::warn!(parent: &span, error = message, "job attempt failed; retrying");
                let delay = self.settings.retry_delay * u32::try_from(held.attempt).unwrap_or(1);
                job_queue::retry_job(&self.db, held.id, &held.claim, &message, delay)
                    .await
                    .map(|_| ())
            }
            Err(JobError::Retry(message) | JobError::Fail(message)) => {
                tracing::error!(parent: &span, error = message, "job failed");
                self.give_up_held(&handler, &held, message).await
            }
        };
        match ended {
            Ok(()) => tracing::info!(parent: &span, "job ended"),
            // The lease runs out and the job is taken again or given up: never lost.
            Err(e) => tracing::error!(parent: &span, error = ?e, "ending a job"),
        }
    }

    /// Ends a job its handler finished, unless the handler ended it itself.
    async fn end_done(&self, held: &Held) -> AppResult<()> {
        let mut scope = self.db.begin_tenant(held.tenant).await?;
        job_queue::end_job(&mut scope, held.id, &held.claim, JobStatus::Done, None).await?;
        scope.commit().await
    }

    /// Fails a job this worker holds, and lets its feature record why, in one transaction.
    async fn give_up_held(&self, handler: &Handler, held: &Held, message: String) -> AppResult<()> {
        let mut scope = self.db.begin_tenant(held.tenant).await?;
        let error = format!(
            "attempt {} of {}: {message}",
            held.attempt, held.max_attempts
        );
        if !job_queue::end_job(
            &mut scope,
            held.id,
            &held.claim,
            JobStatus::Failed,
            Some(&error),
        )
        .await?
        {
            return Ok(());
        }
        let gave_up = GaveUp {
            id: held.id,
            payload: held.payload.clone(),
            attempts: held.attempt,
            reason: GaveUpReason::Failed(message),
        };
        (handler.gave_up)(&mut scope, &gave_up).await?;
        scope.commit().await
    }

    /// Fails the jobs whose lease ran out on their last attempt (their process stopped),
    /// each with its feature's record, in the job's tenant transaction.
    async fn give_up_abandoned(&self) -> AppResult<usize> {
        let kinds = self.registry.kinds();
        let mut n = 0;
        for (id, tenant) in job_queue::list_abandoned_jobs(&self.db, &kinds, 20).await? {
            if self.give_up_abandoned_job(id, tenant).await? {
                n += 1;
            }
        }
        Ok(n)
    }

    async fn give_up_abandoned_job(&self, id: JobId, tenant: TenantId) -> AppResult<bool> {
        let mut scope = self.db.begin_tenant(tenant).await?;
        let error = "the server stopped while the job ran, on its last attempt";
        let Some(job) = job_queue::give_up_job(&mut scope, id, error).await? else {
            return Ok(false);
        };
        let Some(handler) = self.registry.get(&job.kind) else {
            return Ok(false);
        };
        tracing::error!(job = %id, kind = job.kind, attempts = job.attempts, "job given up: its server stopped");
        let gave_up = GaveUp {
            id,
            payload: job.payload,
            attempts: job.attempts,
            reason: GaveUpReason::Stopped,
        };
        (handler.gave_up)(&mut scope, &gave_up).await?;
        scope.commit().await?;
        Ok(true)
    }

    /// Starts `settings.workers` workers and the task that wakes them, on the current runtime.
    pub fn start(self) -> Workers {
        let wake = Arc::new(Notify::new());
        let mut tasks = vec![tokio::spawn(listen(self.clone(), wake.clone()))];
        for _ in 0..self.settings.workers.max(1) {
            tasks.push(tokio::spawn(work(self.clone(), wake.clone())));
        }
        Workers {
            tasks,
            runner: self,
        }
    }
}

/// What a worker keeps of the job it runs, to end it.
#[derive(Debug)]
struct Held {
    id: JobId,
    tenant: TenantId,
    claim: Arc<str>,
    payload: serde_json::Value,
    attempt: i32,
    max_attempts: i32,
}

/// One worker: run jobs while there are any, then sleep until woken or the next poll.
async fn work(runner: Runner, wake: Arc<Notify>) {
    loop {
        match runner.run_one().await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = ?e, "looking for jobs"),
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(runner.settings.poll) => {}
        }
    }
}

/// Wakes the workers when a job is announced, and removes long-ended jobs hourly. Without a
/// listening connection (the database is away) the workers still poll.
async fn listen(runner: Runner, wake: Arc<Notify>) {
    let mut last_sweep: Option<tokio::time::Instant> = None;
    loop {
        if last_sweep.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600)) {
            last_sweep = Some(tokio::time::Instant::now());
            match job_queue::delete_ended_jobs(&runner.db, chrono::Utc::now() - KEEP_ENDED).await {
                Ok(n) if n > 0 => tracing::info!(jobs = n, "ended jobs removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "removing ended jobs"),
            }
        }
        match JobSignals::listen(&runner.db).await {
            Ok(mut signals) => {
                let hour = tokio::time::sleep(Duration::from_secs(3600));
                tokio::pin!(hour);
                loop {
                    tokio::select! {
                        got = signals.next() => match got {
                            Ok(()) => wake.notify_waiters(),
                            Err(e) => {
                                tracing::warn!(error = ?e, "listening for jobs");
                                break;
                            }
                        },
                        () = &mut hour => break,
                    }
                }
            }
            Err(e) => tracing::warn!(error = ?e, "listening for jobs"),
        }
        tokio::time::sleep(runner.settings.poll).await;
    }
}
