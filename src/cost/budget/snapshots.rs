//! Cost snapshots (成本基线): the project's cost report frozen at a date — budget, actual,
//! committed and estimate per category, revenue, billed and collected — listed, shown with
//! its forecast, variance and margins, compared line by line with another, and deleted.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::domain::{Compared, Pair};
use super::queries::{self, NewSnapshot, SnapshotLine, SnapshotRow};
use crate::audit::{Action, Change, snapshot};
use crate::cost::domain::{Category, Figures, Margin, Margins, Recorded, Report, Revenue};
use crate::cost::queries::{self as cost_queries, ProjectCost};
use crate::cost::views::CostTab;
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::ids::UserId;
use crate::roles::Permission;
use crate::tenancy::Cost;
use crate::tenancy::ProjectId;
use crate::tenancy::ProjectTx;
use crate::tenancy::project::Project;
use crate::web::fields::required_date;
use crate::web::form::Choice;
use crate::web::form::{self, FieldErrors};
use crate::web::{AppForm, Layout, Page, Path, format};

fn base(project: ProjectId) -> String {
    format!("/projects/{project}/cost/snapshots")
}

fn today(p: &ProjectTx<Cost>) -> NaiveDate {
    let tenant = p.tx.tenant();
    tenant.today()
}

/// A snapshot in the list.
#[derive(Debug, Clone)]
pub struct SnapshotView {
    pub id: i64,
    pub name: String,
    pub as_of: String,
    pub created: String,
    pub created_by: String,
    pub budget: String,
    pub forecast: String,
}

