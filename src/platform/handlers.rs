//! Operator console pages.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Duration;
use serde::Deserialize;

use super::OperatorUser;
use crate::audit::{self, Action, Actor, Change};
use crate::auth::password;
use crate::db::cross_tenant;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::ids::TenantId;
use crate::licence::plan::Standing;
use crate::state::AppState;
use crate::web::form::CsrfOnly;
use crate::web::ratelimit::ClientIp;
use crate::web::{AppForm, Layout, Page, Path, format};

#[derive(Template)]
#[template(path = "platform/login.html")]
pub struct OperatorLoginPage {
    pub layout: Layout,
    pub email: String,
    pub error: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct TenantRow {
    pub id: i64,
    pub name: String,
    pub plan: String,
    pub standing: String,
    pub seats: String,
    pub users: i32,
    pub created: String,
    pub last_active: String,
    pub suspended: bool,
}

#[derive(Template)]
#[template(path = "platform/tenants.html")]
pub struct TenantsPage {
    pub layout: Layout,
    pub operator: String,
    pub tenants: Vec<TenantRow>,
    pub search: String,
    pub page: i64,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
}

fn operator_layout(page: &Page, title_key: &str) -> Layout {
    Layout {
        operator: true,
        ..page.public(title_key)
    }
}

pub async fn login_form(page: Page) -> AppResult<Html<String>> {
    Ok(Html(
        OperatorLoginPage {
            layout: operator_layout(&page, "platform.login_title"),
            email: String::new(),
            error: None,
        }
        .render()?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    AppForm(f): AppForm<LoginForm>,
) -> AppResult<Response> {
    let mut invalid = crate::web::form::FieldErrors::default();
    let email = crate::web::form::email(&mut invalid, "email", &f.email);
    let attempt = state.begin_sign_in(ip, "operator", &email).await?;
    let op = match invalid.is_empty() {
        true => cross_tenant::find_operator_by_email(&state.db, &email).await?,
        false => None,
    };
    let ok = password::verify(f.password, op.as_ref().map(|o| o.password_hash.clone())).await?;
    match op.filter(|o| ok && o.active) {
        Some(op) => {
            state.sign_in_succeeded(attempt).await?;
            page.session.operator_sign_in(op.id).await?;
            Ok(Redirect::to("/platform").into_response())
        }
        None => {
            let html = OperatorLoginPage {
                layout: operator_layout(&page, "platform.login_title"),
                email,
                error: Some("login.failed"),
            }
            .render()?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
    }
}

pub async fn logout(page: Page, AppForm(_): AppForm<CsrfOnly>) -> AppResult<Redirect> {
    page.session.end().await?;
    Ok(Redirect::to("/platform/login"))
}

const TENANTS_PER_PAGE: i64 = 50;

#[derive(Debug, Deserialize)]
pub struct TenantsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

pub async fn tenants(
    State(state): State<AppState>,
    OperatorUser(op): OperatorUser,
    page: Page,
    Query(query): Query<TenantsQuery>,
) -> AppResult<Html<String>> {
    let locale = page.locale;
    let tz = chrono_tz::Asia::Shanghai;
    let now = chrono::Utc::now();
    let search = query.q.trim();
    let search = if search.chars().any(char::is_control) {
        ""
    } else {
        search
    };
    let page_no = query
        .page
        .unwrap_or(1)
        .clamp(1, crate::web::pager::MAX_PAGE);
    let mut rows = cross_tenant::list_tenants(
        &state.db,
        Some(search).filter(|s| !s.is_empty()),
        TENANTS_PER_PAGE + 1,
        (page_no - 1) * TENANTS_PER_PAGE,
    )
    .await?;
    let has_next = rows.len() as i64 > TENANTS_PER_PAGE;
    rows.truncate(TENANTS_PER_PAGE as usize);
    let link = |p: i64| {
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", search)
            .append_pair("page", &p.to_string())
            .finish();
        format!("/platform?{q}")
    };
    let tenants = rows
        .into_iter()
        .map(|t| {
            let plan = t.plan_facts();
            let standing = match plan.standing(now) {
                Standing::Trial { days_left } => {
                    i18n::tf(locale, "platform.trial_days_left", &[("days", &days_left)])
                }
                Standing::TrialGrace { days_left } | Standing::LicenceGrace { days_left } => {
                    i18n::tf(locale, "platform.grace_days_left", &[("days", &days_left)])
                }
                Standing::Licensed {
                    expires_on: Some(d),
                } => d.to_string(),
                Standing::Licensed { expires_on: None } => {
                    i18n::t(locale, "licence.perpetual").to_owned()
                }
                Standing::Expired => i18n::t(locale, "platform.expired").to_owned(),
            };
            TenantRow {
                id: t.id.0,
                plan: i18n::t(
                    locale,
                    if t.plan == "licensed" {
                        "platform.plan_licensed"
                    } else {
                        "platform.plan_trial"
                    },
                )
                .to_owned(),
                standing,
                seats: format!("{} / {}", t.active_user_count, plan.seats()),
                users: t.user_count,
                created: format::date(t.created_at, tz),
                last_active: t
                    .last_active_at
                    .map(|a| format::datetime(a, tz))
                    .unwrap_or_default(),
                suspended: t.suspended_at.is_some(),
                name: t.name,
            }
        })
        .collect();
    Ok(Html(
        TenantsPage {
            layout: operator_layout(&page, "platform.title"),
            operator: op.email,
            tenants,
            search: search.to_owned(),
            page: page_no,
            prev_link: (page_no > 1).then(|| link(page_no - 1)),
            next_link: has_next.then(|| link(page_no + 1)),
        }
        .render()?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ExtendForm {
    days: i64,
}

/// Apply an operator's change to tenant `id`, computed from its current row, and record it in
/// the tenant's own audit log.
async fn change_tenant(
    state: &AppState,
    op: &crate::db::cross_tenant::Operator,
    id: i64,
    summary: &str,
    change: impl FnOnce(&cross_tenant::Tenant) -> (Option<chrono::DateTime<chrono::Utc>>, Option<bool>),
) -> AppResult<()> {
    let tenant = TenantId(id);
    if !cross_tenant::tenant_exists(&state.db, tenant).await? {
        return Err(AppError::NotFound);
    }
    let mut scope = state.db.begin_tenant(tenant).await?;
    let before = cross_tenant::lock_tenant(&mut scope).await?;
    let (trial_ends_at, suspended) = change(&before);
    cross_tenant::operator_update_tenant(&mut scope, trial_ends_at, suspended).await?;
    audit::record(
        &mut scope,
        &Actor::Operator {
            email: op.email.clone(),
        },
        Change {
            entity: "tenant",
            entity_id: Some(id),
            action: Action::Update,
            summary,
            before: Some(serde_json::json!({
                "trial_ends_at": before.trial_ends_at, "suspended": before.suspended_at.is_some(),
            })),
            after: Some(serde_json::json!({
                "trial_ends_at": trial_ends_at.unwrap_or(before.trial_ends_at),
                "suspended": suspended.unwrap_or(before.suspended_at.is_some()),
            })),
        },
    )
    .await?;
    scope.commit().await
}

pub async fn extend(
    State(state): State<AppState>,
    OperatorUser(op): OperatorUser,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ExtendForm>,
) -> AppResult<Redirect> {
    if !(1..=90).contains(&f.days) {
        return Err(AppError::BadRequest(
            i18n::t(page.locale, "platform.days_range")
                .to_owned()
                .into(),
        ));
    }
    let summary = format!("trial extended by {} days", f.days);
    change_tenant(&state, &op, id, &summary, |t| {
        // From today if the trial is already over, so the extension gives the days it says.
        let base = t.trial_ends_at.max(chrono::Utc::now());
        (Some(base + Duration::days(f.days)), None)
    })
    .await?;
    page.session.flash(true, "platform.extended").await?;
    Ok(Redirect::to("/platform"))
}

pub async fn suspend(
    State(state): State<AppState>,
    OperatorUser(op): OperatorUser,
    page: Page,
    Path(id): Path<i64>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Redirect> {
    change_tenant(&state, &op, id, "suspended", |_| (None, Some(true))).await?;
    page.session.flash(true, "platform.suspended").await?;
    Ok(Redirect::to("/platform"))
}

pub async fn resume(
    State(state): State<AppState>,
    OperatorUser(op): OperatorUser,
    page: Page,
    Path(id): Path<i64>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Redirect> {
    change_tenant(&state, &op, id, "resumed", |_| (None, Some(false))).await?;
    page.session.flash(true, "platform.resumed").await?;
    Ok(Redirect::to("/platform"))
}
