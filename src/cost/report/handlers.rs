//! The report pages' handlers: a project's cost report and its export, the estimates to
//! complete, actual cost by month, and the company overview across projects.

use std::collections::HashMap;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::domain::{self, parse_estimate, pivot};
use super::queries::{self, SavedEstimate};
use super::views::{
    EstimateRow, EstimatesPage, FigureCells, LineView, MarginView, MonthRowView, MonthsPage,
    OverviewPage, OverviewRow, ReportPage, percent_text,
};
use super::{Standing, standings, worst_first};
use crate::audit::{Action, Change};
use crate::cost::domain::{Figures, LABOUR, Recorded, Report, ReportLine};
use crate::cost::queries::{ProjectCost, project_cost};
use crate::cost::views::CostTab;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::roles::{ModuleId, Permission};
use crate::tenancy::ProjectId;
use crate::tenancy::{Cost, ProjectTx, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::form::{FieldErrors, text};
use crate::web::{AppForm, Page, format};

fn base(project: ProjectId) -> String {
    format!("/projects/{project}/cost")
}

/// A category's name as the lines of a table show it: children indented.
fn indented(line: &ReportLine, locale: Locale) -> String {
    let name = line.category.name(locale);
    if line.depth > 0 {
        format!("　{name}")
    } else {
        name.to_owned()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    pub format: Option<ExportFormat>,
}

/// The cost report of a project: every category against its budget, the margins.
pub async fn show(
    mut p: ProjectTx<Cost>,
    page: Page,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let project = p.project.id;
    let cost = project_cost(&mut p.tx, project, None).await?;
    if let Some(format) = q.format {
        return export(&p, &cost, format);
    }
    let locale = p.tx.user().locale;
    let labour_actual = queries::labour_actual(&mut p.tx, project).await?;
    let role = p.tx.user().role;
    let labour_link =
        p.tx.tenant().modules.contains(&ModuleId::Labour) && role.can_use(ModuleId::Labour);
    let lines = cost
        .report
        .lines
        .iter()
        .map(|l| LineView {
            id: l.category.id,
            code: l.category.code.clone(),
            name: l.category.name(locale).to_owned(),
            depth: l.depth,
            cells: FigureCells::of(&l.figures),
            alert: l.alert,
            labour: (l.category.builtin.as_deref() == Some(LABOUR))
                .then(|| format::money(labour_actual)),
        })
        .collect();
    let m = &cost.margins;
    let t = &cost.thresholds;
    let html = ReportPage {
        layout: page.layout(&p.tx, "cost_report.title"),
        tab: CostTab::Report,
        lines,
        totals: FigureCells::of(&cost.report.totals),
        alert: cost.report.alert,
        alerted: alerted_names(&cost, locale),
        contract: MarginView::of(&m.contract),
        billed: m.billed.as_ref().map(MarginView::of),
        collected: m.collected.as_ref().map(MarginView::of),
        below_floor: m.below_floor,
        floor: percent_text(t.margin_floor_percent),
        warning_percent: t.warning_percent.normalize().to_string(),
        overrun_percent: t.overrun_percent.normalize().to_string(),
        labour_link,
        can_edit_estimates: role.has(Permission::EditBudget),
        project: p.project,
    }
    .render()?;
    Ok(Html(html).into_response())
}

/// The alerted categories of a report, worst first, by name.
fn alerted_names(cost: &ProjectCost, locale: Locale) -> Vec<(String, crate::cost::domain::Alert)> {
    cost.report
        .alerted()
        .into_iter()
        .filter_map(|l| Some((l.category.name(locale).to_owned(), l.alert?)))
        .collect()
}

pub async fn export_xlsx(mut p: ProjectTx<Cost>) -> AppResult<Response> {
    let cost = project_cost(&mut p.tx, p.project.id, None).await?;
    export(&p, &cost, ExportFormat::Xlsx)
}

pub async fn export_csv(mut p: ProjectTx<Cost>) -> AppResult<Response> {
    let cost = project_cost(&mut p.tx, p.project.id, None).await?;
    export(&p, &cost, ExportFormat::Csv)
}

/// The figures of a line as export cells, from budget to percent used.
fn figure_cells(f: &Figures, locale: Locale) -> Vec<Cell> {
    let basis = if f.estimate_entered {
        "cost_report.etc_entered"
    } else {
        "cost_report.etc_default"
    };
    vec![
        Cell::Money(f.budget),
        Cell::Money(f.actual),
        Cell::Money(f.committed),
        Cell::Money(f.remaining),
        Cell::Money(f.estimate),
        i18n::t(locale, basis).into(),
        Cell::Money(f.forecast),
        Cell::Money(f.variance),
        f.percent_used().map_or_else(|| "".into(), Cell::Quantity),
    ]
}

fn export(p: &ProjectTx<Cost>, cost: &ProjectCost, format: ExportFormat) -> AppResult<Response> {
    let locale = p.tx.user().locale;
    let t = |k: &str| i18n::t(locale, k).to_owned();
    let headers = [
        "cost_report.col_code",
        "cost_report.col_category",
        "cost_report.col_budget",
        "cost_report.col_actual",
        "cost_report.col_committed",
        "cost_report.col_remaining",
        "cost_report.col_estimate",
        "cost_report.col_estimate_basis",
        "cost_report.col_forecast",
        "cost_report.col_variance",
        "cost_report.col_used",
        "cost_report.col_alert",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let rows = cost
        .report
        .lines
        .iter()
        .map(|l| {
            let mut row: Vec<Cell> =
                vec![l.category.code.clone().into(), indented(l, locale).into()];
            row.extend(figure_cells(&l.figures, locale));
            row.push(
                l.alert
                    .map_or_else(String::new, |a| t(a.label_key()))
                    .into(),
            );
            row
        })
        .collect();
    let mut totals: Vec<Cell> = vec!["".into(), t("cost_report.total").into()];
    totals.extend(figure_cells(&cost.report.totals, locale));
    totals.push(
        cost.report
            .alert
            .map_or_else(String::new, |a| t(a.label_key()))
            .into(),
    );
    Table {
        headers,
        rows,
        totals: Some(totals),
    }
    .download(format, &format!("cost-report-{}", p.project.code))
}

/// What the estimates form posts: one row per category, in the order shown.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EstimatesForm {
    pub category: Vec<String>,
    pub amount: Vec<String>,
    pub note: Vec<String>,
    pub version: Vec<String>,
}

/// A row of the form as posted, checked.
#[derive(Debug, Clone)]
struct PostedRow {
    category: i64,
    amount_text: String,
    amount: Option<Decimal>,
    note: String,
    version: i32,
    amount_error: Option<&'static str>,
    note_error: Option<&'static str>,
}

/// What the estimates form is built on: the report's lines (which categories show) and what
/// was recorded against each category itself, children apart.
struct EstimateBasis {
    report: Report,
    recorded: HashMap<i64, Recorded>,
}

async fn estimate_basis(p: &mut ProjectTx<Cost>) -> AppResult<EstimateBasis> {
    let project = p.project.id;
    let categories = crate::cost::queries::categories(&mut p.tx).await?;
    let (thresholds, _) = crate::cost::queries::thresholds(&mut p.tx).await?;
    let recorded = crate::cost::queries::recorded(&mut p.tx, &[project], None, &categories)
        .await?
        .remove(&project.get())
        .unwrap_or_default();
    Ok(EstimateBasis {
        report: Report::build(&categories, &recorded, &thresholds),
        recorded,
    })
}

fn estimate_rows(
    basis: &EstimateBasis,
    saved: &[SavedEstimate],
    posted: Option<&[PostedRow]>,
    theirs: bool,
    locale: Locale,
) -> Vec<EstimateRow> {
    let saved: HashMap<i64, &SavedEstimate> = saved.iter().map(|s| (s.category_id, s)).collect();
    let posted: HashMap<i64, &PostedRow> = posted
        .unwrap_or_default()
        .iter()
        .map(|r| (r.category, r))
        .collect();
    basis
        .report
        .lines
        .iter()
        .map(|l| {
            let id = l.category.id;
            // A category's estimate covers what is budgeted on it, not on its children.
            let own = Figures::of(Recorded {
                estimate: None,
                ..basis.recorded.get(&id).copied().unwrap_or_default()
            });
            let s = saved.get(&id);
            let version = s.map_or(0, |s| s.version);
            let mine = posted.get(&id);
            let (amount, note, amount_error, note_error) = match mine {
                Some(r) => (
                    r.amount_text.clone(),
                    r.note.clone(),
                    r.amount_error,
                    r.note_error,
                ),
                None => (
                    s.map(|s| s.amount.to_string()).unwrap_or_default(),
                    s.map(|s| s.note.clone()).unwrap_or_default(),
                    None,
                    None,
                ),
            };
            let differs = mine.is_some_and(|r| r.amount != s.map(|s| s.amount));
            EstimateRow {
                id,
                code: l.category.code.clone(),
                name: l.category.name(locale).to_owned(),
                depth: l.depth,
                budget: format::money(own.budget),
                spent: format::money(own.actual + own.committed),
                default_estimate: format::money(own.estimate),
                amount,
                note,
                // After a stale save the form carries the versions now saved, so saving
                // again is a deliberate overwrite.
                version: match mine {
                    Some(r) if !theirs => r.version,
                    _ => version,
                },
                amount_error,
                note_error,
                theirs: (theirs && differs).then(|| {
                    s.map_or_else(
                        || i18n::t(locale, "cost_report.etc_blank").to_owned(),
                        |s| format::money(s.amount),
                    )
                }),
            }
        })
        .collect()
}

async fn estimates_page(
    p: &mut ProjectTx<Cost>,
    page: &Page,
    posted: Option<&[PostedRow]>,
    theirs: bool,
    refusal: Option<&'static str>,
) -> AppResult<String> {
    let locale = p.tx.user().locale;
    let basis = estimate_basis(p).await?;
    let saved = queries::list_estimates(&mut p.tx, p.project.id).await?;
    Ok(EstimatesPage {
        layout: page.layout(&p.tx, "cost_report.estimates_title"),
        project: p.project.clone(),
        tab: CostTab::Report,
        rows: estimate_rows(&basis, &saved, posted, theirs, locale),
        refusal,
    }
    .render()?)
}

/// The estimates to complete, one per category.
pub async fn estimates_form(mut p: ProjectTx<Cost>, page: Page) -> AppResult<Html<String>> {
    p.require(Permission::EditBudget)?;
    Ok(Html(
        estimates_page(&mut p, &page, None, false, None).await?,
    ))
}

/// Checks the posted rows against the categories shown; `Err` names why the whole form is
/// refused (a category that is not on the report, or one posted twice).
fn check_rows(f: &EstimatesForm, known: &[i64]) -> AppResult<Result<Vec<PostedRow>, &'static str>> {
    let n = f.category.len();
    if f.amount.len() != n || f.note.len() != n || f.version.len() != n {
        return Err(AppError::BadRequest("malformed estimates form".into()));
    }
    let mut rows: Vec<PostedRow> = Vec::with_capacity(n);
    for i in 0..n {
        let Some(category) = f.category[i]
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|c| known.contains(c))
        else {
            return Ok(Err("cost.unknown_category"));
        };
        if rows.iter().any(|r| r.category == category) {
            return Ok(Err("cost.unknown_category"));
        }
        let (amount, amount_error) = match parse_estimate(&f.amount[i]) {
            Ok(a) => (a, None),
            Err(key) => (None, Some(key)),
        };
        let mut errors = FieldErrors::default();
        let note = text(&mut errors, "note", &f.note[i], false, 500);
        let mut note_error = errors.get("note");
        if note_error.is_none() && amount_error.is_none() && amount.is_none() && !note.is_empty() {
            note_error = Some("cost_report.note_without_estimate");
        }
        rows.push(PostedRow {
            category,
            amount_text: f.amount[i].trim().to_owned(),
            amount,
            note,
            version: f.version[i].trim().parse().unwrap_or(0),
            amount_error,
            note_error,
        });
    }
    Ok(Ok(rows))
}

