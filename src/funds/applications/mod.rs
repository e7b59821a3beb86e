//! Progress-payment applications (进度款申请, GB 50500-2013 §10.3) against signed income
//! contracts: a draft per period (numbered 1, 2, 3 …, one open draft per contract), submitted
//! with its retention and net payable frozen, withdrawn or certified by the client (the
//! certificate is entered by our staff; payment due 14 days later, §10.3.11), and the receipts
//! against what was certified. Retention withheld is received on the contract once the defects
//! liability period has ended.
//!
//! Routes: `/funds/applications` (list with filters, totals and CSV/XLSX export; create),
//! `/new?contract=ID`, `/{id}` (the 进度款支付申请(核准)表; save a draft), `/{id}/submit`,
//! `/{id}/withdraw`, `/{id}/certify`, `/{id}/receipts`, and
//! `/funds/contracts/{id}/retention-receipt` (the retention of a contract and its receipts).

pub mod domain;
mod handlers;
pub mod queries;
mod receipts;
mod views;

const BASE: &str = "/funds/applications";

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(handlers::list).post(handlers::create))
        .route("/funds/applications/new", get(handlers::new))
        .route(
            "/funds/applications/{id}",
            get(handlers::show).post(handlers::update),
        )
        .route("/funds/applications/{id}/submit", post(handlers::submit))
        .route(
            "/funds/applications/{id}/withdraw",
            post(handlers::withdraw),
        )
        .route("/funds/applications/{id}/certify", post(receipts::certify))
        .route("/funds/applications/{id}/receipts", post(receipts::receive))
        .route(
            "/funds/contracts/{id}/retention-receipt",
            get(receipts::retention).post(receipts::receive_retention),
        )
}
