//! Budget handlers: the budget page (current or any version, with the versions list), starting
//! the original budget or a revision as a draft, editing a draft's lines, approving and
//! deleting it.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::domain::{self, BudgetStatus, Line, totals_by_category};
use super::queries::{self, NewVersion, VersionRow};
use super::views::{
    BudgetEditPage, BudgetPage, EditCategoryRow, EditTaskRow, category_amounts, category_label,
    task_lines, version_label, version_views,
};
use crate::audit::{Action, Change, snapshot};
use crate::cost::domain::{Category, in_report_order};
use crate::cost::queries as cost_queries;
use crate::cost::views::CostTab;
use crate::error::{AppError, AppResult};
use crate::ids::TaskId;
use crate::roles::Permission;
use crate::tenancy::Cost;
use crate::tenancy::ProjectId;
use crate::tenancy::ProjectTx;
use crate::web::form::Choice;
use crate::web::form::{self, FieldErrors};
use crate::web::{AppForm, Page, Path, format};

/// Empty task rows offered below the saved ones.
const NEW_TASK_ROWS: usize = 3;

fn base(project: ProjectId) -> String {
    format!("/projects/{project}/cost/budget")
}

fn with_status(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    /// A version's id; the current budget when absent.
    pub version: Option<i64>,
}

/// What the budget page shows besides the saved budget.
#[derive(Debug, Default)]
struct Parts {
    shown: Option<i64>,
    approve_reason: Option<String>,
    approve_errors: FieldErrors,
    notice: Option<&'static str>,
}

async fn budget_page(p: &mut ProjectTx<Cost>, page: &Page, parts: Parts) -> AppResult<String> {
    let project = p.project.id;
    let locale = p.tx.user().locale;
    let tz = p.tx.tenant().time_zone;
    let role = p.tx.user().role;
    let categories = cost_queries::categories(&mut p.tx).await?;
    let rows = queries::list_versions(&mut p.tx, project).await?;
    let current = rows.iter().rev().find(|v| !v.is_draft()).map(|v| v.id);
    let shown_id = match parts.shown {
        Some(id) => Some(
            rows.iter()
                .find(|v| v.id == id)
                .map(|v| v.id)
                .ok_or(AppError::NotFound)?,
        ),
        None => current,
    };
    let lines = match shown_id {
        Some(id) => queries::lines(&mut p.tx, id).await?,
        None => Vec::new(),
    };
    let plain: Vec<Line> = lines.iter().map(|l| l.line()).collect();
    let totals = totals_by_category(&plain);
    let total: rust_decimal::Decimal = plain.iter().map(|l| l.amount).sum();
    let versions = version_views(&rows, locale, tz);
    let draft = versions.iter().find(|v| v.draft).cloned();
    let shown = shown_id.and_then(|id| versions.iter().find(|v| v.id == id).cloned());
    Ok(BudgetPage {
        layout: page.layout(&p.tx, "cost_budget.title"),
        project: p.project.clone(),
        tab: CostTab::Budget,
        shown_is_current: shown_id.is_some() && shown_id == current,
        shown,
        rows: category_amounts(&categories, &totals, locale),
        task_lines: task_lines(&lines, &categories, locale),
        total: format::money(total),
        can_edit: role.has(Permission::EditBudget),
        can_approve: role.has(Permission::ApproveBudget),
        can_start_original: rows.is_empty(),
        can_start_revision: current.is_some() && draft.is_none(),
        approve_reason: parts
            .approve_reason
            .unwrap_or_else(|| draft.as_ref().map(|d| d.reason.clone()).unwrap_or_default()),
        draft,
        versions,
        approve_errors: parts.approve_errors,
        notice: parts.notice,
    }
    .render()?)
}

pub async fn show(
    mut p: ProjectTx<Cost>,
    page: Page,
    Query(q): Query<ShowQuery>,
) -> AppResult<Html<String>> {
    let parts = Parts {
        shown: q.version,
        ..Parts::default()
    };
    Ok(Html(budget_page(&mut p, &page, parts).await?))
}

/// A version of this project, or 404.
async fn find_version(p: &mut ProjectTx<Cost>, id: i64) -> AppResult<VersionRow> {
    let project = p.project.id;
    queries::list_versions(&mut p.tx, project)
        .await?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or(AppError::NotFound)
}

