//! The audit log: every create, update and delete, with who, when, what, before and after.
//! Written in the same transaction as the change it records, so neither exists without the other.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;

/// Who made a change.
#[derive(Debug, Clone)]
pub enum Actor {
    User {
        id: UserId,
        name: String,
    },
    Operator {
        email: String,
    },
    /// Girder itself (sign-up, demo data).
    System,
}

impl Actor {
    fn parts(&self) -> (Option<i64>, String) {
        match self {
            Actor::User { id, name } => (Some(id.0), name.clone()),
            Actor::Operator { email } => (None, format!("operator:{email}")),
            Actor::System => (None, "system".to_owned()),
        }
    }
}

/// What kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// One audit row to write.
#[derive(Debug)]
pub struct Change<'a> {
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub action: Action,
    pub summary: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    /// A record deactivated or reactivated: only its `active` flag changed.
    pub fn switched(entity: &'a str, id: i64, summary: &'a str, was: bool, now: bool) -> Self {
        Change {
            entity,
            entity_id: Some(id),
            action: Action::Update,
            summary,
            before: Some(serde_json::json!({ "active": was })),
            after: Some(serde_json::json!({ "active": now })),
        }
    }
}

/// Serialize a record for the before/after columns.
pub fn snapshot(value: &impl Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

pub async fn record(scope: &mut TenantScope, actor: &Actor, change: Change<'_>) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let (actor_id, label) = actor.parts();
    sqlx::query!(
        r#"
        insert into audit_log (tenant_id, actor_user_id, actor_label, entity, entity_id, action,
                               summary, before, after)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        "#,
        tenant as TenantId,
        actor_id,
        label,
        change.entity,
        change.entity_id,
        change.action.as_str(),
        change.summary,
        change.before,
        change.after
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// An audit row as listed.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub action: String,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Filters of the audit page.
#[derive(Debug, Default)]
pub struct AuditFilter {
    pub user: Option<i64>,
    pub entity: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

pub async fn list(
    scope: &mut TenantScope,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<AuditEntry>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        AuditEntry,
        r#"
        select id, at, actor_user_id, actor_label, entity, entity_id, action, summary, before, after
        from audit_log
        where tenant_id = $1
          and ($2::bigint is null or actor_user_id = $2)
          and ($3::text is null or entity = $3)
          and ($4::timestamptz is null or at >= $4)
          and ($5::timestamptz is null or at < $5)
        order by at desc, id desc
        limit $6 offset $7
        "#,
        tenant as TenantId,
        filter.user,
        filter.entity,
        filter.from,
        filter.until,
        limit,
        offset
    )
    .fetch_all(scope.conn())
    .await?)
}

/// One audit row by id.
pub async fn find(scope: &mut TenantScope, id: i64) -> AppResult<Option<AuditEntry>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        AuditEntry,
        r#"
        select id, at, actor_user_id, actor_label, entity, entity_id, action, summary, before, after
        from audit_log
        where tenant_id = $1
          and id = $2
        "#,
        tenant as TenantId,
        id
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// The entity names present in the log, for the filter's choices.
pub async fn entities(scope: &mut TenantScope) -> AppResult<Vec<String>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select distinct entity from audit_log where tenant_id = $1 order by entity",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Whether the tenant's log holds a change to `entity` with `summary` (the dashboard asks
/// whether the company details were ever saved).
pub async fn recorded(scope: &mut TenantScope, entity: &str, summary: &str) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from audit_log
                          where tenant_id = $1 and entity = $2 and summary = $3) as "found!""#,
        tenant as crate::ids::TenantId,
        entity,
        summary
    )
    .fetch_one(scope.conn())
    .await?)
}
