//! The web layer: application state, router assembly and the layers every request passes
//! (request id, tracing, security headers, compression, body limit, metrics, sessions, error
//! pages, a caught panic as a 500 page), plus the house extractors and helpers pages share.

pub mod amount;
pub mod attachments;
pub mod error_page;
pub mod export;
pub mod form;
pub mod format;
pub mod i18n;
pub mod layout;
pub mod metrics;
pub mod pager;
pub mod path;
pub mod photo;
pub mod ratelimit;
mod security;
pub mod statics;
pub mod svg;

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderName;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ed25519_dalek::VerifyingKey;
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
use crate::config::Config;
use crate::db::Db;
use crate::error;
use crate::mail::Mailer;

/// What every handler can reach. Handlers never take the pool: they take `TenantTx`.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub mailer: Mailer,
    pub licence_key: Option<VerifyingKey>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> anyhow::Result<Self> {
        metrics::install();
        let licence_key = config
            .license_public_key
            .as_deref()
            .map(crate::licence::parse_public_key)
            .transpose()?;
        Ok(AppState {
            mailer: Mailer::new(&config)?,
            licence_key,
            config: Arc::new(config),
            db,
        })
    }
}

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application with `extra` routes merged in (tests add probes this way).
pub fn router(state: AppState, extra: Router<AppState>) -> Router {
    let https = state.config.secure_cookies;
    let sessions = SessionManagerLayer::new(PgSessionStore::new(state.db.clone()))
        .with_name("girder_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            state.config.session_idle_minutes,
        )));

    let pages = Router::new()
        .route("/", get(crate::dashboard::root))
        .route("/locale", post(layout::switch_locale))
        .merge(crate::auth::router())
        .merge(crate::signup::router())
        .merge(crate::dashboard::router())
        .merge(crate::admin::router())
        .merge(crate::platform::router())
        .merge(crate::plans::router())
        .merge(crate::progress::router())
        .merge(crate::cost::router())
        .merge(crate::funds::router())
        .merge(crate::changes::router())
        .merge(crate::labour::router())
        .merge(extra)
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
        .layer(axum::middleware::from_fn(metrics::track))
        // The outer guard admits the largest upload route; each route's own limit is lower.
        .layer(RequestBodyLimitLayer::new(
            state
                .config
                .body_limit
                .max(crate::progress::site_log::PHOTO_BODY_LIMIT)
                .max(crate::plans::IMPORT_BODY_LIMIT),
        ))
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
