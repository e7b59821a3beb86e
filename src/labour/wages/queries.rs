//! The SQL of wages and settlements: the month's wage sheet, advances and payouts, a worker's
//! statement and settlement statements. Every query names the tenant, and the ones that
//! read across projects keep to those the user may see.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::labour::domain::{SettlementStatus, WorkerId};

/// A project as pickers show it.
#[derive(Debug, Clone)]
pub struct ProjectPick {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// The projects the viewer may see, open ones first.
pub async fn visible_projects(scope: &mut TenantScope) -> AppResult<Vec<ProjectPick>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ProjectPick,
        r#"select p.id, p.code, p.name
           from project p
           where p.tenant_id = $1
             and p.id in (select * from visible_project_ids($1))
           order by p.archived_at is not null, p.code"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

// The wage sheet ----------------------------------------------------------------------------

/// One worker's month on a project.
#[derive(Debug, Clone)]
pub struct SheetRow {
    pub worker_id: WorkerId,
    pub name: String,
    pub id_number: String,
    pub bank_name: String,
    pub bank_account: String,
    pub day_rate: Decimal,
    pub days: Decimal,
    pub regular_hours: Decimal,
    pub overtime_hours: Decimal,
    pub rest_day_hours: Decimal,
    pub holiday_hours: Decimal,
    pub gross: Decimal,
    pub advances: Decimal,
    pub paid: Decimal,
}

/// The workers with wages, advances or payouts on `project` in the month `first..=last`
/// (only those of `crew`'s tickets or roster when given). Wages are the named lines of
/// confirmed and settled tickets; head-count lines belong to no worker.
pub async fn wage_sheet(
    scope: &mut TenantScope,
    project: i64,
    crew: Option<i64>,
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<Vec<SheetRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        SheetRow,
        r#"with earned as (
               select worker_id, sum(days) as days,
                      sum(hours) filter (where pay_type = 'regular') as regular,
                      sum(hours) filter (where pay_type = 'overtime') as overtime,
                      sum(hours) filter (where pay_type = 'rest_day') as rest_day,
                      sum(hours) filter (where pay_type = 'holiday') as holiday,
                      sum(amount) as gross,
                      bool_or(crew_id = $5) as in_crew
               from labour_ticket_line
               where tenant_id = $1 and project_id = $2 and ticket_date between $3 and $4
                 and status in ('confirmed', 'settled') and worker_id is not null
               group by worker_id),
           advanced as (
               select worker_id, sum(amount) as amount from labour_advance
               where tenant_id = $1 and project_id = $2 and paid_on between $3 and $4
               group by worker_id),
           paid as (
               select worker_id, sum(amount) as amount from labour_payout
               where tenant_id = $1 and project_id = $2 and period = $3
               group by worker_id)
           select w.id as "worker_id: WorkerId", w.name, w.id_number, w.bank_name,
                  w.bank_account,
                  w.day_rate,
                  coalesce(e.days, 0) as "days!", coalesce(e.regular, 0) as "regular_hours!",
                  coalesce(e.overtime, 0) as "overtime_hours!",
                  coalesce(e.rest_day, 0) as "rest_day_hours!",
                  coalesce(e.holiday, 0) as "holiday_hours!", coalesce(e.gross, 0) as "gross!",
                  coalesce(a.amount, 0) as "advances!", coalesce(p.amount, 0) as "paid!"
           from worker w
           left join earned e on e.worker_id = w.id
           left join advanced a on a.worker_id = w.id
           left join paid p on p.worker_id = w.id
           where w.tenant_id = $1
             and (e.worker_id is not null or a.worker_id is not null or p.worker_id is not null)
             and ($5::bigint is null or w.crew_id = $5 or coalesce(e.in_crew, false))
           order by w.name, w.id"#,
        tenant as TenantId,
        project,
        first,
        last,
        crew
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Head-count lines: work a crew did that no worker is paid for by name.
#[derive(Debug, Clone, Default)]
pub struct Unnamed {
    pub heads: i64,
    pub days: Decimal,
    pub hours: Decimal,
    pub amount: Decimal,
}

pub async fn unnamed_work(
    scope: &mut TenantScope,
    project: i64,
    crew: Option<i64>,
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<Unnamed> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Unnamed,
        r#"select coalesce(sum(head_count), 0)::bigint as "heads!",
                  coalesce(sum(days), 0) as "days!", coalesce(sum(hours), 0) as "hours!",
                  coalesce(sum(amount), 0) as "amount!"
           from labour_ticket_line
           where tenant_id = $1 and project_id = $2 and ticket_date between $3 and $4
             and status in ('confirmed', 'settled') and worker_id is null
             and ($5::bigint is null or crew_id = $5)"#,
        tenant as TenantId,
        project,
        first,
        last,
        crew
    )
    .fetch_one(scope.conn())
    .await?)
}

