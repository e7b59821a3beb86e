//! WBS handlers: the task table, adding, editing, moving and deleting tasks, links, and the
//! task list export. Every change that moves dates reschedules in the same transaction; a
//! refused network is undone to a savepoint and the page says why, naming the tasks.

use std::collections::HashMap;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::domain::{LinkForm, TaskForm};
use super::projects::user_choices;
use super::queries::{self, Task, TaskFields};
use super::reschedule;
use super::views::*;
use super::wbs::{Place, Wbs};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::roles::Permission;
use crate::schedule::LinkKind;
use crate::tenancy::ProjectTx;
use crate::tenancy::{Module, Plans};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::pager::{OUTLINE_ROWS_PER_PAGE, Pager};
use crate::web::registry::{self, TaskPanelOverride};
use crate::web::{AppForm, Page, Path};

/// The project's tasks in outline order, with their outline numbers and depth.
pub struct Outline {
    pub tasks: Vec<(Task, String, u32)>,
    pub links: Vec<queries::Link>,
}

impl Outline {
    pub async fn load<M: Module>(p: &mut ProjectTx<M>) -> AppResult<Self> {
        let id = p.project.id;
        let tasks = queries::tasks(&mut p.tx, id).await?;
        let links = queries::links(&mut p.tx, id).await?;
        Ok(Self::new(tasks, links))
    }

    pub fn new(tasks: Vec<Task>, links: Vec<queries::Link>) -> Self {
        let wbs = Wbs::new(tasks.iter().map(place_of));
        let mut by_id: HashMap<i64, Task> = tasks.into_iter().map(|t| (t.id, t)).collect();
        let tasks = wbs
            .outline()
            .into_iter()
            .filter_map(|o| by_id.remove(&o.id).map(|t| (t, o.outline, o.depth)))
            .collect();
        Self { tasks, links }
    }

    pub fn name(&self, id: i64) -> String {
        self.tasks
            .iter()
            .find(|(t, _, _)| t.id == id)
            .map(|(t, o, _)| format!("{o} {}", t.name))
            .unwrap_or_default()
    }
}

pub fn place_of(t: &Task) -> Place {
    Place {
        id: t.id,
        parent: t.parent_id,
        sort_order: t.sort_order,
    }
}

fn date_text(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// Which page of the task list to show: `page` if given, else the one holding `focus` (the
/// task just added, moved or chosen to insert below), else the first.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListAt {
    pub page: i64,
    pub focus: Option<i64>,
}

impl ListAt {
    fn focus(id: Option<i64>) -> Self {
        Self { page: 0, focus: id }
    }
}

