//! The dashboard's labour panel: this month's day labour by project.

use askama::Template;

use super::{PanelRow, dashboard_panel};
use crate::roles::ModuleId;
use crate::web::Layout;
use crate::web::registry::{Audience, DashboardPanel, PanelContext, PanelFuture};

pub fn dashboard_panels() -> Vec<DashboardPanel> {
    vec![DashboardPanel {
        order: 20,
        audience: Audience::module(ModuleId::Labour),
        render: dashboard_card,
    }]
}

#[derive(Template)]
#[template(path = "labour/dashboard_panel.html")]
struct DashboardCard<'a> {
    layout: &'a Layout,
    month: String,
    rows: Vec<PanelRow>,
}

fn dashboard_card(cx: PanelContext<'_>) -> PanelFuture<'_> {
    Box::pin(async move {
        let (month, rows) = dashboard_panel(cx.scope, cx.tenant.today()).await?;
        Ok(Some(
            DashboardCard {
                layout: cx.layout,
                month,
                rows,
            }
            .render()?,
        ))
    })
}
