//! Settings › Funds (owners and admins): the retention cap (质保金上限), 3 % by default as
//! 建设工程质量保证金管理办法 (建质〔2017〕138号) 第七条 sets in mainland China.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::queries;
use crate::admin::views::Tab;
use crate::audit::{Action, Change, snapshot};
use crate::auth::Permission;
use crate::error::AppResult;
use crate::plans::domain::optional_decimal;
use crate::tenancy::{Funds, TenantTx};
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Layout, Page, format};

const BASE: &str = "/settings/funds";

pub fn router() -> axum::Router<crate::web::AppState> {
    use axum::routing::get;
    axum::Router::new().route(BASE, get(show).post(save))
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SettingsForm {
    pub retention_cap_percent: String,
    /// The version read; 0 while the tenant has the defaults (no row).
    pub version: i32,
}

#[derive(Template)]
#[template(path = "funds/settings.html")]
pub struct FundsSettingsPage {
    pub layout: Layout,
    pub tab: Tab,
    pub form: SettingsForm,
    pub errors: FieldErrors,
    pub conflict: bool,
}

fn render(
    tx: &TenantTx<Funds>,
    page: &Page,
    form: SettingsForm,
    errors: FieldErrors,
    conflict: bool,
) -> AppResult<String> {
    Ok(FundsSettingsPage {
        layout: page.layout(tx, "funds.settings_title"),
        tab: Tab::Funds,
        form,
        errors,
        conflict,
    }
    .render()?)
}

/// The settings form with what is saved.
pub async fn show(mut tx: TenantTx<Funds>, page: Page) -> AppResult<Response> {
    tx.require(Permission::ManageFundsSettings)?;
    let (cap, version) = queries::retention_cap(&mut tx).await?;
    let form = SettingsForm {
        retention_cap_percent: format::quantity(cap),
        version,
    };
    Ok(Html(render(&tx, &page, form, FieldErrors::default(), false)?).into_response())
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
        let html = render(&tx, &page, f, e, false)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    let (before, version) = queries::retention_cap(&mut tx).await?;
    let by = tx.user().id;
    if queries::save_retention_cap(&mut tx, cap, f.version, by)
        .await?
        .is_none()
    {
        let form = SettingsForm { version, ..f };
        let html = render(&tx, &page, form, FieldErrors::default(), true)?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
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
