//! The SQL the parts of the cost centre share: categories, thresholds, closed months, the
//! current budget, and what was recorded per project and category for the report. Each
//! function takes the tenant scope and still says `where tenant_id = $1`.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::domain::{
    Category, LABOUR, Margins, Recorded, Report, Revenue, STANDARD_CATEGORIES, Thresholds, month_of,
};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::tenancy::ProjectId;

/// Gives a new company the standard categories (at sign-up).
pub async fn seed_categories(scope: &mut TenantScope) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let mut codes = Vec::new();
    let mut zh = Vec::new();
    let mut en = Vec::new();
    let mut builtin = Vec::new();
    for (c, z, e, b) in STANDARD_CATEGORIES {
        codes.push(c.to_owned());
        zh.push(z.to_owned());
        en.push(e.to_owned());
        builtin.push(b.to_owned());
    }
    sqlx::query!(
        "insert into cost_category (tenant_id, code, name_zh, name_en, builtin, sort_order)
         select $1, c, z, e, b, n::int
         from unnest($2::text[], $3::text[], $4::text[], $5::text[]) with ordinality as t(c, z, e, b, n)
         on conflict do nothing",
        tenant as TenantId,
        &codes,
        &zh,
        &en,
        &builtin
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Every category of the tenant, active or not, in no particular order
/// (`domain::in_report_order` orders them).
pub async fn categories(scope: &mut TenantScope) -> AppResult<Vec<Category>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Category,
        "select id, parent_id, code, name_zh, name_en, builtin, active, sort_order
         from cost_category where tenant_id = $1
         order by sort_order, code",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The tenant's alert thresholds and their row version (0 before anyone saved them).
pub async fn thresholds(scope: &mut TenantScope) -> AppResult<(Thresholds, i32)> {
    let tenant = scope.tenant_id();
    let row = sqlx::query!(
        "select warning_percent, overrun_percent, margin_floor_percent, version
         from cost_alert_setting where tenant_id = $1",
        tenant as TenantId
    )
    .fetch_optional(scope.conn())
    .await?;
    Ok(row.map_or((Thresholds::default(), 0), |r| {
        (
            Thresholds {
                warning_percent: r.warning_percent,
                overrun_percent: r.overrun_percent,
                margin_floor_percent: r.margin_floor_percent,
            },
            r.version,
        )
    }))
}

/// Holds the tenant's cost periods still until the transaction ends: shared by those who
/// write cost dated in a month (through `is_closed`), exclusive for closing one, so a close
/// cannot slip between a writer's check and its write.
pub async fn lock_periods(scope: &mut TenantScope, exclusive: bool) -> AppResult<()> {
    let tenant = scope.tenant_id();
    if exclusive {
        sqlx::query!(
            "select pg_advisory_xact_lock(hashtextextended('cost_period:' || $1::bigint, 0))",
            tenant as TenantId
        )
        .fetch_one(scope.conn())
        .await?;
    } else {
        sqlx::query!(
            "select pg_advisory_xact_lock_shared(hashtextextended('cost_period:' || $1::bigint, 0))",
            tenant as TenantId
        )
        .fetch_one(scope.conn())
        .await?;
    }
    Ok(())
}

/// Whether `day`'s month is closed to cost entries. The periods stay as read until the
/// transaction ends (`lock_periods`).
pub async fn is_closed(scope: &mut TenantScope, day: NaiveDate) -> AppResult<bool> {
    lock_periods(scope, false).await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from cost_period where tenant_id = $1 and month = $2) as "closed!""#,
        tenant as TenantId,
        month_of(day)
    )
    .fetch_one(scope.conn())
    .await?)
}

/// The approved budget version in force: the highest-numbered approved one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentBudget {
    pub id: i64,
    pub number: i32,
}

pub async fn current_budget(
    scope: &mut TenantScope,
    project: ProjectId,
) -> AppResult<Option<CurrentBudget>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        CurrentBudget,
        "select id, number from cost_budget_version
         where tenant_id = $1 and project_id = $2 and status = 'approved'
         order by number desc limit 1",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// What was recorded against each category of each project: the current budget, the actual
