//! Workers and tickets in from XLSX or CSV, in the layout a site office keeps them (templates
//! to download, Chinese headers). Every row is checked and nothing is saved unless every row
//! is good.
//!
//! An upload is read at once (a file that cannot be read is refused with a message), then
//! becomes an import (`labour_import`) and a job of the queue (`crate::jobs`) that keeps the
//! file, both committed with the request. A worker imports the rows: checked, then written in
//! batches in one transaction that is committed, with the job's end, only when all of them
//! are in. Between batches the import's progress is committed on its own, so the import's
//! page (which reloads itself, no JavaScript needed) shows a bar moving. If the server stops
//! meanwhile nothing of the rows is kept, and the job is run again from its file; after its
//! last attempt the import is marked failed with a message and its page stops reloading.

mod handlers;
pub mod parse;
pub mod queries;
mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use self::parse::{FileError, Kind, NewTicket, RowError, Sheet, TicketLookup, WorkerLookup};
use crate::audit::{Action, Actor, Change};
use crate::config::UploadLimits;
use crate::db::{Db, TenantScope};
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::jobs::{self, BoxFuture, GaveUp, GaveUpReason, Job, JobError};
use crate::labour::domain::TicketStatus;
use crate::labour::queries as shared;
use crate::roles::{Permission, Role};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/labour/import", get(handlers::index))
        .route("/labour/import/template/{file}", get(handlers::template))
        .route(
            "/labour/import/{kind}",
            axum::routing::post(handlers::upload)
                // The upload routes share the project import's limit: large enough for a
                // file just over `parse::MAX_BYTES` to be refused by the handler, with a
                // message, rather than cut off by the server.
                .layer(DefaultBodyLimit::max(crate::plans::IMPORT_BODY_LIMIT)),
        )
        .route("/labour/import/jobs/{id}", get(handlers::job))
}

/// Rows written per batch; the job's progress moves after each.
pub const BATCH_ROWS: usize = 500;

/// The queue's name for a labour import.
pub const JOB_KIND: &str = "labour_import";

/// Runs labour imports from the queue: for the list of handlers the workers start with.
pub const JOB: jobs::Handler = jobs::Handler {
    kind: JOB_KIND,
    run: run_job,
    gave_up: record_gave_up,
};

/// Who imports, as the checks need them.
#[derive(Debug, Clone)]
pub struct Importer {
    pub tenant: TenantId,
    pub user: UserId,
    pub user_name: String,
    pub role: Role,
    /// The tenant's today: rows dated later are refused.
    pub today: NaiveDate,
}

impl Importer {
    /// A foreman imports only for the crews they lead.
    fn foreman(&self) -> Option<i64> {
        crate::labour::domain::crews_led_by(self.role, self.user).map(|u| u.0)
    }
}

/// What a queued import needs besides its file (the job's data): who asked, as they were
/// when they uploaded it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Payload {
    import: i64,
    kind: Kind,
    user: UserId,
    user_name: String,
    role: Role,
    today: NaiveDate,
    /// The limits the file was accepted under at upload: the job reads it under the same.
    limits: UploadLimits,
}

/// Reads a file on the blocking pool (a big workbook takes a while to unpack), and gives the
/// bytes back with the sheet. The one place imports read a file: at upload, and again in the
/// job.
async fn read_sheet(
    bytes: Vec<u8>,
    kind: Kind,
    limits: UploadLimits,
) -> AppResult<(Result<Sheet, FileError>, Vec<u8>)> {
    Ok(tokio::task::spawn_blocking(move || {
        let sheet = parse::read_file(&bytes, kind, &limits);
        (sheet, bytes)
    })
    .await
    .map_err(anyhow::Error::from)?)
}

/// Queues the import `import` of `file`, in the transaction that created it.
async fn enqueue(
    scope: &mut TenantScope,
    import: i64,
    who: &Importer,
    kind: Kind,
    file: &[u8],
    limits: UploadLimits,
) -> AppResult<jobs::JobId> {
    let payload = Payload {
        import,
        kind,
        user: who.user,
        user_name: who.user_name.clone(),
        role: who.role,
        today: who.today,
        limits,
    };
    jobs::enqueue(scope, JOB_KIND, &payload, Some(file)).await
}

fn run_job(job: Job) -> BoxFuture<'static, Result<(), JobError>> {
    Box::pin(run_queued(job))
}

