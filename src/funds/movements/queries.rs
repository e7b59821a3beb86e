//! The ledger's SQL: the movements and the labour wage account's payouts and advances as one
//! list (filtered, paged, totalled), one movement with what it links, reversals, attachments.
//! Every read names the viewer, so a row of a project they may not see is not there.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::TenantScope;
use crate::error::{AppError, AppResult, ResultExt};
use crate::funds::deposits::domain::DepositStatus;
use crate::funds::ledger::{MovementDirection, MovementKind, MovementMethod};
use crate::ids::{ContractId, TenantId, UserId};

use super::domain::LedgerSource;

/// The list's filters; `None` is any. `to` is exclusive.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub project: Option<i64>,
    pub account: Option<i64>,
    pub direction: Option<String>,
    pub kind: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub counterparty: Option<i64>,
}

/// One line of the ledger: a movement (`source` "movement") or a wage payout or advance
/// (`source` "labour_payout" / "labour_advance", always out, no account).
#[derive(Debug, Clone)]
pub struct LedgerRow {
    pub source: LedgerSource,
    pub id: i64,
    pub project_code: Option<String>,
    pub moved_on: NaiveDate,
    pub direction: MovementDirection,
    pub kind: MovementKind,
    pub amount: Decimal,
    pub method: MovementMethod,
    pub account_name: Option<String>,
    pub party: Option<String>,
    pub worker_id: Option<i64>,
    pub reference: String,
    pub note: String,
    pub reverses_id: Option<i64>,
    pub reversed: bool,
}

/// Rows of the ledger the viewer may see that pass `f`, newest first, `limit` from `offset`.
pub async fn rows(
    scope: &mut TenantScope,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<LedgerRow>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        LedgerRow,
        r#"with l as (
               select 'movement' as source, m.id, m.project_id, m.moved_on, m.direction, m.kind,
                      m.amount, m.method, m.bank_account_id, b.name as account_name,
                      m.counterparty_id, c.name as party, null::bigint as worker_id,
                      m.reference, m.note, m.reverses_id,
                      exists (select 1 from fund_movement r
                              where r.tenant_id = m.tenant_id and r.reverses_id = m.id) as reversed
               from fund_movement m
               left join bank_account b on b.tenant_id = m.tenant_id and b.id = m.bank_account_id
               left join counterparty c on c.tenant_id = m.tenant_id and c.id = m.counterparty_id
               where m.tenant_id = $1
               union all
               select 'labour_payout', w.id, w.project_id, w.paid_on, 'out', 'labour_payout',
                      w.amount, w.method, null, null, null, k.name, w.worker_id, w.reference, '',
                      null, false
               from labour_payout w
               join worker k on k.tenant_id = w.tenant_id and k.id = w.worker_id
               where w.tenant_id = $1
               union all
               select 'labour_advance', a.id, a.project_id, a.paid_on, 'out', 'labour_advance',
                      a.amount, a.method, null, null, null, k.name, a.worker_id, '', a.note,
                      null, false
               from labour_advance a
               join worker k on k.tenant_id = a.tenant_id and k.id = a.worker_id
               where a.tenant_id = $1)
           select l.source as "source!: LedgerSource", l.id as "id!", p.code as "project_code?",
                  l.moved_on as "moved_on!", l.direction as "direction!: MovementDirection",
                  l.kind as "kind!: MovementKind",
                  l.amount as "amount!", l.method as "method!: MovementMethod",
                  l.account_name as "account_name?",
                  l.party as "party?", l.worker_id as "worker_id?", l.reference as "reference!",
                  l.note as "note!", l.reverses_id as "reverses_id?", l.reversed as "reversed!"
           from l
           left join project p on p.tenant_id = $1 and p.id = l.project_id
           where (l.project_id in (select * from visible_project_ids($1))
                  or (l.project_id is null and sees_all_projects()))
             and ($2::bigint is null or l.project_id = $2)
             and ($3::bigint is null or l.bank_account_id = $3)
             and ($4::text is null or l.direction = $4)
             and ($5::text is null or l.kind = $5)
             and ($6::date is null or l.moved_on >= $6)
             and ($7::date is null or l.moved_on < $7)
             and ($8::bigint is null or l.counterparty_id = $8)
           order by l.moved_on desc, l.source desc, l.id desc
           limit $9 offset $10"#,
        tenant as TenantId,
        f.project,
        f.account,
        f.direction,
        f.kind,
        f.from,
        f.to,
        f.counterparty,
        limit,
        offset
    )
    .fetch_all(scope.conn())
    .await?)
}

