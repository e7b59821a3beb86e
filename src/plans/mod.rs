//! Plans: projects, their WBS and links, working calendars, templates, baselines, the Gantt
//! chart and MS Project XML. Dates come from the CPM engine in `crate::schedule`; every
//! change that moves them reschedules in the same transaction (`reschedule`).

pub mod baselines;
mod calendars;
mod chart;
pub mod domain;
mod exchange;
pub mod gantt;
pub mod mspdi;
mod projects;
pub mod queries;
pub mod reschedule;
pub mod tasks;
pub mod templates;
pub mod views;
pub mod wbs;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use chart::{labels as gantt_labels, links as gantt_links, rows as gantt_rows};
// What other features use: a project's tasks, calendar and baseline, its WBS numbering, the
// status date and a task's progress, rescheduling, and the task page their panels sit in.
pub use baselines::{dates as baseline_dates, latest_dates_of as latest_baseline_dates_of};
pub use queries::{
    Task, active_users, ensure_default_calendar, load_calendar, project_by_code, project_count,
    set_status_date, set_task_progress, task, tasks, tasks_of,
};
pub use reschedule::reschedule;
pub use tasks::{Outline, TaskPageParts, place_of, task_page};
pub use wbs::{Place, ProgressLeaf, Wbs, roll_up_progress};

use crate::roles::ModuleId;
use crate::state::AppState;
use crate::web::registry::{Audience, Feature, NavEntry, ProjectTab, SettingsTab};

/// The code of the demo project, so the dashboard can tell whether it was loaded.
pub const DEMO_CODE: &str = "DEMO-01";

/// The largest request the import route reads: a file at the limit plus its form fields.
/// A larger upload is read only up to `mspdi::MAX_BYTES` and refused.
pub const IMPORT_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Projects: their navigation entry, the schedule settings tab (calendars), and the project
/// tabs of the home page, tasks, Gantt chart and baselines.
pub fn feature() -> Feature {
    let tab = |order, key, suffix, label_key| ProjectTab {
        order,
        key,
        suffix,
        label_key,
        module: None,
    };
    Feature {
        largest_upload: IMPORT_BODY_LIMIT,
        nav: vec![NavEntry {
            order: 10,
            href: "/projects",
            label_key: "nav.projects",
            active_under: &["/projects"],
            audience: Audience::module(ModuleId::Plans),
        }],
        settings_tabs: vec![SettingsTab {
            order: 50,
            key: "schedule",
            href: "/settings/calendars",
            label_key: "settings.tab_schedule",
        }],
        project_tabs: vec![
            tab(0, "home", "", "plans.tab_home"),
            tab(10, "tasks", "/tasks", "plans.tab_tasks"),
            tab(20, "gantt", "/gantt", "plans.tab_gantt"),
            tab(30, "baselines", "/baselines", "plans.tab_baselines"),
        ],
        ..Feature::new(router())
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", get(projects::list).post(projects::create))
        .route("/projects/new", get(projects::new_form))
        .route(
            "/projects/import",
            get(exchange::import_form)
                .post(exchange::import)
                // Large enough for a file just over the limit to be refused by the
                // handler, with a message, rather than cut off by the server.
                .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .route("/projects/{project_id}/export.xml", get(exchange::export))
        .route(
            "/projects/{project_id}/milestones.ics",
            get(exchange::milestones_ics),
        )
        .route(
            "/projects/{project_id}",
            get(projects::show).post(projects::update),
        )
        .route("/projects/{project_id}/edit", get(projects::edit_form))
        .route("/projects/{project_id}/archive", post(projects::archive))
        .route("/projects/{project_id}/members", post(projects::member))
        .route(
            "/projects/{project_id}/save-template",
            post(projects::save_template),
        )
        .route(
            "/projects/{project_id}/tasks",
            get(tasks::list).post(tasks::create),
        )
        .route("/projects/{project_id}/tasks/export", get(tasks::export))
        .route(
            "/projects/{project_id}/tasks/{task_id}",
            get(tasks::show).post(tasks::update),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/move",
            post(tasks::move_task),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/delete",
            post(tasks::delete),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/links",
            post(tasks::add_link),
        )
        .route(
            "/projects/{project_id}/links/{link_id}/delete",
            post(tasks::delete_link),
        )
        .route("/projects/{project_id}/gantt", get(chart::show))
        .route(
            "/projects/{project_id}/baselines",
            get(baselines::show).post(baselines::create),
        )
        .route(
            "/settings/calendars",
            get(calendars::list).post(calendars::create),
        )
        .route(
            "/settings/calendars/{id}",
            get(calendars::show).post(calendars::update),
        )
        .route("/settings/calendars/{id}/days", post(calendars::add_day))
        .route(
            "/settings/calendars/{id}/days/remove",
            post(calendars::remove_day),
        )
        .route(
            "/settings/calendars/{id}/default",
            post(calendars::make_default),
        )
}
