//! Module switches of a tenant.

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::roles::ModuleId;

/// Modules the tenant has switched off (absent rows are on).
pub async fn switched_off_modules(scope: &mut TenantScope) -> AppResult<Vec<ModuleId>> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query_scalar!(
        r#"
        select module
        from tenant_module
        where tenant_id = $1
          and not enabled
        "#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows.iter().filter_map(|m| ModuleId::parse(m)).collect())
}

/// Switch a module on or off.
pub async fn set_module(
    scope: &mut TenantScope,
    module: ModuleId,
    enabled: bool,
    by: UserId,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        r#"
        insert into tenant_module (tenant_id, module, enabled, updated_by)
        values ($1, $2, $3, $4)
        on conflict (tenant_id, module)
        do update set enabled = excluded.enabled, updated_by = excluded.updated_by, updated_at = now()
        "#,
        tenant as TenantId,
        module.as_str(),
        enabled,
        by as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}
