//! Site log handlers: the month calendar, the log of one day (create, save with optimistic
//! locking, copy the previous log) and its photos (upload, serve, delete).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::domain::{self, MAX_PHOTOS_PER_LOG, SiteLogEntry, SiteLogForm, WEATHER, weather_key};
use super::queries::{self, NewPhoto, SiteLog};
use super::views::{
    CellLog, DayCell, LogSummary, MonthLogRow, PhotoView, SiteLogCalendarPage, SiteLogPage,
    WEEKDAY_KEYS, crew_rows,
};
use crate::audit::{Action, Change, snapshot};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::roles::Permission;
use crate::state::AppState;
use crate::tenancy::Progress;
use crate::tenancy::ProjectId;
use crate::tenancy::ProjectTx;
use crate::web::form::Choice;
use crate::web::form::CsrfOnly;
use crate::web::form::FieldErrors;
use crate::web::photo::{
    MAX_PHOTO_BYTES, check_in_background, image_response, read_upload, sanitize_file_name,
    size_label,
};
use crate::web::{AppForm, Page, Path, format};

/// The tenant's today: no log is written for a later day.
fn today(p: &ProjectTx<Progress>) -> NaiveDate {
    let tenant = p.tx.tenant();
    tenant.today()
}

fn base(project: ProjectId) -> String {
    format!("/projects/{project}/site-logs")
}

fn weekday_key(date: NaiveDate) -> &'static str {
    WEEKDAY_KEYS[date.weekday().num_days_from_monday() as usize]
}