/// A version as the audit log records it.
#[derive(Debug, Serialize)]
struct Audited<'a> {
    project_id: ProjectId,
    number: i32,
    status: &'a str,
    reason: &'a str,
    lines: Vec<(i64, Option<TaskId>, String)>,
}

fn audited(
    project: ProjectId,
    v: &VersionRow,
    status: BudgetStatus,
    reason: &str,
    lines: &[Line],
) -> Option<serde_json::Value> {
    snapshot(&Audited {
        project_id: project,
        number: v.number,
        status: status.as_str(),
        reason,
        lines: lines
            .iter()
            .map(|l| (l.category_id, l.task_id, l.amount.to_string()))
            .collect(),
    })
}

/// Starts the original budget (when there is none) or a revision copying the current
/// budget's lines, as a draft; then opens it for editing.
pub async fn create(
    mut p: ProjectTx<Cost>,
    page: Page,
    AppForm(_): AppForm<Empty>,
) -> AppResult<Response> {
    p.tx.require(Permission::EditBudget)?;
    let project = p.project.id;
    let versions = queries::list_versions(&mut p.tx, project).await?;
    if versions.iter().any(VersionRow::is_draft) {
        let parts = Parts {
            notice: Some("cost_budget.draft_exists"),
            ..Parts::default()
        };
        let html = budget_page(&mut p, &page, parts).await?;
        return Ok(with_status(StatusCode::CONFLICT, html));
    }
    let number = queries::next_number(&mut p.tx, project).await?;
    let lines: Vec<Line> = match cost_queries::current_budget(&mut p.tx, project).await? {
        Some(c) => queries::lines(&mut p.tx, c.id)
            .await?
            .iter()
            .map(|l| l.line())
            .collect(),
        None => Vec::new(),
    };
    let me = p.tx.user().id;
    let id = queries::insert_version(
        &mut p.tx,
        &NewVersion {
            project,
            number,
            approved: false,
            reason: "",
            change_request_id: None,
            by: me,
        },
    )
    .await?;
    queries::insert_lines(&mut p.tx, id, &lines).await?;
    let label = version_label(p.tx.user().locale, number);
    let summary = format!("{} {label}", p.project.code);
    let row = VersionRow {
        id,
        number,
        status: BudgetStatus::Draft,
        reason: String::new(),
        change_request_id: None,
        approved_at: None,
        approved_by_name: None,
        total: lines.iter().map(|l| l.amount).sum(),
        version: 1,
    };
    p.tx.audit(Change {
        entity: "cost_budget_version",
        entity_id: Some(id),
        action: Action::Create,
        summary: &summary,
        before: None,
        after: audited(project, &row, BudgetStatus::Draft, "", &lines),
    })
    .await?;
    p.commit().await?;
    page.session
        .flash(true, "cost_budget.draft_started")
        .await?;
    Ok(Redirect::to(&format!("{}/{id}/edit", base(project))).into_response())
}

/// A form with only its CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

/// The draft's lines as typed: one amount per category row, and task lines as parallel
/// lists (category, task, amount), blank rows ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BudgetForm {
    pub version: i32,
    pub reason: String,
    pub cat: Vec<String>,
    pub amount: Vec<String>,
    pub line_category: Vec<String>,
    pub line_task: Vec<String>,
    pub line_amount: Vec<String>,
}

/// What the edit page shows besides the saved draft.
#[derive(Debug, Default)]
struct EditParts {
    form: Option<BudgetForm>,
    errors: FieldErrors,
    category_errors: HashMap<i64, &'static str>,
    task_errors: Vec<Option<&'static str>>,
    notice: Option<&'static str>,
    conflict: bool,
}

/// The categories the form offers an amount for: the active ones and any the draft already
/// has a line on.
fn offered(categories: &[Category], saved: &[Line]) -> Vec<i64> {
    categories
        .iter()
        .filter(|c| c.active || saved.iter().any(|l| l.category_id == c.id))
        .map(|c| c.id)
        .collect()
}

