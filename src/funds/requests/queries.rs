//! The payment requests' SQL: the approval settings and limits, a contract's money, the
//! requests (listed and found only within the projects the viewer sees), their approvals and
//! their status moves.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::domain::{
    ContractMoney, DEFAULT_APPROVER_ROLES, DEFAULT_SECOND_APPROVAL_ABOVE, Decision, RequestKind,
    RequestStatus,
};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::ids::{ContractId, TenantId, UserId};

/// Who approves: the roles, the amount above which two must, and the version read (0: the
/// tenant has saved no funds settings).
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalSettings {
    pub approver_roles: Vec<String>,
    pub second_approval_above: Decimal,
    pub version: i32,
}

pub async fn approval_settings(scope: &mut TenantScope) -> AppResult<ApprovalSettings> {
    let tenant = scope.tenant_id();
    let row = sqlx::query!(
        "select approver_roles, second_approval_above, version from funds_settings
         where tenant_id = $1",
        tenant as TenantId
    )
    .fetch_optional(scope.conn())
    .await?;
    Ok(match row {
        Some(r) => ApprovalSettings {
            approver_roles: r.approver_roles,
            second_approval_above: r.second_approval_above,
            version: r.version,
        },
        None => ApprovalSettings {
            approver_roles: DEFAULT_APPROVER_ROLES
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
            second_approval_above: DEFAULT_SECOND_APPROVAL_ABOVE,
            version: 0,
        },
    })
}

/// Saves the approver roles and threshold if nobody saved the settings since `version`.
pub async fn save_approval_settings(
    scope: &mut TenantScope,
    roles: &[String],
    second_above: Decimal,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    if version == 0 {
        return Ok(sqlx::query_scalar!(
            "insert into funds_settings (tenant_id, approver_roles, second_approval_above,
                                         updated_by)
             values ($1, $2, $3, $4)
             on conflict (tenant_id) do nothing
             returning version",
            tenant as TenantId,
            roles,
            second_above,
            by.0
        )
        .fetch_optional(scope.conn())
        .await?);
    }
    Ok(sqlx::query_scalar!(
        "update funds_settings
         set approver_roles = $2, second_approval_above = $3, updated_at = now(),
             updated_by = $4, version = version + 1
         where tenant_id = $1 and version = $5
         returning version",
        tenant as TenantId,
        roles,
        second_above,
        by.0,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A user of the tenant, as a choice.
#[derive(Debug, Clone, Serialize)]
pub struct UserPick {
    pub id: i64,
    pub name: String,
    pub role: String,
}

/// The tenant's active users, by name.
pub async fn users(scope: &mut TenantScope) -> AppResult<Vec<UserPick>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        UserPick,
        "select id, name, role from app_user where tenant_id = $1 and active order by name, id",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// An approver's limit.
#[derive(Debug, Clone, Serialize)]
pub struct ApproverLimit {
    pub user_id: i64,
    pub name: String,
    pub role: String,
    pub amount_limit: Decimal,
}

pub async fn approver_limits(scope: &mut TenantScope) -> AppResult<Vec<ApproverLimit>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ApproverLimit,
        "select a.user_id, u.name, u.role, a.amount_limit
         from payment_approver a
         join app_user u on u.tenant_id = a.tenant_id and u.id = a.user_id
         where a.tenant_id = $1
         order by u.name, u.id",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The most `user` may approve alone; none: no limit beyond the role.
pub async fn limit_of(scope: &mut TenantScope, user: UserId) -> AppResult<Option<Decimal>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select amount_limit from payment_approver where tenant_id = $1 and user_id = $2",
        tenant as TenantId,
        user as UserId
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Sets a user's limit; returns the limit it replaced.
pub async fn set_limit(
    scope: &mut TenantScope,
    user: i64,
    limit: Decimal,
    by: UserId,
) -> AppResult<Option<Decimal>> {
    let tenant = scope.tenant_id();
    let before = sqlx::query_scalar!(
        "select amount_limit from payment_approver where tenant_id = $1 and user_id = $2
         for update",
        tenant as TenantId,
        user
    )
    .fetch_optional(scope.conn())
    .await?;
    sqlx::query!(
        "insert into payment_approver (tenant_id, user_id, amount_limit, updated_by)
         values ($1, $2, $3, $4)
         on conflict (tenant_id, user_id)
         do update set amount_limit = $3, updated_at = now(), updated_by = $4",
        tenant as TenantId,
        user,
        limit,
        by.0
    )
    .execute(scope.conn())
    .await?;
    Ok(before)
}

/// Removes a user's limit; returns it, or `None` if they had none.
pub async fn remove_limit(scope: &mut TenantScope, user: i64) -> AppResult<Option<Decimal>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "delete from payment_approver where tenant_id = $1 and user_id = $2
         returning amount_limit",
        tenant as TenantId,
        user
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A contract's money: its payments by kind (net of reversals) and the requests under way,
/// leaving out request `except`.
pub async fn contract_money(
    scope: &mut TenantScope,
    contract: ContractId,
    current: Decimal,
    retention_percent: Decimal,
    except: Option<i64>,
) -> AppResult<ContractMoney> {
    let tenant = scope.tenant_id();
    let r = sqlx::query!(
        r#"select
             coalesce((select sum(m.amount) from fund_movement m
                       where m.tenant_id = $1 and m.contract_id = $2
                         and m.kind = 'contract_payment'), 0) as "paid!",
             coalesce((select sum(m.amount) from fund_movement m
                       where m.tenant_id = $1 and m.contract_id = $2
                         and m.kind = 'retention_payment'), 0) as "retention_paid!",
             coalesce((select sum(q.amount) from payment_request q
                       where q.tenant_id = $1 and q.contract_id = $2 and q.kind = 'contract'
                         and q.status in ('requested', 'approved')
                         and ($3::bigint is null or q.id <> $3)), 0) as "open!",
             coalesce((select sum(q.amount) from payment_request q
                       where q.tenant_id = $1 and q.contract_id = $2 and q.kind = 'retention'
                         and q.status in ('requested', 'approved')
                         and ($3::bigint is null or q.id <> $3)), 0) as "open_retention!""#,
        tenant as TenantId,
        contract as ContractId,
        except
    )
    .fetch_one(scope.conn())
    .await?;
    Ok(ContractMoney {
        current,
        retention_percent,
        paid: r.paid,
        retention_paid: r.retention_paid,
        open: r.open,
        open_retention: r.open_retention,
    })
}

/// A request with its names.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub id: i64,
    pub kind: RequestKind,
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub contract_id: Option<ContractId>,
    pub contract_number: Option<String>,
    pub contract_title: Option<String>,
    pub counterparty_id: Option<i64>,
    pub counterparty_name: Option<String>,
    pub payee_user_id: Option<i64>,
    pub payee_name: Option<String>,
    pub category_id: Option<i64>,
    pub category_zh: Option<String>,
    pub category_en: Option<String>,
    pub amount: Decimal,
    pub purpose: String,
    pub requested_on: NaiveDate,
    pub requested_by: i64,
    pub requester_name: String,
    pub status: RequestStatus,
    pub approvals_needed: i16,
    pub over_balance: bool,
    pub override_reason: String,
    pub rejected_reason: String,
    /// Who gave the first approval.
    pub first_approver: Option<i64>,
    pub approvals: i64,
    /// The movement that paid it (the latest that is not itself a reversal).
    pub movement_id: Option<i64>,
    pub version: i32,
}

/// The list's filters; `None` is any.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<String>,
    pub project: Option<i64>,
    pub kind: Option<String>,
    pub contract: Option<i64>,
}

