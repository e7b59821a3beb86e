//! What the risk register adds to other pages through the registry: the overdue-review
//! notice on a project's home and the dashboard's risks-and-changes panel.

use askama::Template;

use super::company::dashboard_panel;
use super::queries;
use super::views::Panel;
use crate::roles::ModuleId;
use crate::tenancy::ProjectId;
use crate::tenancy::project::Project;
use crate::web::Layout;
use crate::web::registry::{
    Audience, DashboardPanel, PanelContext, PanelFuture, ProjectPanel, ProjectPlace,
};

pub fn project_panels() -> Vec<ProjectPanel> {
    vec![ProjectPanel {
        order: 20,
        place: ProjectPlace::Banner,
        audience: Audience::module(ModuleId::Changes),
        render: home_overdue,
    }]
}

pub fn dashboard_panels() -> Vec<DashboardPanel> {
    vec![DashboardPanel {
        order: 50,
        audience: Audience::module(ModuleId::Changes),
        render: dashboard_card,
    }]
}

#[derive(Template)]
#[template(path = "changes/home_overdue.html")]
struct HomeOverdue<'a> {
    layout: &'a Layout,
    project_id: ProjectId,
    count: i64,
}

/// Risks of the project not closed whose review date has passed, when there are any.
fn home_overdue<'a>(cx: PanelContext<'a>, project: &'a Project) -> PanelFuture<'a> {
    Box::pin(async move {
        let today = cx.tenant.today();
        let count = queries::overdue_count(cx.scope, project.id, today).await?;
        if count == 0 {
            return Ok(None);
        }
        Ok(Some(
            HomeOverdue {
                layout: cx.layout,
                project_id: project.id,
                count,
            }
            .render()?,
        ))
    })
}

#[derive(Template)]
#[template(path = "changes/dashboard_panel.html")]
struct DashboardCard<'a> {
    layout: &'a Layout,
    c: Panel,
}

fn dashboard_card(cx: PanelContext<'_>) -> PanelFuture<'_> {
    Box::pin(async move {
        let today = cx.tenant.today();
        let c = dashboard_panel(cx.scope, today, cx.user.id, cx.user.role).await?;
        Ok(Some(
            DashboardCard {
                layout: cx.layout,
                c,
            }
            .render()?,
        ))
    })
}