/// A worker's wages, advances and payouts on a project for one month.
#[derive(Debug, Clone, Copy, Default)]
pub struct MonthFigures {
    pub gross: Decimal,
    pub advances: Decimal,
    pub paid: Decimal,
}

pub async fn worker_month(
    scope: &mut TenantScope,
    worker: WorkerId,
    project: i64,
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<MonthFigures> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        MonthFigures,
        r#"select
             (select coalesce(sum(amount), 0) from labour_ticket_line
              where tenant_id = $1 and worker_id = $2 and project_id = $3
                and ticket_date between $4 and $5 and status in ('confirmed', 'settled'))
               as "gross!",
             (select coalesce(sum(amount), 0) from labour_advance
              where tenant_id = $1 and worker_id = $2 and project_id = $3
                and paid_on between $4 and $5) as "advances!",
             (select coalesce(sum(amount), 0) from labour_payout
              where tenant_id = $1 and worker_id = $2 and project_id = $3 and period = $4)
               as "paid!""#,
        tenant as TenantId,
        worker as WorkerId,
        project,
        first,
        last
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Locks the workers' rows until the transaction ends, so two payments to one worker take
/// turns and neither can pay out what the other already has.
pub async fn lock_workers(scope: &mut TenantScope, ids: &[WorkerId]) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "select id from worker where tenant_id = $1 and id = any($2) order by id for update",
        tenant as TenantId,
        ids as &[WorkerId]
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(())
}

/// A worker as wage pages name them.
#[derive(Debug, Clone)]
pub struct WorkerInfo {
    pub id: WorkerId,
    pub name: String,
    pub id_number: String,
    pub crew_name: Option<String>,
}

pub async fn find_worker(scope: &mut TenantScope, id: WorkerId) -> AppResult<Option<WorkerInfo>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        WorkerInfo,
        // The left join makes sqlx's nullability guess depend on the plan: say it.
        r#"select w.id as "id!: WorkerId", w.name as "name!", w.id_number as "id_number!",
                  c.name as "crew_name?"
           from worker w
           left join crew c on c.tenant_id = w.tenant_id and c.id = w.crew_id
           where w.tenant_id = $1 and w.id = $2"#,
        tenant as TenantId,
        id as WorkerId
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// The workers a payment form offers: `crew`'s active workers (when given), those who ever
/// worked on `project`, and `also`.
pub async fn payee_choices(
    scope: &mut TenantScope,
    project: i64,
    crew: Option<i64>,
    also: &[WorkerId],
) -> AppResult<Vec<(WorkerId, String)>> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query!(
        r#"select w.id as "id: WorkerId", w.name from worker w
         where w.tenant_id = $1
           and (($3::bigint is not null and w.crew_id = $3 and w.active)
                or w.id = any($4)
                or ($3::bigint is null and exists (
                      select 1 from labour_ticket_line l
                      where l.tenant_id = $1 and l.worker_id = w.id and l.project_id = $2)))
         order by w.name, w.id"#,
        tenant as TenantId,
        project,
        crew,
        also as &[WorkerId]
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}

// Advances and payouts ----------------------------------------------------------------------

/// An advance as recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewAdvance {
    pub project_id: i64,
    pub worker_id: WorkerId,
    pub paid_on: NaiveDate,
    pub amount: Decimal,
    pub method: &'static str,
    pub note: String,
}

pub async fn insert_advance(scope: &mut TenantScope, a: &NewAdvance, by: UserId) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into labour_advance (tenant_id, project_id, worker_id, paid_on, amount, method,
                                     note, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         returning id",
        tenant as TenantId,
        a.project_id,
        a.worker_id as WorkerId,
        a.paid_on,
        a.amount,
        a.method,
        a.note,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// A payout as recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewPayout {
    pub project_id: i64,
    pub worker_id: WorkerId,
    /// The first day of the month it pays.
    pub period: NaiveDate,
    pub paid_on: NaiveDate,
    pub amount: Decimal,
    pub method: &'static str,
    pub reference: String,
}

