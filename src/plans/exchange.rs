//! Projects in and out of Girder: MS Project XML (MSPDI) import and export, and an
//! iCalendar feed of a project's milestones.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::mspdi::{self, MspdiCalendar, MspdiLink, MspdiProject, MspdiTask};
use super::queries::{self, CalendarDay, ProjectFields, TaskFields};
use super::reschedule;
use super::tasks::Outline;
use crate::audit::{Action, Change};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::ids::TaskId;
use crate::roles::Permission;
use crate::schedule::TaskProgress;
use crate::state::AppState;
use crate::tenancy::project::ProjectStatus;
use crate::tenancy::{Plans, TenantTx};
use crate::tenancy::{ProjectId, ProjectTx};
use crate::web::form::{self, CSRF_FIELD, FieldErrors, verify_csrf};
use crate::web::{Layout, Page};

#[derive(Template)]
#[template(path = "plans/import.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub code: String,
    pub errors: FieldErrors,
    /// Why the file was refused, in the parser's words.
    pub message: Option<String>,
}

fn import_page(
    tx: &TenantTx<Plans>,
    page: &Page,
    code: String,
    errors: FieldErrors,
    message: Option<String>,
) -> AppResult<String> {
    Ok(ImportPage {
        layout: page.layout(tx, "plans.import_xml"),
        code,
        errors,
        message,
    }
    .render()?)
}

pub async fn import_form(tx: TenantTx<Plans>, page: Page) -> AppResult<Html<String>> {
    tx.require(Permission::CreateProjects)?;
    Ok(Html(import_page(
        &tx,
        &page,
        String::new(),
        FieldErrors::default(),
        None,
    )?))
}

/// The upload: a project code and the file, read up to `mspdi::MAX_BYTES`.
struct Upload {
    code: String,
    file: Vec<u8>,
    too_large: bool,
}

async fn read_upload(page: &Page, mut multipart: Multipart) -> AppResult<Upload> {
    let bad = |e: axum::extract::multipart::MultipartError| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        _ => AppError::BadRequest(e.body_text().into()),
    };
    let mut checked = false;
    let mut upload = Upload {
        code: String::new(),
        file: Vec::new(),
        too_large: false,
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some(CSRF_FIELD) => {
                verify_csrf(&page.session, &field.text().await.map_err(bad)?).await?;
                checked = true;
            }
            // Nothing of a form without its token first is read.
            _ if !checked => return Err(AppError::Csrf),
            Some("code") => {
                upload.code = field.text().await.map_err(bad)?.chars().take(200).collect()
            }
            Some("file") => {
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    if upload.file.len() + chunk.len() > mspdi::MAX_BYTES {
                        // Stop reading: the rest of a huge file is never buffered.
                        upload.too_large = true;
                        return Ok(upload);
                    }
                    upload.file.extend_from_slice(&chunk);
                }
            }
            _ => {}
        }
    }
    if !checked {
        return Err(AppError::Csrf);
    }
    Ok(upload)
}

