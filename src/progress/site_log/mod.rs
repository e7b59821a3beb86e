//! The daily site log (施工日志) of a project: one log per day with the weather, the crews on
//! site and their headcount, the work done and the problems met; "copy yesterday" to start a
//! day from the last log; photos (JPEG or PNG, checked by their content, stored in the
//! database with a thumbnail); and a month calendar of the days that have a log.

mod domain;
mod handlers;
mod queries;
mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

/// The largest request a photo upload may send (one photo plus the form around it). The
/// app-wide `RequestBodyLimitLayer` in `crate::web` must admit it too: a route layer can only
/// lower that limit, not raise it.
pub const PHOTO_BODY_LIMIT: usize = crate::web::photo::PHOTO_BODY_LIMIT;

/// The largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = crate::web::photo::MAX_PHOTO_BYTES;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{project_id}/site-logs", get(handlers::calendar))
        .route(
            "/projects/{project_id}/site-logs/{date}",
            get(handlers::show).post(handlers::save),
        )
        .route(
            "/projects/{project_id}/site-logs/{date}/copy-yesterday",
            post(handlers::copy_previous),
        )
        .route(
            "/projects/{project_id}/site-logs/{date}/photos",
            // Photos are bigger than the forms axum's default limit is set for.
            post(handlers::upload_photo).layer(DefaultBodyLimit::max(PHOTO_BODY_LIMIT)),
        )
        .route(
            "/projects/{project_id}/site-logs/photos/{photo_id}",
            get(handlers::photo),
        )
        .route(
            "/projects/{project_id}/site-logs/photos/{photo_id}/thumb",
            get(handlers::thumbnail),
        )
        .route(
            "/projects/{project_id}/site-logs/photos/{photo_id}/delete",
            post(handlers::delete_photo),
        )
}

/// Site logs for the demo project: one per working day in `days`, with a site's usual crews.
pub async fn demo_logs(
    scope: &mut crate::db::TenantScope,
    project: i64,
    by: crate::ids::UserId,
    days: &[chrono::NaiveDate],
) -> crate::error::AppResult<()> {
    let weather = ["sunny", "cloudy", "overcast", "light_rain"];
    for (i, day) in days.iter().enumerate() {
        let crew = |name: &str, n: i32| domain::CrewLine {
            crew: name.to_owned(),
            headcount: n,
        };
        let entry = domain::SiteLogEntry {
            weather: weather[i % weather.len()].to_owned(),
            temperature: format!("{}–{}℃", 8 + i % 5, 16 + i % 6),
            crews: vec![
                crew("钢筋班组", 18 + (i % 4) as i32),
                crew("木工班组", 14 + (i % 3) as i32),
                crew("混凝土班组", 9),
                crew("架子工班组", 6),
            ],
            work_done: "3# 楼主体结构施工：绑扎柱、墙钢筋，支设梁板模板；塔吊运行正常。".to_owned(),
            problems: if i % 3 == 0 {
                "商品混凝土到场延迟约 1 小时，已与搅拌站沟通。".to_owned()
            } else {
                String::new()
            },
        };
        if let Some(log) = queries::insert_log(scope, project, *day, &entry, by).await? {
            queries::replace_crews(scope, log, &entry.crews).await?;
        }
    }
    Ok(())
}
