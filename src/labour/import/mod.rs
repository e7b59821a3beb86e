//! Workers and tickets in from XLSX or CSV, in the layout a site office keeps them (templates
//! to download, Chinese headers). Every row is checked and nothing is saved unless every row
//! is good.
//!
//! An upload becomes a job (`labour_import`), committed at once, and the rows are imported in
//! the background: checked, then written in batches in one transaction that is committed only
//! when all of them are in. Between batches the job's progress is committed on its own, so
//! the job page (which reloads itself, no JavaScript needed) shows a bar moving.

mod handlers;
pub mod parse;
pub mod queries;
mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use chrono::NaiveDate;

use self::parse::{Kind, NewTicket, RowError, Sheet, TicketLookup, WorkerLookup};
use crate::audit::{Action, Actor, Change};
use crate::auth::{Role, UserId};
use crate::db::Db;
use crate::error::AppResult;
use crate::labour::domain::TicketStatus;
use crate::labour::queries as shared;
use crate::plans::access::sees_all_projects;
use crate::tenancy::TenantId;
use crate::web::AppState;

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

/// Runs a started job in the background. A job whose task dies (a panic) is marked failed,
/// so its page never waits for ever.
pub fn spawn(db: Db, job: i64, who: Importer, kind: Kind, sheet: Sheet) {
    tokio::spawn(async move {
        let tenant = who.tenant;
        let task = tokio::spawn(run(db.clone(), job, who, kind, sheet));
        if let Err(e) = task.await {
            tracing::error!(error = %e, job, "labour import task ended abnormally");
            let _ = fail(&db, tenant, job, &[database_error()]).await;
        }
    });
}

/// Runs a started job to its end: `done` with every row saved, or `failed` with the messages
/// and nothing saved. Returns the number of rows saved.
pub async fn run(db: Db, job: i64, who: Importer, kind: Kind, sheet: Sheet) -> usize {
    let outcome = match kind {
        Kind::Workers => import_workers(&db, job, &who, &sheet).await,
        Kind::Tickets => import_tickets(&db, job, &who, &sheet).await,
    };
    let errors = match outcome {
        Ok(Ok(rows)) => return rows,
        Ok(Err(errors)) => errors,
        Err(e) => {
            tracing::error!(error = ?e, job, "labour import failed");
            vec![database_error()]
        }
    };
    if let Err(e) = fail(&db, who.tenant, job, &errors).await {
        tracing::error!(error = ?e, job, "could not record a failed labour import");
    }
    0
}

fn database_error() -> RowError {
    RowError {
        row: 0,
        column: String::new(),
        message: "labour_import.failed_database".to_owned(),
        args: Default::default(),
    }
}

async fn fail(db: &Db, tenant: TenantId, job: i64, errors: &[RowError]) -> AppResult<()> {
    let mut scope = db.begin_tenant(tenant).await?;
    queries::finish_job(&mut scope, job, Some(errors)).await?;
    scope.commit().await
}

/// Commits the job's progress in its own short transaction, apart from the rows.
async fn progress(db: &Db, tenant: TenantId, job: i64, done: usize) -> AppResult<()> {
    let mut scope = db.begin_tenant(tenant).await?;
    queries::set_progress(&mut scope, job, i32::try_from(done).unwrap_or(i32::MAX)).await?;
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

async fn import_workers(db: &Db, job: i64, who: &Importer, sheet: &Sheet) -> Outcome {
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
        progress(db, who.tenant, job, done).await?;
    }
    finish(&mut scope, job, who, Kind::Workers, done, None).await?;
    scope.commit().await?;
    Ok(Ok(done))
}

async fn import_tickets(db: &Db, job: i64, who: &Importer, sheet: &Sheet) -> Outcome {
    let mut scope = db.begin_tenant(who.tenant).await?;
    let ids = parse::id_numbers(sheet, parse::ticket_col::ID_NUMBER);
    let lookup = TicketLookup {
        today: who.today,
        projects: queries::projects_by_code(&mut scope, who.user, sees_all_projects(who.role))
            .await?,
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
        progress(db, who.tenant, job, done).await?;
    }
    finish(
        &mut scope,
        job,
        who,
        Kind::Tickets,
        done,
        Some(tickets.len()),
    )
    .await?;
    scope.commit().await?;
    Ok(Ok(done))
}

/// Audits the import and marks the job done, in the transaction of its rows: either both
/// are kept or neither.
async fn finish(
    scope: &mut crate::db::TenantScope,
    job: i64,
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
            entity_id: Some(job),
            action: Action::Create,
            summary: &summary,
            before: None,
            after: Some(
                serde_json::json!({ "kind": kind.as_str(), "rows": rows, "tickets": tickets }),
            ),
        },
    )
    .await?;
    queries::finish_job(scope, job, None).await
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
        use crate::web::i18n::{Locale, t};
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
