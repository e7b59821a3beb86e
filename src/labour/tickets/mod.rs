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
use axum::routing::{MethodRouter, get, post};

pub use handlers::visibility;

use crate::labour::domain::TicketAction;
use crate::state::AppState;
use crate::tenancy::{Labour, TenantTx};
use crate::web::photo::PHOTO_BODY_LIMIT;
use crate::web::{AppForm, Page, Path};

/// A POST route that takes a ticket one step along its flow.
fn step(action: TicketAction) -> MethodRouter<AppState> {
    post(
        move |tx: TenantTx<Labour>,
              page: Page,
              Path(id): Path<i64>,
              AppForm(form): AppForm<handlers::TransitionForm>| {
            handlers::transition(tx, page, id, form, action)
        },
    )
}

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
        .route("/labour/tickets/{id}/submit", step(TicketAction::Submit))
        .route(
            "/labour/tickets/{id}/withdraw",
            step(TicketAction::Withdraw),
        )
        .route("/labour/tickets/{id}/confirm", step(TicketAction::Confirm))
        .route("/labour/tickets/{id}/reject", step(TicketAction::Reject))
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
