//! `AppForm<T>`: a url-encoded form whose CSRF token has been checked, and the small
//! validators forms share. A failed validation is not an error: the handler re-renders the
//! form with messages beside the fields and status 422.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use serde::de::DeserializeOwned;

use crate::auth::session::AppSession;
use crate::auth::token::constant_time_eq;
use crate::error::{AppError, AppResult};

/// The name of the hidden CSRF field in every form.
pub const CSRF_FIELD: &str = "_csrf";

/// A form posted with this session's CSRF token. Without it: 403, and the handler never runs.
#[derive(Debug)]
pub struct AppForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> AppResult<Self> {
        let (mut parts, body) = req.into_parts();
        let session = AppSession::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::TooLarge
                } else {
                    AppError::BadRequest(e.body_text().into())
                }
            })?;
        let expected = session.existing_csrf_token().await?.ok_or(AppError::Csrf)?;
        let sent = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.into_owned())
            .ok_or(AppError::Csrf)?;
        if !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            return Err(AppError::Csrf);
        }
        serde_html_form::from_bytes(&bytes)
            .map(AppForm)
            .map_err(|e| AppError::BadRequest(format!("malformed form: {e}").into()))
    }
}

/// Checks a CSRF token that came some other way than a url-encoded form (the `_csrf` field
/// of a multipart upload) against the session's, as `AppForm` does.
pub(crate) async fn verify_csrf(session: &AppSession, sent: &str) -> AppResult<()> {
    let expected = session.existing_csrf_token().await?.ok_or(AppError::Csrf)?;
    if constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

/// Messages (i18n keys) by field name.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(BTreeMap<&'static str, &'static str>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, key: &'static str) {
        self.0.entry(field).or_insert(key);
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.get(field).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
}

/// Characters no form field may hold: controls, and the replacement character that
/// undecodable (non-UTF-8) input turns into.
fn has_forbidden_chars(s: &str, allow_newlines: bool) -> bool {
    s.chars().any(|c| {
        c == '\u{FFFD}' || (c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t')))
    })
}

/// A trimmed single-line text; records `field`'s error when empty (if required), too long or
/// holding forbidden characters.
pub fn text(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    required: bool,
    max_chars: usize,
) -> String {
    let v = value.trim();
    if has_forbidden_chars(v, false) {
        errors.add(field, "form.invalid_chars");
    } else if required && v.is_empty() {
        errors.add(field, "form.required");
    } else if v.chars().count() > max_chars {
        errors.add(field, "form.too_long");
    }
    v.to_owned()
}

/// A trimmed multi-line text (notes, comments, a day's work): one line ending whatever the
/// browser sent, no control characters (PostgreSQL refuses NUL), at most `max_chars`.
pub fn multiline(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    max_chars: usize,
) -> String {
    let v = value.trim().replace("\r\n", "\n");
    if has_forbidden_chars(&v, true) {
        errors.add(field, "form.invalid_chars");
    } else if v.chars().count() > max_chars {
        errors.add(field, "form.too_long");
    }
    v
}

/// A lowercased, syntactically valid email address.
pub fn email(errors: &mut FieldErrors, field: &'static str, value: &str) -> String {
    let v = text(errors, field, value, true, 254).to_lowercase();
    if !errors.has(field) && !email_address::EmailAddress::is_valid(&v) {
        errors.add(field, "form.invalid_email");
    }
    v
}

/// A new password: long enough, not only spaces, no control characters.
pub fn new_password(errors: &mut FieldErrors, field: &'static str, value: &str) -> String {
    if has_forbidden_chars(value, false) {
        errors.add(field, "form.invalid_chars");
    } else if value.trim().chars().count() < crate::auth::password::MIN_LEN {
        errors.add(field, "form.password_too_short");
    } else if value.chars().count() > 200 {
        errors.add(field, "form.too_long");
    }
    value.to_owned()
}

/// One option of a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// A form with nothing but its CSRF token (a delete or a sign-out button).
#[derive(Debug, Default, serde::Deserialize)]
pub struct CsrfOnly {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiline_keeps_lines_and_refuses_nul() {
        let mut e = FieldErrors::default();
        assert_eq!(multiline(&mut e, "notes", " a\r\nb ", 10), "a\nb");
        assert!(e.is_empty());
        multiline(&mut e, "notes", "a\0b", 10);
        assert_eq!(e.get("notes"), Some("form.invalid_chars"));
        let mut e = FieldErrors::default();
        multiline(&mut e, "notes", "长长长", 2);
        assert_eq!(e.get("notes"), Some("form.too_long"));
    }

    #[test]
    fn text_is_trimmed_and_checked() {
        let mut e = FieldErrors::default();
        assert_eq!(text(&mut e, "name", "  Acme  ", true, 10), "Acme");
        assert!(e.is_empty());
        text(&mut e, "empty", "   ", true, 10);
        text(&mut e, "long", "abcdefghijk", true, 10);
        text(&mut e, "ctrl", "a\u{7}b", true, 10);
        text(&mut e, "bad_utf8", "a\u{FFFD}b", true, 10);
        assert_eq!(e.get("empty"), Some("form.required"));
        assert_eq!(e.get("long"), Some("form.too_long"));
        assert_eq!(e.get("ctrl"), Some("form.invalid_chars"));
        assert_eq!(e.get("bad_utf8"), Some("form.invalid_chars"));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let mut e = FieldErrors::default();
        text(&mut e, "name", "工程管理系统", true, 6);
        assert!(e.is_empty());
    }

    #[test]
    fn emails_are_lowercased_and_validated() {
        let mut e = FieldErrors::default();
        assert_eq!(
            email(&mut e, "email", " Li.Wei@Example.COM "),
            "li.wei@example.com"
        );
        assert!(e.is_empty());
        email(&mut e, "bad", "not-an-email");
        assert_eq!(e.get("bad"), Some("form.invalid_email"));
    }

    #[test]
    fn passwords_need_ten_characters() {
        let mut e = FieldErrors::default();
        new_password(&mut e, "short", "123456789");
        new_password(&mut e, "ok", "1234567890");
        assert_eq!(e.get("short"), Some("form.password_too_short"));
        assert!(!e.has("ok"));
    }
}
