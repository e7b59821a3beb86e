//! Trial sign-up and invitation acceptance.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;

use super::domain::{SignupForm, ValidSignup};
use super::views::{InvitationPage, InvitationView, SignupPage, TermsPage};
use crate::admin::{self, Invitation, find_live_invitation};
use crate::audit::{self, Action, Actor, Change};
use crate::auth::queries::{self as users, NewUser};
use crate::auth::{password, token};
use crate::db::{TenantScope, cross_tenant};
use crate::error::{AppError, AppResult, ResultExt};
use crate::licence::plan::PlanFacts;
use crate::roles::Role;
use crate::state::AppState;
use crate::web::form::{self, FieldErrors};
use crate::web::ratelimit::ClientIp;
use crate::web::{AppForm, Page, Path};

pub async fn signup_form(page: Page) -> AppResult<Html<String>> {
    Ok(Html(
        SignupPage {
            layout: page.public("signup.title"),
            form: SignupForm::default(),
            errors: FieldErrors::default(),
        }
        .render()?,
    ))
}

fn invalid_signup(page: &Page, mut form: SignupForm, errors: FieldErrors) -> AppResult<Response> {
    form.password.clear();
    let html = SignupPage {
        layout: page.public("signup.title"),
        form,
        errors,
    }
    .render()?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// Create the company on a 15-day trial with every module, its owner and a session.
pub async fn signup(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    AppForm(form): AppForm<SignupForm>,
) -> AppResult<Response> {
    state.check_auth_rate(ip).await?;
    let valid = match form.validate() {
        Ok(v) => v,
        Err(errors) => return invalid_signup(&page, form, errors),
    };
    let hash = password::hash(valid.password.clone()).await?;
    let trial_end = PlanFacts::new_trial_end(Utc::now());
    let mut scope =
        cross_tenant::create_tenant(&state.db, &valid.company, page.locale.as_str(), trial_end)
            .await?;
    if cross_tenant::email_taken(&mut scope, &valid.email).await? {
        // Dropping the scope rolls the tenant back: nothing is written.
        let mut errors = FieldErrors::default();
        errors.add("email", "signup.email_taken");
        return invalid_signup(&page, form, errors);
    }
    let owner = match create_owner(&mut scope, &valid, &hash, page.locale.as_str()).await {
        Ok(owner) => owner,
        Err(AppError::Conflict) => {
            let mut errors = FieldErrors::default();
            errors.add("email", "signup.email_taken");
            return invalid_signup(&page, form, errors);
        }
        Err(e) => return Err(e),
    };
    super::seed_company(&mut scope, owner).await?;
    let tenant_id = scope.tenant_id();
    scope.commit().await?;
    page.session.sign_in(tenant_id, owner).await?;
    page.session.flash(true, "signup.welcome").await?;
    Ok(Redirect::to("/dashboard").into_response())
}

async fn create_owner(
    scope: &mut TenantScope,
    valid: &ValidSignup,
    hash: &str,
    locale: &str,
) -> AppResult<crate::ids::UserId> {
    let new = NewUser {
        email: &valid.email,
        name: &valid.name,
        phone: valid.phone.as_deref(),
        role: Role::Owner,
        locale: Some(locale),
        password_hash: hash,
    };
    let owner = users::insert_user(scope, &new, None).await?;
    // A concurrent sign-up with the same email loses here, and rolls back whole.
    cross_tenant::insert_login(scope, &valid.email, owner)
        .await
        .on_constraint("login_identity_pkey", || AppError::Conflict)?;
    let actor = Actor::User {
        id: owner,
        name: valid.name.clone(),
    };
    audit::record(
        scope,
        &actor,
        Change {
            entity: "tenant",
            entity_id: Some(scope.tenant_id().0),
            action: Action::Create,
            summary: "trial sign-up",
            before: None,
            after: Some(serde_json::json!({ "name": valid.company, "plan": "trial" })),
        },
    )
    .await?;
    audit::record(
        scope,
        &actor,
        Change {
            entity: "user",
            entity_id: Some(owner.0),
            action: Action::Create,
            summary: "owner",
            before: None,
            after: Some(
                serde_json::json!({ "email": valid.email, "name": valid.name, "role": "owner" }),
            ),
        },
    )
    .await?;
    Ok(owner)
}

pub async fn terms(page: Page) -> AppResult<Html<String>> {
    Ok(Html(
        TermsPage {
            layout: page.public("terms.title"),
        }
        .render()?,
    ))
}

/// The invitation behind a link, if it is still live, with the scope it lives in.
async fn live_invitation(
    state: &AppState,
    text: &str,
) -> AppResult<Option<(TenantScope, Invitation, InvitationView)>> {
    let Some((tenant_id, hash)) = token::parse(text) else {
        return Ok(None);
    };
    let mut scope = state.db.begin_tenant(tenant_id).await?;
    let Some(inv) = find_live_invitation(&mut scope, &hash).await? else {
        return Ok(None);
    };
    let tenant = cross_tenant::find_tenant(&mut scope).await?;
    // A suspended or read-only company admits nobody new.
    if tenant.suspended_at.is_some() || tenant.plan_facts().is_read_only(Utc::now()) {
        return Ok(None);
    }
    let view = InvitationView {
        company: tenant.name,
        email: inv.email.clone(),
        role_key: invited_role(&inv.role)?.label_key(),
    };
    Ok(Some((scope, inv, view)))
}

/// The role an invitation grants. One the code does not know is an error: accepting must
/// never make the invitee some default role.
fn invited_role(stored: &str) -> AppResult<Role> {
    Role::parse(stored).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("invitation with unknown role {stored:?}"))
    })
}

