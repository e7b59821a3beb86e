//! Import handlers: the page with both uploads, the templates, the upload (which queues a
//! background job) and the import's page.

use askama::Template;
use axum::body::Body;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::parse::{FileError, Kind, MAX_BYTES, RowError};
use super::views::{
    ErrorRow, Example, ImportPage, ImportSection, JobPage, JobRow, kind_key, status_key,
    template_csv, template_xlsx,
};
use super::{Importer, queries};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::labour::views::LabourTab;
use crate::roles::Permission;
use crate::state::AppState;
use crate::tenancy::{Labour, TenantTx};
use crate::web::form::{CSRF_FIELD, verify_csrf};
use crate::web::{Page, Path, format};

/// The right an import of `kind` needs.
fn permission(kind: Kind) -> Permission {
    match kind {
        Kind::Workers => Permission::EditLabourRoster,
        Kind::Tickets => Permission::EnterLabour,
    }
}

fn kind_from(s: &str) -> AppResult<Kind> {
    Kind::parse(s).ok_or(AppError::NotFound)
}

/// The imports the user may run.
fn kinds_for(tx: &TenantTx<Labour>) -> Vec<Kind> {
    [Kind::Workers, Kind::Tickets]
        .into_iter()
        .filter(|k| tx.user().role.has(permission(*k)))
        .collect()
}

async fn index_page(
    tx: &mut TenantTx<Labour>,
    page: &Page,
    refused: Option<(Kind, String)>,
) -> AppResult<String> {
    let kinds = kinds_for(tx);
    if kinds.is_empty() {
        return Err(AppError::Forbidden(Permission::EnterLabour));
    }
    let locale = tx.user().locale;
    let tz = tx.tenant().time_zone;
    let me = tx.user().id;
    let jobs = queries::recent_jobs(tx, me, 10)
        .await?
        .into_iter()
        .map(|j| {
            let (status_key, status_class) = status_key(j.status);
            JobRow {
                href: format!("/labour/import/jobs/{}", j.id),
                kind_key: kind_key(j.kind),
                file_name: j.file_name,
                status_key,
                status_class,
                rows: i18n::tf(
                    locale,
                    "labour_import.rows_of",
                    &[("done", &j.rows_done), ("total", &j.rows_total)],
                ),
                started: format::datetime(j.created_at, tz),
            }
        })
        .collect();
    let sections = kinds
        .into_iter()
        .map(|k| {
            let mut s = ImportSection::new(k);
            if let Some((kind, message)) = &refused
                && *kind == k
            {
                s.error = Some(message.clone());
            }
            s
        })
        .collect();
    Ok(ImportPage {
        layout: page.layout(tx, "labour_import.title"),
        tab: LabourTab::Import,
        sections,
        jobs,
        max_mb: MAX_BYTES / 1024 / 1024,
    }
    .render()?)
}

pub async fn index(mut tx: TenantTx<Labour>, page: Page) -> AppResult<Html<String>> {
    Ok(Html(index_page(&mut tx, &page, None).await?))
}

/// `workers.xlsx`, `tickets.csv`…: a template with the headers and one example row.
pub async fn template(mut tx: TenantTx<Labour>, Path(file): Path<String>) -> AppResult<Response> {
    let (name, ext) = file.split_once('.').ok_or(AppError::NotFound)?;
    let kind = kind_from(name)?;
    tx.require(permission(kind))?;
    let me = tx.user().id;
    let role = tx.user().role;
    let foreman = crate::labour::domain::crews_led_by(role, me);
    let (project, crew) = queries::example_names(&mut tx, foreman).await?;
    let trade = crate::labour::queries::list_trades(&mut tx)
        .await?
        .into_iter()
        .find(|t| t.active)
        .map_or_else(|| "普工".to_owned(), |t| t.name_zh);
    let tenant = tx.tenant();
    let example = Example {
        date: tenant.today(),
        project: project.unwrap_or_else(|| "P-001".to_owned()),
        // A worker need not be in a crew; a ticket must name one.
        crew: crew.unwrap_or_else(|| match kind {
            Kind::Workers => String::new(),
            Kind::Tickets => "木工一班".to_owned(),
        }),
        trade,
    };
    let (bytes, mime) = match ext {
        "xlsx" => (
            template_xlsx(kind, &example)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "csv" => (template_csv(kind, &example)?, "text/csv; charset=utf-8"),
        _ => return Err(AppError::NotFound),
    };
    let disposition = format!("attachment; filename=\"girder-{name}-template.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("file name: {e}")))?,
            ),
        ],
        bytes,
    )
        .into_response())
}

