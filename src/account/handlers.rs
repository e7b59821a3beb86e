//! Sign-in, sign-out and password reset.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::views::{ForgotPage, LoginPage, ResetPage};
use crate::audit::{self, Action, Actor, Change};
use crate::auth::session::AppSession;
use crate::auth::{password, queries, token};
use crate::db::cross_tenant;
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::state::AppState;
use crate::web::form::CsrfOnly;
use crate::web::form::{self, FieldErrors};
use crate::web::layout::safe_next;
use crate::web::ratelimit::ClientIp;
use crate::web::{AppForm, Page, Path};

/// How long a password-reset link works.
const RESET_VALID_FOR: Duration = Duration::hours(1);

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(page: Page, Query(q): Query<NextQuery>) -> AppResult<Response> {
    if page.session.signed_in().await?.is_some() {
        return Ok(Redirect::to(safe_next(&q.next, "/dashboard")).into_response());
    }
    let html = LoginPage {
        layout: page.public("login.title"),
        action: "/login",
        email: String::new(),
        next: q.next,
        error: None,
    }
    .render()?;
    Ok(Html(html).into_response())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    AppForm(form): AppForm<LoginForm>,
) -> AppResult<Response> {
    let mut invalid = FieldErrors::default();
    let email = form::email(&mut invalid, "email", &form.email);
    let attempt = state.begin_sign_in(ip, "user", &email).await?;
    let refuse = |key: &'static str| -> AppResult<Response> {
        let html = LoginPage {
            layout: page.public("login.title"),
            action: "/login",
            email: email.clone(),
            next: form.next.clone(),
            error: Some(key),
        }
        .render()?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
    };

    // A malformed address (control characters included) matches nobody.
    let found = match invalid.is_empty() {
        true => cross_tenant::find_login(&state.db, &email).await?,
        false => None,
    };
    let Some((tenant_id, user_id)) = found else {
        password::verify(form.password.clone(), None).await?;
        return refuse("login.failed");
    };
    let mut scope = state.db.begin_tenant(tenant_id).await?;
    let user = queries::find_user(&mut scope, user_id).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = password::verify(form.password.clone(), stored).await?;
    let Some(user) = user.filter(|u| matches && u.active) else {
        return refuse("login.failed");
    };
    let tenant = cross_tenant::find_tenant(&mut scope).await?;
    if tenant.suspended_at.is_some() {
        return refuse("login.suspended");
    }
    queries::record_login(&mut scope, user.id).await?;
    scope.commit().await?;
    state.sign_in_succeeded(attempt).await?;

    page.session.sign_in(tenant_id, user.id).await?;
    let locale = user
        .locale
        .as_deref()
        .or(Some(tenant.default_locale.as_str()))
        .and_then(Locale::parse)
        .unwrap_or_default();
    page.session.set_locale(locale).await?;
    Ok(Redirect::to(safe_next(&form.next, "/dashboard")).into_response())
}

pub async fn logout(session: AppSession, AppForm(_): AppForm<CsrfOnly>) -> AppResult<Redirect> {
    session.end().await?;
    Ok(Redirect::to("/login"))
}

pub async fn forgot_form(page: Page) -> AppResult<Html<String>> {
    Ok(Html(
        ForgotPage {
            layout: page.public("forgot.title"),
            email: String::new(),
            errors: FieldErrors::default(),
            sent: false,
        }
        .render()?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// Send a reset link if the address is registered. The answer is the same either way, so
/// the page does not tell who has an account.
pub async fn forgot(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    AppForm(f): AppForm<ForgotForm>,
) -> AppResult<Response> {
    state.check_auth_rate(ip).await?;
    let mut errors = FieldErrors::default();
    let email = form::email(&mut errors, "email", &f.email);
    if !errors.is_empty() {
        let html = ForgotPage {
            layout: page.public("forgot.title"),
            email,
            errors,
            sent: false,
        }
        .render()?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    if let Some((tenant_id, user_id)) = cross_tenant::find_login(&state.db, &email).await? {
        let mut scope = state.db.begin_tenant(tenant_id).await?;
        if let Some(user) = queries::find_user(&mut scope, user_id)
            .await?
            .filter(|u| u.active)
        {
            let token = token::issue(tenant_id)?;
            queries::insert_password_reset(
                &mut scope,
                user.id,
                &token.hash,
                Utc::now() + RESET_VALID_FOR,
            )
            .await?;
            scope.commit().await?;
            let locale = user
                .locale
                .as_deref()
                .and_then(Locale::parse)
                .unwrap_or(page.locale);
            let link = format!("{}/reset-password/{}", state.config.base_url, token.text);
            let body = crate::i18n::tf(locale, "forgot.mail_body", &[("link", &link)]);
            state
                .mailer
                .send(&email, crate::i18n::t(locale, "forgot.mail_subject"), &body)
                .await;
        }
    }
    let html = ForgotPage {
        layout: page.public("forgot.title"),
        email,
        errors,
        sent: true,
    }
    .render()?;
    Ok(Html(html).into_response())
}

async fn live_reset(
    state: &AppState,
    text: &str,
) -> AppResult<Option<(crate::db::TenantScope, i64, crate::ids::UserId)>> {
    let Some((tenant_id, hash)) = token::parse(text) else {
        return Ok(None);
    };
    let mut scope = state.db.begin_tenant(tenant_id).await?;
    Ok(queries::find_live_password_reset(&mut scope, &hash)
        .await?
        .map(|(id, user)| (scope, id, user)))
}

pub async fn reset_form(
    State(state): State<AppState>,
    page: Page,
    Path(text): Path<String>,
) -> AppResult<Response> {
    let dead_link = live_reset(&state, &text).await?.is_none();
    let html = ResetPage {
        layout: page.public("reset.title"),
        token: text,
        errors: FieldErrors::default(),
        dead_link,
    }
    .render()?;
    let status = if dead_link {
        StatusCode::GONE
    } else {
        StatusCode::OK
    };
    Ok((status, Html(html)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    password: String,
    confirm: String,
}

pub async fn reset(
    State(state): State<AppState>,
    page: Page,
    Path(text): Path<String>,
    AppForm(f): AppForm<ResetForm>,
) -> AppResult<Response> {
    let Some((mut scope, reset_id, user_id)) = live_reset(&state, &text).await? else {
        let html = ResetPage {
            layout: page.public("reset.title"),
            token: text,
            errors: FieldErrors::default(),
            dead_link: true,
        }
        .render()?;
        return Ok((StatusCode::GONE, Html(html)).into_response());
    };
    let mut errors = FieldErrors::default();
    let new = form::new_password(&mut errors, "password", &f.password);
    if errors.is_empty() && f.password != f.confirm {
        errors.add("confirm", "form.passwords_differ");
    }
    if !errors.is_empty() {
        let html = ResetPage {
            layout: page.public("reset.title"),
            token: text,
            errors,
            dead_link: false,
        }
        .render()?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    let hash = password::hash(new).await?;
    queries::set_password(&mut scope, user_id, &hash).await?;
    queries::use_password_reset(&mut scope, reset_id).await?;
    // Whoever knew the old password is signed out everywhere.
    cross_tenant::end_user_sessions(&mut scope, user_id).await?;
    let name = queries::find_user(&mut scope, user_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    audit::record(
        &mut scope,
        &Actor::User { id: user_id, name },
        Change {
            entity: "user",
            entity_id: Some(user_id.0),
            action: Action::Update,
            summary: "password reset",
            before: None,
            after: None,
        },
    )
    .await?;
    scope.commit().await?;
    page.session.flash(true, "reset.done").await?;
    Ok(Redirect::to("/login").into_response())
}
