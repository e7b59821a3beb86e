//! Progress: status date, task updates with their history, delay warnings (预警), the
//! S-curve, and daily site logs.

pub mod domain;
mod handlers;
mod panels;
pub mod queries;
pub mod scurve;
pub mod site_log;
mod views;

// What other features use: the progress points earned value plots, on the S-curve's dates.
pub use queries::progress_points;
pub use scurve::sample_dates;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;
use crate::web::registry::{Feature, ProjectTab};

/// Progress: the project tabs of progress, warnings, the S-curve and site logs.
pub fn feature() -> Feature {
    let tab = |order, key, suffix, label_key| ProjectTab {
        order,
        key,
        suffix,
        label_key,
        module: None,
    };
    Feature {
        largest_upload: site_log::PHOTO_BODY_LIMIT,
        project_tabs: vec![
            tab(40, "progress", "/progress", "progress.tab_progress"),
            tab(50, "warnings", "/warnings", "progress.tab_warnings"),
            tab(60, "curve", "/s-curve", "progress.tab_curve"),
            tab(70, "site_logs", "/site-logs", "progress.tab_site_logs"),
        ],
        dashboard_panels: panels::dashboard_panels(),
        project_panels: panels::project_panels(),
        task_panels: panels::task_panels(),
        ..Feature::new(router())
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{project_id}/progress", get(handlers::progress))
        .route(
            "/projects/{project_id}/status-date",
            post(handlers::set_status_date),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/progress",
            post(handlers::record),
        )
        .route(
            "/projects/{project_id}/warnings",
            get(handlers::warnings_page),
        )
        .route("/projects/{project_id}/s-curve", get(handlers::s_curve))
        .route(
            "/settings/warnings",
            get(handlers::thresholds).post(handlers::save_thresholds),
        )
        .merge(site_log::router())
}

/// A task's progress history for its page.
async fn history(
    scope: &mut crate::db::TenantScope,
    task: crate::ids::TaskId,
) -> crate::error::AppResult<Vec<views::UpdateRow>> {
    Ok(queries::history(scope, task)
        .await?
        .into_iter()
        .map(|h| views::UpdateRow {
            at: h.created_at.format("%Y-%m-%d %H:%M").to_string(),
            by: h.by_name.unwrap_or_default(),
            status_date: h.status_date,
            percent: h.percent_complete,
            actual_start: h.actual_start.map(|d| d.to_string()).unwrap_or_default(),
            actual_finish: h.actual_finish.map(|d| d.to_string()).unwrap_or_default(),
            remaining: h.remaining_days.map(|d| d.to_string()).unwrap_or_default(),
            comment: h.comment,
        })
        .collect())
}
