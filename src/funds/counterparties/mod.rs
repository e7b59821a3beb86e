//! Counterparties (往来单位): clients, subcontractors and suppliers with their unified social
//! credit code and bank details, tenant-wide. Listed by everyone who opens Funds; added,
//! edited, deactivated and reactivated by those who manage contracts.

mod domain;
mod handlers;
mod views;

const BASE: &str = "/funds/counterparties";

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(handlers::list).post(handlers::create))
        .route(
            "/funds/counterparties/{id}",
            get(handlers::edit).post(handlers::update),
        )
        .route(
            "/funds/counterparties/{id}/active",
            post(handlers::set_active),
        )
}
