//! Invitations of one tenant.

use chrono::{DateTime, Utc};

use crate::roles::Role;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;

#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub invited_by: UserId,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_invitation(
    scope: &mut TenantScope,
    email: &str,
    role: Role,
    token_hash: &[u8],
    by: UserId,
    expires_at: DateTime<Utc>,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"
        insert into invitation (tenant_id, email, role, token_hash, invited_by, expires_at)
        values ($1, $2, $3, $4, $5, $6)
        returning id
        "#,
        tenant as TenantId,
        email,
        role.as_str(),
        token_hash,
        by as UserId,
        expires_at
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Invitations neither accepted, revoked nor expired.
pub async fn list_pending(scope: &mut TenantScope) -> AppResult<Vec<Invitation>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Invitation,
        r#"
        select id, email, role, invited_by as "invited_by: UserId", expires_at, created_at
        from invitation
        where tenant_id = $1
          and accepted_at is null
          and revoked_at is null
          and expires_at > now()
        order by created_at desc
        "#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The live invitation with this token hash, locked for acceptance.
pub async fn find_live_invitation(
    scope: &mut TenantScope,
    token_hash: &[u8],
) -> AppResult<Option<Invitation>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Invitation,
        r#"
        select id, email, role, invited_by as "invited_by: UserId", expires_at, created_at
        from invitation
        where tenant_id = $1
          and token_hash = $2
          and accepted_at is null
          and revoked_at is null
          and expires_at > now()
        for update
        "#,
        tenant as TenantId,
        token_hash
    )
    .fetch_optional(scope.conn())
    .await?)
}

pub async fn accept_invitation(scope: &mut TenantScope, id: i64) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update invitation set accepted_at = now() where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Revoke a pending invitation; `None` if there is no such pending invitation.
pub async fn revoke_invitation(scope: &mut TenantScope, id: i64) -> AppResult<Option<String>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"
        update invitation
        set revoked_at = now()
        where tenant_id = $1
          and id = $2
          and accepted_at is null
          and revoked_at is null
        returning email
        "#,
        tenant as TenantId,
        id
    )
    .fetch_optional(scope.conn())
    .await?)
}

// Licences --------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Licence {
    pub seats: i32,
    pub modules: Vec<String>,
    pub expires_on: Option<chrono::NaiveDate>,
    pub activated_at: DateTime<Utc>,
}

pub async fn insert_licence(
    scope: &mut TenantScope,
    terms: &crate::licence::LicenceTerms,
    key: &str,
    by: UserId,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        r#"
        insert into licence (tenant_id, key_id, licence_key, seats, modules, expires_on, activated_by)
        values ($1, $2, $3, $4, $5, $6, $7)
        "#,
        tenant as TenantId,
        terms.key_id,
        key,
        terms.seats,
        &terms.modules,
        terms.expires_on,
        by as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Whether the key with this id was activated before.
pub async fn licence_activated(scope: &mut TenantScope, key_id: &str) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from licence where tenant_id = $1 and key_id = $2) as "exists!""#,
        tenant as TenantId,
        key_id
    )
    .fetch_one(scope.conn())
    .await?)
}

pub async fn list_licences(scope: &mut TenantScope) -> AppResult<Vec<Licence>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Licence,
        r#"
        select seats, modules, expires_on, activated_at
        from licence
        where tenant_id = $1
        order by activated_at desc, id desc
        "#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}
