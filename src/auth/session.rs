//! Typed access to the server-side session: who is signed in, the CSRF token, the language
//! chosen before sign-in and the one-shot flash message.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::AppError;
use crate::i18n::Locale;
use crate::ids::TenantId;
use crate::ids::UserId;

const AUTH: &str = "auth";
const OPERATOR: &str = "operator";
const CSRF: &str = "csrf";
const LOCALE: &str = "locale";
const FLASH: &str = "flash";
const INVITE_LINK: &str = "invite_link";

/// A tenant user's sign-in, as kept in the session.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SignedIn {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// Unix seconds; the session ends a fixed time after this however active it is.
    pub since: i64,
    /// Unix seconds when the session last recorded that it is in use (0 for sessions signed
    /// in before this was kept).
    #[serde(default)]
    pub seen: i64,
}

/// How often a signed-in session records that it is in use — saving itself, which moves its
/// idle expiry on, and marking its company active: often enough for an idle limit counted in
/// hours, rarely enough that a busy company's reads write nothing.
pub const RECORD_ACTIVITY_EVERY_SECS: i64 = 300;

/// A platform operator's sign-in.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct OperatorSignedIn {
    pub operator_id: i64,
    pub since: i64,
}

/// A message shown once on the next page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub success: bool,
    /// An i18n key.
    pub key: String,
}

/// The session with typed keys. Extracting it never fails while the session layer runs.
#[derive(Debug, Clone)]
pub struct AppSession(Session);

impl<S: Send + Sync> FromRequestParts<S> for AppSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Session::from_request_parts(parts, state)
            .await
            .map(AppSession)
            .map_err(|(_, msg)| AppError::Internal(anyhow::anyhow!("session layer missing: {msg}")))
    }
}

/// The session store is the database: when it cannot be reached, the answer is 503.
fn store_err(e: tower_sessions::session::Error) -> AppError {
    use tower_sessions::session::Error;
    use tower_sessions::session_store::Error as StoreError;
    match e {
        Error::Store(StoreError::Backend(msg)) => {
            tracing::warn!(error = %msg, "session store unavailable");
            AppError::Unavailable
        }
        other => AppError::Internal(anyhow::anyhow!("session: {other}")),
    }
}

impl AppSession {
    /// The session the session layer put in a request's extensions, if it ran.
    pub fn from_extensions(extensions: &axum::http::Extensions) -> Option<Self> {
        extensions.get::<Session>().cloned().map(AppSession)
    }

    pub async fn signed_in(&self) -> Result<Option<SignedIn>, AppError> {
        self.0.get(AUTH).await.map_err(store_err)
    }

    /// Records that the session is in use if it has not for `RECORD_ACTIVITY_EVERY_SECS`:
    /// the changed session is saved after the response (by the session layer, outside any
    /// request transaction), which moves its idle expiry on. Whether it recorded.
    pub async fn note_activity(&self, signed_in: SignedIn, now: i64) -> Result<bool, AppError> {
        if now - signed_in.seen < RECORD_ACTIVITY_EVERY_SECS {
            return Ok(false);
        }
        let seen = SignedIn {
            seen: now,
            ..signed_in
        };
        self.0.insert(AUTH, seen).await.map_err(store_err)?;
        Ok(true)
    }

    /// Start a signed-in session under a new id, so an id planted before sign-in is useless.
    pub async fn sign_in(&self, tenant_id: TenantId, user_id: UserId) -> Result<(), AppError> {
        self.0.cycle_id().await.map_err(store_err)?;
        self.0.remove_value(OPERATOR).await.map_err(store_err)?;
        let since = Utc::now().timestamp();
        self.0
            .insert(
                AUTH,
                SignedIn {
                    tenant_id,
                    user_id,
                    since,
                    // The first request records the company's activity.
                    seen: 0,
                },
            )
            .await
            .map_err(store_err)?;
        // A new CSRF token for the new identity.
        self.0.remove_value(CSRF).await.map_err(store_err)?;
        Ok(())
    }

    pub async fn operator(&self) -> Result<Option<OperatorSignedIn>, AppError> {
        self.0.get(OPERATOR).await.map_err(store_err)
    }

    pub async fn operator_sign_in(&self, operator_id: i64) -> Result<(), AppError> {
        self.0.cycle_id().await.map_err(store_err)?;
        self.0.remove_value(AUTH).await.map_err(store_err)?;
        let since = Utc::now().timestamp();
        self.0
            .insert(OPERATOR, OperatorSignedIn { operator_id, since })
            .await
            .map_err(store_err)?;
        self.0.remove_value(CSRF).await.map_err(store_err)?;
        Ok(())
    }

    /// End the session entirely (sign-out): the record is deleted, the cookie cleared.
    pub async fn end(&self) -> Result<(), AppError> {
        self.0.flush().await.map_err(store_err)
    }

    /// The CSRF token of this session, created on first use.
    pub async fn csrf_token(&self) -> Result<String, AppError> {
        if let Some(token) = self.0.get::<String>(CSRF).await.map_err(store_err)? {
            return Ok(token);
        }
        let token = super::token::random_secret()?;
        self.0.insert(CSRF, &token).await.map_err(store_err)?;
        Ok(token)
    }

    /// The session's token without creating one.
    pub async fn existing_csrf_token(&self) -> Result<Option<String>, AppError> {
        self.0.get(CSRF).await.map_err(store_err)
    }

    pub async fn locale(&self) -> Result<Option<Locale>, AppError> {
        self.0.get(LOCALE).await.map_err(store_err)
    }

    pub async fn set_locale(&self, locale: Locale) -> Result<(), AppError> {
        self.0.insert(LOCALE, locale).await.map_err(store_err)
    }

    pub async fn flash(&self, success: bool, key: &str) -> Result<(), AppError> {
        self.0
            .insert(
                FLASH,
                Flash {
                    success,
                    key: key.to_owned(),
                },
            )
            .await
            .map_err(store_err)
    }

    pub async fn take_flash(&self) -> Result<Option<Flash>, AppError> {
        self.0.remove(FLASH).await.map_err(store_err)
    }

    /// Keep a just-created invitation link to show the admin once (mail may be off).
    pub async fn remember_invite_link(&self, link: &str) -> Result<(), AppError> {
        self.0.insert(INVITE_LINK, link).await.map_err(store_err)
    }

    pub async fn take_invite_link(&self) -> Result<Option<String>, AppError> {
        self.0.remove(INVITE_LINK).await.map_err(store_err)
    }
}
