//! Settings › Funds (owners and admins): the retention cap (质保金上限), 3 % by default as
//! 建设工程质量保证金管理办法 (建质〔2017〕138号) 第七条 sets in mainland China; who approves
//! payment requests (the approver roles and the amount above which a second approver must
//! approve too); and the most each approver may approve alone.

mod handlers;
mod views;

const BASE: &str = "/settings/funds";

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(handlers::show).post(handlers::save))
        .route("/settings/funds/approval", post(handlers::save_approval))
        .route("/settings/funds/approvers", post(handlers::save_limit))
        .route(
            "/settings/funds/approvers/{user}/delete",
            post(handlers::remove_limit),
        )
}
