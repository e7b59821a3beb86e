//! Reading tickets: one with its lines and trail, lists with filters, and what the checks and
//! the entry page need. Writing is in `labour::queries`, which imports share.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TaskId;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::labour::domain::{CountUnit, PayType, TicketStatus, WorkerId};
use crate::tenancy::ProjectId;

#[derive(Debug, Clone)]
pub struct Ticket {
    pub id: i64,
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub ticket_date: NaiveDate,
    pub crew_id: i64,
    pub crew_name: String,
    pub crew_foreman_id: Option<i64>,
    pub task_id: Option<TaskId>,
    pub task_name: Option<String>,
    pub reason: String,
    pub work_content: String,
    pub count_unit: CountUnit,
    pub status: TicketStatus,
    pub reject_reason: String,
    pub reverses_id: Option<i64>,
    pub reversed_by_id: Option<i64>,
    pub settlement_id: Option<i64>,
    pub total_hours: Decimal,
    pub total_days: Decimal,
    pub total_amount: Decimal,
    pub created_by: Option<i64>,
    pub created_by_name: Option<String>,
    pub version: i32,
}

/// Which crews' tickets a user may see: a foreman only the crews they lead. Which projects'
/// tickets is the transaction's own rule (`visible_project_ids`), applied by every query here.
#[derive(Debug, Clone, Copy)]
pub struct Visibility {
    pub user: UserId,
    pub own_crews_only: bool,
}

pub async fn find_ticket(
    scope: &mut TenantScope,
    id: i64,
    who: Visibility,
) -> AppResult<Option<Ticket>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Ticket,
        r#"select t.id, t.project_id, p.code as project_code, p.name as project_name,
                  t.ticket_date, t.crew_id, c.name as crew_name, c.foreman_id as crew_foreman_id,
                  t.task_id as "task_id: TaskId", k.name as "task_name?", t.reason, t.work_content,
                  t.count_unit as "count_unit: CountUnit", t.status as "status: TicketStatus",
                  t.reject_reason, t.reverses_id,
                  (select r.id from labour_ticket r
                   where r.tenant_id = t.tenant_id and r.reverses_id = t.id) as reversed_by_id,
                  t.settlement_id, t.total_hours, t.total_days, t.total_amount, t.created_by,
                  u.name as "created_by_name?", t.version
           from labour_ticket t
           join project p on p.tenant_id = t.tenant_id and p.id = t.project_id
           join crew c on c.tenant_id = t.tenant_id and c.id = t.crew_id
           left join task k on k.tenant_id = t.tenant_id and k.id = t.task_id
           left join app_user u on u.tenant_id = t.tenant_id and u.id = t.created_by
           where t.tenant_id = $1 and t.id = $2
             and t.project_id in (select * from visible_project_ids($1))
             and (not $4 or c.foreman_id = $3)"#,
        tenant as TenantId,
        id,
        who.user as UserId,
        who.own_crews_only
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Those of `ids` the user may see.
pub async fn visible_ticket_ids(
    scope: &mut TenantScope,
    who: Visibility,
    ids: &[i64],
) -> AppResult<Vec<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select t.id from labour_ticket t
         join crew c on c.tenant_id = t.tenant_id and c.id = t.crew_id
         where t.tenant_id = $1 and t.id = any($2)
           and t.project_id in (select * from visible_project_ids($1))
           and (not $4 or c.foreman_id = $3)",
        tenant as TenantId,
        ids,
        who.user as UserId,
        who.own_crews_only
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Whether any submitted ticket of `ids` is dated in a month the cost centre closed.
pub async fn any_in_closed_month(scope: &mut TenantScope, ids: &[i64]) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select exists (
               select 1 from labour_ticket t
               join cost_period p on p.tenant_id = t.tenant_id
                                 and p.month = date_trunc('month', t.ticket_date)::date
               where t.tenant_id = $1 and t.id = any($2) and t.status = 'submitted'
           ) as "closed!""#,
        tenant as TenantId,
        ids
    )
    .fetch_one(scope.conn())
    .await?)
}

#[derive(Debug, Clone)]
pub struct LineRow {
    pub line_no: i16,
    pub worker_id: Option<WorkerId>,
    pub worker_name: Option<String>,
    pub trade_id: i64,
    pub trade_zh: String,
    pub trade_en: String,
    pub head_count: i32,
    pub pay_type: PayType,
    pub hours: Decimal,
    pub days: Decimal,
    pub rate: Decimal,
    pub multiplier: Decimal,
    pub amount: Decimal,
}

