//! The contracts' SQL. Every read names the user and whether they see all projects, so a
//! contract of a project they may not see is not found.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::cost::NewVariation;
use crate::db::TenantScope;
use crate::error::{AppError, AppResult, ResultExt};
use crate::funds::domain::{ContractDirection, ContractKind, ContractStatus};
use crate::ids::{ContractId, TenantId, UserId};

/// A contract with its names and its variations' sum.
#[derive(Debug, Clone, Serialize)]
pub struct Contract {
    pub id: ContractId,
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub number: String,
    pub title: String,
    pub direction: ContractDirection,
    pub kind: ContractKind,
    pub counterparty_id: i64,
    pub counterparty_name: String,
    pub category_id: Option<i64>,
    pub category_zh: Option<String>,
    pub category_en: Option<String>,
    pub amount: Decimal,
    pub tax_rate: Decimal,
    pub signed_on: Option<NaiveDate>,
    pub payment_terms: String,
    pub retention_percent: Decimal,
    pub retention_release_on: Option<NaiveDate>,
    /// 进度款支付比例 (income contracts): the share of each period's value the client pays.
    pub payment_ratio: Option<Decimal>,
    /// 预付款: the advance payment the progress payments recover.
    pub advance_amount: Decimal,
    pub status: ContractStatus,
    pub variations: Decimal,
    pub version: i32,
}

/// The list's filters; `None` is any.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project: Option<i64>,
    pub direction: Option<String>,
    pub status: Option<String>,
}

pub async fn list(scope: &mut TenantScope, f: &Filter) -> AppResult<Vec<Contract>> {
    select(scope, f, None).await
}

/// The contracts the viewer may see that pass `f`, or only contract `id`.
async fn select(
    scope: &mut TenantScope,
    f: &Filter,
    id: Option<ContractId>,
) -> AppResult<Vec<Contract>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Contract,
        r#"select k.id as "id: ContractId", k.project_id, p.code as project_code, p.name as project_name, k.number,
                  k.title, k.direction as "direction: ContractDirection",
                  k.kind as "kind: ContractKind", k.counterparty_id,
                  cp.name as counterparty_name, k.category_id,
                  c.name_zh as "category_zh?", c.name_en as "category_en?", k.amount, k.tax_rate,
                  k.signed_on, k.payment_terms, k.retention_percent, k.retention_release_on,
                  k.payment_ratio, k.advance_amount, k.status as "status: ContractStatus",
                  coalesce((select sum(x.amount) from contract_variation x
                            where x.tenant_id = k.tenant_id and x.contract_id = k.id), 0)
                      as "variations!",
                  k.version
           from contract k
           join project p on p.tenant_id = k.tenant_id and p.id = k.project_id
           join counterparty cp on cp.tenant_id = k.tenant_id and cp.id = k.counterparty_id
           left join cost_category c on c.tenant_id = k.tenant_id and c.id = k.category_id
           where k.tenant_id = $1
             and k.project_id in (select * from visible_project_ids($1))
             and ($2::bigint is null or k.project_id = $2)
             and ($3::text is null or k.direction = $3)
             and ($4::text is null or k.status = $4)
             and ($5::bigint is null or k.id = $5)
           order by p.code, k.direction desc, k.number"#,
        tenant as TenantId,
        f.project,
        f.direction,
        f.status,
        id as Option<ContractId>
    )
    .fetch_all(scope.conn())
    .await?)
}

/// One contract the viewer may see, locked for update when `lock`.
pub async fn find(scope: &mut TenantScope, id: ContractId, lock: bool) -> AppResult<Contract> {
    let tenant = scope.tenant_id();
    if lock {
        sqlx::query!(
            "select id from contract where tenant_id = $1 and id = $2 for update",
            tenant as TenantId,
            id as ContractId
        )
        .fetch_optional(scope.conn())
        .await?;
    }
    select(scope, &Filter::default(), Some(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// A contract's fields as validated.
#[derive(Debug, Clone, Serialize)]
pub struct ContractFields {
    pub project_id: i64,
    pub number: String,
    pub title: String,
    pub direction: ContractDirection,
    pub kind: ContractKind,
    pub counterparty_id: i64,
    pub category_id: Option<i64>,
    pub amount: Decimal,
    pub tax_rate: Decimal,
    pub signed_on: Option<NaiveDate>,
    pub payment_terms: String,
    pub retention_percent: Decimal,
    pub retention_release_on: Option<NaiveDate>,
    pub payment_ratio: Option<Decimal>,
    pub advance_amount: Decimal,
}

pub async fn insert(
    scope: &mut TenantScope,
    f: &ContractFields,
    by: UserId,
) -> AppResult<ContractId> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "insert into contract (tenant_id, project_id, number, title, direction, kind,
                               counterparty_id, category_id, amount, tax_rate, signed_on,
                               payment_terms, retention_percent, retention_release_on,
                               payment_ratio, advance_amount, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $17,
                 $15, $15)
         returning id as \"id: ContractId\"",
        tenant as TenantId,
        f.project_id,
        f.number,
        f.title,
        f.direction as ContractDirection,
        f.kind as ContractKind,
        f.counterparty_id,
        f.category_id,
        f.amount,
        f.tax_rate,
        f.signed_on,
        f.payment_terms,
        f.retention_percent,
        f.retention_release_on,
        by.0,
        f.payment_ratio,
        f.advance_amount
    )
    .fetch_one(scope.conn())
    .await
    .map_err(AppError::from)
}

