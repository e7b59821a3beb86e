//! Plans' pages.

use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::domain::{LinkForm, ProjectForm, TaskForm};
use super::queries::{CalendarRow, Member, ProjectListRow};
use crate::ids::TaskId;
use crate::tenancy::project::Project;
use crate::web::Layout;
use crate::web::form::Choice;
use crate::web::form::FieldErrors;

#[derive(Template)]
#[template(path = "plans/projects.html")]
pub struct ProjectListPage {
    pub layout: Layout,
    pub rows: Vec<ProjectListRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub status: String,
    pub manager: String,
    pub q: String,
    pub sort: String,
    pub dir: String,
    pub archived: bool,
    pub managers: Vec<Choice>,
    pub statuses: &'static [&'static str],
    pub can_create: bool,
    /// The query string without `page`, for pagination and sorting links.
    pub query: String,
}

impl ProjectListPage {
    /// The link that sorts by `column`, flipping the direction when it is the current sort.
    pub fn sort_href(&self, column: &str) -> String {
        let dir = if self.sort == column && self.dir == "asc" {
            "desc"
        } else {
            "asc"
        };
        let base: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("status", &self.status)
            .append_pair("manager", &self.manager)
            .append_pair("q", &self.q)
            .append_pair("archived", if self.archived { "1" } else { "" })
            .append_pair("sort", column)
            .append_pair("dir", dir)
            .finish();
        format!("/projects?{base}")
    }

    pub fn sort_mark(&self, column: &str) -> &'static str {
        match (self.sort == column, self.dir.as_str()) {
            (true, "desc") => " ▼",
            (true, _) => " ▲",
            _ => "",
        }
    }
}

#[derive(Template)]
#[template(path = "plans/project_form.html")]
pub struct ProjectFormPage {
    pub layout: Layout,
    /// `None` when creating.
    pub project: Option<Project>,
    pub form: ProjectForm,
    pub errors: FieldErrors,
    pub managers: Vec<Choice>,
    pub calendars: Vec<CalendarRow>,
    pub templates: Vec<Choice>,
    pub statuses: &'static [&'static str],
    /// When the save was stale: the values saved meanwhile.
    pub theirs: Option<ProjectForm>,
}

#[derive(Template)]
#[template(path = "plans/project.html")]
pub struct ProjectHomePage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub members: Vec<Member>,
    pub users: Vec<Choice>,
    pub roles: &'static [&'static str],
    pub task_count: usize,
    pub milestones: Vec<(String, NaiveDate, bool)>,
    /// "N more milestones", when some are not listed.
    pub milestones_more: Option<String>,
    pub baseline_finish: Option<NaiveDate>,
    pub can_edit: bool,
    pub can_create: bool,
    pub member_error: Option<&'static str>,
    /// Other features' notices above the page (registry project panels), rendered.
    pub banners: Vec<String>,
    /// Other features' cards beside the key dates, rendered.
    pub cards: Vec<String>,
}

/// A row of the WBS table.
#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: TaskId,
    pub outline: String,
    pub depth: u32,
    pub name: String,
    pub summary: bool,
    pub milestone: bool,
    pub duration_days: i64,
    pub start: String,
    pub finish: String,
    pub total_slack: String,
    pub critical: bool,
    pub percent: Decimal,
    pub predecessors: String,
    pub responsible: String,
}

#[derive(Template)]
#[template(path = "plans/tasks.html")]
pub struct TaskListPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub rows: Vec<TaskRow>,
    pub pager: crate::web::pager::Pager,
    pub form: TaskForm,
    pub errors: FieldErrors,
    /// A refusal from the scheduler (names the tasks).
    pub message: Option<String>,
    pub summaries: Vec<Choice>,
    pub users: Vec<Choice>,
    pub can_edit: bool,
}

/// A predecessor or successor on the task page.
#[derive(Debug, Clone)]
pub struct LinkRow {
    pub id: i64,
    pub other_id: TaskId,
    pub other: String,
    pub kind: &'static str,
    pub lag_days: i32,
}

#[derive(Template)]
#[template(path = "plans/task.html")]
pub struct TaskPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub task: super::queries::Task,
    pub outline: String,
    pub form: TaskForm,
    pub errors: FieldErrors,
    pub theirs: Option<TaskForm>,
    pub predecessors: Vec<LinkRow>,
    pub successors: Vec<LinkRow>,
    pub link_form: LinkForm,
    pub link_errors: FieldErrors,
    pub message: Option<String>,
    pub candidates: Vec<Choice>,
    /// Says the predecessor select lists only nearby tasks, when it does.
    pub candidates_note: Option<String>,
    pub users: Vec<Choice>,
    pub kinds: [&'static str; 4],
    pub can_edit: bool,
    /// Other features' sections of the page (registry task panels), rendered.
    pub panels: Vec<String>,
}

/// The i18n key of a project status.
pub fn status_key(status: &str) -> &'static str {
    match status {
        "planning" => "plans.status_planning",
        "active" => "plans.status_active",
        "suspended" => "plans.status_suspended",
        _ => "plans.status_closed",
    }
}

/// The i18n key of a project role.
pub fn role_key(role: &str) -> &'static str {
    match role {
        "manager" => "plans.role_manager",
        "planner" => "plans.role_planner",
        "engineer" => "plans.role_engineer",
        "foreman" => "plans.role_foreman",
        _ => "plans.role_viewer",
    }
}

/// The i18n key of a WBS move.
pub fn move_key(action: &str) -> &'static str {
    match action {
        "indent" => "plans.indent",
        "outdent" => "plans.outdent",
        "up" => "plans.move_up",
        _ => "plans.move_down",
    }
}

/// The i18n key of a Gantt zoom.
pub fn zoom_key(zoom: &str) -> &'static str {
    match zoom {
        "week" => "gantt.zoom_week",
        "month" => "gantt.zoom_month",
        _ => "gantt.zoom_quarter",
    }
}

/// The CSS class that indents an outline row `depth` levels (`.indent-0` … `.indent-12` in
/// girder.css): the CSP forbids inline styles. Deeper rows indent as deep as level 12.
pub fn indent_class(depth: impl std::borrow::Borrow<u32>) -> String {
    format!("indent-{}", (*depth.borrow()).min(12))
}

/// Above this many tasks a form's task fields share one `<datalist>` instead of each row
/// carrying a `<select>` of every task, so a form of n rows stays O(tasks), not O(n × tasks).
pub const MANY_TASKS: usize = 300;
