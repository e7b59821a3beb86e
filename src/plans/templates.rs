//! Project templates: applying one to a new project, and saving a project as a template.

use std::collections::HashMap;

use super::domain::{TemplateBody, TemplateLink, TemplateTask};
use super::queries::{self, TaskFields};
use super::wbs::{Place, Wbs};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TaskId;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::tenancy::ProjectId;

/// The tenant's saved templates: (id, name).
pub async fn list(scope: &mut TenantScope) -> AppResult<Vec<(i64, String)>> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query!(
        "select id, name from project_template where tenant_id = $1 order by name",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}

pub async fn body(scope: &mut TenantScope, id: i64) -> AppResult<Option<TemplateBody>> {
    let tenant = scope.tenant_id();
    let json = sqlx::query_scalar!(
        "select body from project_template where tenant_id = $1 and id = $2",
        tenant as TenantId,
        id
    )
    .fetch_optional(scope.conn())
    .await?;
    Ok(json.and_then(|j| serde_json::from_value(j).ok()))
}

/// Saves the project's WBS and links as a template named `name`.
pub async fn save(
    scope: &mut TenantScope,
    project: ProjectId,
    name: &str,
    by: UserId,
) -> AppResult<i64> {
    let tasks = queries::tasks(scope, project).await?;
    let links = queries::links(scope, project).await?;
    let wbs = Wbs::new(tasks.iter().map(|t| Place {
        id: t.id.0,
        parent: t.parent_id.map(|p| p.0),
        sort_order: t.sort_order,
    }));
    let by_id: HashMap<i64, &queries::Task> = tasks.iter().map(|t| (t.id.0, t)).collect();
    let body = TemplateBody {
        tasks: wbs
            .outline()
            .iter()
            .filter_map(|o| by_id.get(&o.id))
            .map(|t| TemplateTask {
                key: t.id.0,
                parent: t.parent_id.map(|p| p.0),
                name: t.name.clone(),
                duration_days: t.duration_days,
                milestone: t.milestone,
            })
            .collect(),
        links: links
            .iter()
            .map(|l| TemplateLink {
                pred: l.pred_id.0,
                succ: l.succ_id.0,
                kind: l.kind(),
                lag_days: l.lag_days,
            })
            .collect(),
    };
    let json = serde_json::to_value(&body).map_err(anyhow::Error::from)?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into project_template (tenant_id, name, body, created_by) values ($1, $2, $3, $4) returning id",
        tenant as TenantId,
        name,
        json,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Creates the template's tasks and links in `project`. Returns template key → task id.
pub async fn apply(
    scope: &mut TenantScope,
    project: ProjectId,
    body: &TemplateBody,
    by: UserId,
) -> AppResult<HashMap<i64, TaskId>> {
    let tasks = body
        .tasks
        .iter()
        .map(|t| {
            (
                t.key,
                t.parent,
                TaskFields::new(t.name.clone(), t.duration_days, t.milestone),
            )
        })
        .collect();
    let ids = insert_outline(scope, project, tasks, by).await?;
    for l in &body.links {
        if let (Some(&pred), Some(&succ)) = (ids.get(&l.pred), ids.get(&l.succ)) {
            queries::insert_link(scope, project, pred, succ, l.kind, l.lag_days).await?;
        }
    }
    Ok(ids)
}

/// Inserts tasks given in outline order as (key, parent key, fields), numbering siblings in
/// the order given (parents come before their children). Returns key → task id.
pub async fn insert_outline(
    scope: &mut TenantScope,
    project: ProjectId,
    tasks: Vec<(i64, Option<i64>, TaskFields)>,
    by: UserId,
) -> AppResult<HashMap<i64, TaskId>> {
    let mut ids: HashMap<i64, TaskId> = HashMap::new();
    let mut next_order: HashMap<Option<TaskId>, i32> = HashMap::new();
    for (key, parent, fields) in tasks {
        let parent = parent.and_then(|p| ids.get(&p).copied());
        let order = next_order.entry(parent).or_insert(0);
        let id = queries::insert_task(scope, project, parent, *order, &fields, by).await?;
        *order += 1;
        ids.insert(key, id);
    }
    Ok(ids)
}
