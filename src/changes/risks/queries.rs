//! The risk register's SQL: risks with their names, their reviews, the company's categories,
//! and the counts the project home and the dashboard warn with.

use chrono::{DateTime, NaiveDate, Utc};

use super::domain::{Review, RiskFields, RiskStatus};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult, ResultExt};
use crate::ids::{TenantId, UserId};
use crate::tenancy::ProjectId;

/// A risk with the names the pages show.
#[derive(Debug, Clone)]
pub struct Risk {
    pub id: i64,
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub number: String,
    pub category: Option<String>,
    pub category_id: Option<i64>,
    pub category_name: Option<String>,
    pub title: String,
    pub description: String,
    pub probability: i16,
    pub impact: i16,
    pub score: i16,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub response_plan: String,
    pub trigger_condition: String,
    pub status: RiskStatus,
    pub next_review_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// Which risks a list shows. `None` filters nothing.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project: Option<i64>,
    pub category: Option<String>,
    pub category_id: Option<i64>,
    pub statuses: Vec<String>,
    pub probability: Option<i16>,
    pub impact: Option<i16>,
}

/// The risks the viewer sees that pass `f`, worst first (score, then number).
pub async fn list(scope: &mut TenantScope, f: &Filter) -> AppResult<Vec<Risk>> {
    select(scope, f, None).await
}

async fn select(scope: &mut TenantScope, f: &Filter, id: Option<i64>) -> AppResult<Vec<Risk>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Risk,
        r#"select r.id, r.project_id, p.code as project_code, p.name as project_name, r.number,
                  r.category, r.category_id, c.name as "category_name?", r.title, r.description,
                  r.probability, r.impact, r.score as "score!", r.owner_id,
                  u.name as "owner_name?", r.response_plan, r.trigger_condition,
                  r.status as "status: RiskStatus", r.next_review_on, r.closed_on, r.updated_at, r.version
           from risk r
           join project p on p.tenant_id = r.tenant_id and p.id = r.project_id
           left join risk_category c on c.tenant_id = r.tenant_id and c.id = r.category_id
           left join app_user u on u.tenant_id = r.tenant_id and u.id = r.owner_id
           where r.tenant_id = $1
             and r.project_id in (select * from visible_project_ids($1))
             and ($2::bigint is null or r.project_id = $2)
             and ($3::text is null or r.category = $3)
             and ($4::bigint is null or r.category_id = $4)
             and (cardinality($5::text[]) = 0 or r.status = any($5))
             and ($6::smallint is null or r.probability = $6)
             and ($7::smallint is null or r.impact = $7)
             and ($8::bigint is null or r.id = $8)
             -- Archived projects' risks leave the company pages and the dashboard.
             and (p.archived_at is null or $2::bigint is not null or $8::bigint is not null)
           order by r.score desc, p.code, r.number"#,
        tenant as TenantId,
        f.project,
        f.category,
        f.category_id,
        &f.statuses,
        f.probability,
        f.impact,
        id
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Risk `id` of `project` (a project the caller already checked visible), locked for update
/// when `lock`; another project's or tenant's id is not found.
pub async fn find(
    scope: &mut TenantScope,
    project: ProjectId,
    id: i64,
    lock: bool,
) -> AppResult<Risk> {
    let tenant = scope.tenant_id();
    if lock {
        sqlx::query!(
            "select id from risk where tenant_id = $1 and project_id = $2 and id = $3
             for update",
            tenant as TenantId,
            project as ProjectId,
            id
        )
        .fetch_optional(scope.conn())
        .await?;
    }
    let f = Filter {
        project: Some(project.get()),
        ..Filter::default()
    };
    select(scope, &f, Some(id))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)
}

