//! `girder bench cost`: the cost centre's speed targets, measured on this machine against a
//! scratch company holding the Labour tallies benchmark's data (50 projects, about a million
//! day-labour lines) plus 2,000,000 cost entries.
//!
//! The labour data comes from `labour::bench::generate`. Then, with set-based SQL: the
//! standard categories with two children under materials, an original and a revised budget
//! per project (per category, a third of it on WBS-less lines), and the entries spread over
//! the projects, categories and the last two years. The triggers keep the monthly roll-up as
//! they would in use. It times:
//!
//! - a project's cost report (`queries::project_cost`, what `/projects/{id}/cost` reads);
//! - the same report frozen at a past date (a snapshot: read from the entries themselves);
//! - the dashboard's panel and the company overview across all 50 projects
//!   (`report::standings`, which both build on).
//!
//! `--keep` leaves the company in place and prints a sign-in; otherwise it is deleted.

use std::time::{Duration, Instant};

use chrono::Months;

use super::queries;
use crate::db::{Db, TenantScope};
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::labour::bench::{LabourData, Size};

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Median and fastest.
fn stats(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (
        times.get(times.len() / 2).copied().unwrap_or_default(),
        times.first().copied().unwrap_or_default(),
    )
}

/// Generates the data, measures, and deletes the company unless `keep`.
pub async fn bench(db: &Db, entries: i64, keep: bool) -> AppResult<Vec<String>> {
    let data = crate::labour::bench::generate(db, Size::default(), keep).await?;
    let mut report = vec![format!(
        "labour data: {} tickets, {} lines, 50 projects, generated in {:.1} s (tenant {})",
        data.tickets,
        data.lines,
        data.took.as_secs_f64(),
        data.tenant.0
    )];
    let started = Instant::now();
    let generated = generate(db, &data, entries).await;
    match generated {
        Ok(n) => report.push(format!(
            "cost data: {n} entries, 2 budget versions per project, generated in {:.1} s",
            started.elapsed().as_secs_f64()
        )),
        Err(e) => {
            crate::labour::bench::delete(db, data.tenant).await?;
            return Err(e);
        }
    }
    let measured = measure(db, &data).await;
    let deleted = match &data.login {
        Some((email, password)) => {
            report.push(format!(
                "kept: sign in as {email} with password {password} (tenant {})",
                data.tenant.0
            ));
            Ok(())
        }
        None => crate::labour::bench::delete(db, data.tenant).await,
    };
    report.extend(measured?);
    deleted?;
    Ok(report)
}

async fn generate(db: &Db, data: &LabourData, entries: i64) -> AppResult<i64> {
    let mut scope = db.begin_tenant(data.tenant).await?;
    let tenant = scope.tenant_id();
    queries::seed_categories(&mut scope).await?;
    sqlx::query!(
        "insert into cost_category (tenant_id, parent_id, code, name_zh, name_en, sort_order)
         select $1, p.id, v.code, v.zh, v.en, v.n
         from cost_category p,
              (values ('0201', '钢筋', 'Rebar', 1), ('0202', '商品混凝土', 'Ready-mix concrete', 2))
                  as v(code, zh, en, n)
         where p.tenant_id = $1 and p.builtin = 'materials'",
        tenant as TenantId
    )
    .execute(scope.conn())
    .await?;
    // An original budget approved two years ago and a revision a year later, per project.
    sqlx::query!(
        "insert into cost_budget_version (tenant_id, project_id, number, status, reason,
                                          approved_at, approved_by, created_by)
         select $1, p.id, v.n, 'approved', case when v.n = 0 then '' else '设计变更' end,
                now() - (730 - v.n * 365) * interval '1 day', $2, $2
         from project p cross join (values (0), (1)) as v(n)
         where p.tenant_id = $1",
        tenant as TenantId,
        data.owner.0
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "insert into cost_budget_line (tenant_id, budget_version_id, category_id, amount)
         select $1, v.id, c.id, 400000 + (hashtext(v.id::text || c.code) & 1023) * 1000
         from cost_budget_version v
         join cost_category c on c.tenant_id = v.tenant_id
         where v.tenant_id = $1",
        tenant as TenantId
    )
    .execute(scope.conn())
    .await?;
    let days = i32::try_from(
        data.today
            .signed_duration_since(data.first_day)
            .num_days()
            .max(1),
    )
    .unwrap_or(730);
    let inserted = sqlx::query!(
        "with p as (select array_agg(id order by id) as ids from project where tenant_id = $1),
              c as (select array_agg(id order by id) as ids from cost_category where tenant_id = $1)
         insert into cost_entry (tenant_id, project_id, entry_date, category_id, supplier,
                                 description, amount, tax_rate, tax_amount, document_no,
                                 created_by, updated_by)
         select $1, p.ids[1 + n % cardinality(p.ids)], $2::date + ((n * 7919) % $3::int)::int,
                c.ids[1 + (n / 7) % cardinality(c.ids)], '供应商 ' || (n % 500),
                '成本发票 ' || n, a.amount, 13, round(a.amount * 0.13, 2), 'FP' || n, $4, $4
         from generate_series(1, $5::bigint) as n
         cross join p cross join c
         cross join lateral (select round(100 + (n * 104729 % 2000000) / 100.0, 2) as amount) a",
        tenant as TenantId,
        data.first_day,
        days,
        data.owner.0,
        entries
    )
    .execute(scope.conn())
    .await?;
    scope.commit().await?;
    let mut scope = db.begin_tenant(data.tenant).await?;
    sqlx::raw_sql(
        "analyze cost_entry; analyze cost_actual_month; analyze cost_budget_line;
         analyze cost_budget_version; analyze cost_category",
    )
    .execute(scope.conn())
    .await?;
    scope.commit().await?;
    Ok(i64::try_from(inserted.rows_affected()).unwrap_or(i64::MAX))
}

/// Runs `body` `runs` times, each in its own tenant transaction; median and best.
macro_rules! time_query {
    ($db:expr, $tenant:expr, $runs:expr, |$scope:ident| $body:expr) => {{
        let mut times = Vec::new();
        for _ in 0..$runs {
            let started = Instant::now();
            let mut $scope: TenantScope = $db.begin_tenant($tenant).await?;
            // The pages are timed as an owner sees them: every project.
            $scope.act_for(None, true).await?;
            $body.await?;
            $scope.commit().await?;
            times.push(started.elapsed());
        }
        stats(times)
    }};
}

async fn measure(db: &Db, data: &LabourData) -> AppResult<Vec<String>> {
    let tenant: TenantId = data.tenant;
    let project = data.project;
    let (median, best) = time_query!(db, tenant, 11, |scope| {
        queries::project_cost(&mut scope, project, None)
    });
    let mut report = vec![format!(
        "a project's cost report: median {}, best {} (target < 50 ms)",
        ms(median),
        ms(best)
    )];
    let past = data.today.checked_sub_months(Months::new(6));
    let (median, best) = time_query!(db, tenant, 11, |scope| {
        queries::project_cost(&mut scope, project, past)
    });
    report.push(format!(
        "the same report frozen six months ago (a snapshot, from the entries): median {}, best {}",
        ms(median),
        ms(best)
    ));
    let (median, best) = time_query!(db, tenant, 11, |scope| {
        super::report::standings(&mut scope)
    });
    report.push(format!(
        "the dashboard's cost panel across 50 projects: median {}, best {} (target < 100 ms)",
        ms(median),
        ms(best)
    ));
    Ok(report)
}
