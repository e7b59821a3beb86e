//! The cash-flow pages' SQL: the monthly roll-up, the fund plan, each contract's money and
//! the dated items the aging is built from. Every read names the viewer, so a project they
//! may not see adds nothing.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::domain::{ContractMoney, Flow, Item, Planned};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::funds::domain::{ContractDirection, ContractStatus};
use crate::ids::{ContractId, TenantId, UserId};
use crate::tenancy::ProjectId;

/// Cash in and out by project (0: none) and month.
#[derive(Debug, Clone)]
pub struct ProjectMonth {
    pub project_id: i64,
    pub month: NaiveDate,
    pub inflow: Decimal,
    pub outflow: Decimal,
}

/// The roll-up of the projects the viewer sees (or only `project`). Movements without a
/// project (tender deposits, company expenses) count for viewers who see every project.
pub async fn months(
    scope: &mut TenantScope,
    project: Option<ProjectId>,
) -> AppResult<Vec<ProjectMonth>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ProjectMonth,
        r#"select f.project_id, f.month, f.inflow::numeric(18, 2) as "inflow!",
                  f.outflow::numeric(18, 2) as "outflow!"
           from fund_month f
           where f.tenant_id = $1
             and ($2::bigint is null or f.project_id = $2)
             -- Project 0 holds the company's own flows, seen by those who see every project.
             and ((f.project_id = 0 and sees_all_projects())
                  or f.project_id in (select * from visible_project_ids($1)))
             and (f.inflow <> 0 or f.outflow <> 0)
           order by f.month, f.project_id"#,
        tenant as TenantId,
        project as Option<ProjectId>
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Sums project months into one series by month.
pub fn by_month(rows: &[ProjectMonth]) -> BTreeMap<NaiveDate, Flow> {
    let mut out: BTreeMap<NaiveDate, Flow> = BTreeMap::new();
    for r in rows {
        let f = out.entry(r.month).or_default();
        f.inflow += r.inflow;
        f.outflow += r.outflow;
    }
    out
}

/// A saved month of a fund plan.
#[derive(Debug, Clone)]
pub struct PlanRow {
    pub project_id: i64,
    pub month: NaiveDate,
    pub planned_in: Decimal,
    pub planned_out: Decimal,
    pub note: String,
    pub version: i32,
}

/// The fund plans of the projects the viewer sees (or only `project`) from `from` on.
pub async fn plans(
    scope: &mut TenantScope,
    project: Option<ProjectId>,
    from: NaiveDate,
) -> AppResult<Vec<PlanRow>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        PlanRow,
        "select f.project_id, f.month, f.planned_in, f.planned_out, f.note, f.version
         from fund_plan f
         where f.tenant_id = $1 and f.month >= $3
           and ($2::bigint is null or f.project_id = $2)
           and f.project_id in (select * from visible_project_ids($1))
         order by f.month, f.project_id",
        tenant as TenantId,
        project as Option<ProjectId>,
        from
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Sums plan rows into one plan by month.
pub fn plan_by_month(rows: &[PlanRow]) -> BTreeMap<NaiveDate, Planned> {
    let mut out: BTreeMap<NaiveDate, Planned> = BTreeMap::new();
    for r in rows {
        let p = out.entry(r.month).or_default();
        p.planned_in += r.planned_in;
        p.planned_out += r.planned_out;
    }
    out
}

/// Locks a project's saved plan months from `first` to `last` until the transaction ends.
pub async fn lock_plan_months(
    scope: &mut TenantScope,
    project: ProjectId,
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "select month from fund_plan
         where tenant_id = $1 and project_id = $2 and month between $3 and $4
         for update",
        tenant as TenantId,
        project as ProjectId,
        first,
        last
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(())
}

