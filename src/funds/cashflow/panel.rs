//! The dashboard's funds panel: this month's cash, the balance, receivables and payables,
//! and the retention releases coming up.

use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::domain::overdue_receivable;
use super::views::{RetentionRow, retention_rows, signed};
use super::{domain, queries};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::roles::ModuleId;
use crate::web::Layout;
use crate::web::format::money;
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

/// The dashboard's funds panel.
#[derive(Debug, Clone)]
pub struct Panel {
    pub month: String,
    pub inflow: String,
    pub outflow: String,
    pub balance: String,
    pub balance_negative: bool,
    pub receivable: String,
    pub payable: String,
    pub overdue_receivable: String,
    pub has_overdue: bool,
    pub releases: Vec<RetentionRow>,
}

/// This month's cash in and out, the balance, receivables (and how much is overdue),
/// payables and the retention releases coming up, over the projects the user sees.
pub async fn dashboard_panel(tx: &mut TenantScope, today: NaiveDate) -> AppResult<Panel> {
    let current = domain::month_of(today);
    let flows = queries::by_month(&queries::months(tx, None).await?);
    let this = flows.get(&current).copied().unwrap_or_default();
    let balance =
        queries::opening_cash(tx).await? + domain::balance(flows.range(..=current).map(|(_, f)| f));
    let contracts = queries::contracts(tx, None).await?;
    let totals = domain::totals(&contracts);
    let items = queries::certified_items(tx, None).await?;
    let overdue = overdue_receivable(&contracts, &items, today);
    let mut releases = retention_rows(&contracts, true, today, false);
    releases.extend(retention_rows(&contracts, false, today, false));
    releases.truncate(8);
    Ok(Panel {
        month: current.format("%Y-%m").to_string(),
        inflow: money(this.inflow),
        outflow: money(this.outflow),
        balance: signed(balance),
        balance_negative: balance < Decimal::ZERO,
        receivable: money(totals.receivable),
        payable: money(totals.payable),
        overdue_receivable: money(overdue),
        has_overdue: overdue > Decimal::ZERO,
        releases,
    })
}
