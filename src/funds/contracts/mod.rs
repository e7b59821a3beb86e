//! Contracts (合同): income contracts with the client and expense contracts with
//! subcontractors and suppliers. A draft is edited freely; signing locks it (its signed
//! expense amount, with variations and without VAT, becomes the cost centre's committed cost);
//! a signed contract takes variations (变更/签证) and is closed at the end.
//!
//! Routes: `/funds/contracts` (list with filters and totals, and create), `/new`, `/{id}`
//! (detail; save a draft), `/{id}/edit`, `/{id}/sign`, `/{id}/close`, `/{id}/variations` and
//! `/{id}/variations/{variation}/delete`.

mod domain;
mod handlers;
pub mod queries;
mod variations;
mod views;

pub use variations::{Refused, VariationRefusal, vary_income_contract};

const BASE: &str = "/funds/contracts";

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(handlers::list).post(handlers::create))
        .route("/funds/contracts/new", get(handlers::new))
        .route(
            "/funds/contracts/{id}",
            get(handlers::show).post(handlers::update),
        )
        .route("/funds/contracts/{id}/edit", get(handlers::edit))
        .route("/funds/contracts/{id}/sign", post(handlers::sign))
        .route("/funds/contracts/{id}/close", post(handlers::close))
        .route(
            "/funds/contracts/{id}/variations",
            post(handlers::add_variation),
        )
        .route(
            "/funds/contracts/{id}/variations/{variation}/delete",
            post(handlers::delete_variation),
        )
}
