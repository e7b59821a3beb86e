//! The web layer: the layers every request passes (request id, tracing, security headers,
//! compression, body limit, metrics, sessions, error pages, a caught panic as a 500 page), the
//! house extractors, and the widgets pages share. It names no feature: `app` hands it their
//! routes, and `registry` their navigation, tabs and panels.

pub mod amount;
pub mod attachments;
pub mod error_page;
pub mod export;
pub mod fields;
pub mod form;
pub mod format;
pub mod layout;
pub mod metrics;
pub mod pager;
pub mod path;
pub mod photo;
pub mod ratelimit;
pub mod registry;
mod security;
pub mod statics;
pub mod svg;
pub mod transition;

use std::any::Any;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderName;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use form::AppForm;
pub use layout::{Layout, Page};
pub use path::Path;

use crate::auth::session_store::PgSessionStore;
use crate::error;
use crate::state::AppState;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps the application's `pages` (every feature's routes, merged by `app`) in the layers
/// every request passes, and adds the health, metrics and static routes. `largest_upload` is
/// the biggest body any upload route accepts: the outer guard admits it, each route's own
/// limit is lower.
pub fn serve(state: AppState, pages: Router<AppState>, largest_upload: usize) -> Router {
    metrics::install();
    let https = state.config.secure_cookies;
    let sessions = SessionManagerLayer::new(PgSessionStore::new(state.db.clone()))
        .with_name("girder_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            state.config.session_idle_minutes,
        )));

    let pages = pages
        .route("/locale", post(layout::switch_locale))
        // Forms stop at the configured limit; upload routes set their own, larger one.
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.body_limit,
        ))
        .fallback(error_page::not_found)
        // A panicking handler answers 500 with the error page (rendered by the next layer).
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(error_page::render_errors))
        .layer(sessions)
        .layer(axum::middleware::from_fn(error_page::render_errors));

    statics::init();
    let assets = Router::new()
        .nest_service("/static", ServeDir::new(statics::static_dir()))
        .layer(axum::middleware::from_fn(statics::cache_headers))
        .route("/favicon.ico", get(statics::favicon));

    let app = Router::new()
        .route("/healthz", get(metrics::healthz))
        .route("/metrics", get(metrics::render))
        .merge(assets)
        .merge(pages)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(RequestBodyLimitLayer::new(
            state.config.body_limit.max(largest_upload),
        ))
        .layer(axum::middleware::from_fn(run_to_completion))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CompressionLayer::new())
        // Outside the pages (metrics, statics): a bare 500 rather than a dropped connection.
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state);
    security::apply(app, https)
        .layer(crate::telemetry::trace_layer())
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
}

/// Runs the rest of the request in a task of its own, so that neither a client going away
/// nor the timeout drops it half-way through its database work. A request dropped while its
/// transaction was opening returned its pooled connection inside an open transaction: the
/// next statements sent on that connection (a session save, a job claim) ran in it, never
/// committed, and held their row locks until the process stopped. The time a request may
/// take stays bounded by the database's statement timeout.
async fn run_to_completion(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let span = tracing::Span::current();
    match tokio::spawn(tracing::Instrument::instrument(next.run(request), span)).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "the request's task failed");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The response to a panicking handler: an internal error, logged inside the request's span
/// (which carries the request id) and rendered as the 500 page by `error_page::render_errors`.
fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-text panic payload".to_owned());
    error::AppError::Internal(anyhow::anyhow!("handler panicked: {message}")).into_response()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use axum::body::Body;
    use tokio::sync::Notify;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn a_request_dropped_by_its_caller_still_runs_to_the_end() {
        let go_on = Arc::new(Notify::new());
        let finished = Arc::new(AtomicBool::new(false));
        let (wait, done) = (go_on.clone(), finished.clone());
        let app: Router = Router::new()
            .route(
                "/",
                get(move || async move {
                    wait.notified().await;
                    done.store(true, Ordering::SeqCst);
                }),
            )
            .layer(axum::middleware::from_fn(run_to_completion));
        let request = axum::http::Request::new(Body::empty());
        // The caller gives up while the handler waits, as a client that disconnects does.
        let gave_up = tokio::time::timeout(Duration::from_millis(50), app.oneshot(request)).await;
        assert!(gave_up.is_err());
        go_on.notify_one();
        for _ in 0..100 {
            if finished.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the handler was dropped with its caller");
    }
}
