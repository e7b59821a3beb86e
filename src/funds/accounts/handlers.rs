//! Bank-account handlers: the list with the add form, editing, deactivating and
//! reactivating.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::BASE;
use super::domain::{AccountForm, mask};
use super::queries::{self, Account, accounts, find, insert};
use super::views::{AccountPage, AccountRow, AccountsPage};
use crate::audit::{Action, Change, snapshot};
use crate::error::AppResult;
use crate::i18n;
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path, format};

pub(super) async fn list_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    form: AccountForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> AppResult<String> {
    let can_record = tx.user().role.has(Permission::RecordFunds);
    let arg = tx.tenant().today();
    let all = accounts(tx, arg).await?;
    let total: Decimal = all.iter().filter(|a| a.active).map(|a| a.balance).sum();
    let rows = all
        .into_iter()
        .map(|a| AccountRow {
            id: a.id,
            account_number: if can_record {
                a.account_number.clone()
            } else {
                mask(&a.account_number)
            },
            name: a.name,
            bank_name: a.bank_name,
            opening_balance: format::money(a.opening_balance),
            opened_on: a.opened_on.to_string(),
            balance: format::money(a.balance),
            month_in: format::money(a.month_in),
            month_out: format::money(a.month_out),
            active: a.active,
            version: a.version,
        })
        .collect();
    Ok(AccountsPage {
        layout: page.layout(tx, "funds.tab_accounts"),
        funds_tab: "accounts",
        rows,
        total: format::money(total),
        can_record,
        form,
        errors,
        notice,
    }
    .render()?)
}

/// The accounts with their balances, and the form to add one for those who may.
pub async fn list(mut tx: TenantTx<Funds>, page: Page) -> AppResult<Response> {
    let form = AccountForm {
        opened_on: tx.tenant().today().to_string(),
        ..AccountForm::default()
    };
    let html = list_page(&mut tx, &page, form, FieldErrors::default(), None).await?;
    Ok(Html(html).into_response())
}

pub async fn create(
    mut tx: TenantTx<Funds>,
    page: Page,
    AppForm(f): AppForm<AccountForm>,
) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    let now = tx.tenant().today();
    let all = accounts(&mut tx, now).await?;
    let fields = match f.validate(&all, None, now) {
        Ok(x) => x,
        Err(errors) => {
            let html = list_page(&mut tx, &page, f, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let by = tx.user().id;
    let id = insert(&mut tx, &fields, by).await?;
    tx.audit(Change {
        entity: "bank_account",
        entity_id: Some(id),
        action: Action::Create,
        summary: &fields.name,
        before: None,
        after: snapshot(&fields),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_ledger.account_saved")
        .await?;
    Ok(Redirect::to(&format!("{BASE}#account-{id}")).into_response())
}

pub(super) async fn edit_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    a: &Account,
    form: AccountForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> AppResult<String> {
    Ok(AccountPage {
        layout: page.layout(tx, "funds_ledger.edit_account"),
        funds_tab: "accounts",
        id: a.id,
        balance: format::money(a.balance),
        form,
        errors,
        notice,
    }
    .render()?)
}

/// The edit form of one account.
pub async fn edit(mut tx: TenantTx<Funds>, page: Page, Path(id): Path<i64>) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    let now = tx.tenant().today();
    let a = find(&mut tx, id, now).await?;
    let form = AccountForm::of(&a);
    let html = edit_page(&mut tx, &page, &a, form, FieldErrors::default(), None).await?;
    Ok(Html(html).into_response())
}

pub async fn update(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<AccountForm>,
) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    let locale = tx.user().locale;
    let now = tx.tenant().today();
    let a = find(&mut tx, id, now).await?;
    let all = accounts(&mut tx, now).await?;
    let fields = match f.validate(&all, Some(id), now) {
        Ok(x) => x,
        Err(errors) => {
            let html = edit_page(&mut tx, &page, &a, f, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let by = tx.user().id;
    let saved = queries::update(&mut tx, id, &fields, by, f.version).await?;
    if saved.is_none() {
        let notice = Some(i18n::t(locale, "funds.stale").to_owned());
        let form = AccountForm {
            version: a.version,
            ..f
        };
        let html = edit_page(&mut tx, &page, &a, form, FieldErrors::default(), notice).await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    tx.audit(Change {
        entity: "bank_account",
        entity_id: Some(id),
        action: Action::Update,
        summary: &fields.name,
        before: snapshot(&a),
        after: snapshot(&fields),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_ledger.account_saved")
        .await?;
    Ok(Redirect::to(&format!("{BASE}#account-{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActiveForm {
    /// "1" to reactivate, anything else to deactivate.
    pub active: String,
    pub version: i32,
}

/// Deactivates an account (its movements stay; new ones cannot name it) or brings it back.
pub async fn set_active(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ActiveForm>,
) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    let locale = tx.user().locale;
    let now = tx.tenant().today();
    let a = find(&mut tx, id, now).await?;
    let active = f.active == "1";
    let by = tx.user().id;
    let saved = queries::set_active(&mut tx, id, active, by, f.version).await?;
    if saved.is_none() {
        let notice = Some(i18n::t(locale, "funds.stale").to_owned());
        let html = list_page(
            &mut tx,
            &page,
            AccountForm::default(),
            FieldErrors::default(),
            notice,
        )
        .await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    tx.audit(Change::switched(
        "bank_account",
        id,
        &a.name,
        a.active,
        active,
    ))
    .await?;
    tx.commit().await?;
    let flash = if active {
        "funds_ledger.account_reactivated"
    } else {
        "funds_ledger.account_deactivated"
    };
    page.session.flash(true, flash).await?;
    Ok(Redirect::to(&format!("{BASE}#account-{id}")).into_response())
}
