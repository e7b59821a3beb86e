//! Background work that survives the process: a queue in PostgreSQL (`src/db/job_queue.rs`)
//! and the workers that run it. A feature queues a job of its kind in the transaction of the
//! request that asks for it (`enqueue`), and hands the queue a `Handler` for that kind in the
//! list the application starts the workers with; the queue names no feature.
//!
//! A worker claims a job with `for update skip locked`, holds it by a lease that a heartbeat
//! renews, and ends it (`done`, `failed`, or queued again to retry). A job whose lease ran out
//! lost its process: it is claimed again while attempts remain, else given up with a message,
//! and its handler's `gave_up` records that where the feature's pages show it. A handler
//! should end its job in the transaction of its own last writes (`Job::complete`), so a job
//! that is run again after its process stopped finds its work either whole or not begun.

mod worker;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use worker::{Runner, Settings, Workers};

use crate::db::job_queue::{self, NewJob};
use crate::db::{Db, TenantScope};
use crate::error::{AppError, AppResult};
use crate::ids::TenantId;

pub use crate::db::job_queue::{JobId, JobStatus};

/// Attempts a job gets unless its feature says otherwise: a process that stops while it runs
/// (a deploy, a crash) costs one.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 3;

/// Queues a job of the scope's tenant, in the scope's transaction: it exists (and workers are
/// woken) only if the transaction commits. `data` is a file the job needs (an upload); it is
/// dropped when the job ends.
pub async fn enqueue(
    scope: &mut TenantScope,
    kind: &str,
    payload: &impl Serialize,
    data: Option<&[u8]>,
) -> AppResult<JobId> {
    let payload = serde_json::to_value(payload).map_err(anyhow::Error::from)?;
    job_queue::insert_job(
        scope,
        NewJob {
            kind,
            payload: &payload,
            data,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        },
    )
    .await
}

/// Why an attempt did not finish its job.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Another attempt may succeed (the database was away): retried while attempts remain.
    #[error("{0}")]
    Retry(String),
    /// It would fail again however often it ran: given up at once.
    #[error("{0}")]
    Fail(String),
}

impl From<AppError> for JobError {
    fn from(e: AppError) -> Self {
        JobError::Retry(format!("{e:?}"))
    }
}

/// A claimed job, as its handler gets it.
#[derive(Debug)]
pub struct Job {
    pub id: JobId,
    pub tenant: TenantId,
    pub kind: String,
    pub payload: serde_json::Value,
    /// The job's file, if it has one.
    pub data: Option<Vec<u8>>,
    /// This attempt's number, from 1.
    pub attempt: i32,
    pub max_attempts: i32,
    db: Db,
    claim: Arc<str>,
}

impl Job {
    /// The database, to open tenant transactions on (`db().begin_tenant(job.tenant)`).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The payload as the feature wrote it; one it cannot read fails the job for good.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_value(self.payload.clone())
            .map_err(|e| JobError::Fail(format!("unreadable payload: {e}")))
    }

    /// Ends the job as done in `scope`'s transaction, beside the work it finishes: both are
    /// committed or neither. An error (the job was taken over after this worker lost its
    /// lease) means the transaction must not be committed.
    pub async fn complete(&self, scope: &mut TenantScope) -> AppResult<()> {
        if job_queue::end_job(scope, self.id, &self.claim, JobStatus::Done, None).await? {
            Ok(())
        } else {
            Err(AppError::Internal(anyhow::anyhow!(
                "job {} is no longer held by this worker",
                self.id
            )))
        }
    }
}

/// Why a job was given up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GaveUpReason {
    /// Its process stopped while it ran, on its last attempt.
    Stopped,
    /// Its handler failed, for good or on its last attempt.
    Failed(String),
}

/// A job given up on, as its handler's `gave_up` gets it.
#[derive(Debug, Clone)]
pub struct GaveUp {
    pub id: JobId,
    pub payload: serde_json::Value,
    pub attempts: i32,
    pub reason: GaveUpReason,
}

impl GaveUp {
    /// The payload as the feature wrote it.
    pub fn payload<T: DeserializeOwned>(&self) -> AppResult<T> {
        serde_json::from_value(self.payload.clone())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("unreadable job payload: {e}")))
    }
}

/// A boxed future, as handlers return them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a feature gives the queue for its kind of job.
#[derive(Clone, Copy)]
pub struct Handler {
    /// The kind it runs (`labour_import`): lowercase, digits and `_`.
    pub kind: &'static str,
    /// Does the work; `Ok` ends the job as done unless it ended itself.
    pub run: fn(Job) -> BoxFuture<'static, Result<(), JobError>>,
    /// Records, in the job's tenant transaction (which also marks the job failed), that the
    /// job was given up, so its page says so instead of waiting for ever.
    pub gave_up: for<'a> fn(&'a mut TenantScope, &'a GaveUp) -> BoxFuture<'a, AppResult<()>>,
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handler").field("kind", &self.kind).finish()
    }
}

/// The handlers of one process, by kind. A worker claims only the kinds it has.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    handlers: Vec<Handler>,
}

impl Registry {
    /// The handlers, each kind once (a later one of the same kind is a start-up bug).
    pub fn new(handlers: impl IntoIterator<Item = Handler>) -> Self {
        let mut registry = Registry::default();
        for h in handlers {
            assert!(
                registry.get(h.kind).is_none(),
                "two job handlers for {}",
                h.kind
            );
            registry.handlers.push(h);
        }
        registry
    }

    pub fn get(&self, kind: &str) -> Option<&Handler> {
        self.handlers.iter().find(|h| h.kind == kind)
    }

    fn kinds(&self) -> Vec<String> {
        self.handlers.iter().map(|h| h.kind.to_owned()).collect()
    }
}

/// Starts the workers of the server process with these handlers, with the default settings.
pub fn start(db: Db, handlers: impl IntoIterator<Item = Handler>) -> Workers {
    Runner::new(db, Registry::new(handlers)).start()
}

/// Runs every job that is due now, one after another, until none is left; returns how many
/// were run or given up. For tests and tools: deterministic, no background task.
pub async fn run_until_idle(db: &Db, handlers: impl IntoIterator<Item = Handler>) -> usize {
    Runner::new(db.clone(), Registry::new(handlers))
        .run_until_idle()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_and_only_known_ones() {
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(JobStatus::parse("stalled"), None);
        assert!(JobStatus::Done.is_final() && JobStatus::Failed.is_final());
        assert!(!JobStatus::Queued.is_final() && !JobStatus::Running.is_final());
    }

    #[test]
    #[should_panic(expected = "two job handlers")]
    fn a_kind_is_registered_once() {
        fn run(_: Job) -> BoxFuture<'static, Result<(), JobError>> {
            Box::pin(async { Ok(()) })
        }
        fn gave_up<'a>(_: &'a mut TenantScope, _: &'a GaveUp) -> BoxFuture<'a, AppResult<()>> {
            Box::pin(async { Ok(()) })
        }
        let h = Handler {
            kind: "probe",
            run,
            gave_up,
        };
        Registry::new([h, h]);
    }
}
