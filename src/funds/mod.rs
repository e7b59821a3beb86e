//! Funds (资金数据中心): every yuan in and out of every project. This first part holds the
//! contracts.
//!
//! - `domain`: the rules, pure — the unified social credit code's check character, the
//!   retention cap, a contract's amount with its variations and without VAT.
//! - `queries`: the SQL the parts share — the retention cap, visible projects, counterparties.
//! - `counterparties`: clients, subcontractors and suppliers with their bank details.
//! - `contracts`: income and expense contracts, signing, variations, closing.
//! - `settings`: Settings › Funds — the retention cap.
//!
//! Signed expense contracts (with variations, without VAT) are the cost centre's committed
//! cost through the `cost_committed` view (migration 0007).

pub mod accounts;
pub mod contracts;
pub mod counterparties;
pub mod demo;
pub mod deposits;
pub mod domain;
pub mod ledger;
pub mod movements;
pub mod queries;
mod settings;

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(contracts::router())
        .merge(counterparties::router())
        .merge(settings::router())
        .merge(accounts::router())
        .merge(movements::router())
        .merge(deposits::router())
}
