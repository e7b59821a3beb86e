//! Summaries add up ticket lines, grouped by one or two dimensions. Every figure comes from
//! the lines, or, for a company's workers, from each worker's month (`labour_worker_month`),
//! which triggers keep in the lines' own transactions: a total always equals the sum of its
//! tickets.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::Dimension;
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;

/// What the summary takes in. `projects` and `crews` narrow to what the user may see
/// (`None`: everything).
#[derive(Debug, Clone, Default)]
pub struct SummaryFilter {
    pub projects: Option<Vec<i64>>,
    pub crews: Option<Vec<i64>>,
    pub project: Option<i64>,
    pub crew: Option<i64>,
    /// One status, or `cost` for confirmed and settled; `None` for all but rejected.
    pub status: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One group: its key in each dimension (an id, or a month's first day as days since the
/// epoch) and its totals. `tickets` counts the tickets whose first line is in the group: all
/// of a ticket is in one group when grouping by project, crew, task and month; by worker or
/// trade a ticket spreads over groups, and `lines` is the count to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub key1: Option<i64>,
    pub key2: Option<i64>,
    pub tickets: i64,
    pub lines: i64,
    pub head_count: i64,
    pub hours: Decimal,
    pub days: Decimal,
    pub amount: Decimal,
}

pub async fn summarize(
    scope: &mut TenantScope,
    by: Dimension,
    then: Option<Dimension>,
    f: &SummaryFilter,
) -> AppResult<Vec<SummaryRow>> {
    // By worker (or worker by month) across the company, whole months come from each
    // worker's month (`labour_worker_month`, kept by a trigger) and only the edge days and
    // the unnamed head counts (no worker, so not in the roll-up) from the lines.
    let company_wide =
        f.projects.is_none() && f.crews.is_none() && f.project.is_none() && f.crew.is_none();
    let by_month = then == Some(Dimension::Month);
    if by == Dimension::Worker
        && (then.is_none() || by_month)
        && company_wide
        && let Some(split) = MonthSplit::of(f.from, f.to)
    {
        let mut rows = worker_months(
            scope,
            f.status.as_deref(),
            split.first,
            split.last,
            by_month,
        )
        .await?;
        let whole_months = SummaryFilter {
            from: split.first,
            to: split.last.map(crate::labour::domain::month_end),
            ..f.clone()
        };
        rows.extend(summarize_lines(scope, by, then, &whole_months, true).await?);
        for (from, to) in split.edges {
            let edge = SummaryFilter {
                from,
                to,
                ..f.clone()
            };
            rows.extend(summarize_lines(scope, by, then, &edge, false).await?);
        }
        return Ok(merge(rows));
    }
    summarize_lines(scope, by, then, f, false).await
}

/// A date range cut into whole months and the days at either edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthSplit {
    /// The first and last whole months (their first days); `None` for open ends.
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    /// The day ranges before and after the whole months.
    pub edges: Vec<(Option<NaiveDate>, Option<NaiveDate>)>,
}