/// An uploaded file.
struct Upload {
    file_name: String,
    bytes: Vec<u8>,
}

/// Why an upload is refused before a job starts.
enum Refusal {
    NoFile,
    TooLarge,
    File(FileError),
}

/// Reads the form: the CSRF token first, then the file (at most `MAX_BYTES`; reading stops
/// as soon as it is over).
async fn read_upload(
    state: &AppState,
    page: &Page,
    parts: &Parts,
    body: Body,
) -> AppResult<Result<Upload, Refusal>> {
    let mut request = Request::new(body);
    *request.headers_mut() = parts.headers.clone();
    // The extensions carry the route's body limit.
    *request.extensions_mut() = parts.extensions.clone();
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|e| AppError::BadRequest(e.body_text().into()))?;
    let bad = |e: MultipartError| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        _ => AppError::BadRequest(e.body_text().into()),
    };
    let mut checked = false;
    let mut upload: Option<Upload> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some(CSRF_FIELD) => {
                verify_csrf(&page.session, &field.text().await.map_err(bad)?).await?;
                checked = true;
            }
            // Nothing of a form without its token first is read.
            _ if !checked => return Err(AppError::Csrf),
            Some("file") => {
                let file_name: String = field
                    .file_name()
                    .unwrap_or_default()
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    if bytes.len() + chunk.len() > MAX_BYTES {
                        return Ok(Err(Refusal::TooLarge));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                if !bytes.is_empty() {
                    upload = Some(Upload { file_name, bytes });
                }
            }
            _ => {}
        }
    }
    if !checked {
        return Err(AppError::Csrf);
    }
    Ok(upload.ok_or(Refusal::NoFile))
}