fn snapshot_view(s: &SnapshotRow, tz: chrono_tz::Tz) -> SnapshotView {
    SnapshotView {
        id: s.id,
        name: s.name.clone(),
        as_of: s.as_of.to_string(),
        created: format::datetime(s.created_at, tz),
        created_by: s.created_by_name.clone().unwrap_or_default(),
        budget: format::money(s.budget),
        forecast: format::money(s.forecast),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SnapshotForm {
    pub name: String,
    pub as_of: String,
}

#[derive(Template)]
#[template(path = "cost/snapshots.html")]
pub struct SnapshotsPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    pub snapshots: Vec<SnapshotView>,
    pub choices: Vec<Choice>,
    pub can_edit: bool,
    pub form: SnapshotForm,
    pub errors: FieldErrors,
}

async fn list_page(
    p: &mut ProjectTx<Cost>,
    page: &Page,
    form: Option<SnapshotForm>,
    errors: FieldErrors,
) -> AppResult<String> {
    let project = p.project.id;
    let tz = p.tx.tenant().time_zone;
    let rows = queries::snapshots(&mut p.tx, project).await?;
    let form = form.unwrap_or_else(|| SnapshotForm {
        name: String::new(),
        as_of: today(p).to_string(),
    });
    Ok(SnapshotsPage {
        layout: page.layout(&p.tx, "cost_budget.snapshots_title"),
        project: p.project.clone(),
        tab: CostTab::Snapshots,
        choices: rows
            .iter()
            .map(|s| Choice {
                value: s.id.to_string(),
                label: format!("{} ({})", s.name, s.as_of),
            })
            .collect(),
        snapshots: rows.iter().map(|s| snapshot_view(s, tz)).collect(),
        can_edit: p.tx.user().role.has(Permission::EditBudget),
        form,
        errors,
    }
    .render()?)
}

pub async fn list(mut p: ProjectTx<Cost>, page: Page) -> AppResult<Html<String>> {
    Ok(Html(
        list_page(&mut p, &page, None, FieldErrors::default()).await?,
    ))
}

/// Freezes the report as it stands at `as_of`: the current budget, actual cost up to that
/// day, committed cost and estimates; only categories with a figure get a line.
/// Freezes the project's cost report as of `as_of` under `name`: the snapshot's id, the
/// report it froze and its lines, or `None` when the project has a snapshot of that name.
pub async fn freeze(
    scope: &mut TenantScope,
    project: ProjectId,
    name: &str,
    as_of: NaiveDate,
    me: UserId,
) -> AppResult<Option<(i64, ProjectCost, Vec<SnapshotLine>)>> {
    let cost = cost_queries::project_cost(scope, project, Some(as_of)).await?;
    let known: HashSet<i64> = cost.categories.iter().map(|c| c.id).collect();
    let mut lines: Vec<SnapshotLine> = cost
        .recorded
        .iter()
        .filter(|(id, r)| known.contains(id) && **r != Recorded::default())
        .map(|(&category_id, &r)| SnapshotLine {
            category_id,
            budget: r.budget,
            actual: r.actual,
            committed: r.committed,
            estimate: Figures::of(r).estimate,
        })
        .collect();
    lines.sort_by_key(|l| l.category_id);
    let header = NewSnapshot {
        project,
        name,
        as_of,
        revenue: cost.revenue.contract,
        billed: cost.revenue.billed,
        collected: cost.revenue.collected,
    };
    Ok(queries::insert_snapshot(scope, &header, &lines, me)
        .await?
        .map(|id| (id, cost, lines)))
}

pub async fn take(
    mut p: ProjectTx<Cost>,
    page: Page,
    AppForm(f): AppForm<SnapshotForm>,
) -> AppResult<Response> {
    p.tx.require(Permission::EditBudget)?;
    let project = p.project.id;
    let mut errors = FieldErrors::default();
    let name = form::text(&mut errors, "name", &f.name, true, 100);
    let as_of = required_date(&mut errors, "as_of", &f.as_of);
    if as_of.is_some_and(|d| d > today(&p)) {
        errors.add("as_of", "cost_budget.as_of_future");
    }
    let Some(as_of) = as_of.filter(|_| errors.is_empty()) else {
        let html = list_page(&mut p, &page, Some(f), errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    let me = p.tx.user().id;
    let Some((id, cost, lines)) = freeze(&mut p.tx, project, &name, as_of, me).await? else {
        errors.add("name", "cost_budget.snapshot_name_taken");
        let html = list_page(&mut p, &page, Some(f), errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    p.tx.audit(Change {
        entity: "cost_snapshot",
        entity_id: Some(id),
        action: Action::Create,
        summary: &name,
        before: None,
        after: snapshot(&serde_json::json!({
            "project_id": project,
            "name": name,
            "as_of": as_of,
            "revenue": cost.revenue.contract.to_string(),
            "lines": lines.len(),
        })),
    })
    .await?;
    p.commit().await?;
    page.session
        .flash(true, "cost_budget.snapshot_taken")
        .await?;
    Ok(Redirect::to(&format!("{}/{id}", base(project))).into_response())
}

/// One line of a frozen report.
#[derive(Debug, Clone)]
pub struct ReportLineView {
    pub code: String,
    pub name: String,
    pub depth: u8,
    pub budget: String,
    pub actual: String,
    pub committed: String,
    pub estimate: String,
    pub forecast: String,
    pub variance: String,
    pub over: bool,
    pub percent_used: String,
    pub alert: Option<(&'static str, &'static str)>,
}

fn figures_view(code: &str, name: &str, depth: u8, f: &Figures) -> ReportLineView {
    ReportLineView {
        code: code.to_owned(),
        name: name.to_owned(),
        depth,
        budget: format::money(f.budget),
        actual: format::money(f.actual),
        committed: format::money(f.committed),
        estimate: format::money(f.estimate),
        forecast: format::money(f.forecast),
        variance: format::money(f.variance),
        over: f.variance.is_sign_negative() && !f.variance.is_zero(),
        percent_used: f
            .percent_used()
            .map(|p| format!("{p}%"))
            .unwrap_or_else(|| "—".into()),
        alert: None,
    }
}

/// A margin as shown: amount and percent.
#[derive(Debug, Clone)]
pub struct MarginView {
    pub label_key: &'static str,
    pub revenue: String,
    pub cost: String,
    pub amount: String,
    pub percent: String,
    pub negative: bool,
}

fn margin_view(label_key: &'static str, m: &Margin) -> MarginView {
    MarginView {
        label_key,
        revenue: format::money(m.revenue),
        cost: format::money(m.cost),
        amount: format::money(m.amount),
        percent: m
            .percent
            .map(|p| format!("{p}%"))
            .unwrap_or_else(|| "—".into()),
        negative: m.amount.is_sign_negative() && !m.amount.is_zero(),
    }
}

#[derive(Template)]
#[template(path = "cost/snapshot.html")]
pub struct SnapshotPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    pub snapshot: SnapshotView,
    pub lines: Vec<ReportLineView>,
    pub totals: ReportLineView,
    pub margins: Vec<MarginView>,
    pub below_floor: bool,
    pub can_edit: bool,
}

/// A snapshot of this project, or 404.
async fn find(p: &mut ProjectTx<Cost>, id: i64) -> AppResult<SnapshotRow> {
    let project = p.project.id;
    queries::snapshots(&mut p.tx, project)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)
}

/// The frozen report of a snapshot, against today's categories and thresholds.
async fn frozen(
    p: &mut ProjectTx<Cost>,
    s: &SnapshotRow,
    categories: &[Category],
) -> AppResult<(Report, HashSet<i64>)> {
    let (thresholds, _) = cost_queries::thresholds(&mut p.tx).await?;
    let lines = queries::snapshot_lines(&mut p.tx, s.id).await?;
    let ids = lines.iter().map(|l| l.category_id).collect();
    let recorded: HashMap<i64, Recorded> = lines
        .into_iter()
        .map(|l| {
            (
                l.category_id,
                Recorded {
                    budget: l.budget,
                    actual: l.actual,
                    committed: l.committed,
                    estimate: Some(l.estimate),
                },
            )
        })
        .collect();
    Ok((Report::build(categories, &recorded, &thresholds), ids))
}

pub async fn show(
    mut p: ProjectTx<Cost>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
) -> AppResult<Html<String>> {
    let s = find(&mut p, id).await?;
    let locale = p.tx.user().locale;
    let tz = p.tx.tenant().time_zone;
    let categories = cost_queries::categories(&mut p.tx).await?;
    let (thresholds, _) = cost_queries::thresholds(&mut p.tx).await?;
    let (report, _) = frozen(&mut p, &s, &categories).await?;
    let margins = Margins::of(
        Revenue {
            contract: s.revenue,
            billed: s.billed,
            collected: s.collected,
        },
        &report.totals,
        &thresholds,
    );
    let mut margin_views = vec![margin_view(
        "cost_budget.margin_contract",
        &margins.contract,
    )];
    if let Some(m) = &margins.billed {
        margin_views.push(margin_view("cost_budget.margin_billed", m));
    }
    if let Some(m) = &margins.collected {
        margin_views.push(margin_view("cost_budget.margin_collected", m));
    }
    let lines = report
        .lines
        .iter()
        .map(|l| ReportLineView {
            alert: l.alert.map(|a| (a.as_str(), a.label_key())),
            ..figures_view(
                &l.category.code,
                l.category.name(locale),
                l.depth,
                &l.figures,
            )
        })
        .collect();
    let total_label = crate::i18n::t(locale, "cost_budget.total");
    Ok(Html(
        SnapshotPage {
            layout: page.layout(&p.tx, "cost_budget.snapshot_title"),
            project: p.project.clone(),
            tab: CostTab::Snapshots,
            snapshot: snapshot_view(&s, tz),
            lines,
            totals: figures_view("", total_label, 0, &report.totals),
            margins: margin_views,
            below_floor: margins.below_floor,
            can_edit: p.tx.user().role.has(Permission::EditBudget),
        }
        .render()?,
    ))
}

/// One figure of the comparison as shown.
#[derive(Debug, Clone)]
pub struct PairView {
    pub a: String,
    pub b: String,
    pub change: String,
    /// "up", "down" or "" (no change).
    pub direction: &'static str,
}

fn pair_view(p: &Pair) -> PairView {
    PairView {
        a: format::money(p.a),
        b: format::money(p.b),
        change: super::views::signed_money(p.change),
        direction: if p.change > Decimal::ZERO {
            "up"
        } else if p.change < Decimal::ZERO {
            "down"
        } else {
            ""
        },
    }
}

#[derive(Debug, Clone)]
pub struct CompareRow {
    pub code: String,
    pub name: String,
    pub depth: u8,
    pub figures: Vec<PairView>,
}

fn compare_row(code: &str, name: &str, depth: u8, c: &Compared) -> CompareRow {
    CompareRow {
        code: code.to_owned(),
        name: name.to_owned(),
        depth,
        figures: [c.budget, c.actual, c.committed, c.forecast, c.variance]
            .iter()
            .map(pair_view)
            .collect(),
    }
}

/// The figures compared, in column order.
pub const COMPARED: [&str; 5] = [
    "cost_budget.col_budget",
    "cost_budget.col_actual",
    "cost_budget.col_committed",
    "cost_budget.col_forecast",
    "cost_budget.col_variance",
];

#[derive(Template)]
#[template(path = "cost/snapshot_compare.html")]
pub struct ComparePage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    pub a: SnapshotView,
    pub b: SnapshotView,
    pub columns: [&'static str; 5],
    pub rows: Vec<CompareRow>,
    pub totals: CompareRow,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CompareQuery {
    pub a: Option<i64>,
    pub b: Option<i64>,
}

/// The categories present in either snapshot (with their parents), in report order, each
/// with both snapshots' figures and the difference.
fn compared_rows(
    ra: &Report,
    rb: &Report,
    present: &HashSet<i64>,
    categories: &[Category],
    locale: Locale,
) -> Vec<CompareRow> {
    let find = |r: &Report, id: i64| {
        r.lines
            .iter()
            .find(|l| l.category.id == id)
            .map(|l| l.figures)
            .unwrap_or_default()
    };
    let wanted = |c: &Category| {
        present.contains(&c.id)
            || categories
                .iter()
                .any(|x| x.parent_id == Some(c.id) && present.contains(&x.id))
    };
    crate::cost::domain::in_report_order(categories)
        .into_iter()
        .filter(|c| wanted(c))
        .map(|c| {
            let depth = u8::from(
                c.parent_id
                    .is_some_and(|p| categories.iter().any(|x| x.id == p)),
            );
            let compared = Compared::of(&find(ra, c.id), &find(rb, c.id));
            compare_row(&c.code, c.name(locale), depth, &compared)
        })
        .collect()
}

pub async fn compare(
    mut p: ProjectTx<Cost>,
    page: Page,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    let project = p.project.id;
    let (Some(a), Some(b)) = (q.a, q.b) else {
        return Ok(Redirect::to(&base(project)).into_response());
    };
    let locale = p.tx.user().locale;
    let tz = p.tx.tenant().time_zone;
    let sa = find(&mut p, a).await?;
    let sb = find(&mut p, b).await?;
    let categories = cost_queries::categories(&mut p.tx).await?;
    let (ra, ids_a) = frozen(&mut p, &sa, &categories).await?;
    let (rb, ids_b) = frozen(&mut p, &sb, &categories).await?;
    let present: HashSet<i64> = ids_a.union(&ids_b).copied().collect();
    let rows = compared_rows(&ra, &rb, &present, &categories, locale);
    let total_label = crate::i18n::t(locale, "cost_budget.total");
    let totals = compare_row("", total_label, 0, &Compared::of(&ra.totals, &rb.totals));
    Ok(Html(
        ComparePage {
            layout: page.layout(&p.tx, "cost_budget.compare_title"),
            project: p.project.clone(),
            tab: CostTab::Snapshots,
            a: snapshot_view(&sa, tz),
            b: snapshot_view(&sb, tz),
            columns: COMPARED,
            rows,
            totals,
        }
        .render()?,
    )
    .into_response())
}

pub async fn delete(
    mut p: ProjectTx<Cost>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(_): AppForm<super::handlers::Empty>,
) -> AppResult<Response> {
    p.tx.require(Permission::EditBudget)?;
    let project = p.project.id;
    let s = find(&mut p, id).await?;
    if !queries::delete_snapshot(&mut p.tx, project, id).await? {
        return Err(AppError::NotFound);
    }
    p.tx.audit(Change {
        entity: "cost_snapshot",
        entity_id: Some(id),
        action: Action::Delete,
        summary: &s.name,
        before: snapshot(&serde_json::json!({
            "project_id": project,
            "name": s.name,
            "as_of": s.as_of,
        })),
        after: None,
    })
    .await?;
    p.commit().await?;
    page.session
        .flash(true, "cost_budget.snapshot_deleted")
        .await?;
    Ok(Redirect::to(&base(project)).into_response())
}
