//! The SQL that several parts of Labour share: the tenant's pay rules, trades, crews and
//! workers as pickers need them, and writing a ticket with its lines and its trail. Each
//! function takes the tenant scope and still says `where tenant_id = $1`.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::domain::{CountUnit, PayRules, PayType, TicketStatus, WorkerId};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::ids::TaskId;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::tenancy::ProjectId;

/// The tenant's day length and multipliers; the defaults until an admin saves them.
pub async fn pay_rules(scope: &mut TenantScope) -> AppResult<PayRules> {
    let tenant = scope.tenant_id();
    let row = sqlx::query!(
        "select day_hours, regular_multiplier, overtime_multiplier, rest_day_multiplier,
                holiday_multiplier
         from labour_settings where tenant_id = $1",
        tenant as TenantId
    )
    .fetch_optional(scope.conn())
    .await?;
    Ok(row.map_or_else(PayRules::default, |r| PayRules {
        day_hours: r.day_hours,
        regular: r.regular_multiplier,
        overtime: r.overtime_multiplier,
        rest_day: r.rest_day_multiplier,
        holiday: r.holiday_multiplier,
    }))
}

/// The usual trades, in Chinese and English, that every company starts with.
pub const STANDARD_TRADES: [(&str, &str); 11] = [
    ("普工", "General labourer"),
    ("木工", "Carpenter"),
    ("钢筋工", "Steel fixer"),
    ("砌筑工", "Bricklayer"),
    ("混凝土工", "Concrete worker"),
    ("架子工", "Scaffolder"),
    ("电工", "Electrician"),
    ("水暖工", "Plumber"),
    ("焊工", "Welder"),
    ("油漆工", "Painter"),
    ("机械操作工", "Machine operator"),
];

/// Gives a new company the standard trades (at sign-up).
pub async fn seed_trades(scope: &mut TenantScope) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let (zh, en): (Vec<&str>, Vec<&str>) = STANDARD_TRADES.iter().copied().unzip();
    let zh: Vec<String> = zh.into_iter().map(str::to_owned).collect();
    let en: Vec<String> = en.into_iter().map(str::to_owned).collect();
    sqlx::query!(
        "insert into trade (tenant_id, name_zh, name_en, sort_order)
         select $1, z, e, n::int from unnest($2::text[], $3::text[]) with ordinality as t(z, e, n)
         on conflict do nothing",
        tenant as TenantId,
        &zh,
        &en
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct TradeRow {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub active: bool,
}

impl TradeRow {
    /// The trade's name in the user's language (Chinese when it has no English name).
    pub fn name(&self, locale: crate::i18n::Locale) -> &str {
        match locale {
            crate::i18n::Locale::En if !self.name_en.is_empty() => &self.name_en,
            _ => &self.name_zh,
        }
    }
}

pub async fn list_trades(scope: &mut TenantScope) -> AppResult<Vec<TradeRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        TradeRow,
        "select id, name_zh, name_en, active from trade where tenant_id = $1
         order by sort_order, id",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A crew as tickets and pickers need it.
#[derive(Debug, Clone)]
pub struct CrewRow {
    pub id: i64,
    pub name: String,
    pub foreman_id: Option<i64>,
    pub foreman_name: Option<String>,
    pub subcontractor: String,
    pub trade_id: Option<i64>,
    pub count_unit: CountUnit,
    pub active: bool,
}

impl CrewRow {
    pub fn unit(&self) -> CountUnit {
        self.count_unit
    }
}

/// The tenant's crews; only those `foreman` leads when given.
pub async fn list_crews(
    scope: &mut TenantScope,
    foreman: Option<UserId>,
) -> AppResult<Vec<CrewRow>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        CrewRow,
        r#"select c.id, c.name, c.foreman_id, u.name as "foreman_name?", c.subcontractor,
                  c.trade_id, c.count_unit as "count_unit: CountUnit", c.active
           from crew c
           left join app_user u on u.tenant_id = c.tenant_id and u.id = c.foreman_id
           where c.tenant_id = $1 and ($2::bigint is null or c.foreman_id = $2)
           order by c.active desc, c.name"#,
        tenant as TenantId,
        foreman.map(|u| u.0)
    )
    .fetch_all(scope.conn())
    .await?)
}

pub async fn find_crew(scope: &mut TenantScope, id: i64) -> AppResult<Option<CrewRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        CrewRow,
        r#"select c.id, c.name, c.foreman_id, u.name as "foreman_name?", c.subcontractor,
                  c.trade_id, c.count_unit as "count_unit: CountUnit", c.active
           from crew c
           left join app_user u on u.tenant_id = c.tenant_id and u.id = c.foreman_id
           where c.tenant_id = $1 and c.id = $2"#,
        tenant as TenantId,
        id
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A worker as a ticket line needs it.
#[derive(Debug, Clone)]
pub struct WorkerPick {
    pub id: WorkerId,
    pub name: String,
    pub trade_id: i64,
    pub crew_id: Option<i64>,
    pub day_rate: Decimal,
    pub active: bool,
}

