//! Funds (资金数据中心): every yuan in and out of every project. This first part holds the
//! contracts.
//!
//! - `domain`: the rules, pure — the unified social credit code's check character, the
//!   retention cap, a contract's amount with its variations and without VAT.
//! - `queries`: the SQL the parts share — the retention cap, visible projects, counterparties.
//! - `counterparties`: clients, subcontractors and suppliers with their bank details.
//! - `contracts`: income and expense contracts, signing, variations, closing.
//! - `requests`: payment requests against expense contracts and reimbursements, their
//!   approvals and payment.
//! - `settings`: Settings › Funds — the retention cap, the payment approvers and limits.
//! - `settings`: Settings › Funds — the retention cap.
//! - `applications`: progress-payment applications on income contracts, their certification,
//!   receipts, and retention receipts.
//! - `cashflow`: a project's funds page and fund plan, the company overview, aging, the
//!   dashboard's panel.
//! - `bench`: `girder bench funds`.
//!
//! Signed expense contracts (with variations, without VAT) are the cost centre's committed
//! cost through the `cost_committed` view (migration 0007).

pub mod applications;
pub mod bench;
pub mod cashflow;
pub mod contracts;
pub mod counterparties;
pub mod domain;
pub mod ledger;
pub mod queries;
pub mod requests;
mod settings;

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(applications::router())
        .merge(cashflow::router())
        .merge(contracts::router())
        .merge(counterparties::router())
        .merge(requests::router())
        .merge(settings::router())
}