pub async fn invitation_form(
    State(state): State<AppState>,
    page: Page,
    Path(text): Path<String>,
) -> AppResult<Response> {
    let invitation = live_invitation(&state, &text).await?.map(|(_, _, v)| v);
    let status = if invitation.is_some() {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    let html = InvitationPage {
        layout: page.public("invitation.title"),
        token: text,
        invitation,
        full_name: String::new(),
        errors: FieldErrors::default(),
        notice: None,
    }
    .render()?;
    Ok((status, Html(html)).into_response())
}

#[derive(Debug, serde::Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

/// Create the invited user (if a seat is free), sign them in and use up the invitation.
pub async fn accept_invitation(
    State(state): State<AppState>,
    page: Page,
    Path(text): Path<String>,
    AppForm(f): AppForm<AcceptForm>,
) -> AppResult<Response> {
    let Some((mut scope, inv, view)) = live_invitation(&state, &text).await? else {
        let html = InvitationPage {
            layout: page.public("invitation.title"),
            token: text,
            invitation: None,
            full_name: f.name,
            errors: FieldErrors::default(),
            notice: None,
        }
        .render()?;
        return Ok((StatusCode::GONE, Html(html)).into_response());
    };
    let mut errors = FieldErrors::default();
    let name = form::text(&mut errors, "name", &f.name, true, 100);
    let new_password = form::new_password(&mut errors, "password", &f.password);
    let mut notice = None;
    if errors.is_empty() {
        if !users::has_free_seat(&mut scope).await? {
            notice = Some("invitation.no_seat");
        } else if cross_tenant::email_taken(&mut scope, &inv.email).await? {
            notice = Some("invitation.email_taken");
        }
    }
    if !errors.is_empty() || notice.is_some() {
        let html = InvitationPage {
            layout: page.public("invitation.title"),
            token: text,
            invitation: Some(view),
            full_name: name,
            errors,
            notice,
        }
        .render()?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    let role = invited_role(&inv.role)?;
    let hash = password::hash(new_password).await?;
    let new = NewUser {
        email: &inv.email,
        name: &name,
        phone: None,
        role,
        locale: Some(page.locale.as_str()),
        password_hash: &hash,
    };
    let user = users::insert_user(&mut scope, &new, Some(inv.invited_by)).await?;
    cross_tenant::insert_login(&mut scope, &inv.email, user)
        .await
        .on_constraint("login_identity_pkey", || AppError::Conflict)?;
    admin::accept_invitation(&mut scope, inv.id).await?;
    audit::record(
        &mut scope,
        &Actor::User {
            id: user,
            name: name.clone(),
        },
        Change {
            entity: "user",
            entity_id: Some(user.0),
            action: Action::Create,
            summary: "accepted invitation",
            before: None,
            after: Some(
                serde_json::json!({ "email": inv.email, "name": name, "role": role.as_str() }),
            ),
        },
    )
    .await?;
    let tenant_id = scope.tenant_id();
    scope.commit().await?;
    page.session.sign_in(tenant_id, user).await?;
    page.session.flash(true, "invitation.welcome").await?;
    Ok(Redirect::to("/dashboard").into_response())
}
