//! The SQL of cost entries: the filtered list and its totals, one entry, writing entries and
//! reversals, and the day-labour total the list page points to (attachments: `attachments.rs`). The
//! monthly roll-up (`cost_actual_month`) follows every write through the table's triggers.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::domain::EntryInput;
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TaskId;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::tenancy::ProjectId;

/// The filters of the entry list (and its export).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    /// The chosen category and, for a parent, its children.
    pub categories: Option<Vec<i64>>,
    pub task: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Part of the supplier's name.
    pub supplier: Option<String>,
    /// Part of the description or document number.
    pub text: Option<String>,
}

impl EntryFilter {
    /// Whether anything narrows the list (then it shows the totals of all it takes).
    pub fn is_narrow(&self) -> bool {
        self.categories.is_some()
            || self.task.is_some()
            || self.from.is_some()
            || self.to.is_some()
            || self.supplier.is_some()
            || self.text.is_some()
    }
}

/// A line of the entry list.
#[derive(Debug, Clone)]
pub struct EntryRow {
    pub id: i64,
    pub entry_date: NaiveDate,
    pub category_id: i64,
    pub category_zh: String,
    pub category_en: String,
    pub task_id: Option<TaskId>,
    pub task_name: Option<String>,
    pub supplier: String,
    pub description: String,
    pub amount: Decimal,
    pub tax_rate: Decimal,
    pub tax_amount: Decimal,
    pub document_no: String,
    pub reverses_id: Option<i64>,
    pub reversed_by_id: Option<i64>,
    pub attachments: i64,
}

/// Entries of `project` the filter takes, newest first.
pub async fn list_entries(
    scope: &mut TenantScope,
    project: ProjectId,
    f: &EntryFilter,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<EntryRow>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        EntryRow,
        r#"select e.id, e.entry_date, e.category_id, c.name_zh as category_zh,
                  c.name_en as category_en, e.task_id as "task_id: TaskId", k.name as "task_name?",
                  e.supplier,
                  e.description, e.amount, e.tax_rate, e.tax_amount, e.document_no,
                  e.reverses_id,
                  (select r.id from cost_entry r
                   where r.tenant_id = e.tenant_id and r.reverses_id = e.id) as "reversed_by_id?",
                  (select count(*) from cost_entry_attachment a
                   where a.tenant_id = e.tenant_id and a.cost_entry_id = e.id) as "attachments!"
           from cost_entry e
           join cost_category c on c.tenant_id = e.tenant_id and c.id = e.category_id
           left join task k on k.tenant_id = e.tenant_id and k.id = e.task_id
           where e.tenant_id = $1 and e.project_id = $2
             and ($3::bigint[] is null or e.category_id = any($3))
             and ($4::bigint is null or e.task_id = $4)
             and ($5::date is null or e.entry_date >= $5)
             and ($6::date is null or e.entry_date <= $6)
             and ($7::text is null or strpos(lower(e.supplier), lower($7)) > 0)
             and ($8::text is null or strpos(lower(e.description), lower($8)) > 0
                  or strpos(lower(e.document_no), lower($8)) > 0)
           order by e.entry_date desc, e.id desc
           limit $9 offset $10"#,
        tenant as TenantId,
        project as ProjectId,
        f.categories.as_deref(),
        f.task,
        f.from,
        f.to,
        f.supplier.as_deref(),
        f.text.as_deref(),
        limit,
        offset
    )
    .fetch_all(scope.conn())
    .await?)
}

/// What the entries a filter takes add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryTotals {
    pub entries: i64,
    pub amount: Decimal,
    pub tax: Decimal,
}

impl EntryTotals {
    pub fn total(&self) -> Decimal {
        self.amount + self.tax
    }
}

pub async fn list_totals(
    scope: &mut TenantScope,
    project: ProjectId,
    f: &EntryFilter,
) -> AppResult<EntryTotals> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        EntryTotals,
        r#"select count(*) as "entries!", coalesce(sum(e.amount), 0) as "amount!",
                  coalesce(sum(e.tax_amount), 0) as "tax!"
           from cost_entry e
           where e.tenant_id = $1 and e.project_id = $2
             and ($3::bigint[] is null or e.category_id = any($3))
             and ($4::bigint is null or e.task_id = $4)
             and ($5::date is null or e.entry_date >= $5)
             and ($6::date is null or e.entry_date <= $6)
             and ($7::text is null or strpos(lower(e.supplier), lower($7)) > 0)
             and ($8::text is null or strpos(lower(e.description), lower($8)) > 0
                  or strpos(lower(e.document_no), lower($8)) > 0)"#,
        tenant as TenantId,
        project as ProjectId,
        f.categories.as_deref(),
        f.task,
        f.from,
        f.to,
        f.supplier.as_deref(),
        f.text.as_deref()
    )
    .fetch_one(scope.conn())
    .await?)
}

/// One entry with who wrote it and what reverses it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub project_id: i64,
    pub entry_date: NaiveDate,
    pub category_id: i64,
    pub category_zh: String,
    pub category_en: String,
    pub task_id: Option<TaskId>,
    pub task_name: Option<String>,
    pub contract_id: Option<i64>,
    pub contract_number: Option<String>,
    pub supplier: String,
    pub description: String,
    pub amount: Decimal,
    pub tax_rate: Decimal,
    pub tax_amount: Decimal,
    pub document_no: String,
    pub reverses_id: Option<i64>,
    pub reversed_by_id: Option<i64>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub created_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub updated_by_name: Option<String>,
    pub version: i32,
}

