//! The report pages' own SQL: day labour's part of a project's actual cost, actual cost by
//! month, the saved estimates to complete (read, save, delete) and the projects the company
//! overview lists. The figures themselves come from `cost::queries`.

use rust_decimal::Decimal;

use super::domain::MonthCell;
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::tenancy::ProjectId;

/// The part of a project's actual cost that confirmed and settled day-labour tickets make.
pub async fn labour_actual(scope: &mut TenantScope, project: ProjectId) -> AppResult<Decimal> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select coalesce(sum(amount), 0) as "amount!"
           from cost_actual_month
           where tenant_id = $1 and project_id = $2 and category_id = 0"#,
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// A project's actual cost by category (0: day labour) and month, from the monthly roll-up.
pub async fn months(scope: &mut TenantScope, project: ProjectId) -> AppResult<Vec<MonthCell>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        MonthCell,
        r#"select category_id, month, amount as "amount: Decimal"
           from cost_actual_month
           where tenant_id = $1 and project_id = $2 and (amount <> 0 or entries <> 0)
           order by month, category_id"#,
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// An estimate to complete someone entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedEstimate {
    pub category_id: i64,
    pub amount: Decimal,
    pub note: String,
    pub version: i32,
}

pub async fn list_estimates(
    scope: &mut TenantScope,
    project: ProjectId,
) -> AppResult<Vec<SavedEstimate>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        SavedEstimate,
        "select category_id, amount, note, version from cost_estimate
         where tenant_id = $1 and project_id = $2
         order by category_id",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Saves a category's estimate (a new row, or the next version of the saved one).
pub async fn save_estimate(
    scope: &mut TenantScope,
    project: ProjectId,
    category: i64,
    amount: Decimal,
    note: &str,
    by: UserId,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "insert into cost_estimate (tenant_id, project_id, category_id, amount, note, updated_by)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (tenant_id, project_id, category_id) do update
         set amount = excluded.amount, note = excluded.note, updated_at = now(),
             updated_by = excluded.updated_by, version = cost_estimate.version + 1",
        tenant as TenantId,
        project as ProjectId,
        category,
        amount,
        note,
        by as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Removes a category's estimate: the remaining budget stands in again.
pub async fn delete_estimate(
    scope: &mut TenantScope,
    project: ProjectId,
    category: i64,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "delete from cost_estimate where tenant_id = $1 and project_id = $2 and category_id = $3",
        tenant as TenantId,
        project as ProjectId,
        category
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// A project as the company overview lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewProject {
    pub id: ProjectId,
    pub code: String,
    pub name: String,
}

/// The projects that are not archived and the user may see (every one when `all`, else those
/// they are a member of), by code.
pub async fn overview_projects(scope: &mut TenantScope) -> AppResult<Vec<OverviewProject>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        OverviewProject,
        r#"select p.id as "id: ProjectId", p.code, p.name
         from project p
         where p.tenant_id = $1 and p.archived_at is null
           and p.id in (select * from visible_project_ids($1))
         order by p.code"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}
