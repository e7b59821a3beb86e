//! The task table page and the task list export.

use std::collections::HashMap;

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, Response};
use serde::Deserialize;

use super::{ListAt, Outline, date_text};
use crate::error::AppResult;
use crate::i18n;
use crate::ids::TaskId;
use crate::plans::domain::TaskForm;
use crate::plans::projects::user_choices;
use crate::plans::queries;
use crate::plans::views::{TaskListPage, TaskRow};
use crate::roles::Permission;
use crate::schedule::LinkKind;
use crate::tenancy::Plans;
use crate::tenancy::ProjectTx;
use crate::web::Page;
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::pager::{OUTLINE_ROWS_PER_PAGE, Pager};

pub(super) async fn tasks_page(
    p: &mut ProjectTx<Plans>,
    page: &Page,
    at: ListAt,
    form: TaskForm,
    errors: FieldErrors,
    message: Option<String>,
) -> AppResult<String> {
    let outline = Outline::load(p).await?;
    let users = user_choices(&mut p.tx).await?;
    let user_names: HashMap<String, String> = users
        .iter()
        .map(|c| (c.value.clone(), c.label.clone()))
        .collect();
    let outline_of: HashMap<TaskId, &str> = outline
        .tasks
        .iter()
        .map(|(t, o, _)| (t.id, o.as_str()))
        .collect();
    let mut links_into: HashMap<TaskId, Vec<&queries::Link>> = HashMap::new();
    for l in &outline.links {
        links_into.entry(l.succ_id).or_default().push(l);
    }
    let requested = match (at.page, at.focus) {
        (n, _) if n > 0 => n,
        (_, Some(id)) => outline
            .tasks
            .iter()
            .position(|(t, _, _)| t.id == id)
            .map_or(1, |i| Pager::page_of(i, OUTLINE_ROWS_PER_PAGE)),
        _ => 1,
    };
    let project_id = p.project.id;
    let pager = Pager::new(
        page.locale,
        outline.tasks.len(),
        OUTLINE_ROWS_PER_PAGE,
        requested,
        |n| format!("/projects/{project_id}/tasks?page={n}"),
    );
    let shown = pager.slice(&outline.tasks);
    let rows = shown
        .iter()
        .map(|(t, o, depth)| {
            let predecessors = links_into
                .get(&t.id)
                .into_iter()
                .flatten()
                .map(|l| {
                    let lag = match l.lag_days {
                        0 => String::new(),
                        n if n > 0 => format!("+{n}d"),
                        n => format!("{n}d"),
                    };
                    let kind = if l.kind == LinkKind::FS && lag.is_empty() {
                        ""
                    } else {
                        l.kind.as_str()
                    };
                    format!(
                        "{}{kind}{lag}",
                        outline_of.get(&l.pred_id).copied().unwrap_or("?")
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            TaskRow {
                id: t.id,
                outline: o.clone(),
                depth: *depth,
                name: t.name.clone(),
                summary: t.is_summary,
                milestone: t.milestone,
                duration_days: i64::from(t.duration_days),
                start: date_text(t.early_start),
                finish: date_text(t.early_finish),
                total_slack: t.total_slack.map(|s| s.to_string()).unwrap_or_default(),
                critical: t.critical,
                percent: t.percent_complete,
                predecessors,
                responsible: t
                    .responsible_id
                    .and_then(|r| user_names.get(&r.to_string()).cloned())
                    .unwrap_or_default(),
            }
        })
        .collect();
    // "Insert below" and "parent" offer this page's tasks (the page holding a chosen task
    // is the one shown), so the form stays as small as the table.
    let summaries = shown
        .iter()
        .map(|(t, o, _)| Choice {
            value: t.id.to_string(),
            label: format!("{o} {}", t.name),
        })
        .collect();
    let can_edit = p.tx.user().role.has(Permission::EditSchedule);
    Ok(TaskListPage {
        layout: page.layout(&p.tx, "plans.tasks_title"),
        project: p.project.clone(),
        tab: "tasks",
        rows,
        pager,
        form,
        errors,
        message,
        summaries,
        users,
        can_edit,
    }
    .render()?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Prefill "insert below" with this task.
    pub after: String,
    pub page: i64,
    /// Show the page holding this task.
    pub at: Option<i64>,
}

pub async fn list(
    mut p: ProjectTx<Plans>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let at = ListAt {
        page: q.page,
        focus: q.at.or_else(|| q.after.parse().ok()).map(TaskId),
    };
    let form = TaskForm {
        duration_days: "5".into(),
        after_id: q.after,
        ..Default::default()
    };
    Ok(Html(
        tasks_page(&mut p, &page, at, form, FieldErrors::default(), None).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    pub format: ExportFormat,
}

pub async fn export(mut p: ProjectTx<Plans>, Query(q): Query<ExportQuery>) -> AppResult<Response> {
    let locale = p.tx.user().locale;
    let outline = Outline::load(&mut p).await?;
    let t = |k| i18n::t(locale, k).to_owned();
    let outline_of: HashMap<TaskId, &str> = outline
        .tasks
        .iter()
        .map(|(t, o, _)| (t.id, o.as_str()))
        .collect();
    let table = Table {
        headers: vec![
            t("plans.col_outline"),
            t("plans.col_name"),
            t("plans.col_duration"),
            t("plans.col_start"),
            t("plans.col_finish"),
            t("plans.col_late_finish"),
            t("plans.col_slack"),
            t("plans.col_critical"),
            t("plans.col_percent"),
            t("plans.col_predecessors"),
            t("plans.col_deadline"),
        ],
        rows: outline
            .tasks
            .iter()
            .map(|(task, o, depth)| {
                let preds = outline
                    .links
                    .iter()
                    .filter(|l| l.succ_id == task.id)
                    .map(|l| {
                        format!(
                            "{}{}{:+}",
                            outline_of.get(&l.pred_id).copied().unwrap_or("?"),
                            l.kind.as_str(),
                            l.lag_days
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(";");
                vec![
                    o.clone().into(),
                    format!("{}{}", "  ".repeat(*depth as usize), task.name).into(),
                    Cell::Integer(task.duration_days.into()),
                    date_text(task.early_start).into(),
                    date_text(task.early_finish).into(),
                    date_text(task.late_finish).into(),
                    task.total_slack
                        .map_or_else(|| "".into(), |s| Cell::Integer(s.into())),
                    if task.critical { "Y" } else { "" }.into(),
                    Cell::Quantity(task.percent_complete),
                    preds.into(),
                    date_text(task.deadline).into(),
                ]
            })
            .collect(),
        totals: None,
    };
    table.download(q.format, &format!("{}-tasks", p.project.code))
}
