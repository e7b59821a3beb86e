//! Statement SQL: a worker's entries between two days and what was owed before them.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::labour::domain::WorkerId;
use crate::labour::wages::domain::StatementSource;

/// One thing on a worker's statement: a ticket line (`kind` = 'line'), an advance or a payout.
#[derive(Debug, Clone)]
pub struct StatementEntry {
    pub kind: StatementSource,
    pub on: NaiveDate,
    pub project_id: i64,
    pub project_code: String,
    pub ticket_id: Option<i64>,
    pub hours: Decimal,
    pub days: Decimal,
    pub pay_type: Option<String>,
    pub amount: Decimal,
    /// A line's status; an advance's method; a payout's method.
    pub status: String,
    /// A payout's month, an advance's note, a payout's reference.
    pub period: Option<NaiveDate>,
    pub note: String,
}

/// Everything on the worker's statement between `from` and `to` on projects the viewer may
/// see: ticket lines of submitted, confirmed and settled tickets, advances and payouts, in
/// date order (lines first on a day, then advances, then payouts).
pub async fn statement_entries(
    scope: &mut TenantScope,
    worker: WorkerId,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<StatementEntry>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        StatementEntry,
        r#"with seen as (
               select p.id, p.code from project p
               where p.tenant_id = $1
                 and p.id in (select * from visible_project_ids($1)))
           select kind as "kind!: StatementSource", "on" as "on!", project_id as "project_id!",
                  project_code as "project_code!", ticket_id, hours as "hours!",
                  days as "days!", pay_type, amount as "amount!", status as "status!", period,
                  note as "note!"
           from (
               select 'line' as kind, 1 as rank, l.id, l.ticket_date as "on", l.project_id,
                      s.code as project_code, l.ticket_id, l.hours, l.days, l.pay_type, l.amount,
                      l.status, null::date as period, '' as note
               from labour_ticket_line l
               join seen s on s.id = l.project_id
               where l.tenant_id = $1 and l.worker_id = $2 and l.ticket_date between $3 and $4
                 and l.status in ('submitted', 'confirmed', 'settled')
               union all
               select 'advance', 2, a.id, a.paid_on, a.project_id, s.code, null, 0, 0, null,
                      a.amount, a.method, null, a.note
               from labour_advance a
               join seen s on s.id = a.project_id
               where a.tenant_id = $1 and a.worker_id = $2 and a.paid_on between $3 and $4
               union all
               select 'payout', 3, o.id, o.paid_on, o.project_id, s.code, null, 0, 0, null,
                      o.amount, o.method, o.period, o.reference
               from labour_payout o
               join seen s on s.id = o.project_id
               where o.tenant_id = $1 and o.worker_id = $2 and o.paid_on between $3 and $4
           ) e
           order by "on", rank, id"#,
        tenant as TenantId,
        worker as WorkerId,
        from,
        to
    )
    .fetch_all(scope.conn())
    .await?)
}

/// What was owed to the worker before `from`: wages of confirmed and settled lines less
/// advances and payouts, on the projects the viewer may see.
pub async fn balance_before(
    scope: &mut TenantScope,
    worker: WorkerId,
    from: NaiveDate,
) -> AppResult<Decimal> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"with seen as (
               select p.id from project p
               where p.tenant_id = $1
                 and p.id in (select * from visible_project_ids($1)))
           select
             (select coalesce(sum(amount), 0) from labour_ticket_line
              where tenant_id = $1 and worker_id = $2 and ticket_date < $3
                and status in ('confirmed', 'settled') and project_id in (select id from seen))
           - (select coalesce(sum(amount), 0) from labour_advance
              where tenant_id = $1 and worker_id = $2 and paid_on < $3
                and project_id in (select id from seen))
           - (select coalesce(sum(amount), 0) from labour_payout
              where tenant_id = $1 and worker_id = $2 and paid_on < $3
                and project_id in (select id from seen)) as "balance!""#,
        tenant as TenantId,
        worker as WorkerId,
        from
    )
    .fetch_one(scope.conn())
    .await?)
}