pub async fn insert_payout(scope: &mut TenantScope, p: &NewPayout, by: UserId) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into labour_payout (tenant_id, project_id, worker_id, period, paid_on, amount,
                                    method, reference, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         returning id",
        tenant as TenantId,
        p.project_id,
        p.worker_id as WorkerId,
        p.period,
        p.paid_on,
        p.amount,
        p.method,
        p.reference,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Which payments a list shows.
#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub project: Option<i64>,
    pub worker: Option<WorkerId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// An advance or a payout in a list.
#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub id: i64,
    pub paid_on: NaiveDate,
    /// The month paid for (payouts only).
    pub period: Option<NaiveDate>,
    pub project_id: i64,
    pub project_code: String,
    pub worker_id: i64,
    pub worker_name: String,
    pub amount: Decimal,
    pub method: String,
    /// The note of an advance, the reference of a payout.
    pub note: String,
    pub created_by_name: Option<String>,
}

/// A page of a payment list, with the count and sum of all that match.
#[derive(Debug, Clone, Default)]
pub struct PaymentPage {
    pub rows: Vec<PaymentRow>,
    pub total: i64,
    pub sum: Decimal,
}

/// Advances or payouts: which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentKind {
    Advance,
    Payout,
}

impl PaymentKind {
    fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Advance => "advance",
            PaymentKind::Payout => "payout",
        }
    }
}

/// A page of advances or payouts, newest first, with the count and sum of all that match.
/// Both tables read as one shape: an advance has no period, and its note stands where a
/// payout has its reference.
pub async fn list_payments(
    scope: &mut TenantScope,
    kind: PaymentKind,
    f: &PaymentFilter,
    limit: i64,
    offset: i64,
) -> AppResult<PaymentPage> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query_as!(
        PaymentRow,
        r#"with pay as (
               select id, paid_on, null::date as period, project_id, worker_id, amount, method,
                      note, created_by
               from labour_advance where tenant_id = $1 and $8 = 'advance'
               union all
               select id, paid_on, period, project_id, worker_id, amount, method, reference,
                      created_by
               from labour_payout where tenant_id = $1 and $8 = 'payout'
           )
           select x.id as "id!", x.paid_on as "paid_on!", x.period as "period?",
                  x.project_id as "project_id!", p.code as project_code,
                  x.worker_id as "worker_id!", w.name as worker_name, x.amount as "amount!",
                  x.method as "method!", x.note as "note!", u.name as "created_by_name?"
           from pay x
           join project p on p.tenant_id = $1 and p.id = x.project_id
           join worker w on w.tenant_id = $1 and w.id = x.worker_id
           left join app_user u on u.tenant_id = $1 and u.id = x.created_by
           where x.project_id in (select * from visible_project_ids($1))
             and ($2::bigint is null or x.project_id = $2)
             and ($3::bigint is null or x.worker_id = $3)
             and ($4::date is null or x.paid_on >= $4)
             and ($5::date is null or x.paid_on <= $5)
           order by x.paid_on desc, x.id desc
           limit $6 offset $7"#,
        tenant as TenantId,
        f.project,
        f.worker as Option<WorkerId>,
        f.from,
        f.to,
        limit,
        offset,
        kind.as_str()
    )
    .fetch_all(scope.conn())
    .await?;
    let totals = sqlx::query!(
        r#"with pay as (
               select project_id, worker_id, paid_on, amount
               from labour_advance where tenant_id = $1 and $6 = 'advance'
               union all
               select project_id, worker_id, paid_on, amount
               from labour_payout where tenant_id = $1 and $6 = 'payout'
           )
           select count(*) as "n!", coalesce(sum(x.amount), 0) as "sum!"
           from pay x
           where x.project_id in (select * from visible_project_ids($1))
             and ($2::bigint is null or x.project_id = $2)
             and ($3::bigint is null or x.worker_id = $3)
             and ($4::date is null or x.paid_on >= $4)
             and ($5::date is null or x.paid_on <= $5)"#,
        tenant as TenantId,
        f.project,
        f.worker as Option<WorkerId>,
        f.from,
        f.to,
        kind.as_str()
    )
    .fetch_one(scope.conn())
    .await?;
    Ok(PaymentPage {
        rows,
        total: totals.n,
        sum: totals.sum,
    })
}