/// Saves a month of a project's plan if nobody saved it since `version` (0: not saved yet).
/// `None` when stale.
pub async fn save_plan_month(
    scope: &mut TenantScope,
    project: ProjectId,
    month: NaiveDate,
    planned: Planned,
    note: &str,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    if version == 0 {
        return Ok(sqlx::query_scalar!(
            "insert into fund_plan (tenant_id, project_id, month, planned_in, planned_out, note,
                                    updated_by)
             values ($1, $2, $3, $4, $5, $6, $7)
             on conflict (tenant_id, project_id, month) do nothing
             returning version",
            tenant as TenantId,
            project as ProjectId,
            month,
            planned.planned_in,
            planned.planned_out,
            note,
            by.0
        )
        .fetch_optional(scope.conn())
        .await?);
    }
    Ok(sqlx::query_scalar!(
        "update fund_plan
         set planned_in = $4, planned_out = $5, note = $6, updated_at = now(), updated_by = $7,
             version = version + 1
         where tenant_id = $1 and project_id = $2 and month = $3 and version = $8
         returning version",
        tenant as TenantId,
        project as ProjectId,
        month,
        planned.planned_in,
        planned.planned_out,
        note,
        by.0,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Which of the viewer's signed or closed contracts to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// All of them, by project, direction and number.
    All,
    /// Those of `direction` with something receivable or payable, the largest first.
    Open {
        direction: ContractDirection,
        limit: i64,
    },
    /// Those of `direction` holding retention due back by `through`, the soonest first.
    Releases {
        direction: ContractDirection,
        through: NaiveDate,
        limit: i64,
    },
}

/// The contracts the viewer sees (or only `project`'s) that `pick` takes, with their money.
pub async fn contracts(
    scope: &mut TenantScope,
    project: Option<ProjectId>,
    pick: Pick,
) -> AppResult<Vec<ContractMoney>> {
    let (mode, direction, through, limit) = match pick {
        Pick::All => ("all", None, None, i64::MAX),
        Pick::Open { direction, limit } => ("open", Some(direction), None, limit),
        Pick::Releases {
            direction,
            through,
            limit,
        } => ("releases", Some(direction), Some(through), limit),
    };
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ContractMoney,
        // Every contract has its row of `contract_money`, kept by triggers on the
        // variations, applications, invoices, payment requests and the ledger, with the
        // figures that follow from them (migration 0014).
        r#"select k.id as "id: ContractId", k.project_id, p.code as project_code, k.number, k.title,
                  k.direction as "direction: ContractDirection", k.counterparty_id,
                  cp.name as counterparty, k.status as "status: ContractStatus",
                  k.amount + m.variations as "current_amount!",
                  k.retention_percent, k.retention_release_on,
                  m.certified as "certified!",
                  m.retention_certified as "retention_certified!",
                  m.received as "received!",
                  m.retention_received as "retention_received!",
                  m.invoiced as "invoiced!",
                  m.paid as "paid!",
                  m.retention_paid as "retention_paid!",
                  m.due_to_pay as "due_to_pay!",
                  m.receivable as "receivable!",
                  m.payable as "payable!",
                  m.retention_held as "retention_held!"
           from contract k
           join project p on p.tenant_id = k.tenant_id and p.id = k.project_id
           join counterparty cp on cp.tenant_id = k.tenant_id and cp.id = k.counterparty_id
           join contract_money m on m.tenant_id = k.tenant_id and m.contract_id = k.id
           where k.tenant_id = $1 and k.status <> 'draft'
             and ($2::bigint is null or k.project_id = $2)
             and k.project_id in (select * from visible_project_ids($1))
             and ($4::text is null or k.direction = $4)
             and (case $3
                    when 'open' then m.receivable > 0 or m.payable > 0
                    when 'releases' then m.retention_held > 0 and k.retention_release_on <= $5
                    else true end)
           order by case when $3 = 'open' then m.receivable + m.payable end desc,
                    case when $3 = 'releases' then k.retention_release_on end,
                    p.code, k.direction desc, k.number
           limit $6"#,
        tenant as TenantId,
        project as Option<ProjectId>,
        mode,
        direction as Option<ContractDirection>,
        through,
        limit
    )
    .fetch_all(scope.conn())
    .await?)
}

/// What a project's contracts hold open: receivable, payable, and how many releases of
/// retention held by others (income) and from others (expense) are due by `through`.
#[derive(Debug, Clone, Default)]
pub struct ProjectOpen {
    pub project_id: i64,
    pub receivable: Decimal,
    pub payable: Decimal,
    pub releases_by_others: i64,
    pub releases_from_others: i64,
}