/// How many rows pass the filter, and their money in and out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub count: i64,
    pub inflow: Decimal,
    pub outflow: Decimal,
}

pub async fn totals(scope: &mut TenantScope, f: &Filter) -> AppResult<Totals> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Totals,
        r#"with l as (
               select m.project_id, m.moved_on, m.direction, m.kind, m.amount,
                      m.bank_account_id, m.counterparty_id
               from fund_movement m where m.tenant_id = $1
               union all
               select w.project_id, w.paid_on, 'out', 'labour_payout', w.amount, null, null
               from labour_payout w where w.tenant_id = $1
               union all
               select a.project_id, a.paid_on, 'out', 'labour_advance', a.amount, null, null
               from labour_advance a where a.tenant_id = $1)
           select count(*) as "count!",
                  coalesce(sum(l.amount) filter (where l.direction = 'in'), 0) as "inflow!",
                  coalesce(sum(l.amount) filter (where l.direction = 'out'), 0) as "outflow!"
           from l
           where (l.project_id in (select * from visible_project_ids($1))
                  or (l.project_id is null and sees_all_projects()))
             and ($2::bigint is null or l.project_id = $2)
             and ($3::bigint is null or l.bank_account_id = $3)
             and ($4::text is null or l.direction = $4)
             and ($5::text is null or l.kind = $5)
             and ($6::date is null or l.moved_on >= $6)
             and ($7::date is null or l.moved_on < $7)
             and ($8::bigint is null or l.counterparty_id = $8)"#,
        tenant as TenantId,
        f.project,
        f.account,
        f.direction,
        f.kind,
        f.from,
        f.to,
        f.counterparty
    )
    .fetch_one(scope.conn())
    .await?)
}

/// One movement with the names of what it links.
#[derive(Debug, Clone, Serialize)]
pub struct Movement {
    pub id: i64,
    pub project_id: Option<i64>,
    pub project: Option<String>,
    pub direction: MovementDirection,
    pub kind: MovementKind,
    pub moved_on: NaiveDate,
    pub amount: Decimal,
    pub method: MovementMethod,
    pub bank_account_id: Option<i64>,
    pub account_name: Option<String>,
    pub reference: String,
    pub counterparty_id: Option<i64>,
    pub counterparty: Option<String>,
    pub contract_id: Option<ContractId>,
    pub contract: Option<String>,
    pub application_id: Option<i64>,
    pub application_no: Option<i32>,
    pub payment_request_id: Option<i64>,
    pub deposit_id: Option<i64>,
    pub deposit: Option<String>,
    pub note: String,
    pub reverses_id: Option<i64>,
    pub reversed_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
}

