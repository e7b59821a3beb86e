//! Labour settings (owners and admins): the standard day and the pay-type multipliers, saved
//! with optimistic locking, and the trades list — add, rename, deactivate, reorder.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::domain::{SettingsForm, TradeForm, moved};
use super::queries::{self, Trade};
use super::views::{LabourSettingsPage, TradeView};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::labour::queries::pay_rules;
use crate::roles::Permission;
use crate::tenancy::{Labour, TenantTx};
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path};

const BASE: &str = "/settings/labour";

/// What the page shows beyond what is saved: forms being corrected.
#[derive(Debug, Default)]
struct Parts {
    form: Option<SettingsForm>,
    errors: FieldErrors,
    theirs: Option<SettingsForm>,
    new_trade: TradeForm,
    new_errors: FieldErrors,
    /// A refused rename: the trade, what was typed, why.
    rename: Option<(i64, TradeForm, FieldErrors)>,
    trade_conflict: bool,
}

async fn saved_form(tx: &mut TenantTx<Labour>) -> AppResult<SettingsForm> {
    let rules = pay_rules(tx).await?;
    let version = queries::settings_version(tx).await?;
    Ok(SettingsForm::from_rules(&rules, version))
}

async fn settings_page(tx: &mut TenantTx<Labour>, page: &Page, parts: Parts) -> AppResult<String> {
    let form = match parts.form {
        Some(f) => f,
        None => saved_form(tx).await?,
    };
    let trades = queries::list_trades(tx).await?;
    let n = trades.len();
    let mut rename = parts.rename;
    let trades = trades
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let (name_zh, name_en, version, errors) = match rename.take_if(|r| r.0 == t.id) {
                Some((_, f, e)) => (f.name_zh, f.name_en, f.version, e),
                None => (t.name_zh, t.name_en, t.version, FieldErrors::default()),
            };
            TradeView {
                id: t.id,
                name_zh,
                name_en,
                active: t.active,
                version,
                first: i == 0,
                last: i + 1 == n,
                errors,
            }
        })
        .collect();
    Ok(LabourSettingsPage {
        layout: page.layout(tx, "labour_roster.settings_title"),
        tab: "labour",
        form,
        errors: parts.errors,
        theirs: parts.theirs,
        trades,
        new_trade: parts.new_trade,
        new_errors: parts.new_errors,
        trade_conflict: parts.trade_conflict,
    }
    .render()?)
}

fn with_status(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

pub async fn show(mut tx: TenantTx<Labour>, page: Page) -> AppResult<Html<String>> {
    tx.require(Permission::ManageLabourSettings)?;
    Ok(Html(settings_page(&mut tx, &page, Parts::default()).await?))
}

pub async fn save(
    mut tx: TenantTx<Labour>,
    page: Page,
    AppForm(f): AppForm<SettingsForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageLabourSettings)?;
    let rules = match f.validate() {
        Ok(rules) => rules,
        Err(errors) => {
            let parts = Parts {
                form: Some(f),
                errors,
                ..Parts::default()
            };
            let html = settings_page(&mut tx, &page, parts).await?;
            return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
        }
    };
    let before = pay_rules(&mut tx).await?;
    let me = tx.user().id;
    if queries::save_settings(&mut tx, &rules, f.version, me)
        .await?
        .is_none()
    {
        let theirs = saved_form(&mut tx).await?;
        let parts = Parts {
            form: Some(SettingsForm {
                version: theirs.version,
                ..f
            }),
            theirs: Some(theirs),
            ..Parts::default()
        };
        let html = settings_page(&mut tx, &page, parts).await?;
        return Ok(with_status(StatusCode::CONFLICT, html));
    }
    tx.audit(Change {
        entity: "labour_settings",
        entity_id: None,
        action: Action::Update,
        summary: "labour settings",
        before: snapshot(&before),
        after: snapshot(&rules),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(BASE).into_response())
}

/// A refused trade form: the page again, with the messages where they belong.
async fn refuse_trade(
    mut tx: TenantTx<Labour>,
    page: &Page,
    status: StatusCode,
    parts: Parts,
) -> AppResult<Response> {
    let html = settings_page(&mut tx, page, parts).await?;
    Ok(with_status(status, html))
}

fn name_taken() -> FieldErrors {
    let mut e = FieldErrors::default();
    e.add("name_zh", "labour_roster.trade_name_taken");
    e
}

pub async fn add_trade(
    mut tx: TenantTx<Labour>,
    page: Page,
    AppForm(f): AppForm<TradeForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageLabourSettings)?;
    let (zh, en) = match f.validate() {
        Ok(v) => v,
        Err(new_errors) => {
            let parts = Parts {
                new_trade: f,
                new_errors,
                ..Parts::default()
            };
            return refuse_trade(tx, &page, StatusCode::UNPROCESSABLE_ENTITY, parts).await;
        }
    };
    // A taken name is answered by the unique key; the savepoint keeps the page drawable.
    tx.savepoint().await?;
    let inserted = queries::insert_trade(&mut tx, &zh, &en).await;
    let Ok(id) = tx
        .unless_taken(inserted, "trade_tenant_id_name_zh_key")
        .await?
    else {
        let parts = Parts {
            new_trade: f,
            new_errors: name_taken(),
            ..Parts::default()
        };
        return refuse_trade(tx, &page, StatusCode::UNPROCESSABLE_ENTITY, parts).await;
    };
    tx.audit(Change {
        entity: "trade",
        entity_id: Some(id),
        action: Action::Create,
        summary: &zh,
        before: None,
        after: snapshot(&TradeForm {
            name_zh: zh.clone(),
            name_en: en.clone(),
            version: 1,
        }),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "labour_roster.trade_added")
        .await?;
    Ok(Redirect::to(BASE).into_response())
}

async fn find_trade(tx: &mut TenantTx<Labour>, id: i64) -> AppResult<Trade> {
    queries::list_trades(tx)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)
}

