//! 成本报表: a project's cost report (budget, actual, committed, remaining, estimate to
//! complete, forecast at completion, variance, percent used, alerts, the three margins) with
//! its XLSX and CSV export; the estimates to complete; actual cost by month; the company
//! overview across projects; and the alerts shown on the dashboard and the project home.

mod domain;
mod handlers;
mod queries;
pub mod views;

use axum::Router;
use axum::routing::get;

use self::queries::OverviewProject;
use self::views::{PanelRow, ProjectAlertBox, percent_text};
use crate::cost::domain::{Alert, Margins, Report, Revenue, Thresholds};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::roles::ModuleId;
use crate::state::AppState;
use crate::tenancy::{Module, TenantTx};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cost", get(handlers::overview))
        .route("/projects/{project_id}/cost", get(handlers::show))
        .route(
            "/projects/{project_id}/cost/report.xlsx",
            get(handlers::export_xlsx),
        )
        .route(
            "/projects/{project_id}/cost/report.csv",
            get(handlers::export_csv),
        )
        .route(
            "/projects/{project_id}/cost/estimates",
            get(handlers::estimates_form).post(handlers::save_estimates),
        )
        .route("/projects/{project_id}/cost/months", get(handlers::months))
        .route(
            "/projects/{project_id}/cost/months.xlsx",
            get(handlers::months_xlsx),
        )
        .route(
            "/projects/{project_id}/cost/months.csv",
            get(handlers::months_csv),
        )
}

/// Where one project's cost stands: its report and margins.
pub struct Standing {
    pub project: OverviewProject,
    pub report: Report,
    pub revenue: Revenue,
    pub margins: Margins,
}

impl Standing {
    /// The alerted categories' names, worst first.
    fn alerted(&self, locale: Locale) -> Vec<(String, Alert)> {
        self.report
            .alerted()
            .into_iter()
            .filter_map(|l| Some((l.category.name(locale).to_owned(), l.alert?)))
            .collect()
    }
}

/// Every project the user may see that is not archived, with its report: one query per kind
/// of figure for all projects together, never one per project.
/// `all`: every project of the tenant, else those `user` is a member of.
pub async fn standings(tx: &mut TenantScope) -> AppResult<(Vec<Standing>, Thresholds)> {
    let projects = queries::overview_projects(tx).await?;
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let categories = crate::cost::queries::categories(tx).await?;
    let (thresholds, _) = crate::cost::queries::thresholds(tx).await?;
    let mut recorded = crate::cost::queries::recorded(tx, &ids, None, &categories).await?;
    let mut revenue = crate::cost::queries::revenue(tx, &ids).await?;
    let out = projects
        .into_iter()
        .map(|project| {
            let recorded = recorded.remove(&project.id).unwrap_or_default();
            let revenue = revenue.remove(&project.id).unwrap_or_default();
            let report = Report::build(&categories, &recorded, &thresholds);
            let margins = Margins::of(revenue, &report.totals, &thresholds);
            Standing {
                project,
                report,
                revenue,
                margins,
            }
        })
        .collect();
    Ok((out, thresholds))
}

/// Sorts projects the worst first (`domain::worst_key`), then by code.
fn worst_first(all: &mut [Standing]) {
    all.sort_by_cached_key(|s| {
        (
            std::cmp::Reverse(domain::worst_key(
                s.report.alert,
                s.margins.below_floor,
                s.report.totals.percent_used(),
            )),
            s.project.code.clone(),
        )
    });
}

/// Whether the user may open the cost centre: switched on for the tenant and open to their
/// role.
fn opens_cost<M: Module>(tx: &TenantTx<M>) -> bool {
    tx.tenant().modules.contains(&ModuleId::Cost) && tx.user().role.can_use(ModuleId::Cost)
}

/// The most rows the dashboard's cost panel lists.
pub const PANEL_ROWS: usize = 8;

/// The dashboard's cost panel: the user's projects that raise a cost alert or a thin margin,
/// the worst first. Call it only when the user may open the cost centre.
pub async fn dashboard_panel<M: Module>(tx: &mut TenantTx<M>) -> AppResult<Vec<PanelRow>> {
    let locale = tx.user().locale;
    let (mut all, _) = standings(tx).await?;
    all.retain(|s| domain::is_alerted(s.report.alert, s.margins.below_floor));
    worst_first(&mut all);
    Ok(all
        .iter()
        .take(PANEL_ROWS)
        .map(|s| PanelRow {
            project_id: s.project.id,
            code: s.project.code.clone(),
            name: s.project.name.clone(),
            alert: s.report.alert,
            alerted: s.alerted(locale),
            used: s.report.totals.percent_used().map(percent_text),
            below_floor: s.margins.below_floor,
            margin: s.margins.contract.percent.map(percent_text),
        })
        .collect())
}

/// The cost alert box of a project's home page: `None` when the user cannot open the cost
/// centre or the project raises nothing.
pub async fn project_alerts<M: Module>(
    tx: &mut TenantTx<M>,
    project: i64,
) -> AppResult<Option<ProjectAlertBox>> {
    if !opens_cost(tx) {
        return Ok(None);
    }
    let locale = tx.user().locale;
    let cost = crate::cost::queries::project_cost(tx, project, None).await?;
    if !domain::is_alerted(cost.report.alert, cost.margins.below_floor) {
        return Ok(None);
    }
    Ok(Some(ProjectAlertBox {
        project_id: project,
        alert: cost.report.alert,
        alerted: cost
            .report
            .alerted()
            .into_iter()
            .filter_map(|l| Some((l.category.name(locale).to_owned(), l.alert?)))
            .collect(),
        below_floor: cost.margins.below_floor,
        margin: cost.margins.contract.percent.map(percent_text),
    }))
}

/// Whether the dashboard shows the cost panel to this user.
pub fn shows_panel<M: Module>(tx: &TenantTx<M>) -> bool {
    opens_cost(tx)
}
