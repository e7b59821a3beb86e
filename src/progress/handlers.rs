//! Progress handlers: status date and task updates, delay warnings, the S-curve, the
//! dashboard's warnings panel and the warning thresholds in settings.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;

use super::domain::{ProgressForm, Thresholds, WatchedTask, warnings};
use super::panels::task_panel_in_error;
use super::queries;
use super::scurve;
use super::views::*;
use crate::audit::{Action, Change, snapshot};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::ids::TaskId;
use crate::plans::{self, Outline, Task, TaskPageParts, Wbs, place_of, task_page};
use crate::roles::Permission;
use crate::schedule::Calendar;
use crate::tenancy::project::Project;
use crate::tenancy::{Platform, Progress, TenantTx};
use crate::tenancy::{ProjectId, ProjectTx};
use crate::web::fields::{optional_date, optional_int};
use crate::web::form::FieldErrors;
use crate::web::pager::{OUTLINE_ROWS_PER_PAGE, Pager};
use crate::web::registry::PanelContext;
use crate::web::{AppForm, Page, Path};

/// The delay warnings of one project, worst first, by the tenant's `thresholds`.
pub async fn warnings_for(
    scope: &mut TenantScope,
    project: &Project,
    tasks: &[Task],
    thresholds: &Thresholds,
    locale: Locale,
) -> AppResult<Vec<WarningView>> {
    let base = plans::baseline_dates(scope, project.id, None).await?;
    let calendar = plans::load_calendar(scope, project.calendar_id).await?;
    Ok(warnings_with(
        project, tasks, &base, &calendar, thresholds, locale,
    ))
}

/// The warnings of `project` from what is already loaded: its tasks, latest baseline and
/// calendar.
fn warnings_with(
    project: &Project,
    tasks: &[Task],
    base: &HashMap<TaskId, (NaiveDate, NaiveDate)>,
    calendar: &Calendar,
    thresholds: &Thresholds,
    locale: Locale,
) -> Vec<WarningView> {
    let watched: Vec<WatchedTask> = tasks
        .iter()
        .filter(|t| !t.is_summary)
        .filter_map(|t| {
            Some(WatchedTask {
                id: t.id,
                milestone: t.milestone,
                forecast_start: t.early_start?,
                forecast_finish: t.early_finish?,
                // Negative slack can put a late start before the project began; nobody
                // could have started then.
                late_start: t.late_start?.max(project.planned_start),
                baseline: base.get(&t.id).copied(),
                deadline: t.deadline,
                started: t.actual_start.is_some(),
                finished: t.actual_finish.is_some(),
            })
        })
        .collect();
    let count =
        |a: NaiveDate, b: NaiveDate| calendar.working_days_between(a.succ_opt().unwrap_or(a), b);
    let found = warnings(&watched, project.status_date, thresholds, &count);
    let numbers: HashMap<i64, String> = Wbs::new(tasks.iter().map(place_of))
        .outline()
        .into_iter()
        .map(|o| (o.id, o.outline))
        .collect();
    let names: HashMap<TaskId, &str> = tasks.iter().map(|t| (t.id, t.name.as_str())).collect();
    found
        .into_iter()
        .map(|w| WarningView {
            task_id: w.task_id,
            // A task may carry more than one warning.
            outline: numbers.get(&w.task_id.0).cloned().unwrap_or_default(),
            task_name: names
                .get(&w.task_id)
                .copied()
                .unwrap_or_default()
                .to_owned(),
            kind_key: w.kind.label_key(),
            severity: w.severity.as_str(),
            severity_key: w.severity.label_key(),
            days_late: w.days_late,
            detail: i18n::tf(locale, "progress.against", &[("date", &w.against)]),
        })
        .collect()
}

pub async fn warnings_page(
    mut p: ProjectTx<Progress>,
    page: Page,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let tasks = plans::tasks(&mut p.tx, p.project.id).await?;
    let locale = p.tx.user().locale;
    let (thresholds, _) = queries::thresholds(&mut p.tx).await?;
    let mut list = warnings_for(&mut p.tx, &p.project, &tasks, &thresholds, locale).await?;
    let id = p.project.id;
    let pager = Pager::new(locale, list.len(), OUTLINE_ROWS_PER_PAGE, q.page, |n| {
        format!("/projects/{id}/warnings?page={n}")
    });
    let shown = pager.range();
    list.truncate(shown.end);
    list.drain(..shown.start);
    Ok(Html(
        WarningsPage {
            layout: page.layout(&p.tx, "progress.warnings_title"),
            project: p.project.clone(),
            tab: "warnings",
            warnings: list,
            pager,
        }
        .render()?,
    ))
}