impl MonthSplit {
    /// `None` when the range holds no whole month.
    pub fn of(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Option<MonthSplit> {
        use crate::labour::domain::{month_end, month_of};
        let first = match from {
            Some(d) if d == month_of(d) => Some(d),
            Some(d) => Some(month_end(month_of(d)).succ_opt()?),
            None => None,
        };
        let last = match to {
            Some(d) if d == month_end(month_of(d)) => Some(month_of(d)),
            Some(d) => Some(month_of(month_of(d).pred_opt()?)),
            None => None,
        };
        if let (Some(a), Some(b)) = (first, last)
            && a > b
        {
            return None;
        }
        let mut edges = Vec::new();
        if let (Some(from), Some(first)) = (from, first)
            && from < first
        {
            edges.push((Some(from), first.pred_opt()));
        }
        if let (Some(to), Some(last)) = (to, last) {
            let after = month_end(last).succ_opt()?;
            if after <= to {
                edges.push((Some(after), Some(to)));
            }
        }
        Some(MonthSplit { first, last, edges })
    }
}

/// Rows of the same keys added together (whole months and edge days of one worker).
fn merge(rows: Vec<SummaryRow>) -> Vec<SummaryRow> {
    let mut by_key: std::collections::HashMap<(Option<i64>, Option<i64>), SummaryRow> =
        std::collections::HashMap::new();
    for r in rows {
        by_key
            .entry((r.key1, r.key2))
            .and_modify(|t| {
                t.tickets += r.tickets;
                t.lines += r.lines;
                t.head_count += r.head_count;
                t.hours += r.hours;
                t.days += r.days;
                t.amount += r.amount;
            })
            .or_insert(r);
    }
    by_key.into_values().collect()
}

/// Workers' whole months from `first` to `last` (first days; `None` for open ends), each
/// worker's in one row, or one row per worker and month (keyed as the lines key months).
async fn worker_months(
    scope: &mut TenantScope,
    status: Option<&str>,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    by_month: bool,
) -> AppResult<Vec<SummaryRow>> {
    let tenant = scope.tenant_id();
    // Open ends fold away when planned with the values.
    scope.plan_with_values().await?;
    Ok(sqlx::query_as!(
        SummaryRow,
        r#"select worker_id as "key1?",
                  case when $5 then (month - date '1970-01-01')::bigint end as "key2?",
                  0::bigint as "tickets!",
                  sum(lines)::bigint as "lines!", sum(head_count)::bigint as "head_count!",
                  sum(hours) as "hours!", sum(days) as "days!", sum(amount) as "amount!"
           from labour_worker_month
           where tenant_id = $1
             and (case when $2::text is null then status <> 'rejected'
                       when $2 = 'cost' then status in ('confirmed', 'settled')
                       else status = $2 end)
             and ($3::date is null or month >= $3)
             and ($4::date is null or month <= $4)
           group by 1, 2
           having sum(lines) <> 0"#,
        tenant as TenantId,
        status,
        first,
        last,
        by_month
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The groups, added up from the lines (`unnamed_only`: only the head counts without a
/// worker, which have an index of their own).
async fn summarize_lines(
    scope: &mut TenantScope,
    by: Dimension,
    then: Option<Dimension>,
    f: &SummaryFilter,
    unnamed_only: bool,
) -> AppResult<Vec<SummaryRow>> {
    let tenant = scope.tenant_id();
    let then = then.map(Dimension::as_str);
    // One statement serves every grouping and filter; planned with the values at hand, the
    // unused branches fold away and a year of a company's lines is added up in parallel.
    scope.plan_with_values().await?;
    Ok(sqlx::query_as!(
        SummaryRow,
        r#"select k1 as key1, k2 as key2,
                  count(*) filter (where line_no = 1) as "tickets!", count(*) as "lines!",
                  coalesce(sum(head_count), 0) as "head_count!",
                  coalesce(sum(hours), 0) as "hours!", coalesce(sum(days), 0) as "days!",
                  coalesce(sum(amount), 0) as "amount!"
           from (
             select l.line_no, l.head_count, l.hours, l.days, l.amount,
                    case $2 when 'project' then l.project_id when 'crew' then l.crew_id
                            when 'worker' then l.worker_id when 'trade' then l.trade_id
                            when 'task' then l.task_id
                            when 'month' then (date_trunc('month', l.ticket_date)::date
                                               - date '1970-01-01')::bigint end as k1,
                    case $3 when 'project' then l.project_id when 'crew' then l.crew_id
                            when 'worker' then l.worker_id when 'trade' then l.trade_id
                            when 'task' then l.task_id
                            when 'month' then (date_trunc('month', l.ticket_date)::date
                                               - date '1970-01-01')::bigint end as k2
             from labour_ticket_line l
             where l.tenant_id = $1
               and ($4::bigint[] is null or l.project_id = any($4))
               and ($5::bigint[] is null or l.crew_id = any($5))
               and ($6::bigint is null or l.project_id = $6)
               and ($7::bigint is null or l.crew_id = $7)
               and (case when $8::text is null then l.status <> 'rejected'
                         when $8 = 'cost' then l.status in ('confirmed', 'settled')
                         else l.status = $8 end)
               and ($9::date is null or l.ticket_date >= $9)
               and ($10::date is null or l.ticket_date <= $10)
               and (not $11 or l.worker_id is null)
           ) g
           group by k1, k2"#,
        tenant as TenantId,
        by.as_str(),
        then,
        f.projects.as_deref(),
        f.crews.as_deref(),
        f.project,
        f.crew,
        f.status.as_deref(),
        f.from,
        f.to,
        unnamed_only
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The names of the ids a summary shows, for one dimension (months are named in Rust).
pub async fn names(
    scope: &mut TenantScope,
    dimension: Dimension,
    ids: &[i64],
    english: bool,
) -> AppResult<Vec<(i64, String)>> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query!(
        r#"select id as "id!", name as "name!" from (
             select p.id, p.code || ' ' || p.name as name from project p
              where $2 = 'project' and p.tenant_id = $1 and p.id = any($3)
             union all
             select c.id, c.name from crew c
              where $2 = 'crew' and c.tenant_id = $1 and c.id = any($3)
             union all
             select w.id, w.name from worker w
              where $2 = 'worker' and w.tenant_id = $1 and w.id = any($3)
             union all
             select t.id, case when $4 and t.name_en <> '' then t.name_en else t.name_zh end
               from trade t where $2 = 'trade' and t.tenant_id = $1 and t.id = any($3)
             union all
             select k.id, k.name from task k
              where $2 = 'task' and k.tenant_id = $1 and k.id = any($3)
           ) n"#,
        tenant as TenantId,
        dimension.as_str(),
        ids,
        english
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}

/// This month's labour cost of each project, and the tickets waiting for confirmation: the
/// dashboard's panel.
#[derive(Debug, Clone)]
pub struct MonthByProject {
    pub project_id: i64,
    pub code: String,
    pub name: String,
    pub days: Decimal,
    pub amount: Decimal,
    pub waiting: i64,
}

pub async fn month_by_project(
    scope: &mut TenantScope,
    month: NaiveDate,
    next_month: NaiveDate,
) -> AppResult<Vec<MonthByProject>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        MonthByProject,
        r#"select p.id as project_id, p.code, p.name,
                  coalesce(c.days, 0) as "days!", coalesce(c.amount, 0) as "amount!",
                  coalesce(w.waiting, 0) as "waiting!"
           from project p
           left join (select project_id, sum(days) as days, sum(amount) as amount
                      from labour_ticket_line
                      where tenant_id = $1 and ticket_date >= $2 and ticket_date < $3
                        and status in ('confirmed', 'settled')
                      group by project_id) c on c.project_id = p.id
           left join (select project_id, count(*) as waiting from labour_ticket
                      where tenant_id = $1 and status = 'submitted'
                      group by project_id) w on w.project_id = p.id
           where p.tenant_id = $1 and p.id in (select * from visible_project_ids($1))
             and (c.project_id is not null or w.project_id is not null)
           order by coalesce(c.amount, 0) desc, p.code
           limit 10"#,
        tenant as TenantId,
        month,
        next_month
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Every project the transaction's user may see (`visible_project_ids`), archived too.
pub async fn visible_projects(scope: &mut TenantScope) -> AppResult<Vec<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select id as "id!" from visible_project_ids($1) id"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    #[test]
    fn a_range_splits_into_whole_months_and_edge_days() {
        let s = MonthSplit::of(d("2025-11-24"), d("2026-11-24")).unwrap();
        assert_eq!((s.first, s.last), (d("2025-12-01"), d("2026-10-01")));
        assert_eq!(
            s.edges,
            vec![
                (d("2025-11-24"), d("2025-11-30")),
                (d("2026-11-01"), d("2026-11-24"))
            ]
        );
        let whole = MonthSplit::of(d("2026-01-01"), d("2026-12-31")).unwrap();
        assert_eq!(
            (whole.first, whole.last),
            (d("2026-01-01"), d("2026-12-01"))
        );
        assert!(whole.edges.is_empty());
        let open = MonthSplit::of(None, None).unwrap();
        assert_eq!((open.first, open.last, open.edges.len()), (None, None, 0));
        let open_start = MonthSplit::of(None, d("2026-02-10")).unwrap();
        assert_eq!(open_start.last, d("2026-01-01"));
        assert_eq!(open_start.edges, vec![(d("2026-02-01"), d("2026-02-10"))]);
        // Inside one month: no whole month.
        assert_eq!(MonthSplit::of(d("2026-03-05"), d("2026-03-20")), None);
        assert_eq!(MonthSplit::of(d("2026-03-05"), d("2026-04-20")), None);
    }
}