/// The workers of a crew (active ones first), or the workers with these ids.
pub async fn crew_workers(scope: &mut TenantScope, crew: i64) -> AppResult<Vec<WorkerPick>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        WorkerPick,
        r#"select id as "id: WorkerId", name, trade_id, crew_id, day_rate, active from worker
           where tenant_id = $1 and crew_id = $2 and active order by name, id"#,
        tenant as TenantId,
        crew
    )
    .fetch_all(scope.conn())
    .await?)
}

pub async fn workers_by_id(
    scope: &mut TenantScope,
    ids: &[WorkerId],
) -> AppResult<Vec<WorkerPick>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        WorkerPick,
        r#"select id as "id: WorkerId", name, trade_id, crew_id, day_rate, active from worker
           where tenant_id = $1 and id = any($2)"#,
        tenant as TenantId,
        ids as &[WorkerId]
    )
    .fetch_all(scope.conn())
    .await?)
}

// Tickets ---------------------------------------------------------------------------------

/// A ticket's header as it is written.
#[derive(Debug, Clone)]
pub struct TicketHeader {
    pub project_id: i64,
    pub ticket_date: NaiveDate,
    pub crew_id: i64,
    pub task_id: Option<TaskId>,
    pub reason: String,
    pub work_content: String,
    pub count_unit: CountUnit,
}

/// A line with its figures worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub worker_id: Option<WorkerId>,
    pub trade_id: i64,
    pub head_count: i32,
    pub pay_type: PayType,
    pub hours: Decimal,
    pub days: Decimal,
    pub rate: Decimal,
    pub multiplier: Decimal,
    pub amount: Decimal,
}