async fn edit_page(
    p: &mut ProjectTx<Cost>,
    page: &Page,
    draft: &VersionRow,
    parts: EditParts,
) -> AppResult<String> {
    let project = p.project.id;
    let locale = p.tx.user().locale;
    let tz = p.tx.tenant().time_zone;
    let categories = cost_queries::categories(&mut p.tx).await?;
    let saved = queries::lines(&mut p.tx, draft.id).await?;
    let saved_plain: Vec<Line> = saved.iter().map(|l| l.line()).collect();
    let offered = offered(&categories, &saved_plain);
    let tasks = queries::leaf_tasks(&mut p.tx, project).await?;
    let typed: HashMap<String, String> = match &parts.form {
        Some(f) => f
            .cat
            .iter()
            .cloned()
            .zip(f.amount.iter().cloned())
            .collect(),
        None => HashMap::new(),
    };
    let category_rows = in_report_order(&categories)
        .into_iter()
        .filter(|c| offered.contains(&c.id))
        .map(|c| {
            let amount = if parts.form.is_some() {
                typed.get(&c.id.to_string()).cloned().unwrap_or_default()
            } else {
                saved
                    .iter()
                    .find(|l| l.category_id == c.id && l.task_id.is_none())
                    .map(|l| l.amount.to_string())
                    .unwrap_or_default()
            };
            EditCategoryRow {
                id: c.id,
                code: c.code.clone(),
                name: c.name(locale).to_owned(),
                depth: u8::from(
                    c.parent_id
                        .is_some_and(|p| categories.iter().any(|x| x.id == p)),
                ),
                inactive: !c.active,
                amount,
                error: parts.category_errors.get(&c.id).copied(),
            }
        })
        .collect();
    let mut task_rows: Vec<EditTaskRow> = match &parts.form {
        Some(f) => (0..f.line_amount.len().max(f.line_task.len()))
            .map(|i| EditTaskRow {
                index: i,
                category: f.line_category.get(i).cloned().unwrap_or_default(),
                task: f.line_task.get(i).cloned().unwrap_or_default(),
                amount: f.line_amount.get(i).cloned().unwrap_or_default(),
                error: parts.task_errors.get(i).copied().flatten(),
            })
            .filter(|r| {
                r.error.is_some()
                    || !(r.category.is_empty() && r.task.is_empty() && r.amount.trim().is_empty())
            })
            .collect(),
        None => saved
            .iter()
            .filter_map(|l| {
                l.task_id.map(|t| EditTaskRow {
                    index: 0,
                    category: l.category_id.to_string(),
                    task: t.to_string(),
                    amount: l.amount.to_string(),
                    error: None,
                })
            })
            .collect(),
    };
    for _ in 0..NEW_TASK_ROWS {
        task_rows.push(EditTaskRow::default());
    }
    for (i, r) in task_rows.iter_mut().enumerate() {
        r.index = i;
    }
    let category_choices = in_report_order(&categories)
        .into_iter()
        .filter(|c| offered.contains(&c.id))
        .map(|c| Choice {
            value: c.id.to_string(),
            label: category_label(&categories, c.id, locale),
        })
        .collect();
    let task_choices = tasks
        .into_iter()
        .map(|t| Choice {
            value: t.id.to_string(),
            label: t.name,
        })
        .collect();
    let views = version_views(std::slice::from_ref(draft), locale, tz);
    let (version, reason) = match &parts.form {
        Some(f) => (f.version, f.reason.clone()),
        None => (draft.version, draft.reason.clone()),
    };
    Ok(BudgetEditPage {
        layout: page.layout(&p.tx, "cost_budget.edit_title"),
        project: p.project.clone(),
        tab: CostTab::Budget,
        draft: views.into_iter().next().ok_or(AppError::NotFound)?,
        version,
        reason,
        errors: parts.errors,
        category_rows,
        task_rows,
        categories: category_choices,
        tasks: task_choices,
        notice: parts.notice,
        conflict: parts.conflict,
    }
    .render()?)
}

/// A draft of this project, or 404; an approved version answers 409 (it is immutable).
async fn find_draft(p: &mut ProjectTx<Cost>, id: i64) -> AppResult<VersionRow> {
    let v = find_version(p, id).await?;
    if v.is_draft() {
        Ok(v)
    } else {
        Err(AppError::Conflict)
    }
}

pub async fn edit_form(
    mut p: ProjectTx<Cost>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
) -> AppResult<Html<String>> {
    p.tx.require(Permission::EditBudget)?;
    let draft = find_draft(&mut p, id).await?;
    Ok(Html(
        edit_page(&mut p, &page, &draft, EditParts::default()).await?,
    ))
}

