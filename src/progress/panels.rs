//! What progress adds to other features' pages through the registry: the delay warnings on a
//! project's home and on the dashboard, and the "record progress" section of a task's page.

use askama::Template;

use super::domain::ProgressForm;
use super::handlers::{dashboard_warnings, warnings_for};
use super::queries;
use super::views::{UpdateRow, WarningView};
use crate::error::AppResult;
use crate::ids::TaskId;
use crate::plans::Task;
use crate::roles::{ModuleId, Permission};
use crate::tenancy::ProjectId;
use crate::tenancy::project::Project;
use crate::web::Layout;
use crate::web::form::FieldErrors;
use crate::web::registry::{
    Audience, DashboardPanel, PanelContext, PanelFuture, ProjectPanel, ProjectPlace, TaskPanel,
    TaskPanelOverride,
};

/// The key of the task page's progress section.
pub const TASK_PANEL: &str = "progress";

pub fn project_panels() -> Vec<ProjectPanel> {
    vec![ProjectPanel {
        order: 10,
        place: ProjectPlace::Card,
        audience: Audience::EVERYONE,
        render: home_card,
    }]
}

pub fn task_panels() -> Vec<TaskPanel> {
    vec![TaskPanel {
        key: TASK_PANEL,
        order: 10,
        audience: Audience::permission(Permission::RecordProgress),
        render: task_panel,
    }]
}

pub fn dashboard_panels() -> Vec<DashboardPanel> {
    vec![DashboardPanel {
        order: 10,
        audience: Audience {
            module: Some(ModuleId::Progress),
            permission: None,
        },
        render: dashboard_card,
    }]
}

#[derive(Template)]
#[template(path = "progress/home_card.html")]
struct HomeCard<'a> {
    layout: &'a Layout,
    project_id: ProjectId,
    warnings: Vec<WarningView>,
}

fn home_card<'a>(cx: PanelContext<'a>, project: &'a Project) -> PanelFuture<'a> {
    Box::pin(async move {
        let tasks = crate::plans::tasks(cx.scope, project.id).await?;
        let (thresholds, _) = queries::thresholds(cx.scope).await?;
        let warnings =
            warnings_for(cx.scope, project, &tasks, &thresholds, cx.layout.locale).await?;
        let card = HomeCard {
            layout: cx.layout,
            project_id: project.id,
            warnings,
        };
        Ok(Some(card.render()?))
    })
}

#[derive(Template)]
#[template(path = "progress/task_panel.html")]
struct TaskSection<'a> {
    layout: &'a Layout,
    project_id: ProjectId,
    status_date: Option<chrono::NaiveDate>,
    task_id: TaskId,
    form: ProgressForm,
    errors: FieldErrors,
    updates: Vec<UpdateRow>,
}

fn task_panel<'a>(cx: PanelContext<'a>, project: &'a Project, task: TaskId) -> PanelFuture<'a> {
    Box::pin(async move {
        let Some(task) = crate::plans::task(cx.scope, project.id, task).await? else {
            return Ok(None);
        };
        if task.is_summary {
            return Ok(None);
        }
        let form = stored_form(&task);
        section(cx, project, task.id, form, FieldErrors::default())
            .await
            .map(Some)
    })
}

/// The progress section with `form` as typed and its `errors`, to re-render the task page
/// after a refused post.
pub async fn task_panel_in_error(
    cx: PanelContext<'_>,
    project: &Project,
    task: TaskId,
    form: ProgressForm,
    errors: FieldErrors,
) -> AppResult<TaskPanelOverride> {
    Ok(TaskPanelOverride {
        key: TASK_PANEL,
        html: section(cx, project, task, form, errors).await?,
    })
}

async fn section(
    cx: PanelContext<'_>,
    project: &Project,
    task: TaskId,
    form: ProgressForm,
    errors: FieldErrors,
) -> AppResult<String> {
    let updates = super::history(cx.scope, task).await?;
    Ok(TaskSection {
        layout: cx.layout,
        project_id: project.id,
        status_date: project.status_date,
        task_id: task,
        form,
        errors,
        updates,
    }
    .render()?)
}

/// The form as the task stands.
fn stored_form(task: &Task) -> ProgressForm {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    ProgressForm {
        actual_start: date(task.actual_start),
        actual_finish: date(task.actual_finish),
        percent_complete: task.percent_complete.normalize().to_string(),
        remaining_days: task
            .remaining_days
            .map(|r| r.to_string())
            .unwrap_or_default(),
        comment: String::new(),
    }
}

#[derive(Template)]
#[template(path = "progress/dashboard_panel.html")]
struct DashboardCard<'a> {
    layout: &'a Layout,
    warnings: Vec<(Project, WarningView)>,
}

fn dashboard_card(cx: PanelContext<'_>) -> PanelFuture<'_> {
    Box::pin(async move {
        // Warnings are about schedules: none show while Plans is off for this user.
        if !cx.layout.modules.contains(&ModuleId::Plans) {
            return Ok(None);
        }
        let warnings = dashboard_warnings(cx.scope, cx.layout.locale).await?;
        if warnings.is_empty() {
            return Ok(None);
        }
        let card = DashboardCard {
            layout: cx.layout,
            warnings,
        };
        Ok(Some(card.render()?))
    })
}