/// The numbers a project's risks have, its sequence serialised for the transaction.
pub async fn taken_numbers(scope: &mut TenantScope, project: ProjectId) -> AppResult<Vec<String>> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended('risk_number:' || $1::bigint || ':' || $2::bigint, 0))",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_one(scope.conn())
    .await?;
    Ok(sqlx::query_scalar!(
        "select number from risk where tenant_id = $1 and project_id = $2",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

pub async fn insert(
    scope: &mut TenantScope,
    project: ProjectId,
    number: &str,
    r: &RiskFields,
    closed_on: Option<NaiveDate>,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    let (category, category_id) = r.category.columns();
    sqlx::query_scalar!(
        r#"insert into risk (tenant_id, project_id, number, category, category_id, title,
                             description, probability, impact, owner_id, response_plan,
                             trigger_condition, status, next_review_on, closed_on, created_by,
                             updated_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
           returning id"#,
        tenant as TenantId,
        project as ProjectId,
        number,
        category,
        category_id,
        r.title,
        r.description,
        r.probability,
        r.impact,
        r.owner_id,
        r.response_plan,
        r.trigger_condition,
        r.status as RiskStatus,
        r.next_review_on,
        closed_on,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await
    .on_constraint("risk_tenant_id_project_id_number_key", || {
        AppError::Conflict
    })
}

/// Saves risk `id` of `project` if still at `version`; `false` when someone changed it
/// meanwhile (or it is not the project's).
pub async fn update(
    scope: &mut TenantScope,
    project: ProjectId,
    id: i64,
    r: &RiskFields,
    closed_on: Option<NaiveDate>,
    version: i32,
    by: UserId,
) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    let (category, category_id) = r.category.columns();
    let n = sqlx::query!(
        r#"update risk
           set category = $3, category_id = $4, title = $5, description = $6, probability = $7,
               impact = $8, owner_id = $9, response_plan = $10, trigger_condition = $11,
               status = $12, next_review_on = $13, closed_on = $14, updated_at = now(),
               updated_by = $15, version = version + 1
           where tenant_id = $1 and id = $2 and version = $16 and project_id = $17"#,
        tenant as TenantId,
        id,
        category,
        category_id,
        r.title,
        r.description,
        r.probability,
        r.impact,
        r.owner_id,
        r.response_plan,
        r.trigger_condition,
        r.status as RiskStatus,
        r.next_review_on,
        closed_on,
        by as UserId,
        version,
        project as ProjectId
    )
    .execute(scope.conn())
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Deletes risk `id` of `project` and its reviews if still at `version`.
pub async fn delete(
    scope: &mut TenantScope,
    project: ProjectId,
    id: i64,
    version: i32,
) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    let n = sqlx::query!(
        "delete from risk where tenant_id = $1 and id = $2 and version = $3 and project_id = $4",
        tenant as TenantId,
        id,
        version,
        project as ProjectId
    )
    .execute(scope.conn())
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A recorded review, with who recorded it.
#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub id: i64,
    pub reviewed_on: NaiveDate,
    pub probability: i16,
    pub impact: i16,
    pub status: RiskStatus,
    pub note: String,
    pub by_name: Option<String>,
}

/// A risk's reviews, latest first.
pub async fn reviews(scope: &mut TenantScope, risk: i64) -> AppResult<Vec<ReviewRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ReviewRow,
        r#"select v.id, v.reviewed_on, v.probability, v.impact,
                  v.status as "status: RiskStatus", v.note,
                  u.name as "by_name?"
           from risk_review v
           left join app_user u on u.tenant_id = v.tenant_id and u.id = v.created_by
           where v.tenant_id = $1 and v.risk_id = $2
           order by v.reviewed_on desc, v.id desc"#,
        tenant as TenantId,
        risk
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Records a review and takes its judgement onto the risk, if the risk is still at
/// `version`; `None` when someone changed it meanwhile.
pub async fn record_review(
    scope: &mut TenantScope,
    project: ProjectId,
    risk: i64,
    r: &Review,
    closed_on: Option<NaiveDate>,
    version: i32,
    by: UserId,
) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    let n = sqlx::query!(
        r#"update risk
           set probability = $3, impact = $4, status = $5, next_review_on = $6, closed_on = $7,
               updated_at = now(), updated_by = $8, version = version + 1
           where tenant_id = $1 and id = $2 and version = $9 and project_id = $10"#,
        tenant as TenantId,
        risk,
        r.probability,
        r.impact,
        r.status as RiskStatus,
        r.next_review_on,
        closed_on,
        by as UserId,
        version,
        project as ProjectId
    )
    .execute(scope.conn())
    .await?
    .rows_affected();
    if n != 1 {
        return Ok(None);
    }
    let id = sqlx::query_scalar!(
        r#"insert into risk_review (tenant_id, risk_id, reviewed_on, probability, impact, status,
                                    note, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           returning id"#,
        tenant as TenantId,
        risk,
        r.reviewed_on,
        r.probability,
        r.impact,
        r.status as RiskStatus,
        r.note,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?;
    Ok(Some(id))
}

/// A company risk category.
#[derive(Debug, Clone)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub risks: i64,
    pub version: i32,
}

/// The company's categories by name, with how many risks use each.
pub async fn categories(scope: &mut TenantScope) -> AppResult<Vec<Category>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Category,
        r#"select c.id, c.name, c.active, c.version,
                  (select count(*) from risk r
                   where r.tenant_id = c.tenant_id and r.category_id = c.id) as "risks!"
           from risk_category c
           where c.tenant_id = $1
           order by c.name, c.id"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

pub async fn insert_category(scope: &mut TenantScope, name: &str, by: UserId) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "insert into risk_category (tenant_id, name, created_by) values ($1, $2, $3) returning id",
        tenant as TenantId,
        name,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await
    .on_constraint("risk_category_tenant_id_name_key", || AppError::Conflict)
    .on_constraint("risk_category_tenant_id_lower_name_key", || {
        AppError::Conflict
    })
}

