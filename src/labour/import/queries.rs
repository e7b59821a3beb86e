//! The SQL of imports: the jobs and their progress, what the checks look up (projects by
//! code, workers by identity number, trades and crews by name), and writing workers and
//! tickets in batches — a statement per table per batch, not per row.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::parse::{CrewRef, Kind, NewTicket, NewWorker, ProjectRef, RowError, WorkerRef};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::jobs::JobStatus;
use crate::labour::domain::{TicketStatus, WorkerId};
use crate::labour::queries as shared;

/// An import as its page shows it.
#[derive(Debug, Clone)]
pub struct ImportJob {
    pub id: i64,
    pub kind: Kind,
    pub file_name: String,
    pub status: JobStatus,
    pub rows_total: i32,
    pub rows_done: i32,
    pub errors: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<i64>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Records an import, `queued` until a worker starts it.
pub async fn insert_job(
    scope: &mut TenantScope,
    kind: Kind,
    file_name: &str,
    rows_total: i32,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into labour_import (tenant_id, kind, file_name, rows_total, created_by, status)
         values ($1, $2, $3, $4, $5, 'queued')
         returning id",
        tenant as TenantId,
        kind as Kind,
        file_name,
        rows_total,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

pub async fn find_job(scope: &mut TenantScope, id: i64) -> AppResult<Option<ImportJob>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ImportJob,
        "select id, kind as \"kind: Kind\", file_name, status as \"status: JobStatus\", rows_total, rows_done,
                errors, created_at, created_by, finished_at
         from labour_import where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// The user's latest imports, newest first.
pub async fn recent_jobs(
    scope: &mut TenantScope,
    user: UserId,
    limit: i64,
) -> AppResult<Vec<ImportJob>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ImportJob,
        "select id, kind as \"kind: Kind\", file_name, status as \"status: JobStatus\", rows_total, rows_done,
                '[]'::jsonb as \"errors!\", created_at, created_by, finished_at
         from labour_import where tenant_id = $1 and created_by = $2
         order by created_at desc, id desc
         limit $3",
        tenant as TenantId,
        user as UserId,
        limit
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Marks an import `running` from its first row (again, if an attempt that stopped had
/// begun it); `false` if it has already ended.
pub async fn start_job(scope: &mut TenantScope, id: i64) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    let done = sqlx::query!(
        "update labour_import set status = 'running', rows_done = 0
         where tenant_id = $1 and id = $2 and status in ('queued', 'running')",
        tenant as TenantId,
        id
    )
    .execute(scope.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_progress(scope: &mut TenantScope, id: i64, rows_done: i32) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update labour_import set rows_done = $3
         where tenant_id = $1 and id = $2 and status = 'running'",
        tenant as TenantId,
        id,
        rows_done
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Ends an import that has not ended yet: `done` with every row imported, or `failed` with
/// the messages.
pub async fn finish_job(
    scope: &mut TenantScope,
    id: i64,
    errors: Option<&[RowError]>,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let (status, json) = match errors {
        None => (JobStatus::Done, serde_json::Value::Array(Vec::new())),
        Some(e) => (
            JobStatus::Failed,
            serde_json::to_value(e).map_err(anyhow::Error::from)?,
        ),
    };
    sqlx::query!(
        "update labour_import
         set status = $3, errors = $4, finished_at = now(),
             rows_done = case when $3 = 'done' then rows_total else rows_done end
         where tenant_id = $1 and id = $2 and status in ('queued', 'running')",
        tenant as TenantId,
        id,
        status as JobStatus,
        json
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Every project of the tenant by code, with whether `user` may see it.
pub async fn projects_by_code(scope: &mut TenantScope) -> AppResult<HashMap<String, ProjectRef>> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query!(
        r#"select p.id, p.code, p.archived_at is not null as "archived!",
                  p.id in (select * from visible_project_ids($1)) as "visible!"
           from project p
           where p.tenant_id = $1"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.code,
                ProjectRef {
                    id: r.id,
                    visible: r.visible,
                    archived: r.archived,
                },
            )
        })
        .collect())
}

/// The first project and crew the user may import for, to fill the template's example row.
pub async fn example_names(
    scope: &mut TenantScope,
    foreman: Option<UserId>,
) -> AppResult<(Option<String>, Option<String>)> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    let project = sqlx::query_scalar!(
        "select p.code from project p
         where p.tenant_id = $1 and p.archived_at is null
           and p.id in (select * from visible_project_ids($1))
         order by p.code limit 1",
        tenant as TenantId
    )
    .fetch_optional(scope.conn())
    .await?;
    let crew = sqlx::query_scalar!(
        "select name from crew
         where tenant_id = $1 and active and ($2::bigint is null or foreman_id = $2)
         order by name limit 1",
        tenant as TenantId,
        foreman.map(|u| u.0)
    )
    .fetch_optional(scope.conn())
    .await?;
    Ok((project, crew))
}

/// Trades by Chinese and by English name (spaces removed).
pub async fn trades_by_name(scope: &mut TenantScope) -> AppResult<HashMap<String, i64>> {
    let mut out = HashMap::new();
    for t in shared::list_trades(scope).await? {
        if !t.name_en.is_empty() {
            out.insert(super::parse::name_key(&t.name_en), t.id);
        }
        // A Chinese name wins over an English one that happens to be the same.
        out.insert(super::parse::name_key(&t.name_zh), t.id);
    }
    Ok(out)
}

/// Crews by name (spaces removed).
pub async fn crews_by_name(scope: &mut TenantScope) -> AppResult<HashMap<String, CrewRef>> {
    Ok(shared::list_crews(scope, None)
        .await?
        .into_iter()
        .map(|c| {
            (
                super::parse::name_key(&c.name),
                CrewRef {
                    id: c.id,
                    unit: c.unit(),
                    foreman_id: c.foreman_id,
                    active: c.active,
                },
            )
        })
        .collect())
}

/// The workers with these identity numbers.
pub async fn workers_by_id_number(
    scope: &mut TenantScope,
    ids: &[String],
) -> AppResult<HashMap<String, WorkerRef>> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query!(
        "select id, name, id_number, trade_id, day_rate, active from worker
         where tenant_id = $1 and id_number = any($2)",
        tenant as TenantId,
        ids
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.id_number,
                WorkerRef {
                    id: r.id,
                    name: r.name,
                    trade_id: r.trade_id,
                    day_rate: r.day_rate,
                    active: r.active,
                },
            )
        })
        .collect())
}