/// `?page=` of a paged progress list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    pub page: i64,
}

async fn progress_page(
    p: &mut ProjectTx<Progress>,
    page: &Page,
    requested: i64,
    status_date: String,
    errors: FieldErrors,
) -> AppResult<String> {
    let outline = Outline::load(p).await?;
    let id = p.project.id;
    let pager = Pager::new(
        page.locale,
        outline.tasks.len(),
        OUTLINE_ROWS_PER_PAGE,
        requested,
        |n| format!("/projects/{id}/progress?page={n}"),
    );
    let rows = pager
        .slice(&outline.tasks)
        .iter()
        .map(|(t, o, depth)| ProgressRow {
            id: t.id,
            outline: o.clone(),
            depth: *depth,
            name: t.name.clone(),
            summary: t.is_summary,
            start: t.early_start.map(|d| d.to_string()).unwrap_or_default(),
            finish: t.early_finish.map(|d| d.to_string()).unwrap_or_default(),
            actual_start: t.actual_start.map(|d| d.to_string()).unwrap_or_default(),
            actual_finish: t.actual_finish.map(|d| d.to_string()).unwrap_or_default(),
            percent: t.percent_complete.normalize().to_string(),
        })
        .collect();
    Ok(ProgressPage {
        layout: page.layout(&p.tx, "progress.progress_title"),
        project: p.project.clone(),
        tab: "progress",
        rows,
        pager,
        status_date,
        errors,
        can_record: p.tx.user().role.has(Permission::RecordProgress),
    }
    .render()?)
}

