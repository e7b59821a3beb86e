//! What the cost report adds to other pages through the registry: the alert box on a
//! project's home and the dashboard's panel of projects in trouble.

use askama::Template;

use super::views::{PanelRow, ProjectAlertBox, percent_text};
use super::{domain, standings, worst_first};
use crate::roles::ModuleId;
use crate::tenancy::project::Project;
use crate::web::Layout;
use crate::web::registry::{
    Audience, DashboardPanel, PanelContext, PanelFuture, ProjectPanel, ProjectPlace,
};

/// The most rows the dashboard's cost panel lists.
pub const PANEL_ROWS: usize = 8;

pub fn project_panels() -> Vec<ProjectPanel> {
    vec![ProjectPanel {
        order: 10,
        place: ProjectPlace::Banner,
        audience: Audience::module(ModuleId::Cost),
        render: home_alerts,
    }]
}

pub fn dashboard_panels() -> Vec<DashboardPanel> {
    vec![DashboardPanel {
        order: 30,
        audience: Audience::module(ModuleId::Cost),
        render: dashboard_card,
    }]
}

#[derive(Template)]
#[template(path = "cost/home_alerts.html")]
struct HomeAlerts<'a> {
    layout: &'a Layout,
    c: ProjectAlertBox,
}

/// The project's alert box, when it raises a cost alert or a thin margin.
fn home_alerts<'a>(cx: PanelContext<'a>, project: &'a Project) -> PanelFuture<'a> {
    Box::pin(async move {
        let locale = cx.layout.locale;
        let cost = crate::cost::queries::project_cost(cx.scope, project.id, None).await?;
        if !domain::is_alerted(cost.report.alert, cost.margins.below_floor) {
            return Ok(None);
        }
        let c = ProjectAlertBox {
            project_id: project.id.get(),
            alert: cost.report.alert,
            alerted: cost
                .report
                .alerted()
                .into_iter()
                .filter_map(|l| Some((l.category.name(locale).to_owned(), l.alert?)))
                .collect(),
            below_floor: cost.margins.below_floor,
            margin: cost.margins.contract.percent.map(percent_text),
        };
        Ok(Some(
            HomeAlerts {
                layout: cx.layout,
                c,
            }
            .render()?,
        ))
    })
}

#[derive(Template)]
#[template(path = "cost/dashboard_panel.html")]
struct DashboardCard<'a> {
    layout: &'a Layout,
    rows: Vec<PanelRow>,
}

/// The user's projects that raise a cost alert or a thin margin, the worst first.
fn dashboard_card(cx: PanelContext<'_>) -> PanelFuture<'_> {
    Box::pin(async move {
        let locale = cx.layout.locale;
        let (mut all, _) = standings(cx.scope).await?;
        all.retain(|s| domain::is_alerted(s.report.alert, s.margins.below_floor));
        worst_first(&mut all);
        let rows = all
            .iter()
            .take(PANEL_ROWS)
            .map(|s| PanelRow {
                project_id: s.project.id.get(),
                code: s.project.code.clone(),
                name: s.project.name.clone(),
                alert: s.report.alert,
                alerted: s.alerted(locale),
                used: s.report.totals.percent_used().map(percent_text),
                below_floor: s.margins.below_floor,
                margin: s.margins.contract.percent.map(percent_text),
            })
            .collect();
        Ok(Some(
            DashboardCard {
                layout: cx.layout,
                rows,
            }
            .render()?,
        ))
    })
}