pub async fn list(scope: &mut TenantScope, f: &Filter) -> AppResult<Vec<Request>> {
    select(scope, f, None).await
}

/// One request the viewer may see, locked for update when `lock`.
pub async fn find(scope: &mut TenantScope, id: i64, lock: bool) -> AppResult<Request> {
    let tenant = scope.tenant_id();
    if lock {
        sqlx::query!(
            "select id from payment_request where tenant_id = $1 and id = $2 for update",
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

async fn select(scope: &mut TenantScope, f: &Filter, id: Option<i64>) -> AppResult<Vec<Request>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Request,
        r#"select q.id, q.kind as "kind: RequestKind", q.project_id, p.code as project_code, p.name as project_name,
                  q.contract_id as "contract_id: ContractId", k.number as "contract_number?", k.title as "contract_title?",
                  k.counterparty_id as "counterparty_id?", cp.name as "counterparty_name?",
                  q.payee_user_id, pu.name as "payee_name?", q.category_id,
                  c.name_zh as "category_zh?", c.name_en as "category_en?",
                  q.amount, q.purpose, q.requested_on, q.requested_by,
                  ru.name as requester_name, q.status as "status: RequestStatus", q.approvals_needed, q.over_balance,
                  q.override_reason, q.rejected_reason,
                  (select a.approver_id from payment_approval a
                   where a.tenant_id = q.tenant_id and a.request_id = q.id and a.step = 1
                     and a.decision = 'approved') as first_approver,
                  (select count(*) from payment_approval a
                   where a.tenant_id = q.tenant_id and a.request_id = q.id
                     and a.decision = 'approved') as "approvals!",
                  (select max(m.id) from fund_movement m
                   where m.tenant_id = q.tenant_id and m.payment_request_id = q.id
                     and m.reverses_id is null) as movement_id,
                  q.version
           from payment_request q
           join project p on p.tenant_id = q.tenant_id and p.id = q.project_id
           join app_user ru on ru.tenant_id = q.tenant_id and ru.id = q.requested_by
           left join contract k on k.tenant_id = q.tenant_id and k.id = q.contract_id
           left join counterparty cp on cp.tenant_id = k.tenant_id and cp.id = k.counterparty_id
           left join app_user pu on pu.tenant_id = q.tenant_id and pu.id = q.payee_user_id
           left join cost_category c on c.tenant_id = q.tenant_id and c.id = q.category_id
           where q.tenant_id = $1
             and q.project_id in (select * from visible_project_ids($1))
             and ($2::text is null or q.status = $2)
             and ($3::bigint is null or q.project_id = $3)
             and ($4::text is null or q.kind = $4)
             and ($5::bigint is null or q.contract_id = $5)
           and ($6::bigint is null or q.id = $6)
           order by q.requested_on desc, q.id desc"#,
        tenant as TenantId,
        f.status,
        f.project,
        f.kind,
        f.contract,
        id
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A request's fields as validated.
#[derive(Debug, Clone, Serialize)]
pub struct NewRequest {
    pub kind: RequestKind,
    pub project_id: i64,
    pub contract_id: Option<ContractId>,
    pub payee_user_id: Option<i64>,
    pub category_id: Option<i64>,
    pub amount: Decimal,
    pub purpose: String,
    pub requested_on: NaiveDate,
    pub approvals_needed: i16,
    pub over_balance: bool,
    pub override_reason: String,
}

pub async fn insert(scope: &mut TenantScope, r: &NewRequest, by: UserId) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into payment_request (tenant_id, kind, project_id, contract_id, payee_user_id,
                                      category_id, amount, purpose, requested_on, requested_by,
                                      approvals_needed, over_balance, override_reason,
                                      updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $10)
         returning id",
        tenant as TenantId,
        r.kind as RequestKind,
        r.project_id,
        r.contract_id as Option<ContractId>,
        r.payee_user_id,
        r.category_id,
        r.amount,
        r.purpose,
        r.requested_on,
        by.0,
        r.approvals_needed,
        r.over_balance,
        r.override_reason
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Moves a request from `from` to `to` if unchanged since `version`; a rejection keeps its
/// reason. `None` when stale.
pub async fn set_status(
    scope: &mut TenantScope,
    id: i64,
    from: RequestStatus,
    to: RequestStatus,
    rejected_reason: &str,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update payment_request
         set status = $4, rejected_reason = $5, updated_at = now(), updated_by = $6,
             version = version + 1
         where tenant_id = $1 and id = $2 and status = $3 and version = $7
         returning version",
        tenant as TenantId,
        id,
        from.as_str(),
        to.as_str(),
        rejected_reason,
        by.0,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// Records one approver's decision at `step`.
pub async fn insert_approval(
    scope: &mut TenantScope,
    request: i64,
    step: i16,
    decision: Decision,
    reason: &str,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into payment_approval (tenant_id, request_id, step, decision, approver_id, reason)
         values ($1, $2, $3, $4, $5, $6)
         returning id",
        tenant as TenantId,
        request,
        step,
        decision as Decision,
        by.0,
        reason
    )
    .fetch_one(scope.conn())
    .await?)
}

/// One decision in a request's trail, with the approver's present limit.
#[derive(Debug, Clone)]
pub struct Approval {
    pub step: i16,
    pub decision: Decision,
    pub approver_name: String,
    pub approver_role: String,
    pub amount_limit: Option<Decimal>,
    pub reason: String,
    pub decided_at: DateTime<Utc>,
}

pub async fn approvals(scope: &mut TenantScope, request: i64) -> AppResult<Vec<Approval>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Approval,
        r#"select a.step, a.decision as "decision: Decision", u.name as approver_name, u.role as approver_role,
                  l.amount_limit as "amount_limit?", a.reason, a.decided_at
           from payment_approval a
           join app_user u on u.tenant_id = a.tenant_id and u.id = a.approver_id
           left join payment_approver l on l.tenant_id = a.tenant_id and l.user_id = a.approver_id
           where a.tenant_id = $1 and a.request_id = $2
           order by a.step"#,
        tenant as TenantId,
        request
    )
    .fetch_all(scope.conn())
    .await?)
}
