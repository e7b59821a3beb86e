//! Settings handlers. Every one is guarded by a permission on its first line.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;

use super::domain::{CURRENCIES, CompanyForm, TIME_ZONES};
use super::queries;
use super::views::*;
use crate::audit::{self, Action, AuditFilter, Change};
use crate::auth::queries as users;
use crate::auth::token;
use crate::db::cross_tenant;
use crate::error::{AppError, AppResult, ResultExt};
use crate::i18n;
use crate::ids::UserId;
use crate::licence;
use crate::roles::ModuleId;
use crate::roles::{Permission, Role};
use crate::state::AppState;
use crate::tenancy::queries as modules;
use crate::tenancy::{Licensing, Module, Platform, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::form::{self, FieldErrors};
use crate::web::layout::standing_text;
use crate::web::pager::filter_query;
use crate::web::{AppForm, Page, Path, format, transition};

/// How long an invitation link works.
const INVITATION_VALID_FOR: chrono::Duration = chrono::Duration::days(7);
const AUDIT_PAGE_SIZE: i64 = 50;

// Company -------------------------------------------------------------------------------

fn company_form_of<M: Module>(tx: &TenantTx<M>) -> CompanyForm {
    let t = tx.tenant();
    CompanyForm {
        name: t.name.clone(),
        time_zone: t.time_zone.name().to_owned(),
        currency: t.currency.clone(),
        default_locale: t.default_locale.as_str().to_owned(),
        version: t.version,
    }
}

fn company_page(
    page: &Page,
    tx: &TenantTx<Platform>,
    form: CompanyForm,
    errors: FieldErrors,
    theirs: Option<CompanyForm>,
) -> AppResult<String> {
    Ok(CompanyPage {
        layout: page.layout(tx, "settings.company_title"),
        tab: "company",
        form,
        errors,
        time_zones: &TIME_ZONES,
        currencies: &CURRENCIES,
        theirs,
    }
    .render()?)
}

pub async fn company_form(tx: TenantTx<Platform>, page: Page) -> AppResult<Html<String>> {
    tx.require(Permission::ManageCompany)?;
    let form = company_form_of(&tx);
    Ok(Html(company_page(
        &page,
        &tx,
        form,
        FieldErrors::default(),
        None,
    )?))
}

pub async fn update_company(
    mut tx: TenantTx<Platform>,
    page: Page,
    AppForm(f): AppForm<CompanyForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCompany)?;
    let valid = match f.validate() {
        Ok(v) => v,
        Err(errors) => {
            let html = company_page(&page, &tx, f, errors, None)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let before = company_form_of(&tx);
    let saved = cross_tenant::update_company(
        &mut tx,
        &valid.name,
        &valid.time_zone,
        &valid.currency,
        valid.default_locale.as_str(),
        f.version,
    )
    .await?;
    if saved.is_none() {
        // Someone saved since this form was loaded: show both, overwrite nothing.
        let html = company_page(&page, &tx, f, FieldErrors::default(), Some(before))?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    let after = serde_json::json!({
        "name": valid.name, "time_zone": valid.time_zone,
        "currency": valid.currency, "default_locale": valid.default_locale.as_str(),
    });
    let before = serde_json::json!({
        "name": before.name, "time_zone": before.time_zone,
        "currency": before.currency, "default_locale": before.default_locale,
    });
    let id = tx.tenant_id().0;
    tx.audit(Change {
        entity: "tenant",
        entity_id: Some(id),
        action: Action::Update,
        summary: "company settings",
        before: Some(before),
        after: Some(after),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to("/settings/company").into_response())
}

// Users and invitations -----------------------------------------------------------------

async fn users_page(
    tx: &mut TenantTx<Platform>,
    page: &Page,
    invite_email: String,
    invite_role: String,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> AppResult<String> {
    let tz = tx.tenant().time_zone;
    let me = tx.user().id;
    let rows = users::list_users(tx)
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.id.0,
            editable: u.role != Role::Owner && u.id != me,
            role: u.role.as_str(),
            role_key: u.role.label_key(),
            active: u.active,
            last_login: u
                .last_login_at
                .map(|t| format::datetime(t, tz))
                .unwrap_or_default(),
            version: u.version,
            name: u.name,
            email: u.email,
        })
        .collect();
    // An invitation's role the code does not know is an error, never shown as a viewer.
    let invitations = queries::list_pending(tx)
        .await?
        .into_iter()
        .map(|i| {
            let role = Role::parse(&i.role).ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("invitation with unknown role {:?}", i.role))
            })?;
            Ok(InvitationRow {
                id: i.id,
                role_key: role.label_key(),
                expires: format::datetime(i.expires_at, tz),
                email: i.email,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let seats_used = users::count_active_users(tx).await?;
    Ok(UsersPage {
        layout: page.layout(tx, "settings.users_title"),
        tab: "users",
        users: rows,
        invitations,
        roles: Role::ASSIGNABLE
            .iter()
            .map(|r| (r.as_str(), r.label_key()))
            .collect(),
        invite_email,
        invite_role,
        errors,
        seats_used,
        seats: tx.tenant().plan.seats(),
        new_link: page.session.take_invite_link().await?,
        notice,
    }
    .render()?)
}

/// The users page with an empty invitation form and an optional notice.
async fn users_page_with(
    tx: &mut TenantTx<Platform>,
    page: &Page,
    notice: Option<&'static str>,
) -> AppResult<String> {
    users_page(
        tx,
        page,
        String::new(),
        "viewer".into(),
        FieldErrors::default(),
        notice,
    )
    .await
}

pub async fn users(mut tx: TenantTx<Platform>, page: Page) -> AppResult<Html<String>> {
    tx.require(Permission::ManageUsers)?;
    let html = users_page_with(&mut tx, &page, None).await?;
    Ok(Html(html))
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn invite(
    mut tx: TenantTx<Platform>,
    page: Page,
    state: axum::extract::State<AppState>,
    AppForm(f): AppForm<InviteForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageUsers)?;
    let mut errors = FieldErrors::default();
    let email = form::email(&mut errors, "email", &f.email);
    let role = Role::parse(&f.role).filter(|r| Role::ASSIGNABLE.contains(r));
    if role.is_none() {
        errors.add("role", "form.choose_from_list");
    }
    if errors.is_empty() && cross_tenant::email_taken(&mut tx, &email).await? {
        errors.add("email", "settings.email_registered");
    }
    let full = !users::has_free_seat(&mut tx).await?;
    let (Some(role), true, false) = (role, errors.is_empty(), full) else {
        let notice = full.then_some("settings.no_free_seat");
        let html = users_page(&mut tx, &page, email, f.role, errors, notice).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    let token = token::issue(tx.tenant_id())?;
    let expires = tx.tenant().now + INVITATION_VALID_FOR;
    let by = tx.user().id;
    let id = queries::insert_invitation(&mut tx, &email, role, &token.hash, by, expires).await?;
    tx.audit(Change {
        entity: "invitation",
        entity_id: Some(id),
        action: Action::Create,
        summary: &email,
        before: None,
        after: Some(serde_json::json!({ "email": email, "role": role.as_str() })),
    })
    .await?;
    let company = tx.tenant().name.clone();
    let inviter = tx.user().name.clone();
    let locale = tx.user().locale;
    tx.commit().await?;

    let link = format!("{}/invite/{}", state.config.base_url, token.text);
    let body = i18n::tf(
        locale,
        "settings.invite_mail_body",
        &[
            ("inviter", &inviter),
            ("company", &company),
            ("link", &link),
        ],
    );
    state
        .mailer
        .send(
            &email,
            i18n::t(locale, "settings.invite_mail_subject"),
            &body,
        )
        .await;
    page.session.remember_invite_link(&link).await?;
    page.session.flash(true, "settings.invited").await?;
    Ok(Redirect::to("/settings/users").into_response())
}

#[derive(Debug, Deserialize)]
pub struct UserUpdateForm {
    role: String,
    active: String,
    version: i32,
}

/// Change a user's role, or deactivate or reactivate them.
pub async fn update_user(
    mut tx: TenantTx<Platform>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<UserUpdateForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageUsers)?;
    let user = users::find_user(&mut tx, UserId(id))
        .await?
        .ok_or(AppError::NotFound)?;
    let role = Role::parse(&f.role)
        .filter(|r| Role::ASSIGNABLE.contains(r))
        .ok_or(AppError::BadRequest("unknown role".into()))?;
    let active = f.active == "true";
    if user.role == Role::Owner || user.id == tx.user().id {
        return Err(AppError::BadRequest(
            i18n::t(tx.user().locale, "settings.cannot_edit_owner_or_self")
                .to_owned()
                .into(),
        ));
    }
    if active && !user.active && !users::has_free_seat(&mut tx).await? {
        let html = users_page_with(&mut tx, &page, Some("settings.no_free_seat")).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    let by = tx.user().id;
    let saved = users::update_membership(&mut tx, user.id, role, active, f.version, by).await?;
    if saved.is_none() {
        let html = users_page_with(&mut tx, &page, Some("settings.user_changed_meanwhile")).await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    tx.audit(Change {
        entity: "user",
        entity_id: Some(id),
        action: Action::Update,
        summary: &user.email,
        before: Some(serde_json::json!({ "role": user.role.as_str(), "active": user.active })),
        after: Some(serde_json::json!({ "role": role.as_str(), "active": active })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to("/settings/users").into_response())
}

pub async fn revoke_invitation(
    mut tx: TenantTx<Platform>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(_): AppForm<crate::web::form::CsrfOnly>,
) -> AppResult<Response> {
    tx.require(Permission::ManageUsers)?;
    let email = queries::revoke_invitation(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.audit(Change {
        entity: "invitation",
        entity_id: Some(id),
        action: Action::Delete,
        summary: &email,
        before: Some(serde_json::json!({ "email": email })),
        after: None,
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "settings.invitation_revoked")
        .await?;
    Ok(Redirect::to("/settings/users").into_response())
}

// Modules -------------------------------------------------------------------------------

pub async fn modules_form(mut tx: TenantTx<Platform>, page: Page) -> AppResult<Html<String>> {
    tx.require(Permission::ManageModules)?;
    let off = modules::switched_off_modules(&mut tx).await?;
    let allowed = tx.tenant().plan.allowed_modules();
    let rows = ModuleId::ALL
        .into_iter()
        .map(|m| ModuleRow {
            id: m.as_str(),
            label_key: m.label_key(),
            allowed: allowed.contains(&m),
            enabled: !off.contains(&m),
        })
        .collect();
    Ok(Html(
        ModulesPage {
            layout: page.layout(&tx, "settings.modules_title"),
            tab: "modules",
            modules: rows,
        }
        .render()?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ModulesForm {
    #[serde(default)]
    enabled: Vec<String>,
}

pub async fn update_modules(
    mut tx: TenantTx<Platform>,
    page: Page,
    AppForm(f): AppForm<ModulesForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageModules)?;
    let wanted: Vec<ModuleId> = f
        .enabled
        .iter()
        .filter_map(|m| ModuleId::parse(m))
        .collect();
    if wanted.len() != f.enabled.len() {
        return Err(AppError::BadRequest("unknown module".into()));
    }
    let before = modules::switched_off_modules(&mut tx).await?;
    let by = tx.user().id;
    // Modules outside the plan show disabled and are not posted: keep their switch as it
    // is, so they come back as they were when a licence includes them again.
    for m in tx.tenant().plan.allowed_modules() {
        modules::set_module(&mut tx, m, wanted.contains(&m), by).await?;
    }
    let names = |ms: Vec<ModuleId>| ms.into_iter().map(ModuleId::as_str).collect::<Vec<_>>();
    let before_on = names(
        ModuleId::ALL
            .into_iter()
            .filter(|m| !before.contains(m))
            .collect(),
    );
    let id = tx.tenant_id().0;
    tx.audit(Change {
        entity: "modules",
        entity_id: Some(id),
        action: Action::Update,
        summary: "module switches",
        before: Some(serde_json::json!({ "enabled": before_on })),
        after: Some(serde_json::json!({ "enabled": names(wanted) })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to("/settings/modules").into_response())
}

// Licence and trial ---------------------------------------------------------------------

async fn licence_page(
    tx: &mut TenantTx<Licensing>,
    page: &Page,
    key: String,
    error: Option<&'static str>,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let tz = tx.tenant().time_zone;
    let history = queries::list_licences(tx)
        .await?
        .into_iter()
        .map(|l| LicenceRow {
            activated: format::datetime(l.activated_at, tz),
            seats: l.seats,
            modules: l
                .modules
                .iter()
                .filter_map(|m| ModuleId::parse(m))
                .map(|m| i18n::t(locale, m.label_key()))
                .collect::<Vec<_>>()
                .join("、"),
            expires: l
                .expires_on
                .map(|d| d.to_string())
                .unwrap_or_else(|| i18n::t(locale, "licence.perpetual").to_owned()),
        })
        .collect();
    let t = tx.tenant();
    Ok(LicencePage {
        layout: page.layout(tx, "settings.licence_title"),
        tab: "licence",
        standing: standing_text(locale, t.plan.standing(t.now)),
        seats_used: users::count_active_users(tx).await?,
        seats: tx.tenant().plan.seats(),
        can_extend: tx.user().role.has(Permission::ExtendTrial)
            && tx.tenant().plan.can_extend_trial(tx.tenant().now),
        key,
        error,
        history,
    }
    .render()?)
}

pub async fn licence(mut tx: TenantTx<Licensing>, page: Page) -> AppResult<Html<String>> {
    tx.require(Permission::ManageLicence)?;
    Ok(Html(
        licence_page(&mut tx, &page, String::new(), None).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct LicenceForm {
    #[serde(default)]
    key: String,
}

pub async fn activate_licence(
    mut tx: TenantTx<Licensing>,
    page: Page,
    state: axum::extract::State<AppState>,
    AppForm(f): AppForm<LicenceForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageLicence)?;
    let terms = match licence::verify(&f.key, state.licence_key.as_ref(), tx.tenant_id()) {
        Ok(terms) => terms,
        Err(e) => {
            let html = licence_page(&mut tx, &page, f.key, Some(e.message_key())).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    if queries::licence_activated(&mut tx, &terms.key_id).await? {
        let html = licence_page(&mut tx, &page, f.key, Some("licence.error_already_used")).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    let by = tx.user().id;
    // Two admins activating the same key at once: the second gets 409.
    queries::insert_licence(&mut tx, &terms, f.key.trim(), by)
        .await
        .on_constraint("licence_tenant_id_key_id_key", || AppError::Conflict)?;
    cross_tenant::apply_licence(&mut tx, terms.seats, &terms.modules, terms.expires_on).await?;
    let id = tx.tenant_id().0;
    let before = serde_json::json!({
        "plan": format!("{:?}", tx.tenant().plan.kind),
        "seats": tx.tenant().plan.seats(),
    });
    tx.audit(Change {
        entity: "licence",
        entity_id: Some(id),
        action: Action::Create,
        summary: &terms.key_id,
        before: Some(before),
        after: audit::snapshot(&terms),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "licence.activated_ok").await?;
    Ok(Redirect::to("/settings/licence").into_response())
}

pub async fn extend_trial(
    mut tx: TenantTx<Licensing>,
    page: Page,
    AppForm(_): AppForm<crate::web::form::CsrfOnly>,
) -> AppResult<Response> {
    tx.require(Permission::ExtendTrial)?;
    let plan = tx.tenant().plan.clone();
    if !plan.can_extend_trial(tx.tenant().now) {
        return Err(AppError::BadRequest(
            i18n::t(tx.user().locale, "licence.cannot_extend")
                .to_owned()
                .into(),
        ));
    }
    let new_end = plan.extended_trial_end();
    transition::written(cross_tenant::extend_trial(&mut tx, new_end).await?)?;
    let id = tx.tenant_id().0;
    tx.audit(Change {
        entity: "tenant",
        entity_id: Some(id),
        action: Action::Update,
        summary: "trial extended by 7 days",
        before: Some(serde_json::json!({ "trial_ends_at": plan.trial_ends_at })),
        after: Some(serde_json::json!({ "trial_ends_at": new_end })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "licence.extended").await?;
    Ok(Redirect::to("/settings/licence").into_response())
}

// Audit log -----------------------------------------------------------------------------

#[derive(Debug, Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    format: Option<ExportFormat>,
}

fn audit_row(e: audit::AuditEntry, tz: chrono_tz::Tz) -> AuditRow {
    AuditRow {
        id: e.id,
        at: format::datetime(e.at, tz),
        actor: e.actor_label,
        entity: e.entity,
        entity_id: e.entity_id.map(|i| i.to_string()).unwrap_or_default(),
        action: e.action,
        summary: e.summary,
    }
}

/// The audit filter of a query; dates are days in the tenant's time zone, `until` inclusive.
fn audit_filter(q: &AuditQuery, tz: chrono_tz::Tz) -> AuditFilter {
    let day_start = |s: &str, plus_days: i64| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| {
            let d = d.checked_add_signed(chrono::Duration::days(plus_days))?;
            tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                .earliest()
                .map(|t| t.to_utc())
        })
    };
    AuditFilter {
        user: q.user.parse().ok(),
        entity: Some(q.entity.clone())
            .filter(|e| !e.is_empty() && !e.chars().any(char::is_control)),
        from: day_start(&q.from, 0),
        until: day_start(&q.until, 1),
    }
}

pub async fn audit_log(
    mut tx: TenantTx<Platform>,
    page: Page,
    Query(q): Query<AuditQuery>,
) -> AppResult<Html<String>> {
    tx.require(Permission::ViewAudit)?;
    let tz = tx.tenant().time_zone;
    let filter = audit_filter(&q, tz);
    let page_no = q.page.unwrap_or(1).clamp(1, crate::web::pager::MAX_PAGE);
    let mut entries = audit::list(
        &mut tx,
        &filter,
        AUDIT_PAGE_SIZE + 1,
        (page_no - 1) * AUDIT_PAGE_SIZE,
    )
    .await?;
    let has_next = entries.len() as i64 > AUDIT_PAGE_SIZE;
    entries.truncate(AUDIT_PAGE_SIZE as usize);
    let users = users::list_users(&mut tx)
        .await?
        .into_iter()
        .map(|u| (u.id.0, u.name, filter.user == Some(u.id.0)))
        .collect();
    let entities = audit::entities(&mut tx).await?;
    let link = |path: &str, extra: (&str, &str)| {
        let query = filter_query([
            ("user", q.user.as_str()),
            ("entity", q.entity.as_str()),
            ("from", q.from.as_str()),
            ("until", q.until.as_str()),
            extra,
        ]);
        format!("{path}?{query}")
    };
    let page_link = |p: i64| link("/settings/audit", ("page", &p.to_string()));
    Ok(Html(
        AuditPage {
            layout: page.layout(&tx, "settings.audit_title"),
            tab: "audit",
            rows: entries.into_iter().map(|e| audit_row(e, tz)).collect(),
            users,
            entities,
            entity: q.entity.clone(),
            from: q.from.clone(),
            until: q.until.clone(),
            page: page_no,
            prev_link: (page_no > 1).then(|| page_link(page_no - 1)),
            next_link: has_next.then(|| page_link(page_no + 1)),
            csv_link: link("/settings/audit/export", ("format", "csv")),
            xlsx_link: link("/settings/audit/export", ("format", "xlsx")),
        }
        .render()?,
    ))
}

/// Most rows one export holds.
const AUDIT_EXPORT_LIMIT: i64 = 100_000;

/// The filtered audit log as CSV or XLSX.
pub async fn audit_export(
    mut tx: TenantTx<Platform>,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    tx.require(Permission::ViewAudit)?;
    let format = q
        .format
        .ok_or(AppError::BadRequest("format: csv or xlsx".into()))?;
    let tz = tx.tenant().time_zone;
    let locale = tx.user().locale;
    let filter = audit_filter(&q, tz);
    let entries = audit::list(&mut tx, &filter, AUDIT_EXPORT_LIMIT, 0).await?;
    let json =
        |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    let table = Table {
        headers: [
            "audit.when",
            "audit.user",
            "audit.action",
            "audit.entity",
            "audit.record_id",
            "audit.summary",
            "audit.before",
            "audit.after",
        ]
        .iter()
        .map(|k| i18n::t(locale, k).to_owned())
        .collect(),
        rows: entries
            .into_iter()
            .map(|e| {
                let (before, after) = (json(&e.before), json(&e.after));
                let r = audit_row(e, tz);
                [
                    r.at,
                    r.actor,
                    r.action,
                    r.entity,
                    r.entity_id,
                    r.summary,
                    before,
                    after,
                ]
                .into_iter()
                .map(Cell::Text)
                .collect()
            })
            .collect(),
        totals: None,
    };
    table.download(format, "audit-log")
}

pub async fn audit_entry(
    mut tx: TenantTx<Platform>,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    tx.require(Permission::ViewAudit)?;
    let entry = audit::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let pretty = |v: &Option<serde_json::Value>| {
        v.as_ref()
            .and_then(|v| serde_json::to_string_pretty(v).ok())
            .unwrap_or_default()
    };
    let (before, after) = (pretty(&entry.before), pretty(&entry.after));
    let tz = tx.tenant().time_zone;
    Ok(Html(
        AuditEntryPage {
            layout: page.layout(&tx, "settings.audit_title"),
            tab: "audit",
            row: audit_row(entry, tz),
            before,
            after,
        }
        .render()?,
    ))
}
