//! The one error type. Every handler returns `AppResult`, and `AppError` turns into the right
//! status with an HTML page (or a JSON problem when the client asks for JSON).

use std::borrow::Cow;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::roles::ModuleId;
use crate::roles::Permission;

pub type AppResult<T, E = AppError> = Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("module {0:?} is switched off")]
    ModuleOff(ModuleId),
    #[error("sign-in required")]
    Unauthenticated,
    #[error("permission {0:?} required")]
    Forbidden(Permission),
    #[error("platform operators only")]
    OperatorOnly,
    #[error("the tenant is read-only")]
    ReadOnly,
    #[error("the tenant is suspended")]
    Suspended,
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("the record was changed by someone else")]
    Conflict,
    #[error("request body too large")]
    TooLarge,
    #[error("too many attempts")]
    TooManyRequests,
    #[error("bad request: {0}")]
    BadRequest(Cow<'static, str>),
    #[error("database unavailable")]
    Unavailable,
    #[error(transparent)]
    Database(sqlx::Error),
    #[error(transparent)]
    Template(#[from] askama::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        // A lost or refused connection, or a server stopping or starting, is "try again", not
        // a bug: 503 with a retry page.
        if is_unavailable(&err) {
            AppError::Unavailable
        } else {
            AppError::Database(err)
        }
    }
}

/// Whether `err` means the database is away for now rather than that the request is wrong.
fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 53300: too many connections; 57P01 admin shutdown,
            // 57P02 crash shutdown, 57P03 cannot connect now (starting up or shutting down).
            code.starts_with("08") || matches!(&*code, "53300" | "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::ModuleOff(_) => StatusCode::NOT_FOUND,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_)
            | AppError::OperatorOnly
            | AppError::ReadOnly
            | AppError::Suspended
            | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Conflict => StatusCode::CONFLICT,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Template(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The i18n key of the headline shown to the user.
    pub fn title_key(&self) -> &'static str {
        match self {
            AppError::NotFound => "error.not_found",
            AppError::ModuleOff(_) => "error.module_off",
            AppError::Unauthenticated => "error.unauthenticated",
            AppError::Forbidden(_) => "error.forbidden",
            AppError::OperatorOnly => "error.operator_only",
            AppError::ReadOnly => "error.read_only",
            AppError::Suspended => "error.suspended",
            AppError::Csrf => "error.csrf",
            AppError::Conflict => "error.conflict",
            AppError::TooManyRequests => "error.too_many_requests",
            AppError::TooLarge => "error.too_large",
            AppError::BadRequest(_) => "error.bad_request",
            AppError::Unavailable => "error.unavailable",
            AppError::Database(_) | AppError::Template(_) | AppError::Internal(_) => {
                "error.internal"
            }
        }
    }

    /// A failed CHECK/unique constraint named `name` becomes the given user error.
    pub fn is_constraint(&self, name: &str) -> bool {
        matches!(self, AppError::Database(sqlx::Error::Database(db)) if db.constraint() == Some(name))
    }

    /// A delete refused because other rows still refer to the row (a foreign key without
    /// `on delete cascade`).
    pub fn is_still_referenced(&self) -> bool {
        matches!(self, AppError::Database(sqlx::Error::Database(db)) if db.is_foreign_key_violation())
    }
}

/// A unique constraint refused a write: the value (a code, a name, a number) is taken. See
/// `TenantScope::unless_taken`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken;

/// Turn a named constraint violation into a user error at the call site.
pub trait ResultExt<T> {
    fn on_constraint(self, name: &str, f: impl FnOnce() -> AppError) -> AppResult<T>;
}

impl<T, E: Into<AppError>> ResultExt<T> for Result<T, E> {
    fn on_constraint(self, name: &str, f: impl FnOnce() -> AppError) -> AppResult<T> {
        self.map_err(|e| {
            let e = e.into();
            if e.is_constraint(name) { f() } else { e }
        })
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() && !matches!(self, AppError::Unavailable) {
            tracing::error!(error = ?self, "request failed");
        }
        // The page is rendered by `web::error_page` (it needs the request's locale and URI;
        // it turns `Unauthenticated` into a redirect to sign-in); the error travels to it
        // as a response extension.
        let mut response = match self {
            AppError::Unauthenticated => Redirect::to("/login").into_response(),
            _ => status.into_response(),
        };
        response
            .extensions_mut()
            .insert(ErrorToRender(std::sync::Arc::new(self)));
        response
    }
}

/// Carries the error from the handler to the layer that renders the error page.
#[derive(Clone, Debug)]
pub struct ErrorToRender(pub std::sync::Arc<AppError>);

/// Whether the client prefers a JSON problem body to an HTML page.
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json") && !v.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_is_away_is_a_503_and_a_bad_query_a_500() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        for away in [
            sqlx::Error::Io(refused),
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
        ] {
            assert_eq!(
                AppError::from(away).status(),
                StatusCode::SERVICE_UNAVAILABLE
            );
        }
        assert_eq!(
            AppError::from(sqlx::Error::RowNotFound).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
