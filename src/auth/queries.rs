//! Users and password resets of one tenant.

use chrono::{DateTime, Utc};

use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::roles::Role;

/// A user row.
#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub locale: Option<String>,
    pub password_hash: String,
    pub active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

struct UserRow {
    id: UserId,
    email: String,
    name: String,
    phone: Option<String>,
    role: String,
    locale: Option<String>,
    password_hash: String,
    active: bool,
    last_login_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    version: i32,
}

impl TryFrom<UserRow> for User {
    type Error = AppError;
    fn try_from(r: UserRow) -> AppResult<User> {
        let role = Role::parse(&r.role)
            .ok_or_else(|| anyhow::anyhow!("unknown role {:?} in app_user", r.role))?;
        Ok(User {
            id: r.id,
            email: r.email,
            name: r.name,
            phone: r.phone,
            role,
            locale: r.locale,
            password_hash: r.password_hash,
            active: r.active,
            last_login_at: r.last_login_at,
            created_at: r.created_at,
            version: r.version,
        })
    }
}

pub async fn find_user(scope: &mut TenantScope, id: UserId) -> AppResult<Option<User>> {
    let tenant = scope.tenant_id();
    sqlx::query_as!(
        UserRow,
        r#"
        select id as "id: UserId", email, name, phone, role, locale, password_hash, active,
               last_login_at, created_at, version
        from app_user
        where tenant_id = $1
          and id = $2
        "#,
        tenant as TenantId,
        id as UserId
    )
    .fetch_optional(scope.conn())
    .await?
    .map(User::try_from)
    .transpose()
}

/// Every user of the tenant: active first, then by name.
pub async fn list_users(scope: &mut TenantScope) -> AppResult<Vec<User>> {
    let tenant = scope.tenant_id();
    sqlx::query_as!(
        UserRow,
        r#"
        select id as "id: UserId", email, name, phone, role, locale, password_hash, active,
               last_login_at, created_at, version
        from app_user
        where tenant_id = $1
        order by active desc, name, id
        "#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?
    .into_iter()
    .map(User::try_from)
    .collect()
}

/// A user to create.
#[derive(Debug)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub phone: Option<&'a str>,
    pub role: Role,
    pub locale: Option<&'a str>,
    pub password_hash: &'a str,
}

pub async fn insert_user(
    scope: &mut TenantScope,
    user: &NewUser<'_>,
    created_by: Option<UserId>,
) -> AppResult<UserId> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"
        insert into app_user (tenant_id, email, name, phone, role, locale, password_hash,
                              created_by, updated_by)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $8)
        returning id as "id: UserId"
        "#,
        tenant as TenantId,
        user.email,
        user.name,
        user.phone,
        user.role.as_str(),
        user.locale,
        user.password_hash,
        created_by.map(|u| u.0)
    )
    .fetch_one(scope.conn())
    .await?)
}

pub async fn count_active_users(scope: &mut TenantScope) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "n!" from app_user where tenant_id = $1 and active"#,
        tenant as TenantId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Whether one more user may be active under the plan's seats. Locks the tenant row until
/// the transaction ends, so two admissions cannot both take the last seat.
pub async fn has_free_seat(scope: &mut TenantScope) -> AppResult<bool> {
    let seats = crate::db::cross_tenant::lock_tenant(scope)
        .await?
        .plan_facts()
        .seats();
    Ok(count_active_users(scope).await? < i64::from(seats))
}

pub async fn record_login(scope: &mut TenantScope, id: UserId) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update app_user set last_login_at = now() where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

pub async fn set_password(scope: &mut TenantScope, id: UserId, hash: &str) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        r#"
        update app_user
        set password_hash = $3, updated_at = now(), updated_by = $2, version = version + 1
        where tenant_id = $1
          and id = $2
        "#,
        tenant as TenantId,
        id as UserId,
        hash
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

pub async fn set_locale(scope: &mut TenantScope, id: UserId, locale: &str) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update app_user set locale = $3 where tenant_id = $1 and id = $2 and active",
        tenant as TenantId,
        id as UserId,
        locale
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Change a user's role or active flag, if `version` is current. `None`: stale or missing.
pub async fn update_membership(
    scope: &mut TenantScope,
    id: UserId,
    role: Role,
    active: bool,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"
        update app_user
        set role = $3, active = $4, updated_at = now(), updated_by = $6, version = version + 1
        where tenant_id = $1
          and id = $2
          and version = $5
        returning version
        "#,
        tenant as TenantId,
        id as UserId,
        role.as_str(),
        active,
        version,
        by as UserId
    )
    .fetch_optional(scope.conn())
    .await?)
}

// Password resets -----------------------------------------------------------------------

pub async fn insert_password_reset(
    scope: &mut TenantScope,
    user: UserId,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        r#"
        insert into password_reset (tenant_id, user_id, token_hash, expires_at)
        values ($1, $2, $3, $4)
        "#,
        tenant as TenantId,
        user as UserId,
        token_hash,
        expires_at
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// The user a live (unused, unexpired) reset token belongs to, locking the token row.
pub async fn find_live_password_reset(
    scope: &mut TenantScope,
    token_hash: &[u8],
) -> AppResult<Option<(i64, UserId)>> {
    let tenant = scope.tenant_id();
    let row = sqlx::query!(
        r#"
        select id, user_id as "user_id: UserId"
        from password_reset
        where tenant_id = $1
          and token_hash = $2
          and used_at is null
          and expires_at > now()
        for update
        "#,
        tenant as TenantId,
        token_hash
    )
    .fetch_optional(scope.conn())
    .await?;
    Ok(row.map(|r| (r.id, r.user_id)))
}

pub async fn use_password_reset(scope: &mut TenantScope, id: i64) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "update password_reset set used_at = now() where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}
