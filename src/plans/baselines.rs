//! Baselines: numbered snapshots of a project's dates, and the comparison of the current
//! schedule against any of them in working days.

use std::collections::HashMap;

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::queries;
use super::tasks::Outline;
use crate::audit::{Action, Change};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::{TaskId, TenantId};
use crate::roles::Permission;
use crate::tenancy::Plans;
use crate::tenancy::ProjectId;
use crate::tenancy::ProjectTx;
use crate::web::form::{self, FieldErrors};
use crate::web::pager::{OUTLINE_ROWS_PER_PAGE, Pager};
use crate::web::{AppForm, Layout, Page, format};

#[derive(Debug, Clone)]
pub struct Baseline {
    pub id: i64,
    pub number: i32,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub async fn list(scope: &mut TenantScope, project: ProjectId) -> AppResult<Vec<Baseline>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Baseline,
        "select id, number, name, created_at from baseline
         where tenant_id = $1 and project_id = $2 order by number",
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Start and finish of each task in baseline `number` (the latest when `None`).
pub async fn dates(
    scope: &mut TenantScope,
    project: ProjectId,
    number: Option<i32>,
) -> AppResult<HashMap<TaskId, (NaiveDate, NaiveDate)>> {
    let tenant = scope.tenant_id();
    let rows = sqlx::query!(
        "select bt.task_id, bt.start, bt.finish from baseline_task bt
         join baseline b on b.tenant_id = bt.tenant_id and b.id = bt.baseline_id
         where bt.tenant_id = $1 and b.project_id = $2
           and b.number = coalesce($3, (select max(number) from baseline
                                        where tenant_id = $1 and project_id = $2))",
        tenant as TenantId,
        project as ProjectId,
        number
    )
    .fetch_all(scope.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (TaskId(r.task_id), (r.start, r.finish)))
        .collect())
}

/// Start and finish of each task in each project's latest baseline, for several projects in
/// one statement.
pub async fn latest_dates_of(
    scope: &mut TenantScope,
    projects: &[ProjectId],
) -> AppResult<HashMap<ProjectId, HashMap<TaskId, (NaiveDate, NaiveDate)>>> {
    let tenant = scope.tenant_id();
    let projects: Vec<i64> = projects.iter().map(|p| p.get()).collect();
    let rows = sqlx::query!(
        r#"select b.project_id as "project_id: ProjectId", bt.task_id as "task_id: TaskId",
                  bt.start, bt.finish
           from baseline_task bt
           join baseline b on b.tenant_id = bt.tenant_id and b.id = bt.baseline_id
           where bt.tenant_id = $1 and b.project_id = any($2)
             and b.number = (select max(x.number) from baseline x
                             where x.tenant_id = $1 and x.project_id = b.project_id)"#,
        tenant as TenantId,
        &projects
    )
    .fetch_all(scope.conn())
    .await?;
    let mut dates: HashMap<ProjectId, HashMap<TaskId, (NaiveDate, NaiveDate)>> = HashMap::new();
    for r in rows {
        dates
            .entry(r.project_id)
            .or_default()
            .insert(r.task_id, (r.start, r.finish));
    }
    Ok(dates)
}

/// The project finish in the latest baseline.
pub async fn latest_finish(
    scope: &mut TenantScope,
    project: ProjectId,
) -> AppResult<Option<NaiveDate>> {
    Ok(dates(scope, project, None)
        .await?
        .values()
        .map(|(_, f)| *f)
        .max())
}

pub async fn save(
    scope: &mut TenantScope,
    project: ProjectId,
    name: &str,
    by: crate::ids::UserId,
) -> AppResult<i32> {
    let tenant = scope.tenant_id();
    let row = sqlx::query!(
        "insert into baseline (tenant_id, project_id, number, name, created_by)
         select $1, $2, coalesce(max(number) + 1, 0), $3, $4 from baseline
         where tenant_id = $1 and project_id = $2
         returning id, number",
        tenant as TenantId,
        project as ProjectId,
        name,
        by.0
    )
    .fetch_one(scope.conn())
    .await?;
    sqlx::query!(
        "insert into baseline_task (tenant_id, baseline_id, task_id, start, finish, duration_days)
         select tenant_id, $3, id, early_start, early_finish, duration_days from task
         where tenant_id = $1 and project_id = $2 and early_start is not null and early_finish is not null",
        tenant as TenantId,
        project as ProjectId,
        row.id
    )
    .execute(scope.conn())
    .await?;
    Ok(row.number)
}

#[derive(Debug, Clone)]
pub struct VarianceRow {
    pub task_id: TaskId,
    pub outline: String,
    pub name: String,
    pub depth: u32,
    pub baseline_start: String,
    pub baseline_finish: String,
    pub start: String,
    pub finish: String,
    /// Working days; positive is later than the baseline.
    pub start_variance: Option<i64>,
    pub finish_variance: Option<i64>,
}