/// Each visible project's open figures, added up from its contracts' rows.
pub async fn open_by_project(
    scope: &mut TenantScope,
    through: NaiveDate,
) -> AppResult<Vec<ProjectOpen>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ProjectOpen,
        r#"select k.project_id,
                  coalesce(sum(m.receivable), 0) as "receivable!",
                  coalesce(sum(m.payable), 0) as "payable!",
                  count(*) filter (where k.direction = 'income' and m.retention_held > 0
                                     and k.retention_release_on <= $2) as "releases_by_others!",
                  count(*) filter (where k.direction = 'expense' and m.retention_held > 0
                                     and k.retention_release_on <= $2) as "releases_from_others!"
           from contract k
           join contract_money m on m.tenant_id = k.tenant_id and m.contract_id = k.id
           where k.tenant_id = $1 and k.status <> 'draft'
             and k.project_id in (select * from visible_project_ids($1))
           group by k.project_id"#,
        tenant as TenantId,
        through
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A dated item of a contract: a certified application (income) or an invoice (expense).
#[derive(Debug, Clone)]
pub struct ContractItem {
    pub contract_id: ContractId,
    pub dated: NaiveDate,
    pub due: Option<NaiveDate>,
    pub amount: Decimal,
}

impl ContractItem {
    pub fn item(&self) -> Item {
        Item {
            dated: self.dated,
            due: self.due,
            amount: self.amount,
        }
    }
}

/// The certified applications of the income contracts the viewer sees (or `project`'s):
/// dated when certified, due when the client must pay (none: 14 days later, GB 50500-2013
/// §10.3.11). Only contracts whose receipts do not yet cover what was certified: receipts
/// settle the oldest items first, so the others have nothing open to age.
pub async fn certified_items(
    scope: &mut TenantScope,
    project: Option<ProjectId>,
) -> AppResult<Vec<ContractItem>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ContractItem,
        r#"select a.contract_id as "contract_id: ContractId", a.certified_on as "dated!",
                  coalesce(a.due_on, a.certified_on + 14) as due,
                  a.certified_amount as "amount!"
           from payment_application a
           join contract k on k.tenant_id = a.tenant_id and k.id = a.contract_id
           join contract_money m on m.tenant_id = a.tenant_id and m.contract_id = a.contract_id
           where a.tenant_id = $1 and a.status = 'certified' and k.status <> 'draft'
             and m.received < m.certified
             and ($2::bigint is null or k.project_id = $2)
             and k.project_id in (select * from visible_project_ids($1))"#,
        tenant as TenantId,
        project as Option<ProjectId>
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The invoices (cost entries with VAT) booked against the expense contracts the viewer sees
/// (or `project`'s), by contract and day; a reversal counts on the day of the entry it reverses.
pub async fn invoice_items(
    scope: &mut TenantScope,
    project: Option<ProjectId>,
) -> AppResult<Vec<ContractItem>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ContractItem,
        r#"select e.contract_id as "contract_id!: ContractId", coalesce(o.entry_date, e.entry_date) as "dated!",
                  null::date as due, sum(e.amount + e.tax_amount) as "amount!"
           from cost_entry e
           left join cost_entry o on o.tenant_id = e.tenant_id and o.id = e.reverses_id
           join contract k on k.tenant_id = e.tenant_id and k.id = e.contract_id
           where e.tenant_id = $1 and e.contract_id is not null and k.status <> 'draft'
             and ($2::bigint is null or e.project_id = $2)
             and k.project_id in (select * from visible_project_ids($1))
           group by e.contract_id, coalesce(o.entry_date, e.entry_date)"#,
        tenant as TenantId,
        project as Option<ProjectId>
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The cash the company held when its bank accounts were opened (their opening balances),
/// for those who see every project; others see their projects' flows alone.
pub async fn opening_cash(scope: &mut TenantScope) -> AppResult<Decimal> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select coalesce(sum(opening_balance), 0) as "cash!" from bank_account
           where tenant_id = $1 and sees_all_projects()"#,
        tenant as TenantId
    )
    .fetch_one(scope.conn())
    .await?)
}