/// cost (entries, and confirmed day labour on the labour category), the committed cost and
/// entered estimates. `through` counts actual cost up to that day only (a snapshot at a
/// date); without it every recorded cost counts, read from the all-time roll-up.
pub async fn recorded(
    scope: &mut TenantScope,
    projects: &[ProjectId],
    through: Option<NaiveDate>,
    categories: &[Category],
) -> AppResult<HashMap<i64, HashMap<i64, Recorded>>> {
    let tenant = scope.tenant_id();
    let labour = categories
        .iter()
        .find(|c| c.builtin.as_deref() == Some(LABOUR))
        .map(|c| c.id);
    let mut out: HashMap<i64, HashMap<i64, Recorded>> = HashMap::new();
    // Day labour (category 0) lands on the labour category.
    let mut at = |project: i64, category: i64, add: &dyn Fn(&mut Recorded)| {
        let category = if category == 0 {
            labour.unwrap_or(0)
        } else {
            category
        };
        add(out.entry(project).or_default().entry(category).or_default());
    };

    let budget = sqlx::query!(
        r#"select v.project_id, l.category_id, sum(l.amount) as "amount!"
           from cost_budget_version v
           join cost_budget_line l on l.tenant_id = v.tenant_id and l.budget_version_id = v.id
           where v.tenant_id = $1 and v.project_id = any($2)
             and v.id = (select c.id from cost_budget_version c
                         where c.tenant_id = v.tenant_id and c.project_id = v.project_id
                           and c.status = 'approved'
                         order by c.number desc limit 1)
           group by 1, 2"#,
        tenant as TenantId,
        projects as &[ProjectId]
    )
    .fetch_all(scope.conn())
    .await?;
    for r in budget {
        at(r.project_id, r.category_id, &|c| c.budget += r.amount);
    }

    let actual: Vec<(i64, i64, Decimal)> = match through {
        None => sqlx::query!(
            "select project_id, category_id, amount
             from cost_actual_total
             where tenant_id = $1 and project_id = any($2)",
            tenant as TenantId,
            projects as &[ProjectId]
        )
        .fetch_all(scope.conn())
        .await?
        .into_iter()
        .map(|r| (r.project_id, r.category_id, r.amount))
        .collect(),
        // Whole months from the roll-up, the days of the last month from the entries and
        // lines themselves.
        Some(day) => sqlx::query!(
            r#"select project_id as "project_id!", category_id as "category_id!",
                      sum(amount) as "amount!"
               from (select project_id, category_id, amount from cost_actual_month
                     where tenant_id = $1 and project_id = any($2) and month < $4
                     union all
                     select project_id, category_id, amount from cost_entry
                     where tenant_id = $1 and project_id = any($2)
                       and entry_date >= $4 and entry_date <= $3
                     union all
                     select project_id, 0, amount from labour_ticket_line
                     where tenant_id = $1 and project_id = any($2)
                       and ticket_date >= $4 and ticket_date <= $3
                       and status in ('confirmed', 'settled')) a
               group by 1, 2"#,
            tenant as TenantId,
            projects as &[ProjectId],
            day,
            month_of(day)
        )
        .fetch_all(scope.conn())
        .await?
        .into_iter()
        .map(|r| (r.project_id, r.category_id, r.amount))
        .collect(),
    };
    for (project, category, amount) in actual {
        at(project, category, &|c| c.actual += amount);
    }

    let committed = sqlx::query!(
        "select project_id, category_id, amount
         from cost_committed_total
         where tenant_id = $1 and project_id = any($2)",
        tenant as TenantId,
        projects as &[ProjectId]
    )
    .fetch_all(scope.conn())
    .await?;
    for r in committed {
        at(r.project_id, r.category_id, &|c| c.committed += r.amount);
    }

    let estimates = sqlx::query!(
        "select project_id, category_id, amount from cost_estimate
         where tenant_id = $1 and project_id = any($2)",
        tenant as TenantId,
        projects as &[ProjectId]
    )
    .fetch_all(scope.conn())
    .await?;
    for r in estimates {
        at(r.project_id, r.category_id, &|c| {
            c.estimate = Some(r.amount)
        });
    }
    Ok(out)
}

/// The revenue side of each project: the contract amount with approved variations, and what
/// the funds module records as billed and collected.
pub async fn revenue(
    scope: &mut TenantScope,
    projects: &[ProjectId],
) -> AppResult<HashMap<i64, Revenue>> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query!(
        r#"select p.id,
                  p.contract_amount + coalesce(v.amount, 0) as "contract!",
                  coalesce(b.billed, 0) as "billed!",
                  coalesce(b.collected, 0) as "collected!"
           from project p
           left join (select project_id, sum(amount) as amount from revenue_variation
                      where tenant_id = $1 and project_id = any($2)
                      group by project_id) v on v.project_id = p.id
           left join (select project_id, sum(billed) as billed, sum(collected) as collected
                      from project_billing
                      where tenant_id = $1 and project_id = any($2)
                      group by project_id) b on b.project_id = p.id
           where p.tenant_id = $1 and p.id = any($2)"#,
        tenant as TenantId,
        projects as &[ProjectId]
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                Revenue {
                    contract: r.contract,
                    billed: r.billed,
                    collected: r.collected,
                },
            )
        })
        .collect())
}

/// A project's cost report and margins as they stand.
pub struct ProjectCost {
    pub categories: Vec<Category>,
    /// What was recorded against each category (not summed into parents).
    pub recorded: HashMap<i64, Recorded>,
    pub thresholds: Thresholds,
    pub report: Report,
    pub revenue: Revenue,
    pub margins: Margins,
}

/// Builds a project's cost report: every recorded cost, or up to `through`.
pub async fn project_cost(
    scope: &mut TenantScope,
    project: ProjectId,
    through: Option<NaiveDate>,
) -> AppResult<ProjectCost> {
    let categories = categories(scope).await?;
    let (thresholds, _) = thresholds(scope).await?;
    let recorded = recorded(scope, &[project], through, &categories)
        .await?
        .remove(&project.get())
        .unwrap_or_default();
    let revenue = revenue(scope, &[project])
        .await?
        .remove(&project.get())
        .unwrap_or_default();
    let report = Report::build(&categories, &recorded, &thresholds);
    let margins = Margins::of(revenue, &report.totals, &thresholds);
    Ok(ProjectCost {
        categories,
        recorded,
        thresholds,
        report,
        revenue,
        margins,
    })
}