fn log_date(s: &str) -> AppResult<NaiveDate> {
    domain::parse_log_date(s).ok_or(AppError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MonthQuery {
    /// `YYYY-MM`; the tenant's current month when absent or malformed.
    pub month: String,
}

pub async fn calendar(
    mut p: ProjectTx<Progress>,
    page: Page,
    Query(q): Query<MonthQuery>,
) -> AppResult<Html<String>> {
    let today = today(&p);
    let this_month = domain::month_start(today);
    let first = domain::parse_month(&q.month).unwrap_or(this_month);
    let weeks = domain::month_grid(first);
    let from = weeks.first().map_or(first, |w| w[0]);
    let to = weeks.last().map_or(first, |w| w[6]);
    let logs = queries::list_logs_between(&mut p.tx, p.project.id, from, to).await?;
    let locale = p.tx.user().locale;
    let headcount = |n: i64| i18n::tf(locale, "site_log.headcount_short", &[("n", &n)]);
    let by_date: HashMap<NaiveDate, &queries::DayLog> =
        logs.iter().map(|l| (l.log_date, l)).collect();
    let weeks = weeks
        .iter()
        .map(|week| {
            week.iter()
                .map(|&d| DayCell {
                    date: d.to_string(),
                    day: d.day(),
                    in_month: d.month() == first.month(),
                    today: d == today,
                    future: d > today,
                    log: by_date.get(&d).map(|l| CellLog {
                        headcount_label: headcount(l.headcount),
                        weather_key: weather_key(&l.weather),
                        photos: l.photos,
                    }),
                })
                .collect()
        })
        .collect();
    let rows = logs
        .iter()
        .filter(|l| l.log_date.month() == first.month() && l.log_date.year() == first.year())
        .map(|l| MonthLogRow {
            date: l.log_date.to_string(),
            weekday_key: weekday_key(l.log_date),
            weather_key: weather_key(&l.weather),
            headcount_label: headcount(l.headcount),
            photos: l.photos,
        })
        .collect();
    let base = base(p.project.id);
    let month_href = |m: NaiveDate| format!("{base}?month={}", m.format("%Y-%m"));
    let month_title = i18n::tf(
        locale,
        "site_log.month_title",
        &[
            ("year", &first.year()),
            ("month", &first.month()),
            ("month_name", &first.format("%B")),
        ],
    );
    Ok(Html(
        SiteLogCalendarPage {
            layout: page.layout(&p.tx, "site_log.title"),
            project: p.project.clone(),
            tab: "site_logs",
            month_title,
            prev_href: month_href(domain::previous_month(first)),
            next_href: month_href(domain::next_month(first)),
            this_month_href: (first != this_month).then(|| month_href(this_month)),
            today: today.to_string(),
            weekdays: WEEKDAY_KEYS,
            weeks,
            logs: rows,
            can_write: p.tx.user().role.has(Permission::RecordProgress),
            base,
        }
        .render()?,
    ))
}

/// What a day page shows beyond the saved log.
#[derive(Debug, Default)]
struct DayParts {
    /// The posted form (else the saved log, else an empty one).
    form: Option<SiteLogForm>,
    errors: FieldErrors,
    theirs: Option<LogSummary>,
    refusal: Option<&'static str>,
    photo_error: Option<&'static str>,
}

/// A saved log with its crews.
async fn load_entry(scope: &mut TenantScope, log: &SiteLog) -> AppResult<SiteLogEntry> {
    Ok(SiteLogEntry {
        weather: log.weather.clone(),
        temperature: log.temperature.clone(),
        crews: queries::list_crews(scope, log.id).await?,
        work_done: log.work_done.clone(),
        problems: log.problems.clone(),
    })
}

fn summary(entry: &SiteLogEntry) -> LogSummary {
    LogSummary {
        weather_key: weather_key(&entry.weather),
        temperature: entry.temperature.clone(),
        crews: entry.crews.clone(),
        headcount: entry.headcount(),
        work_done: entry.work_done.clone(),
        problems: entry.problems.clone(),
    }
}

async fn day_page(
    p: &mut ProjectTx<Progress>,
    page: &Page,
    date: NaiveDate,
    parts: DayParts,
) -> AppResult<String> {
    let project = p.project.id;
    let today = today(p);
    let locale = p.tx.user().locale;
    let tz = p.tx.tenant().time_zone;
    let can_write = p.tx.user().role.has(Permission::RecordProgress);
    let log = queries::find_log(&mut p.tx, project, date).await?;
    let (saved, photos, updated, copy_from) = match &log {
        Some(l) => {
            let entry = load_entry(&mut p.tx, l).await?;
            let photos = queries::list_photos(&mut p.tx, l.id).await?;
            let updated = i18n::tf(
                locale,
                "site_log.updated_by",
                &[
                    ("name", &l.updated_by_name.as_deref().unwrap_or("—")),
                    ("at", &format::datetime(l.updated_at, tz)),
                ],
            );
            (Some((entry, l.version)), photos, Some(updated), None)
        }
        None => {
            let previous = queries::find_previous_log(&mut p.tx, project, date).await?;
            (None, Vec::new(), None, previous.map(|l| l.log_date))
        }
    };
    let form = parts.form.unwrap_or_else(|| match &saved {
        Some((entry, version)) => SiteLogForm::from_entry(entry, *version),
        None => SiteLogForm::default(),
    });
    let base = base(project);
    let photo_count = i64::try_from(photos.len()).unwrap_or(i64::MAX);
    let mut layout = page.layout(&p.tx, "site_log.title");
    layout.title = format!("{} {date}", layout.title);
    Ok(SiteLogPage {
        layout,
        project: p.project.clone(),
        tab: "site_logs",
        date,
        weekday_key: weekday_key(date),
        month: date.format("%Y-%m").to_string(),
        prev_day: date.pred_opt().unwrap_or(date).to_string(),
        next_day: date
            .succ_opt()
            .filter(|d| *d <= today)
            .map(|d| d.to_string()),
        exists: log.is_some(),
        future: date > today,
        can_write,
        rows: crew_rows(&form, &parts.errors),
        form,
        errors: parts.errors,
        weathers: WEATHER
            .iter()
            .map(|w| Choice {
                value: (*w).to_owned(),
                label: weather_key(w).map_or(*w, |k| i18n::t(locale, k)).to_owned(),
            })
            .collect(),
        saved: saved.as_ref().map(|(entry, _)| summary(entry)),
        theirs: parts.theirs,
        updated,
        copy_from,
        refusal: parts.refusal,
        can_add_photo: can_write && log.is_some() && photo_count < MAX_PHOTOS_PER_LOG,
        photos: photos
            .into_iter()
            .map(|ph| PhotoView {
                href: format!("{base}/photos/{}", ph.id),
                thumb_href: format!("{base}/photos/{}/thumb", ph.id),
                id: ph.id,
                file_name: ph.file_name,
                size_label: size_label(i64::from(ph.size)),
            })
            .collect(),
        photo_error: parts.photo_error,
        max_photos: MAX_PHOTOS_PER_LOG,
        photo_help: i18n::tf(
            locale,
            "site_log.photo_help",
            &[
                ("mb", &(MAX_PHOTO_BYTES / (1024 * 1024))),
                ("n", &MAX_PHOTOS_PER_LOG),
            ],
        ),
        base,
    }
    .render()?)
}

fn page_with_status(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

/// The log of a day, or the empty form that creates it.
pub async fn show(
    mut p: ProjectTx<Progress>,
    page: Page,
    Path((_, date)): Path<(i64, String)>,
) -> AppResult<Html<String>> {
    let date = log_date(&date)?;
    Ok(Html(
        day_page(&mut p, &page, date, DayParts::default()).await?,
    ))
}

/// A log as the audit log records it.
#[derive(Debug, Serialize)]
struct Audited<'a> {
    log_date: NaiveDate,
    #[serde(flatten)]
    entry: &'a SiteLogEntry,
}

fn audited(date: NaiveDate, entry: &SiteLogEntry) -> Option<serde_json::Value> {
    snapshot(&Audited {
        log_date: date,
        entry,
    })
}

/// Creates the log of a day (version 0) or saves it (the version it was read at).
pub async fn save(
    mut p: ProjectTx<Progress>,
    page: Page,
    Path((_, date)): Path<(i64, String)>,
    AppForm(f): AppForm<SiteLogForm>,
) -> AppResult<Response> {
    p.require(Permission::RecordProgress)?;
    let date = log_date(&date)?;
    let entry = match f.validate(date, today(&p)) {
        Ok(entry) => entry,
        Err(errors) => {
            let parts = DayParts {
                form: Some(f),
                errors,
                ..DayParts::default()
            };
            let html = day_page(&mut p, &page, date, parts).await?;
            return Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
        }
    };
    let project = p.project.id;
    let me = p.tx.user().id;
    let existing = queries::find_log(&mut p.tx, project, date).await?;
    let (saved, before) = match &existing {
        None if f.version == 0 => {
            let id = queries::insert_log(&mut p.tx, project, date, &entry, me).await?;
            (id.map(|id| (id, Action::Create)), None)
        }
        Some(log) if f.version == log.version => {
            let before = load_entry(&mut p.tx, log).await?;
            let saved = queries::update_log(&mut p.tx, log.id, &entry, f.version, me).await?;
            (saved.map(|_| (log.id, Action::Update)), Some(before))
        }
        _ => (None, None),
    };
    let Some((id, action)) = saved else {
        return conflict(p, page, date, f).await;
    };
    queries::replace_crews(&mut p.tx, id, &entry.crews).await?;
    p.tx.audit(Change {
        entity: "site_log",
        entity_id: Some(id),
        action,
        summary: &format!("site log {date}"),
        before: before.as_ref().and_then(|b| audited(date, b)),
        after: audited(date, &entry),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "site_log.saved").await?;
    Ok(Redirect::to(&format!("{}/{date}", base(project))).into_response())
}

/// 409: the log changed since the form was read. The page shows what was saved meanwhile and
/// keeps the user's input, at the current version, so saving again is a deliberate overwrite.
async fn conflict(
    mut p: ProjectTx<Progress>,
    page: Page,
    date: NaiveDate,
    mine: SiteLogForm,
) -> AppResult<Response> {
    let (theirs, version) = match queries::find_log(&mut p.tx, p.project.id, date).await? {
        Some(log) => (
            Some(summary(&load_entry(&mut p.tx, &log).await?)),
            log.version,
        ),
        None => (None, 0),
    };
    let parts = DayParts {
        form: Some(SiteLogForm { version, ..mine }),
        theirs,
        refusal: Some("site_log.conflict"),
        ..DayParts::default()
    };
    let html = day_page(&mut p, &page, date, parts).await?;
    Ok(page_with_status(StatusCode::CONFLICT, html))
}

async fn refuse(
    mut p: ProjectTx<Progress>,
    page: Page,
    date: NaiveDate,
    status: StatusCode,
    key: &'static str,
) -> AppResult<Response> {
    let parts = DayParts {
        refusal: Some(key),
        ..DayParts::default()
    };
    let html = day_page(&mut p, &page, date, parts).await?;
    Ok(page_with_status(status, html))
}

/// Starts the log of a day from the latest earlier log: its crews, weather and work done.
pub async fn copy_previous(
    mut p: ProjectTx<Progress>,
    page: Page,
    Path((_, date)): Path<(i64, String)>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Response> {
    p.require(Permission::RecordProgress)?;
    let date = log_date(&date)?;
    let project = p.project.id;
    if date > today(&p) {
        return refuse(
            p,
            page,
            date,
            StatusCode::UNPROCESSABLE_ENTITY,
            "site_log.future_date",
        )
        .await;
    }
    if queries::find_log(&mut p.tx, project, date).await?.is_some() {
        return refuse(p, page, date, StatusCode::CONFLICT, "site_log.copy_exists").await;
    }
    let Some(previous) = queries::find_previous_log(&mut p.tx, project, date).await? else {
        return refuse(
            p,
            page,
            date,
            StatusCode::UNPROCESSABLE_ENTITY,
            "site_log.copy_nothing",
        )
        .await;
    };
    let entry = SiteLogEntry {
        weather: previous.weather.clone(),
        temperature: String::new(),
        crews: queries::list_crews(&mut p.tx, previous.id).await?,
        work_done: previous.work_done.clone(),
        problems: String::new(),
    };
    let me = p.tx.user().id;
    let Some(id) = queries::insert_log(&mut p.tx, project, date, &entry, me).await? else {
        return refuse(p, page, date, StatusCode::CONFLICT, "site_log.copy_exists").await;
    };
    queries::replace_crews(&mut p.tx, id, &entry.crews).await?;
    p.tx.audit(Change {
        entity: "site_log",
        entity_id: Some(id),
        action: Action::Create,
        summary: &format!("site log {date} copied from {}", previous.log_date),
        before: None,
        after: audited(date, &entry),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "site_log.copied").await?;
    Ok(Redirect::to(&format!("{}/{date}", base(project))).into_response())
}

async fn refuse_photo(
    mut p: ProjectTx<Progress>,
    page: Page,
    date: NaiveDate,
    message_key: &'static str,
) -> AppResult<Response> {
    let parts = DayParts {
        photo_error: Some(message_key),
        ..DayParts::default()
    };
    let html = day_page(&mut p, &page, date, parts).await?;
    Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, html))
}

/// Adds a photo to the log of a day (multipart: `_csrf` first, then `photo`).
///
/// The project and the right to write are checked before the body is read, in a transaction
/// that is closed again: a slow upload from a site phone, and the decoding after it, hold no
/// database connection. The write happens in a second transaction.
pub async fn upload_photo(
    State(state): State<AppState>,
    page: Page,
    Path((_, date)): Path<(i64, String)>,
    request: Request,
) -> AppResult<Response> {
    let date = log_date(&date)?;
    let (mut parts, body) = request.into_parts();
    ProjectTx::<Progress>::from_request_parts(&mut parts, &state)
        .await?
        .require(Permission::RecordProgress)?;
    let checked = match read_upload(&state, &page, &parts, body).await? {
        Ok(upload) => check_in_background(upload.bytes, &state.config.limits)
            .await?
            .map(|(photo, bytes)| (upload.file_name, photo, bytes)),
        Err(e) => Err(e),
    };
    let mut p = ProjectTx::<Progress>::from_request_parts(&mut parts, &state).await?;
    p.require(Permission::RecordProgress)?;
    let (name, photo, bytes) = match checked {
        Ok(ok) => ok,
        Err(e) => return refuse_photo(p, page, date, e.message_key()).await,
    };
    let project = p.project.id;
    let Some(log) = queries::lock_log(&mut p.tx, project, date).await? else {
        return refuse_photo(p, page, date, "site_log.photo_needs_log").await;
    };
    if queries::count_photos(&mut p.tx, log).await? >= MAX_PHOTOS_PER_LOG {
        return refuse_photo(p, page, date, "site_log.photo_limit").await;
    }
    let file_name = sanitize_file_name(&name, photo.content_type);
    let me = p.tx.user().id;
    let new = NewPhoto {
        file_name: &file_name,
        content_type: photo.content_type,
        bytes: &bytes,
        thumbnail: &photo.thumbnail,
    };
    let id = queries::insert_photo(&mut p.tx, log, &new, me).await?;
    p.tx.audit(Change {
        entity: "site_log_photo",
        entity_id: Some(id),
        action: Action::Create,
        summary: &format!("site log {date} photo"),
        before: None,
        after: Some(serde_json::json!({
            "site_log_id": log,
            "log_date": date,
            "file_name": file_name,
            "content_type": photo.content_type,
            "bytes": bytes.len(),
            "width": photo.width,
            "height": photo.height,
        })),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "site_log.photo_added").await?;
    Ok(Redirect::to(&format!("{}/{date}#photos", base(project))).into_response())
}

/// The photo as uploaded.
pub async fn photo(
    mut p: ProjectTx<Progress>,
    Path((_, photo_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let file = queries::photo_file(&mut p.tx, p.project.id, photo_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    image_response(&file.content_type, &file.file_name, file.bytes)
}

/// The photo's thumbnail (a JPEG of at most `THUMBNAIL_EDGE` pixels on the long side).
pub async fn thumbnail(
    mut p: ProjectTx<Progress>,
    Path((_, photo_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut file = queries::photo_file(&mut p.tx, p.project.id, photo_id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    file.file_name = format!("thumb-{photo_id}.jpg");
    image_response(&file.content_type, &file.file_name, file.bytes)
}

pub async fn delete_photo(
    mut p: ProjectTx<Progress>,
    page: Page,
    Path((_, photo_id)): Path<(i64, i64)>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Response> {
    p.require(Permission::RecordProgress)?;
    let project = p.project.id;
    let photo = queries::find_photo(&mut p.tx, project, photo_id)
        .await?
        .ok_or(AppError::NotFound)?;
    queries::delete_photo(&mut p.tx, photo.id).await?;
    p.tx.audit(Change {
        entity: "site_log_photo",
        entity_id: Some(photo.id),
        action: Action::Delete,
        summary: &format!("site log {} photo", photo.log_date),
        before: Some(serde_json::json!({
            "site_log_id": photo.site_log_id,
            "log_date": photo.log_date,
            "file_name": photo.file_name,
            "content_type": photo.content_type,
            "bytes": photo.size,
        })),
        after: None,
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "site_log.photo_deleted").await?;
    Ok(Redirect::to(&format!("{}/{}#photos", base(project), photo.log_date)).into_response())
}
