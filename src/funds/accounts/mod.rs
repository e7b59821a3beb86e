//! The company's bank accounts (银行账户): 基本户, 一般户, 农民工工资专用账户 … Everyone in
//! Funds sees them with their current balance (opening balance plus every movement through
//! the account) and this month's receipts and payments; those who record funds add, edit,
//! deactivate and reactivate them. Account numbers show in full only to them; others see the
//! last four digits.

mod domain;
mod handlers;
pub mod queries;
mod views;

const BASE: &str = "/funds/accounts";

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(handlers::list).post(handlers::create))
        .route(
            "/funds/accounts/{id}",
            get(handlers::edit).post(handlers::update),
        )
        .route("/funds/accounts/{id}/active", post(handlers::set_active))
}
