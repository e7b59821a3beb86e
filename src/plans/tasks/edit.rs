//! Changing tasks: adding, saving, moving and deleting tasks, and adding and removing links.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{
    ListAt, Outline, TaskPageParts, date_text, list::tasks_page, place_of, reschedule_or_undo,
    task_page, users_of,
};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::ids::TaskId;
use crate::plans::domain::{LinkForm, TaskForm};
use crate::plans::queries::{self, Task, TaskFields};
use crate::plans::reschedule;
use crate::plans::wbs::Wbs;
use crate::roles::Permission;
use crate::tenancy::Plans;
use crate::tenancy::ProjectTx;
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path};

/// The foreign key by which a cost budget line keeps its task.
const BUDGET_LINE_TASK: &str = "cost_budget_line_tenant_id_task_id_fkey";

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
            .filter(|id| tasks.iter().any(|t| t.id.0 == *id));
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
            let at = ListAt::focus(
                f.after_id
                    .parse()
                    .ok()
                    .or(f.parent_id.parse().ok())
                    .map(TaskId),
            );
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
    let id =
        queries::insert_task(&mut p.tx, project, parent.map(TaskId), order, &fields, me).await?;
    if let Err(message) = reschedule_or_undo(&mut p).await? {
        let at = ListAt::focus(after.or(parent).map(TaskId));
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
    id: TaskId,
    action: Action,
    summary: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AppResult<()> {
    p.tx.audit(Change {
        entity: "task",
        entity_id: Some(id.0),
        action,
        summary,
        before,
        after,
    })
    .await
}

pub(super) fn task_form_of(t: &Task) -> TaskForm {
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

async fn find_task(p: &mut ProjectTx<Plans>, id: TaskId) -> AppResult<Task> {
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
    let id = TaskId(id);
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
    let id = TaskId(id);
    let project = p.project.id;
    let tasks = queries::tasks(&mut p.tx, project).await?;
    let wbs = Wbs::new(tasks.iter().map(place_of));
    let moved = match f.action.as_str() {
        "indent" => wbs.indent(id.0),
        "outdent" => wbs.outdent(id.0),
        "up" => wbs.shift(id.0, true),
        "down" => wbs.shift(id.0, false),
        _ => return Err(AppError::BadRequest("unknown move".into())),
    };
    let locale = p.tx.user().locale;
    let places = match moved {
        Ok(places) => places,
        Err(crate::plans::wbs::MoveError::Unknown) => return Err(AppError::NotFound),
        Err(e) => {
            let key = match e {
                crate::plans::wbs::MoveError::NothingAbove => "plans.move_nothing_above",
                crate::plans::wbs::MoveError::AtTop => "plans.move_at_top",
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
    let id = TaskId(id);
    let task = find_task(&mut p, id).await?;
    let project = p.project.id;
    let tasks = queries::tasks(&mut p.tx, project).await?;
    let subtree: Vec<TaskId> = Wbs::new(tasks.iter().map(place_of))
        .subtree(id.0)
        .into_iter()
        .map(TaskId)
        .collect();
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
    let id = TaskId(id);
    let project = p.project.id;
    let tasks = queries::tasks(&mut p.tx, project).await?;
    if !tasks.iter().any(|t| t.id == id) {
        return Err(AppError::NotFound);
    }
    let ids: Vec<i64> = tasks.iter().map(|t| t.id.0).collect();
    let (pred, kind, lag) = match f.validate(&ids) {
        Ok((pred, kind, lag)) => (TaskId(pred), kind, lag),
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