/// The entry `id` of `project`; `lock` holds it until the transaction ends (before a write).
pub async fn find_entry(
    scope: &mut TenantScope,
    project: ProjectId,
    id: i64,
    lock: bool,
) -> AppResult<Option<Entry>> {
    let tenant = scope.tenant_id();
    if lock {
        sqlx::query_scalar!(
            "select id from cost_entry where tenant_id = $1 and project_id = $2 and id = $3
             for update",
            tenant as TenantId,
            project as ProjectId,
            id
        )
        .fetch_optional(scope.conn())
        .await?;
    }
    Ok(sqlx::query_as!(
        Entry,
        r#"select e.id, e.project_id, e.entry_date, e.category_id, c.name_zh as category_zh,
                  c.name_en as category_en, e.task_id as "task_id: TaskId", k.name as "task_name?",
                  e.contract_id, ct.number as "contract_number?", e.supplier,
                  e.description, e.amount, e.tax_rate, e.tax_amount, e.document_no,
                  e.reverses_id,
                  (select r.id from cost_entry r
                   where r.tenant_id = e.tenant_id and r.reverses_id = e.id) as "reversed_by_id?",
                  e.reason, e.created_at, cu.name as "created_by_name?", e.updated_at,
                  uu.name as "updated_by_name?", e.version
           from cost_entry e
           join cost_category c on c.tenant_id = e.tenant_id and c.id = e.category_id
           left join task k on k.tenant_id = e.tenant_id and k.id = e.task_id
           left join contract ct on ct.tenant_id = e.tenant_id and ct.id = e.contract_id
           left join app_user cu on cu.tenant_id = e.tenant_id and cu.id = e.created_by
           left join app_user uu on uu.tenant_id = e.tenant_id and uu.id = e.updated_by
           where e.tenant_id = $1 and e.project_id = $2 and e.id = $3"#,
        tenant as TenantId,
        project as ProjectId,
        id
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A task an entry may be booked to.
#[derive(Debug, Clone)]
pub struct TaskPick {
    pub id: i64,
    pub name: String,
    pub is_summary: bool,
}

/// The project's tasks in WBS order.
pub async fn project_tasks(
    scope: &mut TenantScope,
    project: ProjectId,
) -> AppResult<Vec<TaskPick>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        TaskPick,
        "select id, name, is_summary from task
         where tenant_id = $1 and project_id = $2
         order by sort_order, id",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A signed expense contract of the project, as the entry form offers it.
#[derive(Debug, Clone)]
pub struct ContractPick {
    pub id: i64,
    pub number: String,
    pub title: String,
}

pub async fn project_contracts(
    scope: &mut TenantScope,
    project: ProjectId,
) -> AppResult<Vec<ContractPick>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ContractPick,
        "select id, number, title from contract
         where tenant_id = $1 and project_id = $2 and direction = 'expense'
           and status = 'signed'
         order by number",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Writes a new entry (a reversal when `reverses` is set) and gives its id.
pub async fn insert_entry(
    scope: &mut TenantScope,
    project: ProjectId,
    e: &EntryInput,
    reverses: Option<i64>,
    reason: &str,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into cost_entry (tenant_id, project_id, entry_date, category_id, task_id,
                                 supplier, description, amount, tax_rate, tax_amount,
                                 document_no, reverses_id, reason, created_by, updated_by,
                                 contract_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)
         returning id",
        tenant as TenantId,
        project as ProjectId,
        e.entry_date,
        e.category_id,
        e.task_id as Option<TaskId>,
        e.supplier,
        e.description,
        e.amount,
        e.tax_rate,
        e.tax_amount,
        e.document_no,
        reverses,
        reason,
        by as UserId,
        e.contract_id
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Saves an entry read at `version`; none when it changed meanwhile.
pub async fn update_entry(
    scope: &mut TenantScope,
    project: ProjectId,
    id: i64,
    version: i32,
    e: &EntryInput,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update cost_entry
         set entry_date = $5, category_id = $6, task_id = $7, supplier = $8, description = $9,
             amount = $10, tax_rate = $11, tax_amount = $12, document_no = $13,
             updated_at = now(), updated_by = $14, version = version + 1, contract_id = $15
         where tenant_id = $1 and project_id = $2 and id = $3 and version = $4
         returning version",
        tenant as TenantId,
        project as ProjectId,
        id,
        version,
        e.entry_date,
        e.category_id,
        e.task_id as Option<TaskId>,
        e.supplier,
        e.description,
        e.amount,
        e.tax_rate,
        e.tax_amount,
        e.document_no,
        by as UserId,
        e.contract_id
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Confirmed and settled day labour of `project`: all of it (from the monthly roll-up), and
/// within `from`–`to` when a date range is given.
pub async fn labour_total(
    scope: &mut TenantScope,
    project: ProjectId,
    range: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
) -> AppResult<Decimal> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    match range {
        None => Ok(sqlx::query_scalar!(
            r#"select coalesce(sum(amount), 0) as "amount!" from cost_actual_month
               where tenant_id = $1 and project_id = $2 and category_id = 0"#,
            tenant as TenantId,
            project as ProjectId
        )
        .fetch_one(scope.conn())
        .await?),
        Some((from, to)) => Ok(sqlx::query_scalar!(
            r#"select coalesce(sum(amount), 0) as "amount!" from labour_ticket_line
               where tenant_id = $1 and project_id = $2 and status in ('confirmed', 'settled')
                 and ($3::date is null or ticket_date >= $3)
                 and ($4::date is null or ticket_date <= $4)"#,
            tenant as TenantId,
            project as ProjectId,
            from,
            to
        )
        .fetch_one(scope.conn())
        .await?),
    }
}
