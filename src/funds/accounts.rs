//! The company's bank accounts (银行账户): 基本户, 一般户, 农民工工资专用账户 … Everyone in
//! Funds sees them with their current balance (opening balance plus every movement through
//! the account) and this month's receipts and payments; those who record funds add, edit,
//! deactivate and reactivate them. Account numbers show in full only to them; others see the
//! last four digits.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::audit::{Action, Change, snapshot};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult, ResultExt};
use crate::i18n;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::fields::required_date;
use crate::web::form::{self, FieldErrors};
use crate::web::{AppForm, Layout, Page, Path, format};

const BASE: &str = "/funds/accounts";

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(list).post(create))
        .route("/funds/accounts/{id}", get(edit).post(update))
        .route("/funds/accounts/{id}/active", post(set_active))
}

/// An account with its balance and this month's flows.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub bank_name: String,
    pub account_number: String,
    pub opening_balance: Decimal,
    pub opened_on: NaiveDate,
    pub active: bool,
    pub version: i32,
    pub balance: Decimal,
    pub month_in: Decimal,
    pub month_out: Decimal,
}

/// The tenant's accounts (active first, by name), or only `id`, with balances; the month's
/// flows count from `month` (its first day).
async fn select(
    scope: &mut TenantScope,
    month: NaiveDate,
    id: Option<i64>,
) -> AppResult<Vec<Account>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Account,
        r#"select b.id, b.name, b.bank_name, b.account_number, b.opening_balance, b.opened_on,
                  b.active, b.version,
                  b.opening_balance + coalesce(f.net, 0) as "balance!",
                  coalesce(f.month_in, 0) as "month_in!",
                  coalesce(f.month_out, 0) as "month_out!"
           from bank_account b
           left join (select m.bank_account_id,
                             sum(case when m.direction = 'in' then m.amount else -m.amount end) as net,
                             sum(m.amount) filter (where m.direction = 'in' and m.moved_on >= $2) as month_in,
                             sum(m.amount) filter (where m.direction = 'out' and m.moved_on >= $2) as month_out
                      from fund_movement m
                      where m.tenant_id = $1 and m.bank_account_id is not null
                      group by m.bank_account_id) f on f.bank_account_id = b.id
           where b.tenant_id = $1 and ($3::bigint is null or b.id = $3)
           order by b.active desc, b.name"#,
        tenant as TenantId,
        month,
        id
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Every account with its current balance (opening balance plus its movements).
pub async fn accounts(scope: &mut TenantScope, today: NaiveDate) -> AppResult<Vec<Account>> {
    select(scope, month_start(today), None).await
}

pub async fn find(scope: &mut TenantScope, id: i64, today: NaiveDate) -> AppResult<Account> {
    select(scope, month_start(today), Some(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day0(0).unwrap_or(d)
}

use chrono::Datelike;

/// An account number as a reader without the right to record funds sees it: the last four
/// digits only.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.is_empty() {
        return String::new();
    }
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("**** {tail}")
}

/// An amount that may be negative or zero (an overdrawn opening balance), two decimals.
fn balance_amount(errors: &mut FieldErrors, field: &'static str, value: &str) -> Decimal {
    super::domain::signed_amount_or_zero(errors, field, value)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AccountForm {
    pub name: String,
    pub bank_name: String,
    pub account_number: String,
    pub opening_balance: String,
    pub opened_on: String,
    pub version: i32,
}

/// An account's fields as validated.
#[derive(Debug, Clone, Serialize)]
pub struct AccountFields {
    pub name: String,
    pub bank_name: String,
    pub account_number: String,
    pub opening_balance: Decimal,
    pub opened_on: NaiveDate,
}

impl AccountForm {
    fn of(a: &Account) -> Self {
        AccountForm {
            name: a.name.clone(),
            bank_name: a.bank_name.clone(),
            account_number: a.account_number.clone(),
            opening_balance: a.opening_balance.to_string(),
            opened_on: a.opened_on.to_string(),
            version: a.version,
        }
    }

    fn validate(
        &self,
        others: &[Account],
        editing: Option<i64>,
        today: NaiveDate,
    ) -> Result<AccountFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = form::text(&mut e, "name", &self.name, true, 100);
        let bank_name = form::text(&mut e, "bank_name", &self.bank_name, false, 200);
        let account_number = form::text(&mut e, "account_number", &self.account_number, false, 60);
        let opening_balance = balance_amount(&mut e, "opening_balance", &self.opening_balance);
        let opened_on = required_date(&mut e, "opened_on", &self.opened_on);
        if opened_on.is_some_and(|d| d > today) {
            e.add("opened_on", "funds_ledger.opened_in_future");
        }
        if !e.has("name")
            && others
                .iter()
                .any(|a| a.name == name && Some(a.id) != editing)
        {
            e.add("name", "funds_ledger.account_name_taken");
        }
        match opened_on {
            Some(opened_on) if e.is_empty() => Ok(AccountFields {
                name,
                bank_name,
                account_number,
                opening_balance,
                opened_on,
            }),
            _ => Err(e),
        }
    }
}

