//! A task's page: the task, its forms, links and the panels other modules add.

use std::collections::HashMap;

use askama::Template;
use axum::response::Html;

use super::{Outline, edit::task_form_of};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::ids::TaskId;
use crate::plans::domain::{LinkForm, TaskForm};
use crate::plans::projects::user_choices;
use crate::plans::queries::{self, Task};
use crate::plans::views::{LinkRow, TaskPage};
use crate::roles::Permission;
use crate::tenancy::ProjectTx;
use crate::tenancy::{Module, Plans};
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::registry::{self, TaskPanelOverride};
use crate::web::{Page, Path};

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

/// The most predecessors the task page's select offers.
const MAX_CANDIDATES: usize = 400;

/// Renders a task's page; `parts.form` empty means "the task as stored".
pub async fn task_page<M: Module>(
    p: &mut ProjectTx<M>,
    page: &Page,
    task_id: TaskId,
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
    let names: HashMap<TaskId, String> = outline
        .tasks
        .iter()
        .map(|(t, o, _)| (t.id, format!("{o} {}", t.name)))
        .collect();
    let link_row = |l: &queries::Link, other: TaskId| LinkRow {
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
        task_page(&mut p, &page, TaskId(id), TaskPageParts::default()).await?,
    ))
}
