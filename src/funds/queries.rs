//! The SQL the funds parts share: the retention cap, the projects a user may see, and the
//! counterparties.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::TenantScope;
use crate::error::{AppError, AppResult, ResultExt};
use crate::funds::domain::CounterpartyKind;
use crate::ids::TenantId;
use crate::ids::UserId;

pub use crate::tenancy::project::{ProjectPick, visible_projects};

/// The retention cap when the tenant has saved none (建质〔2017〕138号 第七条).
pub const DEFAULT_RETENTION_CAP: Decimal = Decimal::from_parts(3, 0, 0, false, 0);

/// The tenant's retention cap in percent and the version saved (0: never saved).
pub async fn retention_cap(scope: &mut TenantScope) -> AppResult<(Decimal, i32)> {
    let tenant = scope.tenant_id();
    let row = sqlx::query!(
        "select retention_cap_percent, version from funds_settings where tenant_id = $1",
        tenant as TenantId
    )
    .fetch_optional(scope.conn())
    .await?;
    Ok(row.map_or((DEFAULT_RETENTION_CAP, 0), |r| {
        (r.retention_cap_percent, r.version)
    }))
}

/// Saves the cap if nobody saved it since `version` was read (0: never saved).
pub async fn save_retention_cap(
    scope: &mut TenantScope,
    cap: Decimal,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    if version == 0 {
        return Ok(sqlx::query_scalar!(
            "insert into funds_settings (tenant_id, retention_cap_percent, updated_by)
             values ($1, $2, $3)
             on conflict (tenant_id) do nothing
             returning version",
            tenant as TenantId,
            cap,
            by.0
        )
        .fetch_optional(scope.conn())
        .await?);
    }
    Ok(sqlx::query_scalar!(
        "update funds_settings
         set retention_cap_percent = $2, updated_at = now(), updated_by = $3,
             version = version + 1
         where tenant_id = $1 and version = $4
         returning version",
        tenant as TenantId,
        cap,
        by.0,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A counterparty (往来单位).
#[derive(Debug, Clone, Serialize)]
pub struct Counterparty {
    pub id: i64,
    pub name: String,
    pub kind: CounterpartyKind,
    pub credit_code: Option<String>,
    pub contact: String,
    pub phone: String,
    pub bank_name: String,
    pub bank_account: String,
    pub active: bool,
    pub version: i32,
}

/// The tenant's counterparties, active first, by name.
pub async fn counterparties(scope: &mut TenantScope) -> AppResult<Vec<Counterparty>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Counterparty,
        r#"select id, name, kind as "kind: CounterpartyKind", credit_code, contact, phone,
                  bank_name, bank_account, active, version
           from counterparty where tenant_id = $1
           order by active desc, name"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

pub async fn find_counterparty(scope: &mut TenantScope, id: i64) -> AppResult<Counterparty> {
    let tenant = scope.tenant_id();
    sqlx::query_as!(
        Counterparty,
        r#"select id, name, kind as "kind: CounterpartyKind", credit_code, contact, phone,
                  bank_name, bank_account, active, version
           from counterparty where tenant_id = $1 and id = $2"#,
        tenant as TenantId,
        id
    )
    .fetch_optional(scope.conn())
    .await?
    .ok_or(AppError::NotFound)
}

/// A counterparty's fields as validated.
#[derive(Debug, Clone, Serialize)]
pub struct CounterpartyFields {
    pub name: String,
    pub kind: CounterpartyKind,
    pub credit_code: Option<String>,
    pub contact: String,
    pub phone: String,
    pub bank_name: String,
    pub bank_account: String,
}

/// Adds a counterparty (`Conflict` if another took the name meanwhile).
pub async fn insert_counterparty(
    scope: &mut TenantScope,
    f: &CounterpartyFields,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "insert into counterparty (tenant_id, name, kind, credit_code, contact, phone, bank_name,
                                   bank_account, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning id",
        tenant as TenantId,
        f.name,
        f.kind as CounterpartyKind,
        f.credit_code,
        f.contact,
        f.phone,
        f.bank_name,
        f.bank_account,
        by.0
    )
    .fetch_one(scope.conn())
    .await
    .on_constraint("counterparty_tenant_id_name_key", || AppError::Conflict)
}

/// Saves a counterparty if unchanged since `version`: `Ok(None)` when stale, `Err(Conflict)`
/// when the name is taken.
pub async fn update_counterparty(
    scope: &mut TenantScope,
    id: i64,
    f: &CounterpartyFields,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "update counterparty
         set name = $3, kind = $4, credit_code = $5, contact = $6, phone = $7, bank_name = $8,
             bank_account = $9, updated_at = now(), updated_by = $10, version = version + 1
         where tenant_id = $1 and id = $2 and version = $11
         returning version",
        tenant as TenantId,
        id,
        f.name,
        f.kind as CounterpartyKind,
        f.credit_code,
        f.contact,
        f.phone,
        f.bank_name,
        f.bank_account,
        by.0,
        version
    )
    .fetch_optional(scope.conn())
    .await
    .on_constraint("counterparty_tenant_id_name_key", || AppError::Conflict)
}

pub async fn set_counterparty_active(
    scope: &mut TenantScope,
    id: i64,
    active: bool,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update counterparty
         set active = $3, updated_at = now(), updated_by = $4, version = version + 1
         where tenant_id = $1 and id = $2 and version = $5
         returning version",
        tenant as TenantId,
        id,
        active,
        by.0,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}