pub async fn import(
    State(state): State<AppState>,
    mut tx: TenantTx<Plans>,
    page: Page,
    multipart: Multipart,
) -> AppResult<Response> {
    tx.require(Permission::CreateProjects)?;
    let limits = state.config.limits;
    let upload = read_upload(&page, multipart).await?;
    let locale = tx.user().locale;
    let refuse = |tx: &TenantTx<Plans>,
                  status: StatusCode,
                  code: &str,
                  errors: FieldErrors,
                  message: Option<String>|
     -> AppResult<Response> {
        Ok((
            status,
            Html(import_page(tx, &page, code.to_owned(), errors, message)?),
        )
            .into_response())
    };
    let mut errors = FieldErrors::default();
    let code = form::text(&mut errors, "code", &upload.code, true, 40);
    if upload.too_large {
        let message = i18n::tf(
            locale,
            "plans.import_too_large",
            &[("mb", &(mspdi::MAX_BYTES / 1024 / 1024))],
        );
        return refuse(
            &tx,
            StatusCode::PAYLOAD_TOO_LARGE,
            &code,
            errors,
            Some(message),
        );
    }
    if upload.file.is_empty() {
        errors.add("file", "plans.import_no_file");
    }
    if errors.is_empty() && queries::code_taken(&mut tx, &code, None).await? {
        errors.add("code", "plans.code_taken");
    }
    if !errors.is_empty() {
        return refuse(&tx, StatusCode::UNPROCESSABLE_ENTITY, &code, errors, None);
    }
    let parsed = match mspdi::parse(&upload.file, &limits)
        .and_then(|p| mspdi::parent_uids(&p.tasks).map(|parents| (p, parents)))
    {
        Ok(v) => v,
        Err(mspdi::MspdiError::OverLimit(e)) => {
            return refuse(
                &tx,
                StatusCode::PAYLOAD_TOO_LARGE,
                &code,
                errors,
                Some(e.message(locale)),
            );
        }
        Err(e) => {
            return refuse(
                &tx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &code,
                errors,
                Some(e.to_string()),
            );
        }
    };
    let (project, parents) = parsed;
    let id = match create_from(&mut tx, &code, &project, &parents).await? {
        Ok(id) => id,
        // A cycle or similar: the transaction is dropped, nothing is written.
        Err(message) => {
            return refuse(
                &tx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &code,
                errors,
                Some(message),
            );
        }
    };
    tx.audit(Change {
        entity: "project",
        entity_id: Some(id.get()),
        action: Action::Create,
        summary: "MS Project import",
        before: None,
        after: Some(serde_json::json!({ "code": code, "tasks": project.tasks.len(), "links": project.links.len() })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "plans.imported").await?;
    Ok(Redirect::to(&format!("/projects/{id}")).into_response())
}

/// Creates the project, its calendar, tasks and links, and schedules it.
/// `Ok(Err(message))` when the network cannot be scheduled.
async fn create_from(
    tx: &mut TenantTx<Plans>,
    code: &str,
    p: &MspdiProject,
    parents: &[Option<i64>],
) -> AppResult<Result<ProjectId, String>> {
    let me = tx.user().id;
    let locale = tx.user().locale;
    let taken: Vec<String> = queries::list_calendars(tx)
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let base = format!(
        "{} ({code})",
        if p.calendar.name.trim().is_empty() {
            "MS Project"
        } else {
            p.calendar.name.trim()
        }
    );
    let name: String = (1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base} {n}")
            }
        })
        .find(|n| !taken.contains(n))
        .unwrap_or(base);
    let weekdays: Vec<i16> = p
        .calendar
        .working_weekdays
        .iter()
        .map(|d| i16::try_from(d.number_from_monday()).unwrap_or(1))
        .collect();
    let weekdays = if weekdays.is_empty() {
        vec![1, 2, 3, 4, 5]
    } else {
        weekdays
    };
    let name: String = name.chars().take(100).collect();
    let calendar = queries::insert_calendar(tx, &name, &weekdays, false, me).await?;
    let days: Vec<CalendarDay> = p
        .calendar
        .holidays
        .iter()
        .map(|(day, n)| CalendarDay {
            day: *day,
            working: false,
            name: n.chars().take(100).collect(),
        })
        .chain(
            p.calendar
                .make_up_workdays
                .iter()
                .map(|(day, n)| CalendarDay {
                    day: *day,
                    working: true,
                    name: n.chars().take(100).collect(),
                }),
        )
        .collect();
    queries::upsert_calendar_days(tx, calendar, &days).await?;
    let project_name: String = if p.name.trim().is_empty() {
        code.to_owned()
    } else {
        p.name.trim().chars().take(200).collect()
    };
    let fields = ProjectFields {
        code: code.to_owned(),
        name: project_name,
        client: String::new(),
        project_type: String::new(),
        location: String::new(),
        contract_amount: Decimal::ZERO,
        planned_start: p.start_date,
        planned_finish: None,
        status: ProjectStatus::Planning,
        manager_id: Some(me.0),
        calendar_id: calendar,
    };
    let id = queries::insert_project(tx, &fields, me).await?;
    queries::upsert_member(tx, id, me.0, "manager").await?;
    let tasks: Vec<_> = p
        .tasks
        .iter()
        .zip(parents)
        .map(|(t, parent)| {
            let name = if t.name.trim().is_empty() {
                format!("Task {}", t.uid)
            } else {
                t.name.trim().chars().take(200).collect()
            };
            let fields = TaskFields {
                start_no_earlier_than: t.start_no_earlier_than,
                deadline: t.deadline,
                notes: t.notes.replace('\0', "").chars().take(10_000).collect(),
                ..TaskFields::new(name, t.duration_days.clamp(0, 10_000), t.milestone)
            };
            (t.uid, *parent, fields)
        })
        .collect();
    let ids = super::templates::insert_outline(tx, id, tasks, me).await?;
    for t in &p.tasks {
        let Some(&task) = ids.get(&t.uid) else {
            continue;
        };
        if t.actual_start.is_none() && t.percent_complete == 0 {
            continue;
        }
        if let (Some(start), Some(finish)) = (t.actual_start, t.actual_finish)
            && finish < start
        {
            let args: [(&str, &dyn std::fmt::Display); 3] =
                [("task", &t.name), ("start", &start), ("finish", &finish)];
            return Ok(Err(i18n::tf(
                locale,
                "plans.import_finish_before_start",
                &args,
            )));
        }
        // Work left in proportion to what the file says is not done.
        let percent = t.percent_complete.min(100);
        let remaining = match t.actual_finish {
            Some(_) => 0,
            None => t.duration_days * i32::from(100 - percent) / 100,
        };
        let progress = TaskProgress {
            actual_start: t.actual_start,
            actual_finish: t.actual_finish,
            remaining_days: t.actual_start.map(|_| remaining),
        };
        queries::set_task_progress(tx, id, task, &progress, Decimal::from(percent)).await?;
    }
    for l in &p.links {
        if let (Some(&pred), Some(&succ)) = (ids.get(&l.pred_uid), ids.get(&l.succ_uid)) {
            queries::insert_link(tx, id, pred, succ, l.kind, l.lag_days).await?;
        }
    }
    let project = crate::tenancy::project::find_project(tx, id.get())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(reschedule::reschedule(tx, &project, locale)
        .await?
        .map(|_| id))
}