/// An account as the list shows it.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub name: String,
    pub bank_name: String,
    pub account_number: String,
    pub opening_balance: String,
    pub opened_on: String,
    pub balance: String,
    pub month_in: String,
    pub month_out: String,
    pub active: bool,
    pub version: i32,
}

#[derive(Template)]
#[template(path = "funds/accounts.html")]
pub struct AccountsPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub rows: Vec<AccountRow>,
    pub total: String,
    pub can_record: bool,
    pub form: AccountForm,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "funds/account.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub id: i64,
    pub balance: String,
    pub form: AccountForm,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

async fn list_page(
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

async fn insert(scope: &mut TenantScope, f: &AccountFields, by: UserId) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "insert into bank_account (tenant_id, name, bank_name, account_number, opening_balance,
                                   opened_on, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $7) returning id",
        tenant as TenantId,
        f.name,
        f.bank_name,
        f.account_number,
        f.opening_balance,
        f.opened_on,
        by.0
    )
    .fetch_one(scope.conn())
    .await
    .on_constraint("bank_account_tenant_id_name_key", || AppError::Conflict)
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

async fn edit_page(
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
    let tenant = tx.tenant_id();
    let saved = sqlx::query_scalar!(
        "update bank_account
         set name = $3, bank_name = $4, account_number = $5, opening_balance = $6,
             opened_on = $7, updated_at = now(), updated_by = $8, version = version + 1
         where tenant_id = $1 and id = $2 and version = $9
         returning version",
        tenant as TenantId,
        id,
        fields.name,
        fields.bank_name,
        fields.account_number,
        fields.opening_balance,
        fields.opened_on,
        by.0,
        f.version
    )
    .fetch_optional(tx.conn())
    .await
    .on_constraint("bank_account_tenant_id_name_key", || AppError::Conflict)?;
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
    let tenant = tx.tenant_id();
    let saved = sqlx::query_scalar!(
        "update bank_account
         set active = $3, updated_at = now(), updated_by = $4, version = version + 1
         where tenant_id = $1 and id = $2 and version = $5
         returning version",
        tenant as TenantId,
        id,
        active,
        by.0,
        f.version
    )
    .fetch_optional(tx.conn())
    .await?;
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
    tx.audit(Change {
        entity: "bank_account",
        entity_id: Some(id),
        action: Action::Update,
        summary: &a.name,
        before: snapshot(&serde_json::json!({ "active": a.active })),
        after: snapshot(&serde_json::json!({ "active": active })),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_see_the_last_four_digits() {
        assert_eq!(mask("6222 0212 3456 7890"), "**** 7890");
        assert_eq!(mask("123"), "**** 123");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn an_opening_balance_may_be_negative_but_not_fractional_fen() {
        let mut e = FieldErrors::default();
        assert_eq!(
            balance_amount(&mut e, "b", "-1,000.50"),
            Decimal::new(-100050, 2)
        );
        assert!(e.is_empty());
        balance_amount(&mut e, "b", "1.005");
        assert_eq!(e.get("b"), Some("form.too_many_decimals"));
    }
}
