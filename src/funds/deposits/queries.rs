//! The SQL of tender deposits: the list, one deposit (locked when it changes), settling one.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::domain::DepositStatus;
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::funds::ledger::MovementKind;
use crate::ids::{TenantId, UserId};

/// A deposit with its names. `cancelled`: its payment was reversed.
#[derive(Debug, Clone, Serialize)]
pub struct Deposit {
    pub id: i64,
    pub project_id: Option<i64>,
    pub project: Option<String>,
    pub tender_name: String,
    pub counterparty_id: i64,
    pub counterparty: String,
    pub amount: Decimal,
    pub paid_on: NaiveDate,
    pub due_back_on: Option<NaiveDate>,
    pub status: DepositStatus,
    pub settled_on: Option<NaiveDate>,
    pub note: String,
    pub cancelled: bool,
    pub version: i32,
}

pub(super) async fn select(scope: &mut TenantScope, id: Option<i64>) -> AppResult<Vec<Deposit>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Deposit,
        r#"select d.id, d.project_id, p.code || ' ' || p.name as "project?", d.tender_name,
                  d.counterparty_id, c.name as counterparty, d.amount, d.paid_on, d.due_back_on,
                  d.status as "status: DepositStatus", d.settled_on, d.note,
                  exists (select 1 from fund_movement m
                          join fund_movement r on r.tenant_id = m.tenant_id and r.reverses_id = m.id
                          where m.tenant_id = d.tenant_id and m.deposit_id = d.id
                            and m.kind = 'deposit_paid') as "cancelled!",
                  d.version
           from tender_deposit d
           join counterparty c on c.tenant_id = d.tenant_id and c.id = d.counterparty_id
           left join project p on p.tenant_id = d.tenant_id and p.id = d.project_id
           where d.tenant_id = $1 and ($2::bigint is null or d.id = $2)
             and (d.project_id in (select * from visible_project_ids($1))
                  or (d.project_id is null and sees_all_projects()))
           order by (d.status = 'paid') desc, d.due_back_on nulls last, d.paid_on desc, d.id desc"#,
        tenant as TenantId,
        id
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Locks a deposit until the transaction ends: settling it and reversing its payment take
/// turns, so a deposit is never both refunded and cancelled.
pub(super) async fn lock(scope: &mut TenantScope, id: i64) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "select id from tender_deposit where tenant_id = $1 and id = $2 for update",
        tenant as TenantId,
        id
    )
    .fetch_optional(scope.conn())
    .await?;
    Ok(())
}

pub async fn find(scope: &mut TenantScope, id: i64) -> AppResult<Deposit> {
    select(scope, Some(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Serialize)]
pub(super) struct DepositFields<'a> {
    pub(super) tender_name: &'a str,
    pub(super) counterparty_id: i64,
    pub(super) project_id: Option<i64>,
    pub(super) amount: Decimal,
    pub(super) paid_on: NaiveDate,
    pub(super) due_back_on: Option<NaiveDate>,
    pub(super) movement_id: i64,
}

/// Marks a paid deposit settled; whether it still was paid.
pub(super) async fn settle(
    scope: &mut TenantScope,
    id: i64,
    status: DepositStatus,
    on: NaiveDate,
    note: &str,
    by: UserId,
) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update tender_deposit
         set status = $3, settled_on = $4, note = $5, updated_at = now(), updated_by = $6,
             version = version + 1
         where tenant_id = $1 and id = $2 and status = 'paid'
         returning id",
        tenant as TenantId,
        id,
        status.as_str(),
        on,
        note,
        by as UserId
    )
    .fetch_optional(scope.conn())
    .await?
    .is_some())
}

/// A movement of the deposit.
#[derive(Debug, Clone)]
pub struct DepositMovement {
    pub id: i64,
    pub moved_on: NaiveDate,
    pub kind: MovementKind,
    pub amount: Decimal,
}

/// The movements of a deposit (its payment, refund, reversals), oldest first.
pub(super) async fn movements(scope: &mut TenantScope, id: i64) -> AppResult<Vec<DepositMovement>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        DepositMovement,
        r#"select id, moved_on, kind as "kind: MovementKind", amount from fund_movement
           where tenant_id = $1 and deposit_id = $2 order by moved_on, id"#,
        tenant as TenantId,
        id
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A deposit as paid, before its payment is recorded.
pub(super) struct NewDeposit<'a> {
    pub(super) project_id: Option<i64>,
    pub(super) tender_name: &'a str,
    pub(super) counterparty_id: i64,
    pub(super) amount: Decimal,
    pub(super) paid_on: NaiveDate,
    pub(super) due_back_on: Option<NaiveDate>,
}

/// Inserts a paid deposit; its id.
pub(super) async fn insert(
    scope: &mut TenantScope,
    d: &NewDeposit<'_>,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into tender_deposit (tenant_id, project_id, tender_name, counterparty_id, amount,
                                     paid_on, due_back_on, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning id",
        tenant as TenantId,
        d.project_id,
        d.tender_name,
        d.counterparty_id,
        d.amount,
        d.paid_on,
        d.due_back_on,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}
