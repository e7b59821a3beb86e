//! The company's risks: one heat map and the live risks across the projects the user sees,
//! the overdue reviews, the company's own risk categories, and the dashboard's panel.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::domain::{self, CRITICAL_SCORE, CategoryRef, Grid};
use super::handlers::{ListQuery, cell_of, filter_category, query_string};
use super::queries::{self, Filter, Risk};
use super::views::{
    self, AwaitingRow, CategoriesPage, CategoryRow, CompanyRisksPage, Filters, OverdueRow, Panel,
};
use crate::audit::{Action, Change};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::ids::UserId;
use crate::roles::{Permission, Role};
use crate::tenancy::{Changes, TenantTx};
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path};

fn live() -> Vec<String> {
    vec!["open".into(), "mitigating".into()]
}

fn overdue_rows(risks: &[Risk], today: NaiveDate) -> Vec<OverdueRow> {
    let mut rows: Vec<&Risk> = risks
        .iter()
        .filter(|r| views::is_overdue(r, today))
        .collect();
    rows.sort_by_key(|r| (r.next_review_on, r.project_id, r.number.clone()));
    rows.into_iter()
        .map(|r| OverdueRow {
            href: format!("/projects/{}/risks/{}", r.project_id, r.id),
            project_id: r.project_id,
            project_code: r.project_code.clone(),
            number: r.number.clone(),
            title: r.title.clone(),
            due: r.next_review_on.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect()
}

/// `/risks`: the heat map across the visible projects, the live risks worst first, and the
/// overdue reviews.
pub async fn overview(
    mut tx: TenantTx<Changes>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let locale = tx.user().locale;
    let today = tx.tenant().today();
    let project = q.project.trim().parse::<i64>().ok().filter(|id| *id > 0);
    let mut f = Filter {
        project,
        statuses: live(),
        ..Filter::default()
    };
    filter_category(&mut f, &q.category);
    let open = queries::list(&mut tx, &f).await?;
    let grid = Grid::count(open.iter().map(|r| (r.probability, r.impact, false)));
    let cell = cell_of(&q);
    let shown: Vec<&Risk> = open
        .iter()
        .filter(|r| cell.is_none_or(|(p, i)| r.probability == p && r.impact == i))
        .collect();
    let category = CategoryRef::parse(&q.category)
        .map(CategoryRef::value)
        .unwrap_or_default();
    let project_param = project.map(|p| p.to_string()).unwrap_or_default();
    let heat_map = views::heat_map(locale, &grid, |p, i| {
        format!(
            "/risks{}",
            query_string(&[
                ("project", &project_param),
                ("category", &category),
                ("p", &p.to_string()),
                ("i", &i.to_string()),
            ])
        )
    });
    let projects = crate::tenancy::project::visible_projects(&mut tx).await?;
    let categories = queries::categories(&mut tx).await?;
    Ok(Html(
        CompanyRisksPage {
            layout: page.layout(&tx, "changes_risks.company_title"),
            changes_tab: "risks",
            rows: shown.iter().map(|r| views::row(locale, r, today)).collect(),
            heat_map,
            levels: &views::LEVELS,
            open_total: grid.total(),
            overdue: overdue_rows(&open, today),
            filters: Filters {
                status: "active".into(),
                clear_cell_href: format!(
                    "/risks{}",
                    query_string(&[("project", &project_param), ("category", &category)])
                ),
                category,
                project: project_param,
                cell,
            },
            project_choices: projects
                .into_iter()
                .map(|p| Choice {
                    value: p.id.to_string(),
                    label: format!("{} {}", p.code, p.name),
                })
                .collect(),
            category_choices: views::category_choices(locale, &categories, None),
        }
        .render()?,
    ))
}

async fn categories_page(
    tx: &mut TenantTx<Changes>,
    page: &Page,
    name: String,
    errors: FieldErrors,
    row: Option<RowRefusal>,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let rows = queries::categories(tx).await?;
    Ok(CategoriesPage {
        layout: page.layout(tx, "changes_risks.categories_title"),
        changes_tab: "categories",
        builtins: domain::BUILTIN_CATEGORIES
            .iter()
            .map(|c| i18n::t(locale, domain::builtin_label_key(c)).to_owned())
            .collect(),
        rows: rows
            .into_iter()
            .map(|c| {
                let refused = row.as_ref().filter(|r| r.id == c.id);
                CategoryRow {
                    error: refused.map(|r| r.key),
                    // The name as typed when its rename was refused.
                    name: refused.and_then(|r| r.name.clone()).unwrap_or(c.name),
                    id: c.id,
                    active: c.active,
                    risks: c.risks,
                    version: c.version,
                }
            })
            .collect(),
        can_manage: tx.user().role.has(Permission::ManageChangeSettings),
        name,
        errors,
    }
    .render()?)
}

/// A category's rename or (de)activation refused: its row shows why, with the name as typed.
struct RowRefusal {
    id: i64,
    key: &'static str,
    name: Option<String>,
}

fn with_status(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

pub async fn categories(mut tx: TenantTx<Changes>, page: Page) -> AppResult<Html<String>> {
    Ok(Html(
        categories_page(&mut tx, &page, String::new(), FieldErrors::default(), None).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CategoryForm {
    pub name: String,
    pub version: i32,
}

pub async fn add_category(
    mut tx: TenantTx<Changes>,
    page: Page,
    AppForm(f): AppForm<CategoryForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageChangeSettings)?;
    let mut errors = FieldErrors::default();
    let name = domain::category_name(&mut errors, &f.name);
    let me = tx.user().id;
    let id = if errors.is_empty() {
        // A taken name (in any case) aborts the statement; the page is drawn after undoing it.
        tx.savepoint().await?;
        match queries::insert_category(&mut tx, &name, me).await {
            Ok(id) => Some(id),
            Err(AppError::Conflict) => {
                tx.rollback_to_savepoint().await?;
                errors.add("name", "changes_risks.category_taken");
                None
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    let Some(id) = id else {
        let html = categories_page(&mut tx, &page, f.name, errors, None).await?;
        return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
    };
    tx.audit(Change {
        entity: "risk_category",
        entity_id: Some(id),
        action: Action::Create,
        summary: &format!("risk category {name}"),
        before: None,
        after: Some(serde_json::json!({ "name": name, "active": true })),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "changes_risks.category_added")
        .await?;
    Ok(Redirect::to("/risks/categories").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CategoryPatch {
    /// Absent: keep the name.
    pub name: Option<String>,
    /// `true` / `false`; absent: keep.
    pub active: Option<String>,
    pub version: i32,
}

/// Renames a category, or deactivates or reactivates it.
pub async fn update_category(
    mut tx: TenantTx<Changes>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<CategoryPatch>,
) -> AppResult<Response> {
    tx.require(Permission::ManageChangeSettings)?;
    let current = queries::categories(&mut tx)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    let name = match &f.name {
        Some(n) => domain::category_name(&mut errors, n),
        None => current.name.clone(),
    };
    let active = match f.active.as_deref() {
        Some("true") => true,
        Some("false") => false,
        _ => current.active,
    };
    let taken = (
        StatusCode::UNPROCESSABLE_ENTITY,
        "changes_risks.category_taken",
    );
    let stale = (StatusCode::CONFLICT, "changes_risks.conflict");
    let refused = if current.version != f.version {
        Some(stale)
    } else if let Some(key) = errors.get("name") {
        Some((StatusCode::UNPROCESSABLE_ENTITY, key))
    } else {
        tx.savepoint().await?;
        match queries::update_category(&mut tx, id, &name, active, f.version).await {
            Ok(true) => None,
            Ok(false) => Some(stale),
            // Another category has the name (in any case).
            Err(AppError::Conflict) => {
                tx.rollback_to_savepoint().await?;
                Some(taken)
            }
            Err(e) => return Err(e),
        }
    };
    if let Some((status, key)) = refused {
        let row = RowRefusal {
            id,
            key,
            name: f.name.clone(),
        };
        let html = categories_page(
            &mut tx,
            &page,
            String::new(),
            FieldErrors::default(),
            Some(row),
        )
        .await?;
        return Ok(with_status(status, html));
    }
    tx.audit(Change {
        entity: "risk_category",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("risk category {name}"),
        before: Some(serde_json::json!({ "name": current.name, "active": current.active })),
        after: Some(serde_json::json!({ "name": name, "active": active })),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "changes_risks.category_saved")
        .await?;
    Ok(Redirect::to("/risks/categories").into_response())
}

/// The rows of overdue reviews the panel lists.
pub const PANEL_ROWS: usize = 5;

/// The dashboard's panel over the projects the user sees: overdue reviews (count and the
/// first few), critical risks, and change requests awaiting the user's vote.
pub async fn dashboard_panel(
    tx: &mut TenantScope,
    today: NaiveDate,
    user: UserId,
    role: Role,
) -> AppResult<Panel> {
    let f = Filter {
        statuses: live(),
        ..Filter::default()
    };
    let open = queries::list(tx, &f).await?;
    let mut overdue = overdue_rows(&open, today);
    let overdue_count = i64::try_from(overdue.len()).unwrap_or(i64::MAX);
    overdue.truncate(PANEL_ROWS);
    let critical = open.iter().filter(|r| r.score >= CRITICAL_SCORE).count();
    let board = crate::changes::queries::board_settings(tx).await?.board();
    let mut awaiting = if board.includes(user.0, role) {
        queries::awaiting_vote(tx, user).await?
    } else {
        Vec::new()
    };
    let awaiting_vote = i64::try_from(awaiting.len()).unwrap_or(i64::MAX);
    awaiting.truncate(PANEL_ROWS);
    Ok(Panel {
        overdue_count,
        overdue,
        critical: i64::try_from(critical).unwrap_or(i64::MAX),
        awaiting_vote,
        awaiting: awaiting
            .into_iter()
            .map(|a| AwaitingRow {
                href: format!("/projects/{}/changes/{}", a.project_id, a.id),
                project_code: a.project_code,
                number: a.number,
                title: a.title,
            })
            .collect(),
    })
}
