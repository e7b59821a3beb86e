//! Payment requests (付款申请): progress payments and retention releases against signed
//! expense contracts, and staff reimbursements (报销). A request is held against the
//! contract's payable balance (above it only with a stated reason), approved by the tenant's
//! approver roles within each approver's limit (two different approvers above the
//! threshold), then paid in full through the ledger; or rejected with a reason, or cancelled
//! by the requester.
//!
//! Routes: `/funds/requests` (list with filters, totals, CSV/XLSX; and create), `/new`
//! (`?contract=ID` or `?kind=reimbursement`), `/{id}` (details, approval trail, actions),
//! `/{id}/approve`, `/{id}/reject`, `/{id}/cancel`, `/{id}/pay`.

mod decisions;
pub mod domain;
mod handlers;
pub mod queries;
mod views;

const BASE: &str = "/funds/requests";

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(handlers::list).post(handlers::create))
        .route("/funds/requests/new", get(handlers::new))
        .route("/funds/requests/{id}", get(handlers::show))
        .route("/funds/requests/{id}/approve", post(decisions::approve))
        .route("/funds/requests/{id}/reject", post(decisions::reject))
        .route("/funds/requests/{id}/cancel", post(decisions::cancel))
        .route("/funds/requests/{id}/pay", post(decisions::pay))
}