/// A trade as the audit log records it.
#[derive(Debug, Serialize)]
struct Audited<'a> {
    name_zh: &'a str,
    name_en: &'a str,
    active: bool,
}

fn audited(t: &Trade) -> Option<serde_json::Value> {
    snapshot(&Audited {
        name_zh: &t.name_zh,
        name_en: &t.name_en,
        active: t.active,
    })
}

pub async fn rename_trade(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<TradeForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageLabourSettings)?;
    let trade = find_trade(&mut tx, id).await?;
    let (zh, en) = match f.validate() {
        Ok(v) => v,
        Err(errors) => {
            let parts = Parts {
                rename: Some((id, f, errors)),
                ..Parts::default()
            };
            return refuse_trade(tx, &page, StatusCode::UNPROCESSABLE_ENTITY, parts).await;
        }
    };
    tx.savepoint().await?;
    let renamed = queries::rename_trade(&mut tx, id, &zh, &en, f.version).await;
    let Ok(renamed) = tx
        .unless_taken(renamed, "trade_tenant_id_name_zh_key")
        .await?
    else {
        let parts = Parts {
            rename: Some((id, f, name_taken())),
            ..Parts::default()
        };
        return refuse_trade(tx, &page, StatusCode::UNPROCESSABLE_ENTITY, parts).await;
    };
    if renamed.is_none() {
        let parts = Parts {
            trade_conflict: true,
            ..Parts::default()
        };
        return refuse_trade(tx, &page, StatusCode::CONFLICT, parts).await;
    }
    tx.audit(Change {
        entity: "trade",
        entity_id: Some(id),
        action: Action::Update,
        summary: &zh,
        before: audited(&trade),
        after: snapshot(&Audited {
            name_zh: &zh,
            name_en: &en,
            active: trade.active,
        }),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(BASE).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActiveForm {
    /// "1" to reactivate, anything else to deactivate.
    pub active: String,
}

/// Deactivates or reactivates a trade. A deactivated trade is offered for no new crew or
/// worker; those that have it keep it.
pub async fn set_trade_active(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ActiveForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageLabourSettings)?;
    let trade = find_trade(&mut tx, id).await?;
    let active = f.active == "1";
    queries::set_trade_active(&mut tx, id, active).await?;
    tx.audit(Change {
        entity: "trade",
        entity_id: Some(id),
        action: Action::Update,
        summary: &trade.name_zh,
        before: audited(&trade),
        after: snapshot(&Audited {
            name_zh: &trade.name_zh,
            name_en: &trade.name_en,
            active,
        }),
    })
    .await?;
    tx.commit().await?;
    let flash = if active {
        "labour_roster.trade_reactivated"
    } else {
        "labour_roster.trade_deactivated"
    };
    page.session.flash(true, flash).await?;
    Ok(Redirect::to(BASE).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MoveForm {
    /// "up" or "down".
    pub dir: String,
}

pub async fn move_trade(
    mut tx: TenantTx<Labour>,
    Path(id): Path<i64>,
    AppForm(f): AppForm<MoveForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageLabourSettings)?;
    let up = match f.dir.as_str() {
        "up" => true,
        "down" => false,
        _ => return Err(AppError::BadRequest("dir: up or down".into())),
    };
    let trades = queries::list_trades(&mut tx).await?;
    let Some(trade) = trades.iter().find(|t| t.id == id) else {
        return Err(AppError::NotFound);
    };
    let ids: Vec<i64> = trades.iter().map(|t| t.id).collect();
    // Already at that end: nothing to do.
    if let Some(order) = moved(&ids, id, up) {
        queries::reorder_trades(&mut tx, &order).await?;
        tx.audit(Change {
            entity: "trade",
            entity_id: Some(id),
            action: Action::Update,
            summary: &trade.name_zh,
            before: snapshot(&serde_json::json!({ "order": ids })),
            after: snapshot(&serde_json::json!({ "order": order })),
        })
        .await?;
        tx.commit().await?;
    }
    Ok(Redirect::to(&format!("{BASE}#trade-{id}")).into_response())
}