#[derive(Template)]
#[template(path = "plans/baselines.html")]
pub struct BaselinesPage {
    pub layout: Layout,
    pub project: crate::tenancy::project::Project,
    pub tab: &'static str,
    pub baselines: Vec<(Baseline, String)>,
    pub chosen: Option<i32>,
    pub rows: Vec<VarianceRow>,
    pub pager: Pager,
    pub can_edit: bool,
    pub errors: FieldErrors,
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BaselineQuery {
    pub baseline: Option<i32>,
    pub page: i64,
}

/// Signed working days from `a` to `b` on `calendar` (0 when equal).
pub fn variance(calendar: &crate::schedule::Calendar, a: NaiveDate, b: NaiveDate) -> i64 {
    match a.cmp(&b) {
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Less => calendar.working_days_between(a.succ_opt().unwrap_or(a), b),
        std::cmp::Ordering::Greater => -calendar.working_days_between(b.succ_opt().unwrap_or(b), a),
    }
}

async fn render(
    p: &mut ProjectTx<Plans>,
    page: &Page,
    chosen: Option<i32>,
    requested: i64,
    errors: FieldErrors,
    name: String,
) -> AppResult<String> {
    let project = p.project.clone();
    let tz = p.tx.tenant().time_zone;
    let baselines: Vec<(Baseline, String)> = list(&mut p.tx, project.id)
        .await?
        .into_iter()
        .map(|b| {
            let at = format::datetime(b.created_at, tz);
            (b, at)
        })
        .collect();
    let chosen = chosen.or_else(|| baselines.last().map(|(b, _)| b.number));
    let base = match chosen {
        Some(n) => dates(&mut p.tx, project.id, Some(n)).await?,
        None => HashMap::new(),
    };
    let calendar = queries::load_calendar(&mut p.tx, project.calendar_id).await?;
    let outline = Outline::load(p).await?;
    let pager = Pager::new(
        page.locale,
        outline.tasks.len(),
        OUTLINE_ROWS_PER_PAGE,
        requested,
        |n| {
            let baseline = chosen.map(|b| format!("baseline={b}&")).unwrap_or_default();
            format!("/projects/{}/baselines?{baseline}page={n}", project.id)
        },
    );
    let rows = pager
        .slice(&outline.tasks)
        .iter()
        .map(|(t, o, depth)| {
            let b = base.get(&t.id).copied();
            VarianceRow {
                task_id: t.id,
                outline: o.clone(),
                name: t.name.clone(),
                depth: *depth,
                baseline_start: b.map(|b| b.0.to_string()).unwrap_or_default(),
                baseline_finish: b.map(|b| b.1.to_string()).unwrap_or_default(),
                start: t.early_start.map(|d| d.to_string()).unwrap_or_default(),
                finish: t.early_finish.map(|d| d.to_string()).unwrap_or_default(),
                start_variance: b
                    .zip(t.early_start)
                    .map(|(b, s)| variance(&calendar, b.0, s)),
                finish_variance: b
                    .zip(t.early_finish)
                    .map(|(b, f)| variance(&calendar, b.1, f)),
            }
        })
        .collect();
    Ok(BaselinesPage {
        layout: page.layout(&p.tx, "plans.baselines_title"),
        tab: "baselines",
        baselines,
        chosen,
        rows,
        pager,
        can_edit: p.tx.user().role.has(Permission::EditSchedule),
        errors,
        name,
        project,
    }
    .render()?)
}

pub async fn show(
    mut p: ProjectTx<Plans>,
    page: Page,
    Query(q): Query<BaselineQuery>,
) -> AppResult<Html<String>> {
    Ok(Html(
        render(
            &mut p,
            &page,
            q.baseline,
            q.page,
            FieldErrors::default(),
            String::new(),
        )
        .await?,
    ))
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SaveForm {
    pub name: String,
}

pub async fn create(
    mut p: ProjectTx<Plans>,
    page: Page,
    AppForm(f): AppForm<SaveForm>,
) -> AppResult<Response> {
    p.require(Permission::EditSchedule)?;
    let mut errors = FieldErrors::default();
    let name = form::text(&mut errors, "name", &f.name, true, 100);
    if !errors.is_empty() {
        let html = render(&mut p, &page, None, 1, errors, f.name).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    let me = p.tx.user().id;
    let project = p.project.id;
    let number = save(&mut p.tx, project, &name, me).await?;
    p.tx.audit(Change {
        entity: "baseline",
        entity_id: Some(project.get()),
        action: Action::Create,
        summary: &name,
        before: None,
        after: Some(serde_json::json!({ "number": number, "name": name })),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "plans.baseline_saved").await?;
    Ok(Redirect::to(&format!("/projects/{project}/baselines?baseline={number}")).into_response())
}