/// Hours already booked on each day for the workers named that day (through the shared
/// `booked_hours`, so rejected tickets do not count here either).
pub async fn booked_by_day(
    scope: &mut TenantScope,
    days: &std::collections::BTreeMap<NaiveDate, Vec<i64>>,
) -> AppResult<HashMap<(NaiveDate, i64), Decimal>> {
    let mut out = HashMap::new();
    for (day, workers) in days {
        // The import's checks (pure, in `parse`) count workers by their bare number.
        let workers: Vec<WorkerId> = workers.iter().copied().map(WorkerId).collect();
        // The project only matters for `same_project_tickets`, which the import ignores.
        for b in shared::booked_hours(scope, &workers, *day, None, None).await? {
            out.insert((*day, b.worker_id.0), b.hours);
        }
    }
    Ok(out)
}

/// Writes workers in one statement.
pub async fn insert_workers(
    scope: &mut TenantScope,
    workers: &[NewWorker],
    by: UserId,
) -> AppResult<u64> {
    let tenant = scope.tenant_id();
    let name: Vec<&str> = workers.iter().map(|w| w.name.as_str()).collect();
    let id_number: Vec<&str> = workers.iter().map(|w| w.id_number.as_str()).collect();
    let phone: Vec<&str> = workers.iter().map(|w| w.phone.as_str()).collect();
    let trade: Vec<i64> = workers.iter().map(|w| w.trade_id).collect();
    let crew: Vec<Option<i64>> = workers.iter().map(|w| w.crew_id).collect();
    let rate: Vec<Decimal> = workers.iter().map(|w| w.day_rate).collect();
    let bank: Vec<&str> = workers.iter().map(|w| w.bank_name.as_str()).collect();
    let account: Vec<&str> = workers.iter().map(|w| w.bank_account.as_str()).collect();
    let done = sqlx::query!(
        "insert into worker (tenant_id, name, id_number, phone, trade_id, crew_id, day_rate,
                             bank_name, bank_account, created_by, updated_by)
         select $1, w.name, w.id_number, w.phone, w.trade_id, w.crew_id, w.day_rate, w.bank,
                w.account, $10, $10
         from unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
                     $7::numeric[], $8::text[], $9::text[])
              as w(name, id_number, phone, trade_id, crew_id, day_rate, bank, account)",
        tenant as TenantId,
        &name as &[&str],
        &id_number as &[&str],
        &phone as &[&str],
        &trade,
        &crew as &[Option<i64>],
        &rate,
        &bank as &[&str],
        &account as &[&str],
        by as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(done.rows_affected())
}