/// One attempt at a queued import. An import that already ended (an earlier attempt
/// committed it, with its job) is left alone.
async fn run_queued(mut job: Job) -> Result<(), JobError> {
    let p: Payload = job.payload()?;
    let db = job.db().clone();
    let who = Importer {
        tenant: job.tenant,
        user: p.user,
        user_name: p.user_name,
        role: p.role,
        today: p.today,
    };
    if !begin(&db, who.tenant, p.import).await? {
        return Ok(());
    }
    let file = job
        .data
        .take()
        .ok_or_else(|| JobError::Fail("the job has no file".to_owned()))?;
    let sheet = match read_sheet(file, p.kind, p.limits).await? {
        (Ok(sheet), _) => sheet,
        // Read at upload, so only a change of the limits refuses it now.
        (Err(e), _) => {
            let error = RowError {
                row: 0,
                column: String::new(),
                message: e.message_key().to_owned(),
                args: Default::default(),
            };
            fail(&db, who.tenant, p.import, &[error], Some(&job)).await?;
            return Ok(());
        }
    };
    match execute(&db, Some(&job), p.import, &who, p.kind, &sheet).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(errors)) => Ok(fail(&db, who.tenant, p.import, &errors, Some(&job)).await?),
        Err(e) => Err(e.into()),
    }
}

/// Records on the import why its job was given up, so its page stops waiting.
fn record_gave_up<'a>(scope: &'a mut TenantScope, job: &'a GaveUp) -> BoxFuture<'a, AppResult<()>> {
    Box::pin(async move {
        let p: Payload = job.payload()?;
        let error = match &job.reason {
            GaveUpReason::Stopped => stopped_error(),
            GaveUpReason::Failed(_) => database_error(),
        };
        queries::finish_job(scope, p.import, Some(&[error])).await
    })
}

/// Runs an import to its end outside the queue (the bench): `done` with every row saved,
/// or `failed` with the messages and nothing saved. Returns the number of rows saved.
pub async fn run(db: Db, import: i64, who: Importer, kind: Kind, sheet: Sheet) -> usize {
    let outcome = match begin(&db, who.tenant, import).await {
        Ok(_) => execute(&db, None, import, &who, kind, &sheet).await,
        Err(e) => Err(e),
    };
    let errors = match outcome {
        Ok(Ok(rows)) => return rows,
        Ok(Err(errors)) => errors,
        Err(e) => {
            tracing::error!(error = ?e, import, "labour import failed");
            vec![database_error()]
        }
    };
    if let Err(e) = fail(&db, who.tenant, import, &errors, None).await {
        tracing::error!(error = ?e, import, "could not record a failed labour import");
    }
    0
}

/// Marks the import running, committed at once so its page shows it; `false` if it has
/// already ended (an earlier attempt committed it).
async fn begin(db: &Db, tenant: TenantId, import: i64) -> AppResult<bool> {
    let mut scope = db.begin_tenant(tenant).await?;
    let started = queries::start_job(&mut scope, import).await?;
    scope.commit().await?;
    Ok(started)
}

/// Checks and writes the rows of an import whose job (if any) this worker holds.
async fn execute(
    db: &Db,
    job: Option<&Job>,
    import: i64,
    who: &Importer,
    kind: Kind,
    sheet: &Sheet,
) -> Outcome {
    match kind {
        Kind::Workers => import_workers(db, job, import, who, sheet).await,
        Kind::Tickets => import_tickets(db, job, import, who, sheet).await,
    }
}

fn message(key: &str) -> RowError {
    RowError {
        row: 0,
        column: String::new(),
        message: key.to_owned(),
        args: Default::default(),
    }
}

fn database_error() -> RowError {
    message("labour_import.failed_database")
}

fn stopped_error() -> RowError {
    message("labour_import.failed_stopped")
}

/// Marks the import failed with `errors` (and its job ended, in the same transaction).
async fn fail(
    db: &Db,
    tenant: TenantId,
    import: i64,
    errors: &[RowError],
    job: Option<&Job>,
) -> AppResult<()> {
    let mut scope = db.begin_tenant(tenant).await?;
    queries::finish_job(&mut scope, import, Some(errors)).await?;
    if let Some(job) = job {
        job.complete(&mut scope).await?;
    }
    scope.commit().await
}

/// Commits the import's progress in its own short transaction, apart from the rows.
async fn progress(db: &Db, tenant: TenantId, import: i64, done: usize) -> AppResult<()> {
    let mut scope = db.begin_tenant(tenant).await?;
    queries::set_progress(&mut scope, import, i32::try_from(done).unwrap_or(i32::MAX)).await?;
    scope.commit().await
}

/// Cuts `items` into runs of about `size` rows each (`rows` of an item tells how many).
fn batches<T>(items: &[T], size: usize, rows: impl Fn(&T) -> usize) -> Vec<&[T]> {
    let mut out = Vec::new();
    let (mut start, mut count) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        count += rows(item);
        if count >= size {
            out.push(&items[start..=i]);
            start = i + 1;
            count = 0;
        }
    }
    if start < items.len() {
        out.push(&items[start..]);
    }
    out
}

type Outcome = AppResult<Result<usize, Vec<RowError>>>;

