//! Plans: projects, their WBS and links, working calendars, templates, baselines, the Gantt
//! chart and MS Project XML. Dates come from the CPM engine in `crate::schedule`; every
//! change that moves them reschedules in the same transaction (`reschedule`).

pub mod access;
pub mod baselines;
mod calendars;
mod chart;
pub mod demo;
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

use crate::web::AppState;

/// The largest request the import route reads: a file at the limit plus its form fields.
/// A larger upload is read only up to `mspdi::MAX_BYTES` and refused.
pub const IMPORT_BODY_LIMIT: usize = 64 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", get(projects::list).post(projects::create))
        .route("/projects/new", get(projects::new_form))
        .route("/projects/demo", post(projects::load_demo))
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