// A worker's statement ----------------------------------------------------------------------

/// One thing on a worker's statement: a ticket line (`kind` = 'line'), an advance or a payout.
#[derive(Debug, Clone)]
pub struct StatementEntry {
    pub kind: String,
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
           select kind as "kind!", "on" as "on!", project_id as "project_id!",
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

// Settlements -------------------------------------------------------------------------------

/// A ticket a settlement gathers.
#[derive(Debug, Clone)]
pub struct SettledTicket {
    pub id: i64,
    pub ticket_date: NaiveDate,
    pub work_content: String,
    pub reason: String,
    pub total_hours: Decimal,
    pub total_days: Decimal,
    pub total_amount: Decimal,
}

/// The crew's confirmed tickets on the project in the period, oldest first; locked when
/// `lock` (creating a settlement), so none is confirmed away or edited meanwhile.
pub async fn confirmed_tickets(
    scope: &mut TenantScope,
    project: i64,
    crew: i64,
    from: NaiveDate,
    to: NaiveDate,
    lock: bool,
) -> AppResult<Vec<SettledTicket>> {
    let tenant = scope.tenant_id();
    if lock {
        sqlx::query_scalar!(
            "select id from labour_ticket
             where tenant_id = $1 and project_id = $2 and crew_id = $3
               and ticket_date between $4 and $5 and status = 'confirmed'
             order by id for update",
            tenant as TenantId,
            project,
            crew,
            from,
            to
        )
        .fetch_all(scope.conn())
        .await?;
    }
    Ok(sqlx::query_as!(
        SettledTicket,
        "select id, ticket_date, work_content, reason, total_hours, total_days, total_amount
         from labour_ticket
         where tenant_id = $1 and project_id = $2 and crew_id = $3
           and ticket_date between $4 and $5 and status = 'confirmed'
         order by ticket_date, id",
        tenant as TenantId,
        project,
        crew,
        from,
        to
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The tickets a settlement holds, oldest first.
pub async fn settlement_tickets(
    scope: &mut TenantScope,
    settlement: i64,
) -> AppResult<Vec<SettledTicket>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        SettledTicket,
        "select id, ticket_date, work_content, reason, total_hours, total_days, total_amount
         from labour_ticket
         where tenant_id = $1 and settlement_id = $2
         order by ticket_date, id",
        tenant as TenantId,
        settlement
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A settlement as it is created.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewSettlement {
    pub project_id: i64,
    pub crew_id: i64,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub note: String,
}

pub async fn insert_settlement(
    scope: &mut TenantScope,
    s: &NewSettlement,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into labour_settlement (tenant_id, project_id, crew_id, period_start, period_end,
                                        note, created_by)
         values ($1, $2, $3, $4, $5, $6, $7)
         returning id",
        tenant as TenantId,
        s.project_id,
        s.crew_id,
        s.period_start,
        s.period_end,
        s.note,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Totals a settlement from the tickets it now holds; returns (hours, 工日, amount).
pub async fn total_settlement(
    scope: &mut TenantScope,
    settlement: i64,
) -> AppResult<(Decimal, Decimal, Decimal)> {
    let tenant = scope.tenant_id();
    let row = sqlx::query!(
        r#"update labour_settlement s
           set total_hours = t.hours, total_days = t.days, total_amount = t.amount
           from (select coalesce(sum(total_hours), 0) as hours,
                        coalesce(sum(total_days), 0) as days,
                        coalesce(sum(total_amount), 0) as amount
                 from labour_ticket where tenant_id = $1 and settlement_id = $2) t
           where s.tenant_id = $1 and s.id = $2
           returning s.total_hours, s.total_days, s.total_amount"#,
        tenant as TenantId,
        settlement
    )
    .fetch_one(scope.conn())
    .await?;
    Ok((row.total_hours, row.total_days, row.total_amount))
}

/// A settlement with the names a statement prints.
#[derive(Debug, Clone)]
pub struct Settlement {
    pub id: i64,
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub crew_id: i64,
    pub crew_name: String,
    pub subcontractor: String,
    pub foreman_name: Option<String>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub status: SettlementStatus,
    pub total_hours: Decimal,
    pub total_days: Decimal,
    pub total_amount: Decimal,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub created_by_name: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_by_name: Option<String>,
}

/// A settlement on a project the viewer may see.
pub async fn find_settlement(scope: &mut TenantScope, id: i64) -> AppResult<Option<Settlement>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Settlement,
        r#"select s.id, s.project_id, p.code as project_code, p.name as project_name, s.crew_id,
                  c.name as crew_name, c.subcontractor, f.name as "foreman_name?",
                  s.period_start, s.period_end, s.status as "status: SettlementStatus",
                  s.total_hours, s.total_days,
                  s.total_amount, s.note, s.created_at, u.name as "created_by_name?",
                  s.cancelled_at, x.name as "cancelled_by_name?"
           from labour_settlement s
           join project p on p.tenant_id = s.tenant_id and p.id = s.project_id
           join crew c on c.tenant_id = s.tenant_id and c.id = s.crew_id
           left join app_user f on f.tenant_id = c.tenant_id and f.id = c.foreman_id
           left join app_user u on u.tenant_id = s.tenant_id and u.id = s.created_by
           left join app_user x on x.tenant_id = s.tenant_id and x.id = s.cancelled_by
           where s.tenant_id = $1 and s.id = $2
             and s.project_id in (select * from visible_project_ids($1))"#,
        tenant as TenantId,
        id
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Which settlements a list shows.
#[derive(Debug, Clone, Default)]
pub struct SettlementFilter {
    pub project: Option<i64>,
    pub crew: Option<i64>,
    pub status: Option<SettlementStatus>,
}

/// A settlement in the list.
#[derive(Debug, Clone)]
pub struct SettlementRow {
    pub id: i64,
    pub project_code: String,
    pub project_name: String,
    pub crew_name: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub status: SettlementStatus,
    pub total_hours: Decimal,
    pub total_days: Decimal,
    pub total_amount: Decimal,
    pub created_at: DateTime<Utc>,
}

pub async fn list_settlements(
    scope: &mut TenantScope,
    f: &SettlementFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<SettlementRow>, i64)> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query_as!(
        SettlementRow,
        r#"select s.id, p.code as project_code, p.name as project_name, c.name as crew_name,
                  s.period_start, s.period_end, s.status as "status: SettlementStatus",
                  s.total_hours, s.total_days,
                  s.total_amount, s.created_at
           from labour_settlement s
           join project p on p.tenant_id = s.tenant_id and p.id = s.project_id
           join crew c on c.tenant_id = s.tenant_id and c.id = s.crew_id
           where s.tenant_id = $1
             and s.project_id in (select * from visible_project_ids($1))
             and ($2::bigint is null or s.project_id = $2)
             and ($3::bigint is null or s.crew_id = $3)
             and ($4::text is null or s.status = $4)
           order by s.period_start desc, s.id desc
           limit $5 offset $6"#,
        tenant as TenantId,
        f.project,
        f.crew,
        f.status as Option<SettlementStatus>,
        limit,
        offset
    )
    .fetch_all(scope.conn())
    .await?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from labour_settlement s
           where s.tenant_id = $1
             and s.project_id in (select * from visible_project_ids($1))
             and ($2::bigint is null or s.project_id = $2)
             and ($3::bigint is null or s.crew_id = $3)
             and ($4::text is null or s.status = $4)"#,
        tenant as TenantId,
        f.project,
        f.crew,
        f.status as Option<SettlementStatus>
    )
    .fetch_one(scope.conn())
    .await?;
    Ok((rows, total))
}

/// Marks a settled statement cancelled; `false` when it was not settled any more.
pub async fn cancel_settlement(scope: &mut TenantScope, id: i64, by: UserId) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update labour_settlement
         set status = $4, cancelled_at = now(), cancelled_by = $3
         where tenant_id = $1 and id = $2 and status = $5
         returning id",
        tenant as TenantId,
        id,
        by as UserId,
        SettlementStatus::Cancelled as SettlementStatus,
        SettlementStatus::Settled as SettlementStatus
    )
    .fetch_optional(scope.conn())
    .await?
    .is_some())
}
