//! Cost entries (成本录入) of a project: the filtered, paged list with its totals and exports,
//! the entry form (tax computed from the rate unless typed), editing in an open month with
//! optimistic locking, reversal as the only correction, and attachments (PDF, JPEG, PNG).
//! Day labour is never typed here: the list points to the confirmed tickets it comes from.

mod attachments;
pub mod domain;
mod handlers;
pub mod queries;
mod views;

use axum::Router;
use axum::routing::{get, post};

use self::attachments::EntryAttachments;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{project_id}/cost/entries",
            get(handlers::list).post(handlers::create),
        )
        .route(
            "/projects/{project_id}/cost/entries/new",
            get(handlers::new_form),
        )
        .route(
            "/projects/{project_id}/cost/entries/{id}",
            get(handlers::show),
        )
        .route(
            "/projects/{project_id}/cost/entries/{id}/edit",
            get(handlers::edit_form).post(handlers::update),
        )
        .route(
            "/projects/{project_id}/cost/entries/{id}/reverse",
            post(handlers::reverse),
        )
        .merge(crate::web::attachments::routes::<EntryAttachments>(
            "/projects/{project_id}/cost/entries/{id}",
        ))
}
