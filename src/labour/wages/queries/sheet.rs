//! Wage-sheet SQL: the month's wages per worker, head-count work, a worker's month and payees.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::labour::domain::WorkerId;
use crate::tenancy::ProjectId;

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
    project: ProjectId,
    crew: Option<i64>,
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<Vec<SheetRow>> {
    scope.plan_with_values().await?;
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
        project as ProjectId,
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
    project: ProjectId,
    crew: Option<i64>,
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<Unnamed> {
    scope.plan_with_values().await?;
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
        project as ProjectId,
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
    project: ProjectId,
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
        project as ProjectId,
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
    project: ProjectId,
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
        project as ProjectId,
        crew,
        also as &[WorkerId]
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}