/// Saves a draft if unchanged since `version`; `None` when stale or no longer a draft.
pub async fn update(
    scope: &mut TenantScope,
    id: ContractId,
    f: &ContractFields,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "update contract
         set project_id = $3, number = $4, title = $5, direction = $6, kind = $7,
             counterparty_id = $8, category_id = $9, amount = $10, tax_rate = $11,
             signed_on = $12, payment_terms = $13, retention_percent = $14,
             retention_release_on = $15, payment_ratio = $18, advance_amount = $19,
             updated_at = now(), updated_by = $16, version = version + 1
         where tenant_id = $1 and id = $2 and version = $17 and status = 'draft'
         returning version",
        tenant as TenantId,
        id as ContractId,
        f.project_id,
        f.number,
        f.title,
        f.direction as ContractDirection,
        f.kind as ContractKind,
        f.counterparty_id,
        f.category_id,
        f.amount,
        f.tax_rate,
        f.signed_on,
        f.payment_terms,
        f.retention_percent,
        f.retention_release_on,
        by.0,
        version,
        f.payment_ratio,
        f.advance_amount
    )
    .fetch_optional(scope.conn())
    .await
    .map_err(AppError::from)
}

/// Moves a contract from `from` to `to` if unchanged since `version`; signing dates it
/// `signed_on` unless it already has a date.
pub async fn set_status(
    scope: &mut TenantScope,
    id: ContractId,
    from: ContractStatus,
    to: ContractStatus,
    signed_on: NaiveDate,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update contract
         set status = $4, signed_on = coalesce(signed_on, $5), updated_at = now(),
             updated_by = $6, version = version + 1
         where tenant_id = $1 and id = $2 and status = $3 and version = $7
         returning version",
        tenant as TenantId,
        id as ContractId,
        from.as_str(),
        to.as_str(),
        signed_on,
        by.0,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A variation (变更/签证) of a contract.
#[derive(Debug, Clone, Serialize)]
pub struct Variation {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub amount: Decimal,
    pub approved_on: NaiveDate,
    /// Made by an approved change request: part of its record, never deleted by hand.
    pub change_request_id: Option<i64>,
}

pub async fn variations(
    scope: &mut TenantScope,
    contract: ContractId,
) -> AppResult<Vec<Variation>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Variation,
        "select id, number, title, amount, approved_on, change_request_id from contract_variation
         where tenant_id = $1 and contract_id = $2
         order by approved_on, number",
        tenant as TenantId,
        contract as ContractId
    )
    .fetch_all(scope.conn())
    .await?)
}

pub async fn insert_variation(
    scope: &mut TenantScope,
    contract: ContractId,
    f: &NewVariation,
    change_request: Option<i64>,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "insert into contract_variation (tenant_id, contract_id, number, title, amount,
                                         approved_on, change_request_id, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
        tenant as TenantId,
        contract as ContractId,
        f.number,
        f.title,
        f.amount,
        f.approved_on,
        change_request,
        by.0
    )
    .fetch_one(scope.conn())
    .await
    .on_constraint(
        "contract_variation_tenant_id_contract_id_number_key",
        || AppError::Conflict,
    )
}

pub async fn delete_variation(
    scope: &mut TenantScope,
    contract: ContractId,
    id: i64,
) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query!(
        "delete from contract_variation
         where tenant_id = $1 and contract_id = $2 and id = $3 and change_request_id is null",
        tenant as TenantId,
        contract as ContractId,
        id
    )
    .execute(scope.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Bumps the contract's version, so a variation added or removed makes forms read before
/// it stale.
pub async fn touch(scope: &mut TenantScope, id: ContractId, by: UserId) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update contract set version = version + 1, updated_at = now(), updated_by = $3
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id as ContractId,
        by.0
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// What a contract's amount may not fall below: what was paid on it (net of reversals) and
/// requested but not yet paid (expense), or claimed by applications not withdrawn (income).
pub async fn claimed(scope: &mut TenantScope, id: ContractId) -> AppResult<Decimal> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select coalesce((select sum(f.amount) from fund_contract_flow f
                            where f.tenant_id = $1 and f.contract_id = $2
                              and f.kind in ('contract_payment', 'retention_payment')), 0)
                + coalesce((select sum(q.amount) from payment_request q
                            where q.tenant_id = $1 and q.contract_id = $2
                              and q.status in ('requested', 'approved')), 0)
                + coalesce((select sum(a.completed_value + a.variation_value + a.day_labour_value)
                            from payment_application a
                            where a.tenant_id = $1 and a.contract_id = $2
                              and a.status <> 'withdrawn'), 0) as "claimed!""#,
        tenant as TenantId,
        id as ContractId
    )
    .fetch_one(scope.conn())
    .await?)
}
