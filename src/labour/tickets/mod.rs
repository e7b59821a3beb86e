//! Day-labour tickets (点工单): the foreman's fast entry for a day and crew (with "copy
//! yesterday"), editing drafts, the flow draft → submitted → confirmed or rejected, reversal of
//! a confirmed ticket by a new one, photos, and the ticket list with its filters, bulk
//! confirmation and export.

pub mod form;
mod handlers;
mod photos;
pub mod queries;
mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use handlers::visibility;

use crate::web::AppState;
use crate::web::photo::PHOTO_BODY_LIMIT;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/labour/tickets",
            get(handlers::list).post(handlers::create),
        )
        .route("/labour/tickets/new", get(handlers::new_form))
        .route("/labour/tickets/confirm", post(handlers::confirm_many))
        .route("/labour/tickets/{id}", get(handlers::show))
        .route(
            "/labour/tickets/{id}/edit",
            get(handlers::edit_form).post(handlers::save),
        )
        .route("/labour/tickets/{id}/submit", post(handlers::submit))
        .route("/labour/tickets/{id}/withdraw", post(handlers::withdraw))
        .route("/labour/tickets/{id}/confirm", post(handlers::confirm))
        .route("/labour/tickets/{id}/reject", post(handlers::reject))
        .route("/labour/tickets/{id}/reverse", post(handlers::reverse))
        .route("/labour/tickets/{id}/delete", post(handlers::delete))
        .route(
            "/labour/tickets/{id}/photos",
            // Photos are bigger than the forms axum's default limit is set for.
            post(photos::upload).layer(DefaultBodyLimit::max(PHOTO_BODY_LIMIT)),
        )
        .route("/labour/tickets/{id}/photos/{photo_id}", get(photos::photo))
        .route(
            "/labour/tickets/{id}/photos/{photo_id}/thumb",
            get(photos::thumbnail),
        )
        .route(
            "/labour/tickets/{id}/photos/{photo_id}/delete",
            post(photos::delete),
        )
}
