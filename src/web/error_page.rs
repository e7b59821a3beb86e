//! Errors become pages here, in the user's language: the layer below every route picks up
//! the `AppError` a handler or extractor returned and renders `templates/error.html` (or a
//! JSON problem), keeping its status.

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::layout::{Layout, locale_from_headers};
use crate::auth::session::AppSession;
use crate::error::{AppError, ErrorToRender, wants_json};
use crate::i18n::{self, Locale};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    detail: String,
    link: Option<(String, &'static str)>,
    request_id: String,
}

/// Any URL no route claims.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Render the error a handler or extractor returned. It runs twice: inside the session layer
/// (with the session, for the user's language) and outside it, where it turns the session
/// layer's own bare 500 — it cannot save to an unreachable database — into the 503 page.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let session = AppSession::from_extensions(req.extensions());
    let json = wants_json(req.headers());
    let (parts, body) = req.into_parts();
    let header_locale = locale_from_headers(&parts);
    let path = parts.uri.path().to_owned();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    let request_id = parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let err = match response.extensions_mut().remove::<ErrorToRender>() {
        Some(ErrorToRender(err)) => err,
        None if is_bare_server_error(&response) => std::sync::Arc::new(AppError::Unavailable),
        None => return response,
    };

    if let AppError::Unauthenticated = *err {
        let login = if path.starts_with("/platform") {
            "/platform/login"
        } else {
            "/login"
        };
        let next: String = form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect();
        return Redirect::to(&format!("{login}?next={next}")).into_response();
    }

    // While the database is away, asking the session again would wait out the pool again.
    let session = session.filter(|_| !matches!(*err, AppError::Unavailable));
    let status = err.status();
    let locale = match &session {
        Some(s) => s.locale().await.ok().flatten().unwrap_or(header_locale),
        None => header_locale,
    };
    let mut out = if json {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": i18n::t(locale, err.title_key()),
            "status": status.as_u16(),
            "detail": detail(&err, locale),
        });
        let mut r = (status, axum::Json(body)).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        r
    } else {
        let csrf = match &session {
            Some(s) => s.existing_csrf_token().await.ok().flatten(),
            None => None,
        };
        let csrf = csrf.unwrap_or_default();
        let page = ErrorPage {
            layout: Layout::bare(locale, csrf, path.clone(), err.title_key()),
            status: status.as_u16(),
            detail: detail(&err, locale),
            link: link(&err, &path_and_query),
            request_id,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            // The error page itself failed: plain text, never a second failure.
            Err(e) => {
                tracing::error!(error = ?e, "rendering the error page");
                (status, i18n::t(locale, err.title_key()).to_owned()).into_response()
            }
        }
    };
    match *err {
        AppError::TooManyRequests => {
            out.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        AppError::Unavailable => {
            out.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        _ => {}
    }
    out
}

/// A 500 with no body: only the session layer answers so (every handler error carries an
/// `ErrorToRender`), and only when its store, the database, fails.
fn is_bare_server_error(response: &Response) -> bool {
    response.status() == axum::http::StatusCode::INTERNAL_SERVER_ERROR
        && !response.headers().contains_key(header::CONTENT_TYPE)
}

fn detail(err: &AppError, locale: Locale) -> String {
    match err {
        AppError::ModuleOff(m) => i18n::tf(
            locale,
            "error.module_off_detail",
            &[("module", &i18n::t(locale, m.label_key()))],
        ),
        AppError::Forbidden(p) => {
            let roles: Vec<&str> = p
                .roles()
                .iter()
                .map(|r| i18n::t(locale, r.label_key()))
                .collect();
            i18n::tf(
                locale,
                "error.forbidden_detail",
                &[("roles", &roles.join(" / "))],
            )
        }
        AppError::BadRequest(msg) => msg.to_string(),
        // Sign-in is limited per address and per account: say neither, ask to wait.
        AppError::TooManyRequests => i18n::t(locale, "throttle.detail").to_owned(),
        other => {
            let key = format!("{}_detail", other.title_key());
            i18n::t(locale, &key).to_owned()
        }
    }
}

fn link(err: &AppError, here: &str) -> Option<(String, &'static str)> {
    match err {
        AppError::ReadOnly => Some(("/settings/licence".into(), "error.go_to_licence")),
        AppError::Unavailable => Some((here.to_owned(), "error.try_again")),
        AppError::OperatorOnly => Some(("/dashboard".into(), "error.go_to_dashboard")),
        AppError::Suspended => None,
        _ => Some(("/".into(), "error.go_home")),
    }
}
