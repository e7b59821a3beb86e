//! Tender deposits (投标保证金): paid to a tenderer (a client) before a project may exist,
//! refunded in full, or converted into the performance security or a contract payment when
//! the tender ends. Paying and refunding are ledger movements ("deposit_paid",
//! "deposit_refund"); converting moves no cash. Statuses: paid → refunded | converted.
//!
//! Routes: `/funds/deposits` (list, and POST to pay one), `/{id}`, `/{id}/refund`,
//! `/{id}/convert`.

pub mod domain;
mod handlers;
mod queries;
mod views;

const BASE: &str = "/funds/deposits";

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(handlers::list).post(handlers::create))
        .route("/funds/deposits/{id}", get(handlers::show))
        .route("/funds/deposits/{id}/refund", post(handlers::refund))
        .route("/funds/deposits/{id}/convert", post(handlers::convert))
}
