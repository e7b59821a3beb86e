//! The dashboard's funds panel: this month's cash, the balance, receivables and payables,
//! and the retention releases coming up.

use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::domain::overdue_receivable;
use super::queries::Pick;
use super::views::{RetentionRow, retention_rows, signed};
use super::{domain, queries};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::funds::domain::ContractDirection;
use crate::roles::ModuleId;
use crate::web::Layout;
use crate::web::format::money;
use crate::web::registry::{Audience, DashboardPanel, PanelContext, PanelFuture};

/// How many retention releases the panel lists, those held by others first.
const RELEASES: usize = 8;

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
    let through = domain::releases_through(today);
    let open = queries::open_by_project(tx, through).await?;
    let receivable: Decimal = open.iter().map(|p| p.receivable).sum();
    let payable: Decimal = open.iter().map(|p| p.payable).sum();
    // Only contracts with something receivable can have something overdue.
    let receivables = queries::contracts(
        tx,
        None,
        Pick::Open {
            direction: ContractDirection::Income,
            limit: i64::MAX,
        },
    )
    .await?;
    let items = queries::certified_items(tx, None).await?;
    let overdue = overdue_receivable(&receivables, &items, today);
    let listed = i64::try_from(RELEASES).unwrap_or(i64::MAX);
    let mut releases = Vec::new();
    for direction in [ContractDirection::Income, ContractDirection::Expense] {
        let due = queries::contracts(
            tx,
            None,
            Pick::Releases {
                direction,
                through,
                limit: listed,
            },
        )
        .await?;
        let income = direction == ContractDirection::Income;
        releases.extend(retention_rows(&due, income, today, false));
    }
    releases.truncate(RELEASES);
    Ok(Panel {
        month: current.format("%Y-%m").to_string(),
        inflow: money(this.inflow),
        outflow: money(this.outflow),
        balance: signed(balance),
        balance_negative: balance < Decimal::ZERO,
        receivable: money(receivable),
        payable: money(payable),
        overdue_receivable: money(overdue),
        has_overdue: overdue > Decimal::ZERO,
        releases,
    })
}
