//! The applications' SQL. Every read names the viewer, so an application of a project they
//! may not see is not found, like another tenant's.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::domain::{ApplicationStatus, Earlier};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult, ResultExt};
use crate::funds::ledger::MovementMethod;
use crate::ids::{ContractId, TenantId, UserId};

/// An application with its contract's names and what was received against it.
#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: i64,
    pub contract_id: ContractId,
    pub contract_number: String,
    pub contract_title: String,
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub counterparty_id: i64,
    pub counterparty_name: String,
    pub period_no: i32,
    pub period_end: NaiveDate,
    pub completed_value: Decimal,
    pub variation_value: Decimal,
    pub day_labour_value: Decimal,
    pub advance_recovered: Decimal,
    pub owner_materials: Decimal,
    pub other_deductions: Decimal,
    pub payment_ratio: Decimal,
    pub retention_amount: Decimal,
    pub net_payable: Decimal,
    pub note: String,
    pub status: ApplicationStatus,
    pub submitted_on: Option<NaiveDate>,
    pub certified_on: Option<NaiveDate>,
    pub certified_amount: Option<Decimal>,
    pub due_on: Option<NaiveDate>,
    pub certified_by_name: Option<String>,
    pub received: Decimal,
    pub version: i32,
}

/// The list's filters; `None` is any.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project: Option<i64>,
    pub contract: Option<i64>,
    pub status: Option<String>,
}

/// The applications the viewer may see that pass `f`, by project, contract and period.
pub async fn list(scope: &mut TenantScope, f: &Filter) -> AppResult<Vec<Application>> {
    select(scope, f, None).await
}

async fn select(
    scope: &mut TenantScope,
    f: &Filter,
    id: Option<i64>,
) -> AppResult<Vec<Application>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Application,
        r#"select a.id, a.contract_id as "contract_id: ContractId", k.number as contract_number, k.title as contract_title,
                  k.project_id, p.code as project_code, p.name as project_name,
                  k.counterparty_id, cp.name as counterparty_name, a.period_no, a.period_end,
                  a.completed_value, a.variation_value, a.day_labour_value, a.advance_recovered,
                  a.owner_materials, a.other_deductions, a.payment_ratio, a.retention_amount,
                  a.net_payable, a.note, a.status as "status: ApplicationStatus", a.submitted_on, a.certified_on,
                  a.certified_amount, a.due_on, u.name as "certified_by_name?",
                  coalesce((select sum(m.amount) from fund_movement m
                            where m.tenant_id = a.tenant_id and m.application_id = a.id), 0)
                      as "received!",
                  a.version
           from payment_application a
           join contract k on k.tenant_id = a.tenant_id and k.id = a.contract_id
           join project p on p.tenant_id = k.tenant_id and p.id = k.project_id
           join counterparty cp on cp.tenant_id = k.tenant_id and cp.id = k.counterparty_id
           left join app_user u on u.tenant_id = a.tenant_id and u.id = a.certified_by
           where a.tenant_id = $1
             and k.project_id in (select * from visible_project_ids($1))
             and ($2::bigint is null or k.project_id = $2)
             and ($3::bigint is null or a.contract_id = $3)
             and ($4::text is null or a.status = $4)
             and ($5::bigint is null or a.id = $5)
           order by p.code, k.number, a.period_no desc"#,
        tenant as TenantId,
        f.project,
        f.contract,
        f.status,
        id
    )
    .fetch_all(scope.conn())
    .await?)
}

