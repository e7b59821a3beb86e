//! The company's cash-flow overview (`/funds`): cash in, out and balance by month across the
//! projects the user sees (the last 12 months, then the fund plans ahead), the chart, each
//! project's standing, the largest receivables and payables, and retention coming back or
//! due to be paid back. The month table exports as XLSX and CSV.

use std::collections::HashMap;

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::domain::{self, ContractMoney, Flow, Timeline};
use super::queries::{self, Pick};
use super::views::{MonthRow, RetentionRow};
use crate::error::AppResult;
use crate::funds::domain::ContractDirection;
use crate::funds::queries::visible_projects;
use crate::i18n::{self, Locale};
use crate::ids::ContractId;
use crate::tenancy::{Funds, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::format::money;
use crate::web::{Layout, Page};

/// How many receivables and payables the overview lists.
pub const TOP: usize = 10;

/// How many retention releases of each side the overview lists, the soonest first: a
/// company's contracts run to thousands, and each project's page lists all of its own.
pub const RELEASES: usize = 20;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OverviewQuery {
    pub format: Option<ExportFormat>,
}

/// A project's line: cash in, out and balance to date, receivable and payable.
#[derive(Debug, Clone)]
pub struct ProjectLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub inflow: String,
    pub outflow: String,
    pub balance: String,
    pub negative: bool,
    pub receivable: String,
    pub payable: String,
}

/// A receivable or payable of a contract.
#[derive(Debug, Clone)]
pub struct OpenLine {
    pub contract_id: ContractId,
    pub project: String,
    pub number: String,
    pub counterparty: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "funds/overview.html")]
pub struct OverviewPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub months: Vec<MonthRow>,
    pub opening: String,
    pub totals: MonthRow,
    pub chart: String,
    pub warning: Option<String>,
    pub projects: Vec<ProjectLine>,
    pub receivables: Vec<OpenLine>,
    pub payables: Vec<OpenLine>,
    pub receivable_total: String,
    pub payable_total: String,
    pub by_others: Vec<RetentionRow>,
    pub from_others: Vec<RetentionRow>,
    /// How many releases of each side are not listed.
    pub by_others_more: usize,
    pub from_others_more: usize,
}

/// What the overview is built from.
pub struct Overview {
    pub timeline: Timeline,
    pub rows: Vec<queries::ProjectMonth>,
    /// Each project's receivable, payable and releases due.
    pub open: Vec<queries::ProjectOpen>,
    /// The largest receivables and payables.
    pub receivables: Vec<ContractMoney>,
    pub payables: Vec<ContractMoney>,
    /// The soonest releases of retention held by others and from others.
    pub by_others: Vec<ContractMoney>,
    pub from_others: Vec<ContractMoney>,
}

/// Loads the overview's figures for the user (what the bench times): the month roll-up and
/// each project's open figures added up, and only the contracts the page lists.
pub async fn load(
    scope: &mut crate::db::TenantScope,
    today: chrono::NaiveDate,
) -> AppResult<Overview> {
    let current = domain::month_of(today);
    let rows = queries::months(scope, None).await?;
    let actual = queries::by_month(&rows);
    let plan_rows = queries::plans(scope, None, domain::add_months(current, -24)).await?;
    let plan = queries::plan_by_month(&plan_rows);
    let (first, last) = super::domain::range(&actual, &plan, today);
    let cash = queries::opening_cash(scope).await?;
    let timeline =
        domain::timeline(&actual, &plan, first, last, current).starting_with(cash, current);
    let through = domain::releases_through(today);
    let open = queries::open_by_project(scope, through).await?;
    let top = i64::try_from(TOP).unwrap_or(i64::MAX);
    let listed = i64::try_from(RELEASES).unwrap_or(i64::MAX);
    let receivables = queries::contracts(
        scope,
        None,
        Pick::Open {
            direction: ContractDirection::Income,
            limit: top,
        },
    )
    .await?;
    let payables = queries::contracts(
        scope,
        None,
        Pick::Open {
            direction: ContractDirection::Expense,
            limit: top,
        },
    )
    .await?;
    let by_others = queries::contracts(
        scope,
        None,
        Pick::Releases {
            direction: ContractDirection::Income,
            through,
            limit: listed,
        },
    )
    .await?;
    let from_others = queries::contracts(
        scope,
        None,
        Pick::Releases {
            direction: ContractDirection::Expense,
            through,
            limit: listed,
        },
    )
    .await?;
    Ok(Overview {
        timeline,
        rows,
        open,
        receivables,
        payables,
        by_others,
        from_others,
    })
}

/// The largest receivables or payables as listed.
fn open_lines(
    contracts: &[ContractMoney],
    amount: impl Fn(&ContractMoney) -> Decimal,
) -> Vec<OpenLine> {
    contracts
        .iter()
        .map(|k| OpenLine {
            contract_id: k.id,
            project: k.project_code.clone(),
            number: k.number.clone(),
            counterparty: k.counterparty.clone(),
            amount: money(amount(k)),
        })
        .collect()
}