/// Checks the typed lines against the offered categories and the project's leaf tasks.
fn validate(
    f: &BudgetForm,
    offered: &[i64],
    tasks: &HashSet<i64>,
) -> Result<(Vec<Line>, String), Box<EditParts>> {
    let mut parts = EditParts::default();
    let reason = form::multiline(&mut parts.errors, "reason", &f.reason, 1000);
    if f.cat.len() != f.amount.len() {
        parts.errors.add("lines", "cost_budget.form_mismatch");
    }
    let mut lines = Vec::new();
    let mut rows = HashSet::new();
    for (cat, value) in f.cat.iter().zip(&f.amount) {
        let Some(id) = cat
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| offered.contains(id))
        else {
            parts.errors.add("lines", "cost.unknown_category");
            continue;
        };
        if !rows.insert(id) {
            parts.errors.add("lines", "cost_budget.form_mismatch");
            continue;
        }
        match domain::amount(value) {
            Ok(Some(amount)) => lines.push(Line {
                category_id: id,
                task_id: None,
                amount,
            }),
            Ok(None) => {}
            Err(key) => {
                parts.category_errors.insert(id, key);
            }
        }
    }
    let n = f
        .line_amount
        .len()
        .max(f.line_task.len())
        .max(f.line_category.len());
    parts.task_errors = vec![None; n];
    let mut seen = HashSet::new();
    for i in 0..n {
        let get = |v: &Vec<String>| v.get(i).map(|s| s.trim().to_owned()).unwrap_or_default();
        let (cat, task, value) = (
            get(&f.line_category),
            get(&f.line_task),
            get(&f.line_amount),
        );
        // A blank amount removes the line (or leaves an empty row empty).
        let amount = match domain::amount(&value) {
            Ok(Some(a)) => a,
            Ok(None) => continue,
            Err(key) => {
                parts.task_errors[i] = Some(key);
                continue;
            }
        };
        if cat.is_empty() || task.is_empty() {
            parts.task_errors[i] = Some("cost_budget.line_incomplete");
            continue;
        }
        let Some(category_id) = cat.parse::<i64>().ok().filter(|id| offered.contains(id)) else {
            parts.task_errors[i] = Some("cost.unknown_category");
            continue;
        };
        let Some(task_id) = task.parse::<i64>().ok().filter(|id| tasks.contains(id)) else {
            parts.task_errors[i] = Some("cost_budget.unknown_task");
            continue;
        };
        if !seen.insert((category_id, task_id)) {
            parts.task_errors[i] = Some("cost_budget.duplicate_line");
            continue;
        }
        lines.push(Line {
            category_id,
            task_id: Some(TaskId(task_id)),
            amount,
        });
    }
    if parts.errors.is_empty()
        && parts.category_errors.is_empty()
        && parts.task_errors.iter().all(Option::is_none)
    {
        Ok((lines, reason))
    } else {
        Err(Box::new(parts))
    }
}

