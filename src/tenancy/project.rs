//! `ProjectTx<M>`: a tenant transaction plus the project named by the `{project_id}` path
//! segment, loaded only if the user may see it (the database's `visible_project_ids`: a member,
//! or a holder of `Permission::SeeAllProjects`). A project the user may not see answers 404,
//! exactly like one that does not exist.

use std::ops::{Deref, DerefMut};

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{Module, TenantTx};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::ids::TenantId;
use crate::state::AppState;

#[derive(Debug)]
pub struct ProjectTx<M: Module> {
    pub tx: TenantTx<M>,
    pub project: Project,
}

/// A project's id, as `ProjectTx` hands it out (`ProjectTx::project_id`) once the project was
/// loaded through the visibility rule, or as a row decodes it (`"project_id: ProjectId"`) from
/// a query that applies that rule or creates the project. A write by id that takes one and says
/// `and project_id = $n` cannot reach a row of a project the user could not see, whatever the
/// handler checked before. Read it with `get`; there is no public constructor from a number.
/// It prints and serializes as the bare number (URLs, audit snapshots).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct ProjectId(i64);

impl ProjectId {
    pub fn get(self) -> i64 {
        self.0
    }

    /// For unit tests of pure code that carries a project's id.
    #[cfg(test)]
    pub(crate) fn unchecked_for_tests(id: i64) -> Self {
        ProjectId(id)
    }
}

impl std::fmt::Display for ProjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<M: Module> ProjectTx<M> {
    /// The project's id, proof that it was loaded through the visibility rule: writes by id of
    /// the project's rows take it.
    pub fn project_id(&self) -> ProjectId {
        self.project.id
    }

    pub async fn commit(self) -> AppResult<()> {
        self.tx.commit().await
    }

    /// Loads the project again (after a reschedule changed its roll-up).
    pub async fn reload(&mut self) -> AppResult<()> {
        self.project = find_project(&mut self.tx, self.project.id.get())
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(())
    }
}

impl<M: Module> Deref for ProjectTx<M> {
    type Target = TenantTx<M>;
    fn deref(&self) -> &TenantTx<M> {
        &self.tx
    }
}

impl<M: Module> DerefMut for ProjectTx<M> {
    fn deref_mut(&mut self) -> &mut TenantTx<M> {
        &mut self.tx
    }
}

impl<M: Module> FromRequestParts<AppState> for ProjectTx<M> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let mut tx = TenantTx::<M>::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let id: i64 = params
            .iter()
            .find(|(name, _)| *name == "project_id")
            .and_then(|(_, v)| v.parse().ok())
            .ok_or(AppError::NotFound)?;
        let project = find_project(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        Ok(Self { tx, project })
    }
}

/// A project's status. The form sets any of them (a project may be reopened); the values
/// are those of `PROJECT_STATUSES`. Stored as text: an unknown value in a row is a decode
/// error, never a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ProjectStatus {
    Planning,
    Active,
    Suspended,
    Closed,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 4] = [
        ProjectStatus::Planning,
        ProjectStatus::Active,
        ProjectStatus::Suspended,
        ProjectStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Planning => "planning",
            ProjectStatus::Active => "active",
            ProjectStatus::Suspended => "suspended",
            ProjectStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The i18n key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            ProjectStatus::Planning => "plans.status_planning",
            ProjectStatus::Active => "plans.status_active",
            ProjectStatus::Suspended => "plans.status_suspended",
            ProjectStatus::Closed => "plans.status_closed",
        }
    }
}

/// The stored value, as templates print it (`class="status-active"`).
impl std::fmt::Display for ProjectStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Project {
    pub id: ProjectId,
    pub code: String,
    pub name: String,
    pub client: String,
    pub project_type: String,
    pub location: String,
    pub contract_amount: Decimal,
    pub planned_start: NaiveDate,
    pub planned_finish: Option<NaiveDate>,
    pub status: ProjectStatus,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    pub calendar_id: i64,
    pub calendar_name: String,
    pub status_date: Option<NaiveDate>,
    pub scheduled_start: Option<NaiveDate>,
    pub scheduled_finish: Option<NaiveDate>,
    pub percent_complete: Decimal,
    pub archived: bool,
    pub version: i32,
}

/// A project the user may see (the database's visibility rule), or `None`.
pub async fn find_project(scope: &mut TenantScope, id: i64) -> AppResult<Option<Project>> {
    Ok(find_projects(scope, &[id]).await?.pop())
}

/// The projects of `ids` the user may see, in one statement.
pub async fn find_projects(scope: &mut TenantScope, ids: &[i64]) -> AppResult<Vec<Project>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Project,
        r#"
        select p.id as "id: ProjectId", p.code, p.name, p.client, p.project_type, p.location,
               p.contract_amount,
               p.planned_start, p.planned_finish, p.status as "status: ProjectStatus",
               p.manager_id,
               u.name as "manager_name?", p.calendar_id, c.name as calendar_name, p.status_date,
               p.scheduled_start, p.scheduled_finish, p.percent_complete,
               p.archived_at is not null as "archived!", p.version
        from project p
        join calendar c on c.tenant_id = p.tenant_id and c.id = p.calendar_id
        left join app_user u on u.tenant_id = p.tenant_id and u.id = p.manager_id
        where p.tenant_id = $1 and p.id = any($2)
          and p.id in (select * from visible_project_ids($1))
        order by p.code
        "#,
        tenant as TenantId,
        ids
    )
    .fetch_all(scope.conn())
    .await?)
}

/// A project as a choice.
#[derive(Debug, Clone)]
pub struct ProjectPick {
    pub id: ProjectId,
    pub code: String,
    pub name: String,
}

/// The projects the user may see (members, or every project with `SeeAllProjects`), by code:
/// the project pickers of list pages that span projects.
pub async fn visible_projects(scope: &mut TenantScope) -> AppResult<Vec<ProjectPick>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ProjectPick,
        r#"select p.id as "id: ProjectId", p.code, p.name from project p
         where p.tenant_id = $1
           and p.id in (select * from visible_project_ids($1))
         order by p.code"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids_bind_print_and_serialize_as_the_bare_number() {
        let mut buf = sqlx::postgres::PgArgumentBuffer::default();
        let _ = sqlx::Encode::<sqlx::Postgres>::encode_by_ref(&ProjectId(42), &mut buf).unwrap();
        assert_eq!(buf.to_vec(), 42_i64.to_be_bytes());
        // Templates print it in URLs; audit snapshots keep the shape they had with a plain i64.
        assert_eq!(ProjectId(42).to_string(), "42");
        assert_eq!(serde_json::to_string(&Some(ProjectId(42))).unwrap(), "42");
    }
}