async fn tasks_page(
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
    let outline_of: HashMap<i64, &str> = outline
        .tasks
        .iter()
        .map(|(t, o, _)| (t.id, o.as_str()))
        .collect();
    let mut links_into: HashMap<i64, Vec<&queries::Link>> = HashMap::new();
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
        focus: q.at.or_else(|| q.after.parse().ok()),
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

/// Reschedules after a change made since `savepoint`. On a refusal the change is undone and
/// the message comes back for the page.
async fn reschedule_or_undo(p: &mut ProjectTx<Plans>) -> AppResult<Result<(), String>> {
    let locale = p.tx.user().locale;
    let project = p.project.clone();
    match reschedule::reschedule(&mut p.tx, &project, locale).await? {
        Ok(_) => Ok(Ok(())),
        Err(message) => {
            p.tx.rollback_to_savepoint().await?;
            Ok(Err(message))
        }
    }
}

async fn users_of(p: &mut ProjectTx<Plans>) -> AppResult<Vec<i64>> {
    Ok(queries::active_users(&mut p.tx)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
}

pub async fn create(
    mut p: ProjectTx<Plans>,
    page: Page,
    AppForm(f): AppForm<TaskForm>,
) -> AppResult<Response> {
    p.require(Permission::EditSchedule)?;
    let users = users_of(&mut p).await?;
    let tasks = queries::tasks(&mut p.tx, p.project.id).await?;
    let mut fields = f.validate(&users);
    // An optional task of this project picked in a select; anything else is refused.
    let mut pick = |field: &'static str, raw: &str| {
        let raw = raw.trim();
        let found = raw
            .parse::<i64>()
            .ok()
            .filter(|id| tasks.iter().any(|t| t.id == *id));
        if !raw.is_empty() && found.is_none() {
            let mut e = fields.clone().err().unwrap_or_default();
            e.add(field, "form.invalid_choice");
            fields = Err(e);
        }
        found
    };
    let parent = pick("parent_id", &f.parent_id);
    let after = pick("after_id", &f.after_id);
    let fields = match fields {
        Ok(v) => v,
        Err(errors) => {
            let at = ListAt::focus(f.after_id.parse().ok().or(f.parent_id.parse().ok()));
            let html = tasks_page(&mut p, &page, at, f, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let wbs = Wbs::new(tasks.iter().map(place_of));
    // Below a chosen task (same parent), or last under the chosen parent.
    let (parent, order, shifted) = match after.map(|a| wbs.insert_after(a)) {
        Some(Ok(placed)) => placed,
        _ => (parent, wbs.append_order(parent), Vec::new()),
    };
    let me = p.tx.user().id;
    let project = p.project.id;
    p.tx.savepoint().await?;
    queries::place_tasks(&mut p.tx, project, &shifted).await?;
    let id = queries::insert_task(&mut p.tx, project, parent, order, &fields, me).await?;
    if let Err(message) = reschedule_or_undo(&mut p).await? {
        let at = ListAt::focus(after.or(parent));
        let html = tasks_page(&mut p, &page, at, f, FieldErrors::default(), Some(message)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    audit_task(&mut p, id, Action::Create, &fields.name, None, snapshot(&f)).await?;
    p.commit().await?;
    page.session.flash(true, "plans.task_added").await?;
    Ok(Redirect::to(&format!("/projects/{project}/tasks?at={id}#task-{id}")).into_response())
}

async fn audit_task(
    p: &mut ProjectTx<Plans>,
    id: i64,
    action: Action,
    summary: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AppResult<()> {
    p.tx.audit(Change {
        entity: "task",
        entity_id: Some(id),
        action,
        summary,
        before,
        after,
    })
    .await
}

fn task_form_of(t: &Task) -> TaskForm {
    TaskForm {
        name: t.name.clone(),
        duration_days: t.duration_days.to_string(),
        milestone: t.milestone.then(|| "1".to_owned()),
        start_no_earlier_than: date_text(t.start_no_earlier_than),
        deadline: date_text(t.deadline),
        responsible_id: t.responsible_id.map(|r| r.to_string()).unwrap_or_default(),
        notes: t.notes.clone(),
        weight: t.weight.map(|w| w.to_string()).unwrap_or_default(),
        parent_id: t.parent_id.map(|r| r.to_string()).unwrap_or_default(),
        after_id: String::new(),
        version: t.version,
    }
}

/// What the task page shows besides its forms.
pub struct TaskPageParts {
    pub form: TaskForm,
    pub errors: FieldErrors,
    pub theirs: Option<TaskForm>,
    pub link_form: LinkForm,
    pub link_errors: FieldErrors,
    pub message: Option<String>,
    /// Another feature's section in error, shown in place of its registered one.
    pub panel: Option<TaskPanelOverride>,
}

impl Default for TaskPageParts {
    fn default() -> Self {
        Self {
            form: TaskForm::default(),
            errors: FieldErrors::default(),
            theirs: None,
            link_form: LinkForm {
                kind: "FS".into(),
                lag_days: "0".into(),
                ..Default::default()
            },
            link_errors: FieldErrors::default(),
            message: None,
            panel: None,
        }
    }
}

/// The foreign key by which a cost budget line keeps its task.
const BUDGET_LINE_TASK: &str = "cost_budget_line_tenant_id_task_id_fkey";

/// The most predecessors the task page's select offers.
const MAX_CANDIDATES: usize = 400;

/// Renders a task's page; `parts.form` empty means "the task as stored".
pub async fn task_page<M: Module>(
    p: &mut ProjectTx<M>,
    page: &Page,
    task_id: i64,
    parts: TaskPageParts,
) -> AppResult<String> {
    let outline = Outline::load(p).await?;
    let Some((task, number, _)) = outline
        .tasks
        .iter()
        .find(|(t, _, _)| t.id == task_id)
        .cloned()
    else {
        return Err(AppError::NotFound);
    };
    let names: HashMap<i64, String> = outline
        .tasks
        .iter()
        .map(|(t, o, _)| (t.id, format!("{o} {}", t.name)))
        .collect();
    let link_row = |l: &queries::Link, other: i64| LinkRow {
        id: l.id,
        other_id: other,
        other: names.get(&other).cloned().unwrap_or_default(),
        kind: l.kind().as_str(),
        lag_days: l.lag_days,
    };
    let predecessors = outline
        .links
        .iter()
        .filter(|l| l.succ_id == task_id)
        .map(|l| link_row(l, l.pred_id))
        .collect();
    let successors = outline
        .links
        .iter()
        .filter(|l| l.pred_id == task_id)
        .map(|l| link_row(l, l.succ_id))
        .collect();
    let eligible: Vec<&(Task, String, u32)> = outline
        .tasks
        .iter()
        .filter(|(t, _, _)| t.id != task_id && !t.is_summary)
        .collect();
    // In a large project only the tasks around this one (mostly those before it, where
    // predecessors usually are) are offered, so the page stays small.
    let before = outline
        .tasks
        .iter()
        .take_while(|(t, _, _)| t.id != task_id)
        .filter(|(t, _, _)| !t.is_summary)
        .count();
    let start = before
        .saturating_sub(MAX_CANDIDATES * 3 / 4)
        .min(eligible.len().saturating_sub(MAX_CANDIDATES));
    let candidates_note = (eligible.len() > MAX_CANDIDATES).then(|| {
        i18n::tf(
            page.locale,
            "pager.candidates_window",
            &[("count", &MAX_CANDIDATES)],
        )
    });
    let candidates = eligible
        .iter()
        .skip(start)
        .take(MAX_CANDIDATES)
        .map(|(t, o, _)| Choice {
            value: t.id.to_string(),
            label: format!("{o} {}", t.name),
        })
        .collect();
    let users = user_choices(&mut p.tx).await?;
    let role = p.tx.user().role;
    let layout = page.layout(&p.tx, "plans.task_title");
    let (scope, user, tenant) = p.tx.parts();
    let panels = registry::task_panels(
        scope,
        user,
        tenant,
        &layout,
        &p.project,
        task_id,
        parts.panel,
    )
    .await?;
    let form = if parts.form.name.is_empty() && parts.errors.is_empty() {
        task_form_of(&task)
    } else {
        parts.form
    };
    Ok(TaskPage {
        layout,
        project: p.project.clone(),
        tab: "tasks",
        outline: number,
        form,
        errors: parts.errors,
        theirs: parts.theirs,
        predecessors,
        successors,
        link_form: parts.link_form,
        link_errors: parts.link_errors,
        message: parts.message,
        candidates,
        candidates_note,
        users,
        kinds: ["FS", "SS", "FF", "SF"],
        can_edit: role.has(Permission::EditSchedule),
        panels,
        task,
    }
    .render()?)
}

pub async fn show(
    mut p: ProjectTx<Plans>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
) -> AppResult<Html<String>> {
    Ok(Html(
        task_page(&mut p, &page, id, TaskPageParts::default()).await?,
    ))
}

async fn find_task(p: &mut ProjectTx<Plans>, id: i64) -> AppResult<Task> {
    let project = p.project.id;
    queries::task(&mut p.tx, project, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn update(
    mut p: ProjectTx<Plans>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<TaskForm>,
) -> AppResult<Response> {
    p.require(Permission::EditSchedule)?;
    let task = find_task(&mut p, id).await?;
    let users = users_of(&mut p).await?;
    let fields: TaskFields = match f.validate(&users) {
        Ok(v) => v,
        Err(errors) => {
            let parts = TaskPageParts {
                form: f,
                errors,
                ..Default::default()
            };
            let html = task_page(&mut p, &page, id, parts).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let me = p.tx.user().id;
    let project = p.project.id;
    p.tx.savepoint().await?;
    let saved = queries::update_task(&mut p.tx, project, id, &fields, f.version, me).await?;
    if saved.is_none() {
        let parts = TaskPageParts {
            theirs: Some(task_form_of(&task)),
            form: f,
            ..Default::default()
        };
        let html = task_page(&mut p, &page, id, parts).await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    if let Err(message) = reschedule_or_undo(&mut p).await? {
        let parts = TaskPageParts {
            form: f,
            message: Some(message),
            ..Default::default()
        };
        let html = task_page(&mut p, &page, id, parts).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    audit_task(
        &mut p,
        id,
        Action::Update,
        &fields.name,
        snapshot(&task_form_of(&task)),
        snapshot(&f),
    )
    .await?;
    p.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("/projects/{project}/tasks/{id}")).into_response())
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct MoveForm {
    /// indent, outdent, up or down.
    pub action: String,
}

pub async fn move_task(
    mut p: ProjectTx<Plans>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<MoveForm>,
) -> AppResult<Response> {
    p.require(Permission::EditSchedule)?;
    let project = p.project.id;
    let tasks = queries::tasks(&mut p.tx, project).await?;
    let wbs = Wbs::new(tasks.iter().map(place_of));
    let moved = match f.action.as_str() {
        "indent" => wbs.indent(id),
        "outdent" => wbs.outdent(id),
        "up" => wbs.shift(id, true),
        "down" => wbs.shift(id, false),
        _ => return Err(AppError::BadRequest("unknown move".into())),
    };
    let locale = p.tx.user().locale;
    let places = match moved {
        Ok(places) => places,
        Err(super::wbs::MoveError::Unknown) => return Err(AppError::NotFound),
        Err(e) => {
            let key = match e {
                super::wbs::MoveError::NothingAbove => "plans.move_nothing_above",
                super::wbs::MoveError::AtTop => "plans.move_at_top",
                _ => "plans.move_at_end",
            };
            let html = tasks_page(
                &mut p,
                &page,
                ListAt::focus(Some(id)),
                TaskForm::default(),
                FieldErrors::default(),
                Some(i18n::t(locale, key).to_owned()),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    p.tx.savepoint().await?;
    queries::place_tasks(&mut p.tx, project, &places).await?;
    if let Err(message) = reschedule_or_undo(&mut p).await? {
        let html = tasks_page(
            &mut p,
            &page,
            ListAt::focus(Some(id)),
            TaskForm::default(),
            FieldErrors::default(),
            Some(message),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    audit_task(&mut p, id, Action::Update, &f.action, None, None).await?;
    p.commit().await?;
    Ok(Redirect::to(&format!("/projects/{project}/tasks?at={id}#task-{id}")).into_response())
}

pub async fn delete(
    mut p: ProjectTx<Plans>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(_): AppForm<MoveForm>,
) -> AppResult<Response> {
    p.require(Permission::EditSchedule)?;
    let task = find_task(&mut p, id).await?;
    let project = p.project.id;
    let tasks = queries::tasks(&mut p.tx, project).await?;
    let subtree = Wbs::new(tasks.iter().map(place_of)).subtree(id);
    // Budget lines, tickets and cost entries keep their task: the database refuses.
    let refused = |key| AppError::BadRequest(i18n::t(page.locale, key).to_owned().into());
    match queries::delete_tasks(&mut p.tx, project, &subtree).await {
        Err(e) if e.is_constraint(BUDGET_LINE_TASK) => return Err(refused("cost.task_budgeted")),
        Err(e) if e.is_still_referenced() => return Err(refused("plans.task_in_use")),
        deleted => deleted?,
    }
    if let Err(message) = reschedule::reschedule(&mut p.tx, &p.project, page.locale).await? {
        return Err(AppError::BadRequest(message.into()));
    }
    audit_task(
        &mut p,
        id,
        Action::Delete,
        &task.name,
        snapshot(&task_form_of(&task)),
        None,
    )
    .await?;
    p.commit().await?;
    page.session.flash(true, "plans.task_deleted").await?;
    // Back to the page where the task was: its parent's, if it had one.
    let to = match task.parent_id {
        Some(parent) => format!("/projects/{project}/tasks?at={parent}#task-{parent}"),
        None => format!("/projects/{project}/tasks"),
    };
    Ok(Redirect::to(&to).into_response())
}

pub async fn add_link(
    mut p: ProjectTx<Plans>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<LinkForm>,
) -> AppResult<Response> {
    p.require(Permission::EditSchedule)?;
    let project = p.project.id;
    let tasks = queries::tasks(&mut p.tx, project).await?;
    if !tasks.iter().any(|t| t.id == id) {
        return Err(AppError::NotFound);
    }
    let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    let (pred, kind, lag) = match f.validate(&ids) {
        Ok(v) => v,
        Err(link_errors) => {
            let parts = TaskPageParts {
                link_form: f,
                link_errors,
                ..Default::default()
            };
            let html = task_page(&mut p, &page, id, parts).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    // Self, duplicate and reverse-duplicate links are refused by the scheduler with the
    // task names; the table's unique key would only say "duplicate".
    let links = queries::links(&mut p.tx, project).await?;
    let duplicate = links
        .iter()
        .any(|l| (l.pred_id, l.succ_id) == (pred, id) || (l.pred_id, l.succ_id) == (id, pred));
    let outline = Outline::new(tasks, links);
    let refusal = if pred == id {
        Some(i18n::tf(
            page.locale,
            "plans.err_self_link",
            &[("task", &outline.name(id))],
        ))
    } else if duplicate {
        Some(i18n::tf(
            page.locale,
            "plans.err_duplicate_link",
            &[("pred", &outline.name(pred)), ("succ", &outline.name(id))],
        ))
    } else {
        None
    };
    if let Some(message) = refusal {
        let parts = TaskPageParts {
            link_form: f,
            message: Some(message),
            ..Default::default()
        };
        let html = task_page(&mut p, &page, id, parts).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    p.tx.savepoint().await?;
    let link_id = queries::insert_link(&mut p.tx, project, pred, id, kind, lag).await?;
    if let Err(message) = reschedule_or_undo(&mut p).await? {
        let parts = TaskPageParts {
            link_form: f,
            message: Some(message),
            ..Default::default()
        };
        let html = task_page(&mut p, &page, id, parts).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    p.tx.audit(Change {
        entity: "task_link",
        entity_id: Some(link_id),
        action: Action::Create,
        summary: kind.as_str(),
        before: None,
        after: snapshot(&f),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "plans.link_added").await?;
    Ok(Redirect::to(&format!("/projects/{project}/tasks/{id}")).into_response())
}

pub async fn delete_link(
    mut p: ProjectTx<Plans>,
    page: Page,
    Path((_, link)): Path<(i64, i64)>,
    AppForm(_): AppForm<MoveForm>,
) -> AppResult<Response> {
    p.require(Permission::EditSchedule)?;
    let project = p.project.id;
    let removed = queries::delete_link(&mut p.tx, project, link)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Err(message) = reschedule::reschedule(&mut p.tx, &p.project, page.locale).await? {
        return Err(AppError::BadRequest(message.into()));
    }
    p.tx.audit(Change {
        entity: "task_link",
        entity_id: Some(link),
        action: Action::Delete,
        summary: removed.kind.as_str(),
        before: None,
        after: None,
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "plans.link_removed").await?;
    Ok(Redirect::to(&format!("/projects/{project}/tasks/{}", removed.succ_id)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    pub format: ExportFormat,
}

pub async fn export(mut p: ProjectTx<Plans>, Query(q): Query<ExportQuery>) -> AppResult<Response> {
    let locale = p.tx.user().locale;
    let outline = Outline::load(&mut p).await?;
    let t = |k| i18n::t(locale, k).to_owned();
    let outline_of: HashMap<i64, &str> = outline
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

/// The link types for the task page's select.
pub fn link_kinds() -> [LinkKind; 4] {
    LinkKind::ALL
}