pub async fn ticket_lines(scope: &mut TenantScope, ticket: i64) -> AppResult<Vec<LineRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        LineRow,
        r#"select l.line_no, l.worker_id as "worker_id: WorkerId", w.name as "worker_name?", l.trade_id,
                  tr.name_zh as trade_zh, tr.name_en as trade_en, l.head_count,
                  l.pay_type as "pay_type: PayType", l.hours, l.days, l.rate, l.multiplier, l.amount
           from labour_ticket_line l
           join trade tr on tr.tenant_id = l.tenant_id and tr.id = l.trade_id
           left join worker w on w.tenant_id = l.tenant_id and w.id = l.worker_id
           where l.tenant_id = $1 and l.ticket_id = $2
           order by l.line_no"#,
        tenant as TenantId,
        ticket
    )
    .fetch_all(scope.conn())
    .await?)
}

#[derive(Debug, Clone)]
pub struct EventRow {
    pub from_status: Option<TicketStatus>,
    pub to_status: TicketStatus,
    pub note: String,
    pub at: DateTime<Utc>,
    pub by_name: Option<String>,
}

pub async fn ticket_events(scope: &mut TenantScope, ticket: i64) -> AppResult<Vec<EventRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        EventRow,
        r#"select e.from_status as "from_status: TicketStatus",
                  e.to_status as "to_status: TicketStatus", e.note, e.at, u.name as "by_name?"
           from labour_ticket_event e
           left join app_user u on u.tenant_id = e.tenant_id and u.id = e.by_user
           where e.tenant_id = $1 and e.ticket_id = $2
           order by e.at, e.id"#,
        tenant as TenantId,
        ticket
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Workers of this ticket who are also on another ticket of the same project and day (not
/// rejected): the flag the project manager sees before confirming.
#[derive(Debug, Clone)]
pub struct DoubleBooking {
    pub worker_name: String,
    pub other_ticket: i64,
}

pub async fn double_bookings(
    scope: &mut TenantScope,
    ticket: i64,
) -> AppResult<Vec<DoubleBooking>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        DoubleBooking,
        r#"select distinct w.name as worker_name, o.ticket_id as other_ticket
           from labour_ticket_line l
           join labour_ticket_line o
             on o.tenant_id = l.tenant_id and o.worker_id = l.worker_id
            and o.project_id = l.project_id and o.ticket_date = l.ticket_date
            and o.ticket_id <> l.ticket_id and o.status <> 'rejected'
           join worker w on w.tenant_id = l.tenant_id and w.id = l.worker_id
           where l.tenant_id = $1 and l.ticket_id = $2
             and not exists (select 1 from labour_ticket x where x.tenant_id = l.tenant_id
                             and (x.id = o.ticket_id and x.reverses_id is not null
                                  or x.reverses_id = o.ticket_id))
           order by w.name, o.ticket_id"#,
        tenant as TenantId,
        ticket
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The filters of the ticket list and of summary drill-downs.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub project: Option<i64>,
    pub crew: Option<i64>,
    pub worker: Option<WorkerId>,
    pub trade: Option<i64>,
    pub task: Option<TaskId>,
    /// One status, or `cost` for confirmed and settled.
    pub status: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct TicketListRow {
    pub id: i64,
    pub ticket_date: NaiveDate,
    pub project_id: i64,
    pub project_code: String,
    pub crew_name: String,
    pub task_name: Option<String>,
    pub reason: String,
    pub status: TicketStatus,
    pub lines: i64,
    pub total_hours: Decimal,
    pub total_days: Decimal,
    pub total_amount: Decimal,
    pub reverses_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct ListTotals {
    pub tickets: i64,
    pub hours: Decimal,
    pub days: Decimal,
    pub amount: Decimal,
}

impl TicketFilter {
    /// Whether the filter narrows the tickets to a project, crew, worker, trade, task or a
    /// start date: then adding up all it takes is quick enough for every page view.
    pub fn is_narrow(&self) -> bool {
        self.project.is_some()
            || self.crew.is_some()
            || self.worker.is_some()
            || self.trade.is_some()
            || self.task.is_some()
            || self.from.is_some()
    }
}

/// A page of tickets, newest first. Filters on worker, trade and task look at the lines.
pub async fn list_tickets(
    scope: &mut TenantScope,
    who: Visibility,
    f: &TicketFilter,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<TicketListRow>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    let by_line = f.worker.is_some() || f.trade.is_some() || f.task.is_some();
    let rows = sqlx::query_as!(
        TicketListRow,
        r#"select t.id, t.ticket_date, t.project_id, p.code as project_code,
                  c.name as crew_name, k.name as "task_name?", t.reason,
                  t.status as "status: TicketStatus", (select count(*) from labour_ticket_line l
                   where l.tenant_id = t.tenant_id and l.ticket_id = t.id) as "lines!",
                  t.total_hours, t.total_days, t.total_amount, t.reverses_id
           from labour_ticket t
           join project p on p.tenant_id = t.tenant_id and p.id = t.project_id
           join crew c on c.tenant_id = t.tenant_id and c.id = t.crew_id
           left join task k on k.tenant_id = t.tenant_id and k.id = t.task_id
           where t.tenant_id = $1
             and t.project_id in (select * from visible_project_ids($1))
             and (not $3 or c.foreman_id = $2)
             and ($4::bigint is null or t.project_id = $4)
             and ($5::bigint is null or t.crew_id = $5)
             and ($6::text is null or t.status = $6
                  or ($6 = 'cost' and t.status in ('confirmed', 'settled')))
             and ($7::date is null or t.ticket_date >= $7)
             and ($8::date is null or t.ticket_date <= $8)
             and (not $9 or exists (
                   select 1 from labour_ticket_line l
                   where l.tenant_id = t.tenant_id and l.ticket_id = t.id
                     and ($10::bigint is null or l.worker_id = $10)
                     and ($11::bigint is null or l.trade_id = $11)
                     and ($12::bigint is null or l.task_id = $12)))
           order by t.ticket_date desc, t.id desc
           limit $13 offset $14"#,
        tenant as TenantId,
        who.user as UserId,
        who.own_crews_only,
        f.project,
        f.crew,
        f.status.as_deref(),
        f.from,
        f.to,
        by_line,
        f.worker as Option<WorkerId>,
        f.trade,
        f.task as Option<TaskId>,
        limit,
        offset
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows)
}

/// The totals of every ticket the filter takes, from their lines: with a worker, trade or
/// task filter, those lines only.
pub async fn list_totals(
    scope: &mut TenantScope,
    who: Visibility,
    f: &TicketFilter,
) -> AppResult<ListTotals> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    let totals = sqlx::query_as!(
        ListTotals,
        r#"select count(distinct l.ticket_id) as "tickets!",
                  coalesce(sum(l.hours), 0) as "hours!",
                  coalesce(sum(l.days), 0) as "days!",
                  coalesce(sum(l.amount), 0) as "amount!"
           from labour_ticket_line l
           join crew c on c.tenant_id = l.tenant_id and c.id = l.crew_id
           where l.tenant_id = $1
             and l.project_id in (select * from visible_project_ids($1))
             and (not $3 or c.foreman_id = $2)
             and ($4::bigint is null or l.project_id = $4)
             and ($5::bigint is null or l.crew_id = $5)
             and ($6::text is null or l.status = $6
                  or ($6 = 'cost' and l.status in ('confirmed', 'settled')))
             and ($7::date is null or l.ticket_date >= $7)
             and ($8::date is null or l.ticket_date <= $8)
             and ($9::bigint is null or l.worker_id = $9)
             and ($10::bigint is null or l.trade_id = $10)
             and ($11::bigint is null or l.task_id = $11)"#,
        tenant as TenantId,
        who.user as UserId,
        who.own_crews_only,
        f.project,
        f.crew,
        f.status.as_deref(),
        f.from,
        f.to,
        f.worker as Option<WorkerId>,
        f.trade,
        f.task as Option<TaskId>
    )
    .fetch_one(scope.conn())
    .await?;
    Ok(totals)
}

/// The latest ticket of a crew on a project before `date`: "copy yesterday" starts from it.
pub async fn previous_ticket(
    scope: &mut TenantScope,
    project: ProjectId,
    crew: i64,
    date: NaiveDate,
) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select id from labour_ticket
         where tenant_id = $1 and project_id = $2 and crew_id = $3 and ticket_date < $4
           and reverses_id is null and status <> 'rejected'
         order by ticket_date desc, id desc limit 1",
        tenant as TenantId,
        project as ProjectId,
        crew,
        date
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Leaf tasks of a project, in outline order, for the task picker.
#[derive(Debug, Clone)]
pub struct TaskPick {
    pub id: i64,
    pub name: String,
}

pub async fn project_tasks(
    scope: &mut TenantScope,
    project: ProjectId,
) -> AppResult<Vec<TaskPick>> {
    let tenant = scope.tenant_id();
    // Leaves are picked here, in linear time: a correlated `not exists` over a freshly
    // imported 20,000-task project can take the planner quadratic time.
    let rows = sqlx::query!(
        "select id, name, parent_id from task
         where tenant_id = $1 and project_id = $2
         order by sort_order, id",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?;
    let parents: std::collections::HashSet<i64> = rows.iter().filter_map(|r| r.parent_id).collect();
    Ok(rows
        .into_iter()
        .filter(|r| !parents.contains(&r.id))
        .map(|r| TaskPick {
            id: r.id,
            name: r.name,
        })
        .collect())
}

/// Projects the user may enter tickets on: active or planning, not archived.
#[derive(Debug, Clone)]
pub struct ProjectPick {
    pub id: ProjectId,
    pub code: String,
    pub name: String,
}

pub async fn open_projects(scope: &mut TenantScope) -> AppResult<Vec<ProjectPick>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ProjectPick,
        r#"select p.id as "id: ProjectId", p.code, p.name from project p
         where p.tenant_id = $1 and p.archived_at is null and p.status <> 'closed'
           and p.id in (select * from visible_project_ids($1))
         order by p.code"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Deletes an editable ticket (its lines and trail go with it).
pub async fn delete_ticket(scope: &mut TenantScope, id: i64, version: i32) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    let deleted = sqlx::query!(
        "delete from labour_ticket where tenant_id = $1 and id = $2 and version = $3
           and status in ('draft', 'rejected')",
        tenant as TenantId,
        id,
        version
    )
    .execute(scope.conn())
    .await?;
    Ok(deleted.rows_affected() == 1)
}

// Photos -------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct TicketPhoto {
    pub id: i64,
    pub file_name: String,
    pub size: i32,
}