/// Saves a draft's lines: replaces them all in one transaction, if nobody saved meanwhile.
pub async fn save(
    mut p: ProjectTx<Cost>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<BudgetForm>,
) -> AppResult<Response> {
    p.tx.require(Permission::EditBudget)?;
    let project = p.project.id;
    let draft = find_draft(&mut p, id).await?;
    let categories = cost_queries::categories(&mut p.tx).await?;
    let saved: Vec<Line> = queries::lines(&mut p.tx, id)
        .await?
        .iter()
        .map(|l| l.line())
        .collect();
    let offered = offered(&categories, &saved);
    let tasks: HashSet<i64> = queries::leaf_tasks(&mut p.tx, project)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let (lines, reason) = match validate(&f, &offered, &tasks) {
        Ok(v) => v,
        Err(mut parts) => {
            parts.form = Some(f);
            parts.notice = Some("cost_budget.fix_errors");
            let html = edit_page(&mut p, &page, &draft, *parts).await?;
            return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
        }
    };
    let me = p.tx.user().id;
    if queries::touch_draft(&mut p.tx, id, f.version, &reason, me)
        .await?
        .is_none()
    {
        // Keep what they typed; the next save overwrites the newer draft knowingly.
        let parts = EditParts {
            form: Some(BudgetForm {
                version: draft.version,
                ..f
            }),
            notice: Some("cost_budget.stale"),
            conflict: true,
            ..EditParts::default()
        };
        let html = edit_page(&mut p, &page, &draft, parts).await?;
        return Ok(with_status(StatusCode::CONFLICT, html));
    }
    queries::delete_lines(&mut p.tx, id).await?;
    queries::insert_lines(&mut p.tx, id, &lines).await?;
    let summary = format!(
        "{} {}",
        p.project.code,
        version_label(p.tx.user().locale, draft.number)
    );
    p.tx.audit(Change {
        entity: "cost_budget_version",
        entity_id: Some(id),
        action: Action::Update,
        summary: &summary,
        before: audited(project, &draft, BudgetStatus::Draft, &draft.reason, &saved),
        after: audited(project, &draft, BudgetStatus::Draft, &reason, &lines),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "cost_budget.draft_saved").await?;
    Ok(Redirect::to(&format!("{}?version={id}", base(project))).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApproveForm {
    pub version: i32,
    pub reason: String,
}

/// Approves a draft, making it the current budget. A revision needs its reason.
pub async fn approve(
    mut p: ProjectTx<Cost>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<ApproveForm>,
) -> AppResult<Response> {
    p.tx.require(Permission::ApproveBudget)?;
    let project = p.project.id;
    let draft = find_draft(&mut p, id).await?;
    let mut errors = FieldErrors::default();
    let reason = form::multiline(&mut errors, "reason", &f.reason, 1000);
    if draft.number > 0 && reason.is_empty() && errors.is_empty() {
        errors.add("reason", "cost_budget.reason_required");
    }
    if !errors.is_empty() {
        let parts = Parts {
            approve_reason: Some(f.reason),
            approve_errors: errors,
            ..Parts::default()
        };
        let html = budget_page(&mut p, &page, parts).await?;
        return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
    }
    let me = p.tx.user().id;
    if queries::approve(&mut p.tx, id, f.version, &reason, me)
        .await?
        .is_none()
    {
        let parts = Parts {
            approve_reason: Some(f.reason),
            notice: Some("cost_budget.stale"),
            ..Parts::default()
        };
        let html = budget_page(&mut p, &page, parts).await?;
        return Ok(with_status(StatusCode::CONFLICT, html));
    }
    let lines: Vec<Line> = queries::lines(&mut p.tx, id)
        .await?
        .iter()
        .map(|l| l.line())
        .collect();
    let summary = format!(
        "{} {}",
        p.project.code,
        version_label(p.tx.user().locale, draft.number)
    );
    p.tx.audit(Change {
        entity: "cost_budget_version",
        entity_id: Some(id),
        action: Action::Update,
        summary: &summary,
        before: audited(project, &draft, BudgetStatus::Draft, &draft.reason, &lines),
        after: audited(project, &draft, BudgetStatus::Approved, &reason, &lines),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "cost_budget.approved").await?;
    Ok(Redirect::to(&base(project)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VersionForm {
    pub version: i32,
}

/// Deletes a draft; approved versions stay for ever.
pub async fn delete(
    mut p: ProjectTx<Cost>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    p.tx.require(Permission::EditBudget)?;
    let project = p.project.id;
    let draft = find_draft(&mut p, id).await?;
    let lines: Vec<Line> = queries::lines(&mut p.tx, id)
        .await?
        .iter()
        .map(|l| l.line())
        .collect();
    if !queries::delete_draft(&mut p.tx, id, f.version).await? {
        let parts = Parts {
            notice: Some("cost_budget.stale"),
            ..Parts::default()
        };
        let html = budget_page(&mut p, &page, parts).await?;
        return Ok(with_status(StatusCode::CONFLICT, html));
    }
    let summary = format!(
        "{} {}",
        p.project.code,
        version_label(p.tx.user().locale, draft.number)
    );
    p.tx.audit(Change {
        entity: "cost_budget_version",
        entity_id: Some(id),
        action: Action::Delete,
        summary: &summary,
        before: audited(project, &draft, BudgetStatus::Draft, &draft.reason, &lines),
        after: None,
    })
    .await?;
    p.commit().await?;
    page.session
        .flash(true, "cost_budget.draft_deleted")
        .await?;
    Ok(Redirect::to(&base(project)).into_response())
}
