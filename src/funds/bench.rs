//! `girder bench funds`: the cash-flow pages' speed targets, measured against a scratch
//! company: the Labour benchmark's 50 projects (with a small tally), 200 counterparties,
//! 5,000 signed contracts (one in ten income), 20 certified progress-payment applications per
//! income contract, 50,000 invoices booked against expense contracts, 500,000 receipts and
//! payments (a few reversed), and a year of fund plans ahead per project, all inserted with
//! set-based SQL. The `fund_month` triggers keep the roll-up as they would in use. It times:
//!
//! - a project's funds page (`/projects/{id}/funds`): its roll-up, plan and contracts with
//!   their money (target < 50 ms);
//! - the company overview (`/funds`) across all 50 projects (target < 100 ms).
//!
//! `--keep` leaves the company in place and prints a sign-in; otherwise it is deleted.

use std::time::{Duration, Instant};

use super::cashflow::{domain, overview, queries};
use crate::db::{Db, TenantScope};
use crate::error::AppResult;
use crate::fixtures::bench::labour::{LabourData, Size};
use crate::ids::TenantId;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Median and 95th percentile.
fn stats(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let p95 = (times.len() * 95).div_ceil(100).saturating_sub(1);
    (
        times.get(times.len() / 2).copied().unwrap_or_default(),
        times.get(p95).copied().unwrap_or_default(),
    )
}