/// Writes tickets with their lines, totals and the first entry of their trail, as
/// `shared::insert_ticket` does for one, in three statements for the whole batch. Tickets of
/// one batch differ in project, day or crew: that is how the ids come back to them.
pub async fn insert_tickets(
    scope: &mut TenantScope,
    tickets: &[NewTicket],
    status: TicketStatus,
    by: UserId,
) -> AppResult<Vec<i64>> {
    let tenant = scope.tenant_id();
    let project: Vec<i64> = tickets.iter().map(|t| t.header.project_id).collect();
    let date: Vec<NaiveDate> = tickets.iter().map(|t| t.header.ticket_date).collect();
    let crew: Vec<i64> = tickets.iter().map(|t| t.header.crew_id).collect();
    let task: Vec<Option<i64>> = tickets
        .iter()
        .map(|t| t.header.task_id.map(|k| k.0))
        .collect();
    let reason: Vec<&str> = tickets.iter().map(|t| t.header.reason.as_str()).collect();
    let work: Vec<&str> = tickets
        .iter()
        .map(|t| t.header.work_content.as_str())
        .collect();
    let unit: Vec<&str> = tickets
        .iter()
        .map(|t| t.header.count_unit.as_str())
        .collect();
    let sum = |f: fn(&crate::labour::queries::NewLine) -> Decimal| -> Vec<Decimal> {
        tickets
            .iter()
            .map(|t| t.lines.iter().map(f).sum())
            .collect()
    };
    let hours = sum(|l| l.hours);
    let days = sum(|l| l.days);
    let amount = sum(|l| l.amount);
    let rows = sqlx::query!(
        "insert into labour_ticket (tenant_id, project_id, ticket_date, crew_id, task_id, reason,
                                    work_content, count_unit, status, total_hours, total_days,
                                    total_amount, created_by, updated_by)
         select $1, t.project_id, t.ticket_date, t.crew_id, t.task_id, t.reason, t.work_content,
                t.count_unit, $2, t.hours, t.days, t.amount, $3, $3
         from unnest($4::bigint[], $5::date[], $6::bigint[], $7::bigint[], $8::text[],
                     $9::text[], $10::text[], $11::numeric[], $12::numeric[], $13::numeric[])
              as t(project_id, ticket_date, crew_id, task_id, reason, work_content, count_unit,
                   hours, days, amount)
         returning id, project_id, ticket_date, crew_id",
        tenant as TenantId,
        status as TicketStatus,
        by as UserId,
        &project,
        &date,
        &crew,
        &task as &[Option<i64>],
        &reason as &[&str],
        &work as &[&str],
        &unit as &[&str],
        &hours,
        &days,
        &amount
    )
    .fetch_all(scope.conn())
    .await?;
    let by_key: HashMap<(i64, NaiveDate, i64), i64> = rows
        .into_iter()
        .map(|r| ((r.project_id, r.ticket_date, r.crew_id), r.id))
        .collect();
    let mut ids = Vec::with_capacity(tickets.len());
    for t in tickets {
        let key = (t.header.project_id, t.header.ticket_date, t.header.crew_id);
        let id = by_key.get(&key).copied().ok_or_else(|| {
            anyhow::anyhow!("two tickets of one import batch share a project, day and crew")
        })?;
        ids.push(id);
    }

    let n: usize = tickets.iter().map(|t| t.lines.len()).sum();
    let mut ticket = Vec::with_capacity(n);
    let mut line_no: Vec<i16> = Vec::with_capacity(n);
    let mut worker: Vec<Option<WorkerId>> = Vec::with_capacity(n);
    let mut trade = Vec::with_capacity(n);
    let mut heads = Vec::with_capacity(n);
    let mut pay: Vec<&str> = Vec::with_capacity(n);
    let (mut l_hours, mut l_days, mut rate, mut mult, mut l_amount) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (t, id) in tickets.iter().zip(&ids) {
        for (no, l) in (1i16..).zip(&t.lines) {
            ticket.push(*id);
            line_no.push(no);
            worker.push(l.worker_id);
            trade.push(l.trade_id);
            heads.push(l.head_count);
            pay.push(l.pay_type.as_str());
            l_hours.push(l.hours);
            l_days.push(l.days);
            rate.push(l.rate);
            mult.push(l.multiplier);
            l_amount.push(l.amount);
        }
    }
    sqlx::query!(
        "insert into labour_ticket_line
             (tenant_id, ticket_id, line_no, project_id, ticket_date, crew_id, task_id, status,
              worker_id, trade_id, head_count, pay_type, hours, days, rate, multiplier, amount)
         select t.tenant_id, t.id, l.line_no, t.project_id, t.ticket_date, t.crew_id, t.task_id,
                t.status, l.worker_id, l.trade_id, l.head_count, l.pay_type, l.hours, l.days,
                l.rate, l.multiplier, l.amount
         from unnest($2::bigint[], $3::smallint[], $4::bigint[], $5::bigint[], $6::int[],
                     $7::text[], $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[],
                     $12::numeric[])
                as l(ticket_id, line_no, worker_id, trade_id, head_count, pay_type, hours, days,
                     rate, multiplier, amount)
         join labour_ticket t on t.tenant_id = $1 and t.id = l.ticket_id",
        tenant as TenantId,
        &ticket,
        &line_no,
        &worker as &[Option<WorkerId>],
        &trade,
        &heads,
        &pay as &[&str],
        &l_hours,
        &l_days,
        &rate,
        &mult,
        &l_amount
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "insert into labour_ticket_event (tenant_id, ticket_id, from_status, to_status, note,
                                          by_user)
         select $1, id, null, $3, '', $4 from unnest($2::bigint[]) as t(id)",
        tenant as TenantId,
        &ids,
        status as TicketStatus,
        by as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(ids)
}