/// Renames and (de)activates a category if still at `version`.
pub async fn update_category(
    scope: &mut TenantScope,
    id: i64,
    name: &str,
    active: bool,
    version: i32,
) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    let n = sqlx::query!(
        "update risk_category set name = $3, active = $4, version = version + 1
         where tenant_id = $1 and id = $2 and version = $5",
        tenant as TenantId,
        id,
        name,
        active,
        version
    )
    .execute(scope.conn())
    .await
    .on_constraint("risk_category_tenant_id_name_key", || AppError::Conflict)
    .on_constraint("risk_category_tenant_id_lower_name_key", || {
        AppError::Conflict
    })?
    .rows_affected();
    Ok(n == 1)
}

/// Risks of `project` not closed whose review date has passed.
pub async fn overdue_count(
    scope: &mut TenantScope,
    project: ProjectId,
    today: NaiveDate,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "n!" from risk
           where tenant_id = $1 and project_id = $2 and status <> 'closed'
             and next_review_on < $3"#,
        tenant as TenantId,
        project as ProjectId,
        today
    )
    .fetch_one(scope.conn())
    .await?)
}

/// A change request awaiting a vote, as the dashboard lists it.
#[derive(Debug, Clone)]
pub struct Awaiting {
    pub id: i64,
    pub project_id: i64,
    pub project_code: String,
    pub number: String,
    pub title: String,
}

/// The change requests of visible projects that await `user`'s vote, oldest submission
/// first: in review, raised by someone else, and without their vote this round. The caller
/// checked they sit on the board.
pub async fn awaiting_vote(scope: &mut TenantScope, user: UserId) -> AppResult<Vec<Awaiting>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Awaiting,
        r#"select r.id, r.project_id, p.code as project_code, r.number, r.title
           from change_request r
           join project p on p.tenant_id = r.tenant_id and p.id = r.project_id
           where r.tenant_id = $1
             and r.status in ('submitted', 'under_review')
             and r.requester_id <> $2
             and r.project_id in (select * from visible_project_ids($1))
             and not exists (select 1 from change_vote x
                             where x.tenant_id = r.tenant_id and x.change_request_id = r.id
                               and x.round = r.round and x.voter_id = $2)
           order by r.submitted_at, r.id"#,
        tenant as TenantId,
        user as UserId
    )
    .fetch_all(scope.conn())
    .await?)
}