/// One application the viewer may see, its row locked for update when `lock`.
pub async fn find(scope: &mut TenantScope, id: i64, lock: bool) -> AppResult<Application> {
    let tenant = scope.tenant_id();
    if lock {
        sqlx::query!(
            "select id from payment_application where tenant_id = $1 and id = $2 for update",
            tenant as TenantId,
            id
        )
        .fetch_optional(scope.conn())
        .await?;
    }
    select(scope, &Filter::default(), Some(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// What the contract's applications before period `before` (all if none), not withdrawn,
/// add up to.
pub async fn earlier(
    scope: &mut TenantScope,
    contract: ContractId,
    before: Option<i32>,
) -> AppResult<Earlier> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    let r = sqlx::query!(
        r#"select coalesce(sum(completed_value + variation_value + day_labour_value), 0)
                      as "value!",
                  coalesce(sum(retention_amount), 0) as "retention!",
                  coalesce(sum(advance_recovered), 0) as "advance!",
                  max(period_end) as last_end
           from payment_application
           where tenant_id = $1 and contract_id = $2 and status <> 'withdrawn'
             and ($3::int is null or period_no < $3)"#,
        tenant as TenantId,
        contract as ContractId,
        before
    )
    .fetch_one(scope.conn())
    .await?;
    Ok(Earlier {
        value: r.value,
        retention: r.retention,
        advance_recovered: r.advance,
        last_end: r.last_end,
    })
}

/// The contract's open draft, if it has one.
pub async fn open_draft(scope: &mut TenantScope, contract: ContractId) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select id from payment_application
         where tenant_id = $1 and contract_id = $2 and status = 'draft'
         order by period_no limit 1",
        tenant as TenantId,
        contract as ContractId
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// The next period number of the contract: one after the highest so far.
pub async fn next_period_no(scope: &mut TenantScope, contract: ContractId) -> AppResult<i32> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select coalesce(max(period_no), 0) + 1 as "n!" from payment_application
           where tenant_id = $1 and contract_id = $2"#,
        tenant as TenantId,
        contract as ContractId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// An application's fields as validated, with the figures derived from them.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationFields {
    pub period_end: NaiveDate,
    pub completed_value: Decimal,
    pub variation_value: Decimal,
    pub day_labour_value: Decimal,
    pub advance_recovered: Decimal,
    pub owner_materials: Decimal,
    pub other_deductions: Decimal,
    pub payment_ratio: Decimal,
    pub note: String,
    pub retention_amount: Decimal,
    pub net_payable: Decimal,
}

pub async fn insert(
    scope: &mut TenantScope,
    contract: ContractId,
    period_no: i32,
    f: &ApplicationFields,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "insert into payment_application
             (tenant_id, contract_id, period_no, period_end, completed_value, variation_value,
              day_labour_value, advance_recovered, owner_materials, other_deductions,
              payment_ratio, note, retention_amount, net_payable, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
         returning id",
        tenant as TenantId,
        contract as ContractId,
        period_no,
        f.period_end,
        f.completed_value,
        f.variation_value,
        f.day_labour_value,
        f.advance_recovered,
        f.owner_materials,
        f.other_deductions,
        f.payment_ratio,
        f.note,
        f.retention_amount,
        f.net_payable,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await
    .on_constraint(
        "payment_application_tenant_id_contract_id_period_no_key",
        || AppError::Conflict,
    )
}

/// Saves a draft if unchanged since `version`; `None` when stale or no longer a draft.
pub async fn update(
    scope: &mut TenantScope,
    id: i64,
    f: &ApplicationFields,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update payment_application
         set period_end = $3, completed_value = $4, variation_value = $5,
             day_labour_value = $6, advance_recovered = $7, owner_materials = $8,
             other_deductions = $9, payment_ratio = $10, note = $11, retention_amount = $12,
             net_payable = $13, updated_at = now(), updated_by = $14, version = version + 1
         where tenant_id = $1 and id = $2 and version = $15 and status = 'draft'
         returning version",
        tenant as TenantId,
        id,
        f.period_end,
        f.completed_value,
        f.variation_value,
        f.day_labour_value,
        f.advance_recovered,
        f.owner_materials,
        f.other_deductions,
        f.payment_ratio,
        f.note,
        f.retention_amount,
        f.net_payable,
        by as UserId,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Submits a draft unchanged since `version`, freezing its retention and net payable.
pub async fn submit(
    scope: &mut TenantScope,
    id: i64,
    retention: Decimal,
    net_payable: Decimal,
    on: NaiveDate,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update payment_application
         set status = 'submitted', retention_amount = $3, net_payable = $4, submitted_on = $5,
             updated_at = now(), updated_by = $6, version = version + 1
         where tenant_id = $1 and id = $2 and status = 'draft' and version = $7
         returning version",
        tenant as TenantId,
        id,
        retention,
        net_payable,
        on,
        by as UserId,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Withdraws a submitted application unchanged since `version`.
pub async fn withdraw(
    scope: &mut TenantScope,
    id: i64,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update payment_application
         set status = 'withdrawn', updated_at = now(), updated_by = $3, version = version + 1
         where tenant_id = $1 and id = $2 and status = 'submitted' and version = $4
         returning version",
        tenant as TenantId,
        id,
        by as UserId,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// The client's certification as entered.
#[derive(Debug, Clone, Serialize)]
pub struct Certification {
    pub certified_amount: Decimal,
    pub certified_on: NaiveDate,
    pub due_on: NaiveDate,
}

/// Certifies a submitted application unchanged since `version`.
pub async fn certify(
    scope: &mut TenantScope,
    id: i64,
    c: &Certification,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update payment_application
         set status = 'certified', certified_amount = $3, certified_on = $4, due_on = $5,
             certified_by = $6, updated_at = now(), updated_by = $6, version = version + 1
         where tenant_id = $1 and id = $2 and status = 'submitted' and version = $7
         returning version",
        tenant as TenantId,
        id,
        c.certified_amount,
        c.certified_on,
        c.due_on,
        by as UserId,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A receipt as an application or contract page lists it.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub id: i64,
    pub moved_on: NaiveDate,
    pub amount: Decimal,
    pub method: MovementMethod,
    pub reference: String,
}

/// The movements recorded against an application (reversals included), oldest first.
pub async fn receipts(scope: &mut TenantScope, application: i64) -> AppResult<Vec<Receipt>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Receipt,
        r#"select id, moved_on, amount, method as "method: MovementMethod", reference
           from fund_movement
           where tenant_id = $1 and application_id = $2
           order by moved_on, id"#,
        tenant as TenantId,
        application
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The retention receipts of a contract (reversals included), oldest first.
pub async fn retention_receipts(
    scope: &mut TenantScope,
    contract: ContractId,
) -> AppResult<Vec<Receipt>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Receipt,
        r#"select id, moved_on, amount, method as "method: MovementMethod", reference
           from fund_movement
           where tenant_id = $1 and contract_id = $2 and kind = 'retention_receipt'
           order by moved_on, id"#,
        tenant as TenantId,
        contract as ContractId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The retention withheld on the contract's certified applications.
pub async fn retention_withheld(
    scope: &mut TenantScope,
    contract: ContractId,
) -> AppResult<Decimal> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select coalesce(sum(retention_amount), 0) as "x!" from payment_application
           where tenant_id = $1 and contract_id = $2 and status = 'certified'"#,
        tenant as TenantId,
        contract as ContractId
    )
    .fetch_one(scope.conn())
    .await?)
}