/// Generates the data, measures, and deletes the company unless `keep`.
pub async fn bench(db: &Db, movements: i64, keep: bool) -> AppResult<Vec<String>> {
    let size = Size {
        lines: 20_000,
        ..Size::default()
    };
    let data = crate::fixtures::bench::labour::generate(db, size, keep).await?;
    let mut report = vec![format!(
        "labour data: {} tickets, {} lines, 50 projects, generated in {:.1} s (tenant {})",
        data.tickets,
        data.lines,
        data.took.as_secs_f64(),
        data.tenant.0
    )];
    let started = Instant::now();
    match generate(db, &data, movements).await {
        Ok(n) => report.push(format!(
            "funds data: 5,000 contracts, 10,000 applications, 50,000 invoices, {n} movements, generated in {:.1} s",
            started.elapsed().as_secs_f64()
        )),
        Err(e) => {
            crate::fixtures::bench::labour::delete(db, data.tenant).await?;
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
        None => crate::fixtures::bench::labour::delete(db, data.tenant).await,
    };
    report.extend(measured?);
    deleted?;
    Ok(report)
}

async fn generate(db: &Db, data: &LabourData, movements: i64) -> AppResult<i64> {
    let mut scope = db.begin_tenant(data.tenant).await?;
    let tenant = scope.tenant_id();
    let owner = data.owner.0;
    crate::cost::queries::seed_categories(&mut scope).await?;
    let days = i32::try_from(
        data.today
            .signed_duration_since(data.first_day)
            .num_days()
            .max(1),
    )
    .unwrap_or(730);
    sqlx::query!(
        "insert into bank_account (tenant_id, name, bank_name, account_number, opened_on,
                                   created_by, updated_by)
         values ($1, '基本户', '工商银行', '1202020209000012345', $2, $3, $3)",
        tenant as TenantId,
        data.first_day,
        owner
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "insert into counterparty (tenant_id, name, kind, created_by, updated_by)
         select $1, case when n <= 40 then '建设单位 ' else '分包供应商 ' end || n,
                case when n <= 40 then 'client' when n % 2 = 0 then 'subcontractor'
                     else 'supplier' end, $2, $2
         from generate_series(1, 200) as n",
        tenant as TenantId,
        owner
    )
    .execute(scope.conn())
    .await?;
    // One in ten contracts is income (spread over every project); the rest are subcontracts
    // and purchases.
    sqlx::query!(
        "with p as (select array_agg(id order by id) as ids from project where tenant_id = $1),
              c as (select array_agg(id order by id) filter (where kind = 'client') as clients,
                           array_agg(id order by id) filter (where kind <> 'client') as others
                    from counterparty where tenant_id = $1)
         insert into contract (tenant_id, project_id, number, title, direction, kind,
                               counterparty_id, amount, tax_rate, signed_on, retention_percent,
                               retention_release_on, status, created_by, updated_by)
         select $1, p.ids[1 + (n + n / 10) % cardinality(p.ids)], 'HT-' || lpad(n::text, 5, '0'),
                '基准合同 ' || n,
                case when n % 10 = 0 then 'income' else 'expense' end,
                case when n % 10 = 0 then 'main' when n % 3 = 0 then 'purchase'
                     else 'subcontract' end,
                case when n % 10 = 0 then c.clients[1 + n % cardinality(c.clients)]
                     else c.others[1 + n % cardinality(c.others)] end,
                case when n % 10 = 0 then 20000000 + (n * 7919 % 1000) * 10000
                     else 500000 + (n * 104729 % 1000) * 1000 end,
                9, $2, 3, $3::date + (n * 31 % 400) - 60, 'signed', $4, $4
         from generate_series(1, 5000) as n cross join p cross join c",
        tenant as TenantId,
        data.first_day,
        data.today,
        owner
    )
    .execute(scope.conn())
    .await?;
    // 20 certified applications per income contract, monthly.
    sqlx::query!(
        "insert into payment_application (tenant_id, contract_id, period_no, period_end,
                                          completed_value, payment_ratio, retention_amount,
                                          net_payable, status, submitted_on, certified_on,
                                          certified_amount, due_on, created_by, updated_by)
         select $1, k.id, n, d.period_end, 800000, 80, 24000, 616000, 'certified',
                d.period_end + 3, d.period_end + 10, 600000 + (k.id * n % 50) * 1000,
                d.period_end + 24, $3, $3
         from contract k cross join generate_series(1, 20) as n
         cross join lateral (select ($2::date + (n * 30 + k.id % 20)::int) as period_end) d
         where k.tenant_id = $1 and k.direction = 'income'",
        tenant as TenantId,
        data.first_day,
        owner
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "with k as (select array_agg(id order by id) as ids,
                           array_agg(project_id order by id) as ps
                    from contract where tenant_id = $1 and direction = 'expense'),
              c as (select id from cost_category where tenant_id = $1 and builtin = 'subcontract')
         insert into cost_entry (tenant_id, project_id, entry_date, category_id, supplier,
                                 description, amount, tax_rate, tax_amount, document_no,
                                 contract_id, created_by, updated_by)
         select $1, k.ps[i], $2::date + ((n * 7919) % $3::int)::int, c.id, '分包供应商',
                '合同发票 ' || n, a.amount, 9, round(a.amount * 0.09, 2), 'FP-HT-' || n,
                k.ids[i], $4, $4
         from generate_series(1::bigint, 50000) as n cross join k cross join c
         cross join lateral (select 1 + n % cardinality(k.ids) as i,
                                    round(20000 + (n * 104729 % 4000000) / 100.0, 2) as amount) a",
        tenant as TenantId,
        data.first_day,
        days,
        owner
    )
    .execute(scope.conn())
    .await?;
    // Half receipts against the applications (naming their contract, as the ledger records
    // them), half payments on the expense contracts (one in fifty a retention payment).
    let inserted = sqlx::query!(
        "with a as (select array_agg(a.id order by a.id) as ids,
                           array_agg(a.contract_id order by a.id) as ks,
                           array_agg(k.project_id order by a.id) as ps,
                           array_agg(k.counterparty_id order by a.id) as cs
                    from payment_application a
                    join contract k on k.tenant_id = a.tenant_id and k.id = a.contract_id
                    where a.tenant_id = $1),
              e as (select array_agg(id order by id) as ids,
                           array_agg(project_id order by id) as ps,
                           array_agg(counterparty_id order by id) as cs
                    from contract where tenant_id = $1 and direction = 'expense'),
              b as (select id from bank_account where tenant_id = $1)
         insert into fund_movement (tenant_id, project_id, direction, kind, moved_on, amount,
                                    method, bank_account_id, reference, counterparty_id,
                                    contract_id, application_id, created_by)
         select $1,
                case when n % 2 = 0 then a.ps[i] else e.ps[j] end,
                case when n % 2 = 0 then 'in' else 'out' end,
                case when n % 2 = 0 then 'progress_receipt'
                     when n % 100 = 1 then 'retention_payment' else 'contract_payment' end,
                $2::date + ((n * 7919) % $3::int)::int,
                case when n % 2 = 0 then 20000 + (n % 13) * 1000
                     else round(1000 + (n * 104729 % 400000) / 100.0, 2) end,
                'bank', b.id, 'LS' || n,
                case when n % 2 = 0 then a.cs[i] else e.cs[j] end,
                case when n % 2 = 0 then a.ks[i] else e.ids[j] end,
                case when n % 2 = 0 then a.ids[i] end,
                $4
         from generate_series(1, $5::bigint) as n cross join a cross join e cross join b
         cross join lateral (select 1 + (n / 2) % cardinality(a.ids) as i,
                                    1 + (n / 2) % cardinality(e.ids) as j) x",
        tenant as TenantId,
        data.first_day,
        days,
        owner,
        movements
    )
    .execute(scope.conn())
    .await?;
    // One movement in a thousand reversed, a few days later.
    sqlx::query!(
        "insert into fund_movement (tenant_id, project_id, direction, kind, moved_on, amount,
                                    method, bank_account_id, reference, counterparty_id,
                                    contract_id, application_id, reverses_id, note, created_by)
         select tenant_id, project_id, direction, kind, moved_on + 3, -amount, method,
                bank_account_id, reference, counterparty_id, contract_id, application_id, id,
                '冲销', created_by
         from fund_movement where tenant_id = $1 and id % 1000 = 7",
        tenant as TenantId
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "insert into fund_plan (tenant_id, project_id, month, planned_in, planned_out,
                                updated_by)
         select $1, p.id, (date_trunc('month', $2::date) + n * interval '1 month')::date,
                3000000, 2800000 + (p.id % 7) * 100000, $3
         from project p cross join generate_series(1, 12) as n
         where p.tenant_id = $1",
        tenant as TenantId,
        data.today,
        owner
    )
    .execute(scope.conn())
    .await?;
    scope.commit().await?;
    let mut scope = db.begin_tenant(data.tenant).await?;
    sqlx::raw_sql(
        "analyze fund_movement; analyze fund_month; analyze fund_plan; analyze contract;
         analyze payment_application; analyze cost_entry; analyze counterparty;
         analyze contract_variation; analyze payment_request",
    )
    .execute(scope.conn())
    .await?;
    scope.commit().await?;
    Ok(i64::try_from(inserted.rows_affected()).unwrap_or(i64::MAX))
}