/// An estimate as the audit log records it.
fn audited(amount: Decimal, note: &str) -> serde_json::Value {
    serde_json::json!({ "amount": amount.to_string(), "note": note })
}

/// Saves the estimates to complete: a blank amount removes the category's estimate. Every
/// row is checked first; any refusal saves nothing.
pub async fn save_estimates(
    mut p: ProjectTx<Cost>,
    page: Page,
    AppForm(f): AppForm<EstimatesForm>,
) -> AppResult<Response> {
    p.require(Permission::EditBudget)?;
    let project = p.project.id;
    let basis = estimate_basis(&mut p).await?;
    let known: Vec<i64> = basis.report.lines.iter().map(|l| l.category.id).collect();
    let rows = match check_rows(&f, &known)? {
        Ok(rows) => rows,
        Err(key) => {
            let html = estimates_page(&mut p, &page, None, false, Some(key)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    if rows
        .iter()
        .any(|r| r.amount_error.is_some() || r.note_error.is_some())
    {
        let html = estimates_page(&mut p, &page, Some(&rows), false, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    let saved = queries::list_estimates(&mut p.tx, project).await?;
    let current: HashMap<i64, &SavedEstimate> = saved.iter().map(|s| (s.category_id, s)).collect();
    let stale = rows
        .iter()
        .any(|r| current.get(&r.category).map_or(0, |s| s.version) != r.version);
    if stale {
        let html = estimates_page(
            &mut p,
            &page,
            Some(&rows),
            true,
            Some("cost_report.estimates_conflict"),
        )
        .await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    let me = p.tx.user().id;
    let code_of = |id: i64| {
        basis
            .report
            .lines
            .iter()
            .find(|l| l.category.id == id)
            .map_or_else(|| id.to_string(), |l| l.category.code.clone())
    };
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    for r in &rows {
        let was = current.get(&r.category);
        let unchanged = match (r.amount, was) {
            (None, None) => true,
            (Some(a), Some(s)) => a == s.amount && r.note == s.note,
            _ => false,
        };
        if unchanged {
            continue;
        }
        match r.amount {
            Some(a) => {
                queries::save_estimate(&mut p.tx, project, r.category, a, &r.note, me).await?;
            }
            None => queries::delete_estimate(&mut p.tx, project, r.category).await?,
        }
        let code = code_of(r.category);
        before.insert(
            code.clone(),
            was.map_or(serde_json::Value::Null, |s| audited(s.amount, &s.note)),
        );
        after.insert(
            code,
            r.amount
                .map_or(serde_json::Value::Null, |a| audited(a, &r.note)),
        );
    }
    if !after.is_empty() {
        let summary = format!("estimates to complete {}", p.project.code);
        p.tx.audit(Change {
            entity: "cost_estimate",
            entity_id: Some(project.get()),
            action: Action::Update,
            summary: &summary,
            before: Some(serde_json::Value::Object(before)),
            after: Some(serde_json::Value::Object(after)),
        })
        .await?;
    }
    p.commit().await?;
    page.session
        .flash(true, "cost_report.estimates_saved")
        .await?;
    Ok(Redirect::to(&base(project)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MonthsQuery {
    pub year: String,
    pub format: Option<ExportFormat>,
}

/// Actual cost by month and top-level category, with the total to date.
pub async fn months(
    mut p: ProjectTx<Cost>,
    page: Page,
    Query(q): Query<MonthsQuery>,
) -> AppResult<Response> {
    months_in(&mut p, Some(page), &q, q.format).await
}

pub async fn months_xlsx(
    mut p: ProjectTx<Cost>,
    Query(q): Query<MonthsQuery>,
) -> AppResult<Response> {
    months_in(&mut p, None, &q, Some(ExportFormat::Xlsx)).await
}

pub async fn months_csv(
    mut p: ProjectTx<Cost>,
    Query(q): Query<MonthsQuery>,
) -> AppResult<Response> {
    months_in(&mut p, None, &q, Some(ExportFormat::Csv)).await
}

async fn months_in(
    p: &mut ProjectTx<Cost>,
    page: Option<Page>,
    q: &MonthsQuery,
    format: Option<ExportFormat>,
) -> AppResult<Response> {
    let locale = p.tx.user().locale;
    let project = p.project.id;
    let categories = crate::cost::queries::categories(&mut p.tx).await?;
    let cells = queries::months(&mut p.tx, project).await?;
    let year: Option<i32> = q.year.trim().parse().ok();
    let pv = pivot(&categories, &cells, year);
    let column_name =
        |c: &Option<i64>| match c.and_then(|id| categories.iter().find(|x| x.id == id)) {
            Some(cat) => cat.name(locale).to_owned(),
            None => i18n::t(locale, "cost_report.uncategorised").to_owned(),
        };
    let columns: Vec<String> = pv.columns.iter().map(column_name).collect();
    let month_text = |m: chrono::NaiveDate| m.format("%Y-%m").to_string();
    if let Some(format) = format {
        let t = |k: &str| i18n::t(locale, k).to_owned();
        let mut headers = vec![t("cost_report.col_month")];
        headers.extend(columns.iter().cloned());
        headers.push(t("cost_report.col_month_total"));
        headers.push(t("cost_report.col_cumulative"));
        let rows = pv
            .rows
            .iter()
            .map(|r| {
                let mut row: Vec<Cell> = vec![month_text(r.month).into()];
                row.extend(r.amounts.iter().map(|a| Cell::Money(*a)));
                row.push(Cell::Money(r.total));
                row.push(Cell::Money(r.cumulative));
                row
            })
            .collect();
        let mut totals: Vec<Cell> = vec![t("cost_report.total").into()];
        totals.extend(pv.totals.iter().map(|a| Cell::Money(*a)));
        totals.push(Cell::Money(pv.total));
        totals.push(
            pv.rows
                .last()
                .map_or_else(|| "".into(), |r| Cell::Money(r.cumulative)),
        );
        let name = match year {
            Some(y) => format!("cost-by-month-{}-{y}", p.project.code),
            None => format!("cost-by-month-{}", p.project.code),
        };
        return Table {
            headers,
            rows,
            totals: Some(totals),
        }
        .download(format, &name);
    }
    let Some(page) = page else {
        return Err(AppError::NotFound);
    };
    let query = year.map(|y| format!("year={y}")).unwrap_or_default();
    let html = MonthsPage {
        layout: page.layout(&p.tx, "cost_report.months_title"),
        project: p.project.clone(),
        tab: CostTab::Months,
        columns,
        rows: pv
            .rows
            .iter()
            .map(|r| MonthRowView {
                month: month_text(r.month),
                amounts: r.amounts.iter().map(|a| format::money(*a)).collect(),
                total: format::money(r.total),
                cumulative: format::money(r.cumulative),
            })
            .collect(),
        totals: pv.totals.iter().map(|a| format::money(*a)).collect(),
        total: format::money(pv.total),
        years: domain::years(&cells),
        year,
        query,
    }
    .render()?;
    Ok(Html(html).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OverviewQuery {
    /// `code` for project order; else the worst first.
    pub sort: String,
    pub format: Option<ExportFormat>,
}

fn overview_row(s: &Standing, locale: Locale) -> OverviewRow {
    let m = &s.margins;
    OverviewRow {
        id: s.project.id.get(),
        code: s.project.code.clone(),
        name: s.project.name.clone(),
        contract: format::money(s.revenue.contract),
        cells: FigureCells::of(&s.report.totals),
        margin: m.contract.percent.map(percent_text),
        margin_negative: m.contract.amount < Decimal::ZERO,
        alert: s.report.alert,
        below_floor: m.below_floor,
        alerted: s.alerted(locale),
    }
}

/// Every project's cost at a glance, the worst first.
pub async fn overview(
    mut tx: TenantTx<Cost>,
    page: Page,
    Query(q): Query<OverviewQuery>,
) -> AppResult<Response> {
    let locale = tx.user().locale;
    let (mut all, thresholds) = standings(&mut tx).await?;
    let sort = if q.sort == "code" { "code" } else { "worst" };
    if sort == "worst" {
        worst_first(&mut all);
    }
    let totals = all
        .iter()
        .fold(Figures::default(), |acc, s| acc.plus(s.report.totals));
    let contract_total: Decimal = all.iter().map(|s| s.revenue.contract).sum();
    if let Some(format) = q.format {
        let t = |k: &str| i18n::t(locale, k).to_owned();
        let headers = [
            "cost_report.col_project",
            "cost_report.col_contract",
            "cost_report.col_budget",
            "cost_report.col_actual",
            "cost_report.col_committed",
            "cost_report.col_forecast",
            "cost_report.col_variance",
            "cost_report.col_used",
            "cost_report.col_margin",
            "cost_report.col_alert",
            "cost_report.col_alerted",
        ]
        .iter()
        .map(|k| t(k))
        .collect();
        let line = |contract: Decimal, f: &Figures| {
            vec![
                Cell::Money(contract),
                Cell::Money(f.budget),
                Cell::Money(f.actual),
                Cell::Money(f.committed),
                Cell::Money(f.forecast),
                Cell::Money(f.variance),
                f.percent_used().map_or_else(|| "".into(), Cell::Quantity),
            ]
        };
        let rows = all
            .iter()
            .map(|s| {
                let mut row: Vec<Cell> =
                    vec![format!("{} {}", s.project.code, s.project.name).into()];
                row.extend(line(s.revenue.contract, &s.report.totals));
                row.push(
                    s.margins
                        .contract
                        .percent
                        .map_or_else(|| "".into(), Cell::Quantity),
                );
                let mut alert = s
                    .report
                    .alert
                    .map_or_else(String::new, |a| t(a.label_key()));
                if s.margins.below_floor {
                    if !alert.is_empty() {
                        alert.push_str(", ");
                    }
                    alert.push_str(&t("cost_report.margin_below_floor"));
                }
                row.push(alert.into());
                row.push(
                    s.alerted(locale)
                        .into_iter()
                        .map(|(n, _)| n)
                        .collect::<Vec<_>>()
                        .join(", ")
                        .into(),
                );
                row
            })
            .collect();
        let mut total_row: Vec<Cell> = vec![t("cost_report.total").into()];
        total_row.extend(line(contract_total, &totals));
        total_row.extend(["".into(), "".into(), "".into()]);
        return Table {
            headers,
            rows,
            totals: Some(total_row),
        }
        .download(format, "cost-overview");
    }
    let html = OverviewPage {
        layout: page.layout(&tx, "cost_report.overview_title"),
        rows: all.iter().map(|s| overview_row(s, locale)).collect(),
        sort,
        totals: FigureCells::of(&totals),
        contract_total: format::money(contract_total),
        floor: percent_text(thresholds.margin_floor_percent),
    }
    .render()?;
    Ok(Html(html).into_response())
}