pub async fn list_photos(scope: &mut TenantScope, ticket: i64) -> AppResult<Vec<TicketPhoto>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        TicketPhoto,
        "select id, file_name, size from labour_ticket_photo
         where tenant_id = $1 and ticket_id = $2 order by created_at, id",
        tenant as TenantId,
        ticket
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A stored photo's type, name and bytes (or its JPEG thumbnail).
#[derive(Debug)]
pub struct PhotoFile {
    pub content_type: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

pub async fn photo_file(
    scope: &mut TenantScope,
    ticket: i64,
    photo: i64,
    thumbnail: bool,
) -> AppResult<Option<PhotoFile>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        PhotoFile,
        r#"select case when $4 then 'image/jpeg' else content_type end as "content_type!",
                  file_name,
                  case when $4 then thumbnail else data end as "bytes!"
           from labour_ticket_photo
           where tenant_id = $1 and ticket_id = $2 and id = $3"#,
        tenant as TenantId,
        ticket,
        photo,
        thumbnail
    )
    .fetch_optional(scope.conn())
    .await?)
}

pub async fn insert_photo(
    scope: &mut TenantScope,
    ticket: i64,
    file_name: &str,
    photo: &crate::web::photo::CheckedPhoto,
    bytes: &[u8],
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into labour_ticket_photo (tenant_id, ticket_id, file_name, content_type, size,
                                          data, thumbnail, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         returning id",
        tenant as TenantId,
        ticket,
        file_name,
        photo.content_type,
        i32::try_from(bytes.len()).unwrap_or(i32::MAX),
        bytes,
        &photo.thumbnail,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

pub async fn delete_photo(scope: &mut TenantScope, ticket: i64, photo: i64) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    let deleted = sqlx::query!(
        "delete from labour_ticket_photo where tenant_id = $1 and ticket_id = $2 and id = $3",
        tenant as TenantId,
        ticket,
        photo
    )
    .execute(scope.conn())
    .await?;
    Ok(deleted.rows_affected() == 1)
}