/// Runs `body` `runs` times, each in its own tenant transaction; median and p95.
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

/// What the project funds page reads.
async fn project_page(
    scope: &mut TenantScope,
    project: i64,
    today: chrono::NaiveDate,
) -> AppResult<()> {
    let from = domain::add_months(domain::month_of(today), -24);
    queries::months(scope, Some(project)).await?;
    queries::plans(scope, Some(project), from).await?;
    queries::contracts(scope, Some(project)).await?;
    Ok(())
}

/// What the company overview reads.
async fn overview_page(scope: &mut TenantScope, today: chrono::NaiveDate) -> AppResult<()> {
    overview::load(scope, today).await?;
    crate::funds::queries::visible_projects(scope).await?;
    Ok(())
}

async fn measure(db: &Db, data: &LabourData) -> AppResult<Vec<String>> {
    let tenant: TenantId = data.tenant;
    let (project, today) = (data.project, data.today);
    let (median, p95) = time_query!(db, tenant, 21, |scope| {
        project_page(&mut scope, project, today)
    });
    let mut report = vec![format!(
        "a project's funds page: median {}, p95 {} (target < 50 ms)",
        ms(median),
        ms(p95)
    )];
    let (median, p95) = time_query!(db, tenant, 21, |scope| { overview_page(&mut scope, today) });
    report.push(format!(
        "the company cash-flow overview across 50 projects: median {}, p95 {} (target < 100 ms)",
        ms(median),
        ms(p95)
    ));
    Ok(report)
}
