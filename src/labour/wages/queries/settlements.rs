//! Settlement SQL: gathering confirmed tickets, creating, totalling, finding, listing and cancelling.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::labour::domain::SettlementStatus;
use crate::tenancy::ProjectId;

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
    project: ProjectId,
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
            project as ProjectId,
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
        project as ProjectId,
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
    pub project_id: ProjectId,
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
        s.project_id as ProjectId,
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
    scope.plan_with_values().await?;
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