pub async fn progress(
    mut p: ProjectTx<Progress>,
    page: Page,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let status = p
        .project
        .status_date
        .map(|d| d.to_string())
        .unwrap_or_default();
    Ok(Html(
        progress_page(&mut p, &page, q.page, status, FieldErrors::default()).await?,
    ))
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct StatusDateForm {
    pub status_date: String,
}

pub async fn set_status_date(
    mut p: ProjectTx<Progress>,
    page: Page,
    AppForm(f): AppForm<StatusDateForm>,
) -> AppResult<Response> {
    p.require(Permission::RecordProgress)?;
    let mut errors = FieldErrors::default();
    let date = optional_date(&mut errors, "status_date", &f.status_date);
    if !errors.is_empty() {
        let html = progress_page(&mut p, &page, 1, f.status_date, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    let me = p.tx.user().id;
    let id = p.project.id;
    plans::set_status_date(&mut p.tx, id, date, me).await?;
    p.reload().await?;
    if let Err(message) = plans::reschedule(&mut p.tx, &p.project, page.locale).await? {
        return Err(AppError::BadRequest(message.into()));
    }
    p.tx.audit(Change {
        entity: "project",
        entity_id: Some(id.get()),
        action: Action::Update,
        summary: "status date",
        before: None,
        after: snapshot(&f),
    })
    .await?;
    p.commit().await?;
    page.session
        .flash(true, "progress.status_date_saved")
        .await?;
    Ok(Redirect::to(&format!("/projects/{id}/progress")).into_response())
}

pub async fn record(
    mut p: ProjectTx<Progress>,
    page: Page,
    Path((_, task_id)): Path<(i64, i64)>,
    AppForm(f): AppForm<ProgressForm>,
) -> AppResult<Response> {
    p.require(Permission::RecordProgress)?;
    let task_id = TaskId(task_id);
    let project = p.project.clone();
    let task = plans::task(&mut p.tx, project.id, task_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if task.is_summary {
        return Err(AppError::BadRequest(
            i18n::t(page.locale, "progress.summary_rolls_up")
                .to_owned()
                .into(),
        ));
    }
    let update = match f.validate(task.duration_days, project.status_date) {
        Ok(u) => u,
        Err(errors) => {
            let layout = page.layout(&p.tx, "plans.task_title");
            let (scope, user, tenant) = p.tx.parts();
            let cx = PanelContext {
                scope,
                user,
                tenant,
                layout: &layout,
            };
            let panel = task_panel_in_error(cx, &project, task_id, f, errors).await?;
            let parts = TaskPageParts {
                panel: Some(panel),
                ..Default::default()
            };
            let html = task_page(&mut p, &page, task_id, parts).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let today =
        p.tx.tenant()
            .now
            .with_timezone(&p.tx.tenant().time_zone)
            .date_naive();
    let me = p.tx.user().id;
    plans::set_task_progress(
        &mut p.tx,
        project.id,
        task_id,
        &update.progress,
        update.percent,
    )
    .await?;
    queries::insert_update(
        &mut p.tx,
        project.id,
        task_id,
        project.status_date.unwrap_or(today),
        &update,
        me,
    )
    .await?;
    if let Err(message) = plans::reschedule(&mut p.tx, &project, page.locale).await? {
        return Err(AppError::BadRequest(message.into()));
    }
    p.tx.audit(Change {
        entity: "task",
        entity_id: Some(task_id.0),
        action: Action::Update,
        summary: "progress",
        before: None,
        after: snapshot(&f),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "progress.recorded").await?;
    Ok(Redirect::to(&format!("/projects/{}/tasks/{task_id}", project.id)).into_response())
}

pub async fn s_curve(mut p: ProjectTx<Progress>, page: Page) -> AppResult<Html<String>> {
    let project = p.project.clone();
    let tasks = plans::tasks(&mut p.tx, project.id).await?;
    let base = plans::baseline_dates(&mut p.tx, project.id, None).await?;
    let calendar = plans::load_calendar(&mut p.tx, project.calendar_id).await?;
    let points = queries::progress_points(&mut p.tx, project.id).await?;
    let leaves: Vec<&Task> = tasks.iter().filter(|t| !t.is_summary).collect();
    let weight = |t: &Task| {
        t.weight
            .unwrap_or_else(|| Decimal::from(t.duration_days))
            .to_f64()
            .unwrap_or(0.0)
    };
    // Planned: the latest baseline where there is one, else the current schedule.
    let curve_tasks: Vec<scurve::CurveTask> = leaves
        .iter()
        .filter_map(|t| {
            let (start, finish) = base
                .get(&t.id)
                .copied()
                .or(t.early_start.zip(t.early_finish))?;
            Some(scurve::CurveTask {
                start,
                finish,
                weight: weight(t),
            })
        })
        .collect();
    let from = curve_tasks.iter().map(|t| t.start).min();
    let to = curve_tasks
        .iter()
        .map(|t| t.finish)
        .chain(leaves.iter().filter_map(|t| t.early_finish))
        .max();
    let svg = match (from, to) {
        (Some(from), Some(to)) => {
            let dates = scurve::sample_dates(from, to);
            let planned = scurve::planned_curve(&curve_tasks, &|d| calendar.is_working(d), &dates);
            let actual = actual_curve(&leaves, &points, &weight);
            let labels = scurve::CurveLabels {
                planned: i18n::t(page.locale, "progress.curve_planned").to_owned(),
                actual: i18n::t(page.locale, "progress.curve_actual").to_owned(),
                status_date: i18n::t(page.locale, "progress.status_date").to_owned(),
                percent: i18n::t(page.locale, "progress.curve_percent").to_owned(),
            };
            Some(scurve::render(
                &dates,
                &planned,
                &actual,
                project.status_date,
                &labels,
            ))
        }
        _ => None,
    };
    Ok(Html(
        CurvePage {
            layout: page.layout(&p.tx, "progress.curve_title"),
            project,
            tab: "curve",
            svg,
            baseline_used: !base.is_empty(),
        }
        .render()?,
    ))
}

/// Cumulative weighted percent at each status date on which progress was recorded.
fn actual_curve(
    leaves: &[&Task],
    points: &[(TaskId, NaiveDate, Decimal)],
    weight: &dyn Fn(&Task) -> f64,
) -> Vec<(NaiveDate, f64)> {
    let weights: HashMap<TaskId, f64> = leaves.iter().map(|t| (t.id, weight(t))).collect();
    let total: f64 = weights.values().sum();
    if total <= 0.0 {
        return Vec::new();
    }
    let mut latest: HashMap<TaskId, f64> = HashMap::new();
    let mut out: Vec<(NaiveDate, f64)> = Vec::new();
    for (task, date, percent) in points {
        latest.insert(*task, percent.to_f64().unwrap_or(0.0));
        let value = latest
            .iter()
            .map(|(t, p)| weights.get(t).copied().unwrap_or(0.0) * p)
            .sum::<f64>()
            / total;
        match out.last_mut() {
            Some((d, v)) if d == date => *v = value,
            _ => out.push((*date, value)),
        }
    }
    out
}

/// The worst delay warnings across the user's active projects.
pub async fn dashboard_warnings(
    tx: &mut TenantScope,
    locale: Locale,
) -> AppResult<Vec<(Project, WarningView)>> {
    // Every project's data in one statement each, and each calendar once: the count stays
    // the same however many projects there are.
    let ids = queries::active_projects(tx).await?;
    let (thresholds, _) = queries::thresholds(tx).await?;
    let projects = crate::tenancy::project::find_projects(tx, &ids).await?;
    let project_ids: Vec<ProjectId> = projects.iter().map(|p| p.id).collect();
    let mut tasks: HashMap<ProjectId, Vec<Task>> = HashMap::new();
    for task in plans::tasks_of(tx, &project_ids).await? {
        tasks.entry(task.project_id).or_default().push(task);
    }
    let baselines = plans::latest_baseline_dates_of(tx, &project_ids).await?;
    let mut calendars: HashMap<i64, Calendar> = HashMap::new();
    for project in &projects {
        if let Entry::Vacant(slot) = calendars.entry(project.calendar_id) {
            slot.insert(plans::load_calendar(tx, project.calendar_id).await?);
        }
    }
    let no_tasks = Vec::new();
    let no_baseline = HashMap::new();
    let mut out = Vec::new();
    for project in &projects {
        let Some(calendar) = calendars.get(&project.calendar_id) else {
            continue;
        };
        let found = warnings_with(
            project,
            tasks.get(&project.id).unwrap_or(&no_tasks),
            baselines.get(&project.id).unwrap_or(&no_baseline),
            calendar,
            &thresholds,
            locale,
        );
        for w in found.into_iter().take(5) {
            out.push((project.clone(), w));
        }
    }
    out.sort_by_key(|w| std::cmp::Reverse(w.1.days_late));
    out.truncate(10);
    Ok(out)
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ThresholdForm {
    pub minor_days: String,
    pub major_days: String,
    pub critical_days: String,
    pub version: i32,
}

fn threshold_form(t: &Thresholds, version: i32) -> ThresholdForm {
    ThresholdForm {
        minor_days: t.minor.to_string(),
        major_days: t.major.to_string(),
        critical_days: t.critical.to_string(),
        version,
    }
}

fn threshold_page(
    tx: &TenantTx<Platform>,
    page: &Page,
    form: ThresholdForm,
    errors: FieldErrors,
    conflict: bool,
) -> AppResult<String> {
    Ok(ThresholdsPage {
        layout: page.layout(tx, "progress.thresholds_title"),
        tab: "schedule",
        form,
        errors,
        conflict,
    }
    .render()?)
}

pub async fn thresholds(mut tx: TenantTx<Platform>, page: Page) -> AppResult<Html<String>> {
    tx.require(Permission::ManageCalendars)?;
    let (t, version) = queries::thresholds(&mut tx).await?;
    Ok(Html(threshold_page(
        &tx,
        &page,
        threshold_form(&t, version),
        FieldErrors::default(),
        false,
    )?))
}

pub async fn save_thresholds(
    mut tx: TenantTx<Platform>,
    page: Page,
    AppForm(f): AppForm<ThresholdForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCalendars)?;
    let mut e = FieldErrors::default();
    let minor = optional_int(&mut e, "minor_days", &f.minor_days, 1..=365);
    let major = optional_int(&mut e, "major_days", &f.major_days, 1..=365);
    let critical = optional_int(&mut e, "critical_days", &f.critical_days, 1..=365);
    let t = match (minor, major, critical) {
        (Some(a), Some(b), Some(c)) if a <= b && b <= c => Some(Thresholds {
            minor: i32::try_from(a).unwrap_or(1),
            major: i32::try_from(b).unwrap_or(5),
            critical: i32::try_from(c).unwrap_or(10),
        }),
        (Some(_), Some(_), Some(_)) => {
            e.add("critical_days", "progress.thresholds_order");
            None
        }
        _ => {
            for (field, v) in [
                ("minor_days", minor),
                ("major_days", major),
                ("critical_days", critical),
            ] {
                if v.is_none() && !e.has(field) {
                    e.add(field, "form.required");
                }
            }
            None
        }
    };
    let Some(t) = t.filter(|_| e.is_empty()) else {
        let html = threshold_page(&tx, &page, f, e, false)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    if !queries::save_thresholds(&mut tx, &t, f.version).await? {
        let (theirs, version) = queries::thresholds(&mut tx).await?;
        let html = threshold_page(
            &tx,
            &page,
            threshold_form(&theirs, version),
            FieldErrors::default(),
            true,
        )?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    tx.audit(Change {
        entity: "warning_threshold",
        entity_id: None,
        action: Action::Update,
        summary: "warning thresholds",
        before: None,
        after: snapshot(&f),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to("/settings/warnings").into_response())
}