/// The month table's total row over the actual months.
fn totals_row(t: &Timeline) -> MonthRow {
    let mut f = Flow::default();
    for l in t.lines.iter().filter(|l| !l.projected) {
        f.inflow += l.actual.inflow;
        f.outflow += l.actual.outflow;
    }
    MonthRow {
        month: String::new(),
        inflow: money(f.inflow),
        outflow: money(f.outflow),
        net: super::views::signed(f.net()),
        planned_in: String::new(),
        planned_out: String::new(),
        variance_in: String::new(),
        variance_out: String::new(),
        balance: String::new(),
        projected: false,
        negative: false,
    }
}

/// GET /funds (and `?format=xlsx|csv`: the month table).
pub async fn show(
    mut tx: TenantTx<Funds>,
    page: Page,
    Query(q): Query<OverviewQuery>,
) -> AppResult<Response> {
    let locale = page.locale;
    let today = tx.tenant().today();
    let current = domain::month_of(today);
    let o = load(&mut tx, today).await?;
    if let Some(format) = q.format {
        return export(locale, &o.timeline, format);
    }
    let projects = visible_projects(&mut tx).await?;
    let mut flows: HashMap<i64, Flow> = HashMap::new();
    for r in o.rows.iter().filter(|r| r.month <= current) {
        let f = flows.entry(r.project_id).or_default();
        f.inflow += r.inflow;
        f.outflow += r.outflow;
    }
    let open: HashMap<i64, &queries::ProjectOpen> =
        o.open.iter().map(|p| (p.project_id, p)).collect();
    let project_lines = projects
        .iter()
        .map(|p| {
            let f = flows.get(&p.id.get()).copied().unwrap_or_default();
            let (r, pay) = open
                .get(&p.id.get())
                .map_or((Decimal::ZERO, Decimal::ZERO), |o| {
                    (o.receivable, o.payable)
                });
            ProjectLine {
                id: p.id.get(),
                code: p.code.clone(),
                name: p.name.clone(),
                inflow: money(f.inflow),
                outflow: money(f.outflow),
                balance: super::views::signed(f.net()),
                negative: f.net() < Decimal::ZERO,
                receivable: money(r),
                payable: money(pay),
            }
        })
        .collect();
    let receivable: Decimal = o.open.iter().map(|p| p.receivable).sum();
    let payable: Decimal = o.open.iter().map(|p| p.payable).sum();
    let by_others = super::views::retention_rows(&o.by_others, true, today, false);
    let from_others = super::views::retention_rows(&o.from_others, false, today, false);
    let due = |count: fn(&queries::ProjectOpen) -> i64, shown: usize| {
        let all: i64 = o.open.iter().map(count).sum();
        usize::try_from(all)
            .unwrap_or_default()
            .saturating_sub(shown)
    };
    let by_others_more = due(|p| p.releases_by_others, by_others.len());
    let from_others_more = due(|p| p.releases_from_others, from_others.len());
    let html = OverviewPage {
        layout: page.layout(&tx, "funds_flow.overview_title"),
        funds_tab: "overview",
        months: super::views::month_rows(&o.timeline),
        opening: super::views::signed(o.timeline.opening),
        totals: totals_row(&o.timeline),
        chart: super::views::chart_svg(locale, &o.timeline),
        warning: super::views::negative_warning(locale, &o.timeline),
        projects: project_lines,
        receivables: open_lines(&o.receivables, |k| k.receivable),
        payables: open_lines(&o.payables, |k| k.payable),
        receivable_total: money(receivable),
        payable_total: money(payable),
        by_others,
        from_others,
        by_others_more,
        from_others_more,
    }
    .render()?;
    Ok(Html(html).into_response())
}

fn export(locale: Locale, t: &Timeline, format: ExportFormat) -> AppResult<Response> {
    let h = |k: &str| i18n::t(locale, k).to_owned();
    let opt = |d: Option<Decimal>| d.map_or(Cell::Text(String::new()), Cell::Money);
    let mut total = Flow::default();
    let rows = t
        .lines
        .iter()
        .map(|l| {
            let actual = (!l.projected).then_some(l.actual);
            if let Some(a) = actual {
                total.inflow += a.inflow;
                total.outflow += a.outflow;
            }
            vec![
                Cell::Text(l.month.format("%Y-%m").to_string()),
                opt(actual.map(|a| a.inflow)),
                opt(actual.map(|a| a.outflow)),
                opt(actual.map(|a| a.net())),
                opt(l.plan.map(|p| p.planned_in)),
                opt(l.plan.map(|p| p.planned_out)),
                Cell::Money(l.balance),
                Cell::Text(if l.projected {
                    h("funds_flow.projected")
                } else {
                    String::new()
                }),
            ]
        })
        .collect();
    Table {
        headers: vec![
            h("funds_flow.month"),
            h("funds_flow.inflow"),
            h("funds_flow.outflow"),
            h("funds_flow.net"),
            h("funds_flow.planned_in"),
            h("funds_flow.planned_out"),
            h("funds_flow.balance"),
            h("funds_flow.projected"),
        ],
        rows,
        totals: Some(vec![
            Cell::Text(h("funds_flow.total")),
            Cell::Money(total.inflow),
            Cell::Money(total.outflow),
            Cell::Money(total.net()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
        ]),
    }
    .download(format, "cash-flow")
}