/// Creates a ticket in `status` with its lines and the first entry of its trail.
pub async fn insert_ticket(
    scope: &mut TenantScope,
    header: &TicketHeader,
    lines: &[NewLine],
    status: TicketStatus,
    reverses: Option<i64>,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    let id = sqlx::query_scalar!(
        "insert into labour_ticket (tenant_id, project_id, ticket_date, crew_id, task_id, reason,
                                    work_content, count_unit, status, reverses_id,
                                    created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
         returning id",
        tenant as TenantId,
        header.project_id,
        header.ticket_date,
        header.crew_id,
        header.task_id as Option<TaskId>,
        header.reason,
        header.work_content,
        header.count_unit as CountUnit,
        status as TicketStatus,
        reverses,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?;
    write_lines(scope, id, lines).await?;
    record_event(scope, id, None, status, "", by).await?;
    Ok(id)
}

/// Replaces the header and lines of an editable ticket read at `version`. `None` when it
/// changed meanwhile (or is no longer editable).
pub async fn update_ticket(
    scope: &mut TenantScope,
    id: i64,
    version: i32,
    header: &TicketHeader,
    lines: &[NewLine],
    by: UserId,
) -> AppResult<Option<()>> {
    let tenant = scope.tenant_id();
    let updated = sqlx::query_scalar!(
        "update labour_ticket
         set ticket_date = $4, crew_id = $5, task_id = $6, reason = $7, work_content = $8,
             count_unit = $9, updated_at = now(), updated_by = $10, version = version + 1
         where tenant_id = $1 and id = $2 and version = $3 and status in ('draft', 'rejected')
         returning id",
        tenant as TenantId,
        id,
        version,
        header.ticket_date,
        header.crew_id,
        header.task_id as Option<TaskId>,
        header.reason,
        header.work_content,
        header.count_unit as CountUnit,
        by as UserId
    )
    .fetch_optional(scope.conn())
    .await?;
    if updated.is_none() {
        return Ok(None);
    }
    sqlx::query!(
        "delete from labour_ticket_line where tenant_id = $1 and ticket_id = $2",
        tenant as TenantId,
        id
    )
    .execute(scope.conn())
    .await?;
    write_lines(scope, id, lines).await?;
    Ok(Some(()))
}

/// Inserts the lines (copying the ticket's header onto them) and keeps the ticket's totals.
async fn write_lines(scope: &mut TenantScope, ticket: i64, lines: &[NewLine]) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let line_no: Vec<i16> = (1..).take(lines.len()).collect();
    let worker: Vec<Option<WorkerId>> = lines.iter().map(|l| l.worker_id).collect();
    let trade: Vec<i64> = lines.iter().map(|l| l.trade_id).collect();
    let heads: Vec<i32> = lines.iter().map(|l| l.head_count).collect();
    let pay: Vec<String> = lines
        .iter()
        .map(|l| l.pay_type.as_str().to_owned())
        .collect();
    let hours: Vec<Decimal> = lines.iter().map(|l| l.hours).collect();
    let days: Vec<Decimal> = lines.iter().map(|l| l.days).collect();
    let rate: Vec<Decimal> = lines.iter().map(|l| l.rate).collect();
    let mult: Vec<Decimal> = lines.iter().map(|l| l.multiplier).collect();
    let amount: Vec<Decimal> = lines.iter().map(|l| l.amount).collect();
    sqlx::query!(
        r#"insert into labour_ticket_line
               (tenant_id, ticket_id, line_no, project_id, ticket_date, crew_id, task_id, status,
                worker_id, trade_id, head_count, pay_type, hours, days, rate, multiplier, amount)
           select t.tenant_id, t.id, l.line_no, t.project_id, t.ticket_date, t.crew_id, t.task_id,
                  t.status, l.worker_id, l.trade_id, l.head_count, l.pay_type, l.hours, l.days,
                  l.rate, l.multiplier, l.amount
           from labour_ticket t,
                unnest($3::smallint[], $4::bigint[], $5::bigint[], $6::int[], $7::text[],
                       $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[],
                       $12::numeric[])
                  as l(line_no, worker_id, trade_id, head_count, pay_type, hours, days, rate,
                       multiplier, amount)
           where t.tenant_id = $1 and t.id = $2"#,
        tenant as TenantId,
        ticket,
        &line_no,
        &worker as &[Option<WorkerId>],
        &trade,
        &heads,
        &pay,
        &hours,
        &days,
        &rate,
        &mult,
        &amount
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "update labour_ticket t
         set total_hours = coalesce(s.hours, 0), total_days = coalesce(s.days, 0),
             total_amount = coalesce(s.amount, 0)
         from (select sum(hours) as hours, sum(days) as days, sum(amount) as amount
               from labour_ticket_line where tenant_id = $1 and ticket_id = $2) s
         where t.tenant_id = $1 and t.id = $2",
        tenant as TenantId,
        ticket
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

async fn record_event(
    scope: &mut TenantScope,
    ticket: i64,
    from: Option<TicketStatus>,
    to: TicketStatus,
    note: &str,
    by: UserId,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "insert into labour_ticket_event (tenant_id, ticket_id, from_status, to_status, note, by_user)
         values ($1, $2, $3, $4, $5, $6)",
        tenant as TenantId,
        ticket,
        from as Option<TicketStatus>,
        to as TicketStatus,
        note,
        by as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Moves tickets from `from` to `to` (with their lines), keeping who and when. Tickets not in
/// `from` any more are left alone; returns the ids that moved.
pub async fn move_tickets(
    scope: &mut TenantScope,
    ids: &[i64],
    from: TicketStatus,
    to: TicketStatus,
    note: &str,
    settlement: Option<i64>,
    by: UserId,
) -> AppResult<Vec<i64>> {
    let tenant = scope.tenant_id();
    let reject_reason = if to == TicketStatus::Rejected {
        note
    } else {
        ""
    };
    let moved = sqlx::query_scalar!(
        "update labour_ticket
         set status = $4, reject_reason = $5, settlement_id = $6, updated_at = now(),
             updated_by = $7, version = version + 1
         where tenant_id = $1 and id = any($2) and status = $3
         returning id",
        tenant as TenantId,
        ids,
        from as TicketStatus,
        to as TicketStatus,
        reject_reason,
        settlement,
        by as UserId
    )
    .fetch_all(scope.conn())
    .await?;
    sqlx::query!(
        "update labour_ticket_line set status = $3 where tenant_id = $1 and ticket_id = any($2)",
        tenant as TenantId,
        &moved,
        to as TicketStatus
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "insert into labour_ticket_event (tenant_id, ticket_id, from_status, to_status, note, by_user)
         select $1, id, $3, $4, $5, $6 from unnest($2::bigint[]) as t(id)",
        tenant as TenantId,
        &moved,
        from as TicketStatus,
        to as TicketStatus,
        note,
        by as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(moved)
}

/// Hours each worker already has on `date` on tickets other than `except` (rejected ones do
/// not count), and the tickets of the same project that name them: the checks a new line
/// must pass.
#[derive(Debug, Clone)]
pub struct BookedHours {
    pub worker_id: WorkerId,
    pub hours: Decimal,
    /// Other tickets of the same project and day naming the worker.
    pub same_project_tickets: Vec<i64>,
}

pub async fn booked_hours(
    scope: &mut TenantScope,
    workers: &[WorkerId],
    date: NaiveDate,
    project: Option<ProjectId>,
    except: Option<i64>,
) -> AppResult<Vec<BookedHours>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        BookedHours,
        r#"select worker_id as "worker_id!: WorkerId", coalesce(sum(hours), 0) as "hours!",
                  coalesce(array_agg(distinct ticket_id) filter (where project_id = $4),
                           '{}') as "same_project_tickets!"
           from labour_ticket_line
           where tenant_id = $1 and worker_id = any($2) and ticket_date = $3
             and status <> 'rejected' and ticket_id is distinct from $5::bigint
           group by worker_id"#,
        tenant as TenantId,
        workers as &[WorkerId],
        date,
        project as Option<ProjectId>,
        except
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Refuses with 404 unless `crew` exists in this tenant.
pub async fn require_crew(scope: &mut TenantScope, crew: i64) -> AppResult<CrewRow> {
    find_crew(scope, crew).await?.ok_or(AppError::NotFound)
}