async fn import_workers(
    db: &Db,
    job: Option<&Job>,
    import: i64,
    who: &Importer,
    sheet: &Sheet,
) -> Outcome {
    let mut scope = db.begin_tenant(who.tenant).await?;
    let ids = parse::id_numbers(sheet, parse::worker_col::ID_NUMBER);
    let lookup = WorkerLookup {
        trades: queries::trades_by_name(&mut scope).await?,
        crews: queries::crews_by_name(&mut scope).await?,
        existing: queries::workers_by_id_number(&mut scope, &ids)
            .await?
            .into_keys()
            .collect(),
        foreman: who.foreman(),
    };
    let workers = match parse::workers(sheet, &lookup) {
        Ok(w) => w,
        Err(errors) => return Ok(Err(parse::cap_errors(errors))),
    };
    let mut done = 0;
    for batch in batches(&workers, BATCH_ROWS, |_| 1) {
        queries::insert_workers(&mut scope, batch, who.user).await?;
        done += batch.len();
        progress(db, who.tenant, import, done).await?;
    }
    finish(&mut scope, job, import, who, Kind::Workers, done, None).await?;
    scope.commit().await?;
    Ok(Ok(done))
}

async fn import_tickets(
    db: &Db,
    job: Option<&Job>,
    import: i64,
    who: &Importer,
    sheet: &Sheet,
) -> Outcome {
    let mut scope = db.begin_tenant(who.tenant).await?;
    // The job runs for the user who queued it: their projects are the ones a row may name.
    scope
        .act_for(Some(who.user), who.role.has(Permission::SeeAllProjects))
        .await?;
    let ids = parse::id_numbers(sheet, parse::ticket_col::ID_NUMBER);
    let lookup = TicketLookup {
        today: who.today,
        projects: queries::projects_by_code(&mut scope).await?,
        crews: queries::crews_by_name(&mut scope).await?,
        workers: queries::workers_by_id_number(&mut scope, &ids).await?,
        trades: queries::trades_by_name(&mut scope).await?,
        rules: shared::pay_rules(&mut scope).await?,
        foreman: who.foreman(),
    };
    let (lines, mut errors) = parse::ticket_lines(sheet, &lookup);
    let booked = queries::booked_by_day(&mut scope, &parse::workers_by_day(&lines)).await?;
    errors.extend(parse::day_hours(&lines, &booked));
    if !errors.is_empty() {
        return Ok(Err(parse::cap_errors(errors)));
    }
    let tickets: Vec<NewTicket> = match parse::group_tickets(lines) {
        Ok(t) => t,
        Err(errors) => return Ok(Err(parse::cap_errors(errors))),
    };
    let mut done = 0;
    for batch in batches(&tickets, BATCH_ROWS, |t| t.rows) {
        queries::insert_tickets(&mut scope, batch, TicketStatus::Submitted, who.user).await?;
        done += batch.iter().map(|t| t.rows).sum::<usize>();
        progress(db, who.tenant, import, done).await?;
    }
    finish(
        &mut scope,
        job,
        import,
        who,
        Kind::Tickets,
        done,
        Some(tickets.len()),
    )
    .await?;
    scope.commit().await?;
    Ok(Ok(done))
}

/// Audits the import and marks it and its job done, in the transaction of its rows: either
/// all are kept or none.
async fn finish(
    scope: &mut TenantScope,
    job: Option<&Job>,
    import: i64,
    who: &Importer,
    kind: Kind,
    rows: usize,
    tickets: Option<usize>,
) -> AppResult<()> {
    let actor = Actor::User {
        id: who.user,
        name: who.user_name.clone(),
    };
    let summary = format!("{} import: {rows} rows", kind.as_str());
    crate::audit::record(
        scope,
        &actor,
        Change {
            entity: "labour_import",
            entity_id: Some(import),
            action: Action::Create,
            summary: &summary,
            before: None,
            after: Some(
                serde_json::json!({ "kind": kind.as_str(), "rows": rows, "tickets": tickets }),
            ),
        },
    )
    .await?;
    queries::finish_job(scope, import, None).await?;
    match job {
        Some(job) => job.complete(scope).await,
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_close_once_they_reach_the_size() {
        let rows = [3, 3, 3, 1, 5, 2];
        let cut = batches(&rows, 6, |r| *r);
        assert_eq!(cut, vec![&rows[0..2], &rows[2..5], &rows[5..]]);
        assert!(batches(&[] as &[usize], 6, |r| *r).is_empty());
    }

    /// Messages are keys in code (stored with a job, shown in the reader's language): each
    /// must exist in both languages.
    #[test]
    fn every_message_key_of_the_import_exists() {
        use crate::i18n::{Locale, t};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/labour/import");
        for file in ["parse.rs", "mod.rs", "handlers.rs", "views.rs"] {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            for (i, _) in text.match_indices("\"labour_import.") {
                let key = &text[i + 1..];
                let key = &key[..key.find('"').unwrap()];
                if key.ends_with('.') {
                    continue;
                }
                for locale in Locale::ALL {
                    assert_ne!(t(locale, key), key, "{key} missing in {}", locale.as_str());
                }
            }
        }
    }
}
