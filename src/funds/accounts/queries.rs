//! The SQL of bank accounts: the accounts with their balances and this month's movements,
//! one account, inserting one.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::domain::month_start;
use crate::db::TenantScope;
use crate::error::{AppError, AppResult, ResultExt};
use crate::ids::{TenantId, UserId};

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
pub(super) async fn select(
    scope: &mut TenantScope,
    month: NaiveDate,
    id: Option<i64>,
) -> AppResult<Vec<Account>> {
    scope.plan_with_values().await?;
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

/// An account's fields as validated.
#[derive(Debug, Clone, Serialize)]
pub struct AccountFields {
    pub name: String,
    pub bank_name: String,
    pub account_number: String,
    pub opening_balance: Decimal,
    pub opened_on: NaiveDate,
}

pub(super) async fn insert(
    scope: &mut TenantScope,
    f: &AccountFields,
    by: UserId,
) -> AppResult<i64> {
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

/// Saves an account's fields if unchanged since `version`; its new version, `None` when stale.
pub(super) async fn update(
    scope: &mut TenantScope,
    id: i64,
    fields: &AccountFields,
    by: UserId,
    version: i32,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
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
        version
    )
    .fetch_optional(scope.conn())
    .await
    .on_constraint("bank_account_tenant_id_name_key", || AppError::Conflict)
}

/// Deactivates or reactivates an account if unchanged since `version`; its new version,
/// `None` when stale.
pub(super) async fn set_active(
    scope: &mut TenantScope,
    id: i64,
    active: bool,
    by: UserId,
    version: i32,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update bank_account
         set active = $3, updated_at = now(), updated_by = $4, version = version + 1
         where tenant_id = $1 and id = $2 and version = $5
         returning version",
        tenant as TenantId,
        id,
        active,
        by.0,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}
