//! Settings › Funds handlers: the page, and saving the retention cap, the approval rules and
//! an approver's limit.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::BASE;
use super::views::{Forms, FundsSettingsPage, LimitRow, approver_users};
use crate::audit::{Action, Change, snapshot};
use crate::error::AppResult;
use crate::funds::domain::MAX_AMOUNT;
use crate::funds::queries;
use crate::funds::requests::domain::APPROVER_ROLES;
use crate::funds::requests::queries::{self as request_queries, ApproverLimit};
use crate::i18n;
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::fields::{optional_decimal, optional_int};
use crate::web::form::{Choice, CsrfOnly, FieldErrors};
use crate::web::{AppForm, Page, Path, format};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SettingsForm {
    pub retention_cap_percent: String,
    /// The version read; 0 while the tenant has the defaults (no row).
    pub version: i32,
}

/// The approver roles and the second-approval threshold.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ApprovalForm {
    pub approver_roles: Vec<String>,
    pub second_approval_above: String,
    pub version: i32,
}

/// One approver's limit, added or changed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct LimitForm {
    pub user_id: String,
    pub amount_limit: String,
}

pub(super) async fn render(tx: &mut TenantTx<Funds>, page: &Page, f: Forms) -> AppResult<String> {
    let locale = tx.user().locale;
    let (cap, version) = queries::retention_cap(tx).await?;
    let settings = request_queries::approval_settings(tx).await?;
    let limits: Vec<ApproverLimit> = request_queries::approver_limits(tx).await?;
    let users = approver_users(request_queries::users(tx).await?);
    Ok(FundsSettingsPage {
        layout: page.layout(tx, "funds.settings_title"),
        tab: "funds",
        form: f.form.unwrap_or(SettingsForm {
            retention_cap_percent: format::quantity(cap),
            version,
        }),
        errors: f.errors,
        conflict: f.conflict,
        approval: f.approval.unwrap_or(ApprovalForm {
            approver_roles: settings.approver_roles,
            second_approval_above: settings.second_approval_above.to_string(),
            version: settings.version,
        }),
        approval_errors: f.approval_errors,
        approval_conflict: f.approval_conflict,
        roles: APPROVER_ROLES
            .iter()
            .map(|r| Choice {
                value: (*r).to_owned(),
                label: i18n::t(locale, &format!("role.{r}")).to_owned(),
            })
            .collect(),
        limit: f.limit,
        limit_errors: f.limit_errors,
        limits: limits
            .into_iter()
            .map(|l| LimitRow {
                user_id: l.user_id,
                name: l.name,
                role_key: format!("role.{}", l.role),
                amount_limit: format::money(l.amount_limit),
            })
            .collect(),
        approvers: users
            .into_iter()
            .map(|u| Choice {
                value: u.id.to_string(),
                label: format!(
                    "{} ({})",
                    u.name,
                    i18n::t(locale, &format!("role.{}", u.role))
                ),
            })
            .collect(),
    }
    .render()?)
}