/// A movement the viewer may see (one without a project only for those who see all).
pub async fn find(scope: &mut TenantScope, id: i64) -> AppResult<Movement> {
    let tenant = scope.tenant_id();
    sqlx::query_as!(
        Movement,
        r#"select m.id, m.project_id, p.code || ' ' || p.name as "project?",
                  m.direction as "direction: MovementDirection", m.kind as "kind: MovementKind",
                  m.moved_on, m.amount, m.method as "method: MovementMethod", m.bank_account_id,
                  b.name as "account_name?", m.reference, m.counterparty_id,
                  c.name as "counterparty?", m.contract_id as "contract_id: ContractId",
                  k.number || ' ' || k.title as "contract?", m.application_id,
                  a.period_no as "application_no?", m.payment_request_id, m.deposit_id,
                  d.tender_name as "deposit?", m.note, m.reverses_id,
                  (select r.id from fund_movement r
                   where r.tenant_id = m.tenant_id and r.reverses_id = m.id) as "reversed_by?",
                  m.created_at, u.name as "created_by?"
           from fund_movement m
           left join project p on p.tenant_id = m.tenant_id and p.id = m.project_id
           left join bank_account b on b.tenant_id = m.tenant_id and b.id = m.bank_account_id
           left join counterparty c on c.tenant_id = m.tenant_id and c.id = m.counterparty_id
           left join contract k on k.tenant_id = m.tenant_id and k.id = m.contract_id
           left join payment_application a on a.tenant_id = m.tenant_id and a.id = m.application_id
           left join tender_deposit d on d.tenant_id = m.tenant_id and d.id = m.deposit_id
           left join app_user u on u.tenant_id = m.tenant_id and u.id = m.created_by
           where m.tenant_id = $1 and m.id = $2
             and (m.project_id in (select * from visible_project_ids($1))
                  or (m.project_id is null and sees_all_projects()))"#,
        tenant as TenantId,
        id
    )
    .fetch_optional(scope.conn())
    .await?
    .ok_or(AppError::NotFound)
}

/// Inserts the reversal of `m`: the negated amount, the same kind, direction, account and
/// links, dated `on`. `Conflict` if another reversal of it got in first.
pub async fn insert_reversal(
    scope: &mut TenantScope,
    m: &Movement,
    on: NaiveDate,
    note: &str,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "insert into fund_movement (tenant_id, project_id, direction, kind, moved_on, amount,
                                    method, bank_account_id, reference, counterparty_id,
                                    contract_id, application_id, payment_request_id, deposit_id,
                                    note, reverses_id, created_by)
         select tenant_id, project_id, direction, kind, $3, -amount, method, bank_account_id,
                reference, counterparty_id, contract_id, application_id, payment_request_id,
                deposit_id, $4, id, $5
         from fund_movement where tenant_id = $1 and id = $2
         returning id",
        tenant as TenantId,
        m.id,
        on,
        note,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await
    .on_constraint("fund_movement_tenant_id_reverses_id_key", || {
        AppError::Conflict
    })
}

/// Sets a paid payment request back to approved (its payment was reversed); whether it was.
pub async fn unpay_request(scope: &mut TenantScope, request: i64, by: UserId) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update payment_request
         set status = 'approved', updated_at = now(), updated_by = $3, version = version + 1
         where tenant_id = $1 and id = $2 and status = 'paid'
         returning id",
        tenant as TenantId,
        request,
        by as UserId
    )
    .fetch_optional(scope.conn())
    .await?
    .is_some())
}

/// Sets a refunded deposit back to paid (its refund was reversed); whether it was.
pub async fn unrefund_deposit(
    scope: &mut TenantScope,
    deposit: i64,
    by: UserId,
) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update tender_deposit
         set status = 'paid', settled_on = null, updated_at = now(), updated_by = $3,
             version = version + 1
         where tenant_id = $1 and id = $2 and status = 'refunded'
         returning id",
        tenant as TenantId,
        deposit,
        by as UserId
    )
    .fetch_optional(scope.conn())
    .await?
    .is_some())
}

/// A deposit's status, for reversing its payment.
pub async fn deposit_status(
    scope: &mut TenantScope,
    deposit: i64,
) -> AppResult<Option<DepositStatus>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select status as "status: DepositStatus" from tender_deposit
           where tenant_id = $1 and id = $2 for update"#,
        tenant as TenantId,
        deposit
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Locks the movement's attachment list against a concurrent upload (the ledger itself
/// cannot be locked: it has no UPDATE grant), by an advisory lock for the transaction.
pub async fn lock_attachments(scope: &mut TenantScope, movement: i64) -> AppResult<()> {
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtext('fund_movement_attachment'), $1::int)",
        i32::try_from(movement.rem_euclid(i64::from(i32::MAX))).unwrap_or(0)
    )
    .fetch_one(scope.conn())
    .await?;
    Ok(())
}
