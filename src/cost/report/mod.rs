//! 成本报表: a project's cost report (budget, actual, committed, remaining, estimate to
//! complete, forecast at completion, variance, percent used, alerts, the three margins) with
//! its XLSX and CSV export; the estimates to complete; actual cost by month; the company
//! overview across projects; and the alerts shown on the dashboard and the project home.

mod domain;
mod handlers;
mod panels;
mod queries;
pub mod views;

use axum::Router;
use axum::routing::get;

use self::queries::OverviewProject;
use crate::cost::domain::{Alert, Margins, Report, Revenue, Thresholds};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::state::AppState;
use crate::tenancy::ProjectId;

pub use panels::{dashboard_panels, project_panels};

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
    let ids: Vec<ProjectId> = projects.iter().map(|p| p.id).collect();
    let categories = crate::cost::queries::categories(tx).await?;
    let (thresholds, _) = crate::cost::queries::thresholds(tx).await?;
    let mut recorded = crate::cost::queries::recorded(tx, &ids, None, &categories).await?;
    let mut revenue = crate::cost::queries::revenue(tx, &ids).await?;
    let out = projects
        .into_iter()
        .map(|project| {
            let recorded = recorded.remove(&project.id.get()).unwrap_or_default();
            let revenue = revenue.remove(&project.id.get()).unwrap_or_default();
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