/// Queues an import (multipart: `_csrf` first, then `file`) and answers with its page. The
/// file is read here, so one that cannot be read is refused at once; the job reads it again.
///
/// The right to import is checked before the body is read, in a transaction that is closed
/// again: a slow upload and the unpacking of the file hold no database connection.
pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    Path(kind): Path<String>,
    request: Request,
) -> AppResult<Response> {
    let kind = kind_from(&kind)?;
    let (mut parts, body) = request.into_parts();
    TenantTx::<Labour>::from_request_parts(&mut parts, &state)
        .await?
        .require(permission(kind))?;
    let read = match read_upload(&state, &page, &parts, body).await? {
        Ok(upload) => match super::read_sheet(upload.bytes, kind, state.config.limits).await? {
            // Only the number of rows is kept: the job reads the file again.
            (Ok(sheet), bytes) => Ok((upload.file_name, sheet.rows.len(), bytes)),
            (Err(e), _) => Err(Refusal::File(e)),
        },
        Err(refusal) => Err(refusal),
    };
    let mut tx = TenantTx::<Labour>::from_request_parts(&mut parts, &state).await?;
    tx.require(permission(kind))?;
    let locale = tx.user().locale;
    let (file_name, rows, bytes) = match read {
        Ok(ok) => ok,
        Err(refusal) => {
            let message = match refusal {
                Refusal::NoFile => i18n::t(locale, "labour_import.no_file").to_owned(),
                Refusal::TooLarge => i18n::tf(
                    locale,
                    "labour_import.too_large",
                    &[("mb", &(MAX_BYTES / 1024 / 1024))],
                ),
                Refusal::File(e) => e.message(locale),
            };
            let html = index_page(&mut tx, &page, Some((kind, message))).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let rows = i32::try_from(rows).unwrap_or(i32::MAX);
    let me = tx.user().id;
    let file_name = if file_name.is_empty() {
        format!("{}.xlsx", kind.as_str())
    } else {
        file_name
    };
    let import = queries::insert_job(&mut tx, kind, &file_name, rows, me).await?;
    let tenant = tx.tenant();
    let who = Importer {
        tenant: tenant.id,
        user: me,
        user_name: tx.user().name.clone(),
        role: tx.user().role,
        today: tenant.today(),
    };
    // The import and its job are committed together: a worker (of this server or, after a
    // restart, of the next) finds both.
    super::enqueue(&mut tx, import, &who, kind, &bytes, state.config.limits).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/labour/import/jobs/{import}")).into_response())
}

/// An import's progress (the page reloads itself every second until it ends) and its
/// outcome. Its creator sees it, and owners and admins; to anyone else it does not exist.
pub async fn job(mut tx: TenantTx<Labour>, page: Page, Path(id): Path<i64>) -> AppResult<Response> {
    let job = queries::find_job(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = job.kind;
    let me = tx.user().id;
    if job.created_by != Some(me.0) && !tx.user().role.has(Permission::SeeAllProjects) {
        return Err(AppError::NotFound);
    }
    tx.require(permission(kind))?;
    let locale = tx.user().locale;
    let tz = tx.tenant().time_zone;
    let status = job.status;
    let errors: Vec<RowError> = serde_json::from_value(job.errors.clone()).unwrap_or_default();
    // Messages about the import as a whole (the server stopped, the database failed) are
    // shown as such, not as a table of rows.
    let whole = !errors.is_empty() && errors.iter().all(|e| e.row == 0 && e.column.is_empty());
    let errors: Vec<ErrorRow> = errors
        .into_iter()
        .map(|e| {
            let args: Vec<(&str, &dyn std::fmt::Display)> = e
                .args
                .iter()
                .map(|(k, v)| (k.as_str(), v as &dyn std::fmt::Display))
                .collect();
            ErrorRow {
                row: if e.row == 0 {
                    String::new()
                } else {
                    i18n::tf(locale, "labour_import.row_n", &[("n", &e.row)])
                },
                column: e.column.clone(),
                message: i18n::tf(locale, &e.message, &args),
            }
        })
        .collect();
    let percent = if job.rows_total > 0 {
        (i64::from(job.rows_done) * 100 / i64::from(job.rows_total)) as i32
    } else {
        0
    };
    let page = JobPage {
        layout: page.layout(&tx, "labour_import.job_title"),
        tab: LabourTab::Import,
        kind_key: kind_key(job.kind),
        file_name: job.file_name.clone(),
        started: format::datetime(job.created_at, tz),
        finished: job.finished_at.map(|at| format::datetime(at, tz)),
        status: status.as_str(),
        status_key: status_key(status).0,
        rows_done: job.rows_done,
        rows_total: job.rows_total,
        percent,
        progress_text: i18n::tf(
            locale,
            "labour_import.progress",
            &[("done", &job.rows_done), ("total", &job.rows_total)],
        ),
        done_text: i18n::tf(
            locale,
            match kind {
                Kind::Workers => "labour_import.done_workers",
                Kind::Tickets => "labour_import.done_tickets",
            },
            &[("n", &job.rows_total)],
        ),
        notice: whole.then(|| {
            errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        }),
        errors,
        result_href: match kind {
            Kind::Workers => "/labour/workers",
            Kind::Tickets => "/labour/tickets",
        },
    };
    let running = page.running();
    let mut response = Html(page.render()?).into_response();
    if running {
        // The header does what the page's <meta> refresh does, for clients that read only
        // headers.
        response
            .headers_mut()
            .insert(header::REFRESH, HeaderValue::from_static("1"));
    }
    Ok(response)
}