/// The project as MSPDI: WBS, durations, milestones, links, constraints, progress, its
/// calendar's exceptions and the computed dates.
pub async fn export(mut p: ProjectTx<Plans>) -> AppResult<Response> {
    let project = p.project.clone();
    let row = queries::find_calendar(&mut p.tx, project.calendar_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let days = queries::calendar_days(&mut p.tx, row.id).await?;
    let outline = Outline::load(&mut p).await?;
    let uid: HashMap<TaskId, i64> = outline
        .tasks
        .iter()
        .enumerate()
        .map(|(i, (t, _, _))| (t.id, i as i64 + 1))
        .collect();
    let doc = MspdiProject {
        name: project.name.clone(),
        start_date: project.planned_start,
        calendar: MspdiCalendar {
            name: row.name.clone(),
            working_weekdays: row
                .working_weekdays
                .iter()
                .filter_map(|d| queries::weekday_from_iso(*d))
                .collect(),
            holidays: days
                .iter()
                .filter(|d| !d.working)
                .map(|d| (d.day, d.name.clone()))
                .collect(),
            make_up_workdays: days
                .iter()
                .filter(|d| d.working)
                .map(|d| (d.day, d.name.clone()))
                .collect(),
        },
        tasks: outline
            .tasks
            .iter()
            .map(|(t, _, depth)| MspdiTask {
                uid: uid.get(&t.id).copied().unwrap_or_default(),
                name: t.name.clone(),
                outline_level: depth + 1,
                duration_days: if t.milestone { 0 } else { t.duration_days },
                milestone: t.milestone && !t.is_summary,
                summary: t.is_summary,
                start_no_earlier_than: t.start_no_earlier_than,
                deadline: t.deadline,
                notes: t.notes.clone(),
                percent_complete: t.percent_complete.round().to_u8().unwrap_or(0).min(100),
                actual_start: t.actual_start,
                actual_finish: t.actual_finish,
                start: t.early_start,
                finish: t.early_finish,
            })
            .collect(),
        links: {
            // MSPDI lists links under their successor, in task order.
            let mut links: Vec<MspdiLink> = outline
                .links
                .iter()
                .filter_map(|l| {
                    Some(MspdiLink {
                        pred_uid: *uid.get(&l.pred_id)?,
                        succ_uid: *uid.get(&l.succ_id)?,
                        kind: l.kind(),
                        lag_days: l.lag_days,
                    })
                })
                .collect();
            links.sort_by_key(|l| (l.succ_uid, l.pred_uid));
            links
        },
    };
    let xml = mspdi::write(&doc);
    let disposition = format!(
        "attachment; filename=\"{}.xml\"",
        ascii_file_name(&project.code)
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        xml,
    )
        .into_response())
}

