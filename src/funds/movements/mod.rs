//! The ledger (资金流水): every receipt and payment of the company, with the labour wage
//! account's payouts and advances as outflows (read-only here; they are paid on the labour
//! wages pages). Filtered by project, account, direction, kind, months and counterparty,
//! paged, totalled, exported; other receipts and payments recorded here; each movement's page
//! shows what it links, its reversal, and its attachments.
//!
//! Routes: `/funds/movements` (list; `?format=csv|xlsx` exports; POST records), `/new`,
//! `/{id}`, `/{id}/reverse`, `/{id}/attachments`, `/{id}/attachments/{aid}` (download) and
//! `/{id}/attachments/{aid}/delete`.

mod attachments;
pub mod domain;
mod handlers;
pub mod queries;
mod views;

use self::attachments::MovementAttachments;

const BASE: &str = "/funds/movements";

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(handlers::list).post(handlers::create))
        .route("/funds/movements/new", get(handlers::new))
        .route("/funds/movements/{id}", get(handlers::show))
        .route("/funds/movements/{id}/reverse", post(handlers::reverse))
        .merge(crate::web::attachments::routes::<MovementAttachments>(
            "/funds/movements/{id}",
        ))
}
