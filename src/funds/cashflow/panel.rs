//! The dashboard's funds panel: this month's cash, the balance, receivables and payables,
//! and the retention releases coming up.

use askama::Template;

use super::{Panel, dashboard_panel};
use crate::roles::ModuleId;
use crate::web::Layout;
use crate::web::registry::{Audience, DashboardPanel, PanelContext, PanelFuture};

pub fn dashboard_panels() -> Vec<DashboardPanel> {
    vec![DashboardPanel {
        order: 40,
        audience: Audience::module(ModuleId::Funds),
        render: dashboard_card,
    }]
}

#[derive(Template)]
#[template(path = "funds/dashboard_panel.html")]
struct DashboardCard<'a> {
    layout: &'a Layout,
    f: Panel,
}

fn dashboard_card(cx: PanelContext<'_>) -> PanelFuture<'_> {
    Box::pin(async move {
        let f = dashboard_panel(cx.scope, cx.tenant.today()).await?;
        Ok(Some(
            DashboardCard {
                layout: cx.layout,
                f,
            }
            .render()?,
        ))
    })
}
