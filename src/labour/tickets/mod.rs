//! Day-labour tickets (点工单): the foreman's fast entry for a day and crew (with "copy
//! yesterday"), editing drafts, the flow draft → submitted → confirmed or rejected, reversal of
//! a confirmed ticket by a new one, and the ticket list with its filters, bulk confirmation and
//! export.

pub mod form;
mod handlers;
pub mod queries;
mod views;

use axum::Router;
use axum::routing::{get, post};

pub use handlers::visibility;

use crate::web::AppState;

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
}
