//! The daily site log (施工日志) of a project: one log per day with the weather, the crews on
//! site and their headcount, the work done and the problems met; "copy yesterday" to start a
//! day from the last log; photos (JPEG or PNG, checked by their content, stored in the
//! database with a thumbnail); and a month calendar of the days that have a log.

mod domain;
mod handlers;
mod queries;
mod views;

pub use domain::{CrewLine, SiteLogEntry};
pub use queries::{insert_log, replace_crews};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

/// The largest request a photo upload may send (one photo plus the form around it). The
/// app-wide `RequestBodyLimitLayer` in `crate::web` must admit it too: a route layer can only
/// lower that limit, not raise it.
pub const PHOTO_BODY_LIMIT: usize = crate::web::photo::PHOTO_BODY_LIMIT;

/// The largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = crate::web::photo::MAX_PHOTO_BYTES;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{project_id}/site-logs", get(handlers::calendar))
        .route(
            "/projects/{project_id}/site-logs/{date}",
            get(handlers::show).post(handlers::save),
        )
        .route(
            "/projects/{project_id}/site-logs/{date}/copy-yesterday",
            post(handlers::copy_previous),
        )
        .route(
            "/projects/{project_id}/site-logs/{date}/photos",
            // Photos are bigger than the forms axum's default limit is set for.
            post(handlers::upload_photo).layer(DefaultBodyLimit::max(PHOTO_BODY_LIMIT)),
        )
        .route(
            "/projects/{project_id}/site-logs/photos/{photo_id}",
            get(handlers::photo),
        )
        .route(
            "/projects/{project_id}/site-logs/photos/{photo_id}/thumb",
            get(handlers::thumbnail),
        )
        .route(
            "/projects/{project_id}/site-logs/photos/{photo_id}/delete",
            post(handlers::delete_photo),
        )
}