pub(super) fn refused(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

/// The settings forms with what is saved.
pub async fn show(mut tx: TenantTx<Funds>, page: Page) -> AppResult<Response> {
    tx.require(Permission::ManageFundsSettings)?;
    Ok(Html(render(&mut tx, &page, Forms::default()).await?).into_response())
}

/// Saves the retention cap: 0 to 100 %, two decimals at most.
pub async fn save(
    mut tx: TenantTx<Funds>,
    page: Page,
    AppForm(f): AppForm<SettingsForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageFundsSettings)?;
    let mut e = FieldErrors::default();
    let cap = optional_decimal(
        &mut e,
        "retention_cap_percent",
        &f.retention_cap_percent,
        Decimal::ONE_HUNDRED,
        2,
    );
    if cap.is_none() && e.is_empty() {
        e.add("retention_cap_percent", "form.required");
    }
    let Some(cap) = cap.filter(|_| e.is_empty()) else {
        let forms = Forms {
            form: Some(f),
            errors: e,
            ..Forms::default()
        };
        let html = render(&mut tx, &page, forms).await?;
        return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, html));
    };
    let (before, version) = queries::retention_cap(&mut tx).await?;
    let by = tx.user().id;
    if queries::save_retention_cap(&mut tx, cap, f.version, by)
        .await?
        .is_none()
    {
        let forms = Forms {
            form: Some(SettingsForm { version, ..f }),
            conflict: true,
            ..Forms::default()
        };
        let html = render(&mut tx, &page, forms).await?;
        return Ok(refused(StatusCode::CONFLICT, html));
    }
    tx.audit(Change {
        entity: "funds_settings",
        entity_id: None,
        action: Action::Update,
        summary: "retention_cap_percent",
        before: snapshot(&serde_json::json!({ "retention_cap_percent": before })),
        after: snapshot(&serde_json::json!({ "retention_cap_percent": cap })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(BASE).into_response())
}

/// Saves who approves: at least one known role, and a threshold of 0 or more (two decimals,
/// at most `MAX_AMOUNT`).
pub async fn save_approval(
    mut tx: TenantTx<Funds>,
    page: Page,
    AppForm(f): AppForm<ApprovalForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageFundsSettings)?;
    let mut e = FieldErrors::default();
    let mut roles: Vec<String> = Vec::new();
    for r in &f.approver_roles {
        let r = r.trim();
        if !APPROVER_ROLES.contains(&r) {
            e.add("approver_roles", "form.invalid_choice");
        } else if !roles.iter().any(|x| x == r) {
            roles.push(r.to_owned());
        }
    }
    if roles.is_empty() && !e.has("approver_roles") {
        e.add("approver_roles", "funds_pay.roles_required");
    }
    let threshold = optional_decimal(
        &mut e,
        "second_approval_above",
        &f.second_approval_above,
        MAX_AMOUNT,
        2,
    );
    if threshold.is_none() && !e.has("second_approval_above") {
        e.add("second_approval_above", "form.required");
    }
    let Some(threshold) = threshold.filter(|_| e.is_empty()) else {
        let forms = Forms {
            approval: Some(f),
            approval_errors: e,
            ..Forms::default()
        };
        let html = render(&mut tx, &page, forms).await?;
        return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, html));
    };
    // Keep the roles in their usual order.
    roles.sort_by_key(|r| APPROVER_ROLES.iter().position(|x| x == r));
    let before = request_queries::approval_settings(&mut tx).await?;
    let by = tx.user().id;
    if request_queries::save_approval_settings(&mut tx, &roles, threshold, f.version, by)
        .await?
        .is_none()
    {
        let forms = Forms {
            approval: Some(ApprovalForm {
                version: before.version,
                ..f
            }),
            approval_conflict: true,
            ..Forms::default()
        };
        let html = render(&mut tx, &page, forms).await?;
        return Ok(refused(StatusCode::CONFLICT, html));
    }
    tx.audit(Change {
        entity: "funds_settings",
        entity_id: None,
        action: Action::Update,
        summary: "payment approval",
        before: snapshot(&serde_json::json!({
            "approver_roles": before.approver_roles,
            "second_approval_above": before.second_approval_above,
        })),
        after: snapshot(&serde_json::json!({
            "approver_roles": roles,
            "second_approval_above": threshold,
        })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("{BASE}#approval")).into_response())
}

/// Adds or changes an approver's limit: a user of an approver role, an amount of 0 or more.
pub async fn save_limit(
    mut tx: TenantTx<Funds>,
    page: Page,
    AppForm(f): AppForm<LimitForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageFundsSettings)?;
    let mut e = FieldErrors::default();
    let users = approver_users(request_queries::users(&mut tx).await?);
    let user = optional_int(&mut e, "user_id", &f.user_id, 1..=i64::MAX);
    match user {
        None if !e.has("user_id") => e.add("user_id", "form.required"),
        Some(id) if !users.iter().any(|u| u.id == id) => e.add("user_id", "form.invalid_choice"),
        _ => {}
    }
    let limit = optional_decimal(&mut e, "amount_limit", &f.amount_limit, MAX_AMOUNT, 2);
    if limit.is_none() && !e.has("amount_limit") {
        e.add("amount_limit", "form.required");
    }
    let (Some(user), Some(limit)) = (user, limit.filter(|_| e.is_empty())) else {
        let forms = Forms {
            limit: f,
            limit_errors: e,
            ..Forms::default()
        };
        let html = render(&mut tx, &page, forms).await?;
        return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, html));
    };
    let by = tx.user().id;
    let before = request_queries::set_limit(&mut tx, user, limit, by).await?;
    let name = users
        .iter()
        .find(|u| u.id == user)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    tx.audit(Change {
        entity: "payment_approver",
        entity_id: Some(user),
        action: if before.is_some() {
            Action::Update
        } else {
            Action::Create
        },
        summary: &name,
        before: before.map(|l| serde_json::json!({ "amount_limit": l })),
        after: snapshot(&serde_json::json!({ "amount_limit": limit })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("{BASE}#approvers")).into_response())
}

/// Removes an approver's limit (they then approve up to any amount their role allows).
pub async fn remove_limit(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(user): Path<i64>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Response> {
    tx.require(Permission::ManageFundsSettings)?;
    let before = request_queries::remove_limit(&mut tx, user)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    tx.audit(Change {
        entity: "payment_approver",
        entity_id: Some(user),
        action: Action::Delete,
        summary: "amount_limit",
        before: snapshot(&serde_json::json!({ "amount_limit": before })),
        after: None,
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("{BASE}#approvers")).into_response())
}