/// A file name that is safe in a header: ASCII letters, digits, `-` and `_`.
fn ascii_file_name(s: &str) -> String {
    let name: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "project".into()
    } else {
        name
    }
}

/// The milestones as an iCalendar feed (RFC 5545): one all-day event per milestone, on its
/// forecast date. Written by hand: it is a dozen lines of a simple format, and escaping and
/// line folding are the only rules that matter here.
pub async fn milestones_ics(mut p: ProjectTx<Plans>) -> AppResult<Response> {
    let project = p.project.clone();
    let tasks = queries::tasks(&mut p.tx, project.id).await?;
    let stamp = p.tx.tenant().now.format("%Y%m%dT%H%M%SZ").to_string();
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Girder//Milestones//ZH\r\nCALSCALE:GREGORIAN\r\n",
    );
    push_line(
        &mut out,
        &format!(
            "X-WR-CALNAME:{}",
            ics_text(&format!("{} {}", project.code, project.name))
        ),
    );
    for t in tasks.iter().filter(|t| t.milestone && !t.is_summary) {
        let Some(day) = t.early_finish else { continue };
        let next = day.succ_opt().unwrap_or(day);
        out.push_str("BEGIN:VEVENT\r\n");
        push_line(
            &mut out,
            &format!("UID:milestone-{}-{}@girder", project.id, t.id),
        );
        push_line(&mut out, &format!("DTSTAMP:{stamp}"));
        push_line(&mut out, &format!("DTSTART;VALUE=DATE:{}", ics_date(day)));
        push_line(&mut out, &format!("DTEND;VALUE=DATE:{}", ics_date(next)));
        push_line(
            &mut out,
            &format!(
                "SUMMARY:{}",
                ics_text(&format!("◆ {} · {}", t.name, project.code))
            ),
        );
        if t.actual_finish.is_some() {
            out.push_str("STATUS:CONFIRMED\r\n");
        }
        out.push_str("END:VEVENT\r\n");
    }
    out.push_str("END:VCALENDAR\r\n");
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/calendar; charset=utf-8"),
        )],
        out,
    )
        .into_response())
}

fn ics_date(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// Escapes TEXT values: backslash, semicolon, comma and newlines.
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace(['\n', '\r'], "\\n")
}

/// Appends a content line folded at 75 octets, never inside a UTF-8 character.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_lines_fold_at_75_octets_on_character_boundaries() {
        let mut out = String::new();
        push_line(&mut out, &format!("SUMMARY:{}", "主体结构封顶".repeat(10)));
        for line in out.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert!(out.starts_with("SUMMARY:主体"));
        assert_eq!(ics_text("a,b;c\nd\\"), "a\\,b\\;c\\nd\\\\");
        assert_eq!(ascii_file_name("项目-01"), "__-01");
    }
}
