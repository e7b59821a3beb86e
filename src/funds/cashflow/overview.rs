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
use super::queries;
use super::views::{MonthRow, RetentionRow};
use crate::error::AppResult;
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

/// The first `RELEASES` rows and how many were left out.
fn soonest(mut rows: Vec<RetentionRow>) -> (Vec<RetentionRow>, usize) {
    let more = rows.len().saturating_sub(RELEASES);
    rows.truncate(RELEASES);
    (rows, more)
}

/// What the overview is built from.
pub struct Overview {
    pub timeline: Timeline,
    pub rows: Vec<queries::ProjectMonth>,
    pub contracts: Vec<ContractMoney>,
}

/// Loads the overview's figures for the user (what the bench times).
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
    let contracts = queries::contracts(scope, None).await?;
    Ok(Overview {
        timeline,
        rows,
        contracts,
    })
}

fn top(contracts: &[ContractMoney], amount: impl Fn(&ContractMoney) -> Decimal) -> Vec<OpenLine> {
    let mut open: Vec<(&ContractMoney, Decimal)> = contracts
        .iter()
        .map(|k| (k, amount(k)))
        .filter(|(_, a)| *a > Decimal::ZERO)
        .collect();
    open.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.number.cmp(&b.0.number)));
    open.into_iter()
        .take(TOP)
        .map(|(k, a)| OpenLine {
            contract_id: k.id,
            project: k.project_code.clone(),
            number: k.number.clone(),
            counterparty: k.counterparty.clone(),
            amount: money(a),
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
    let mut open: HashMap<i64, (Decimal, Decimal)> = HashMap::new();
    for k in &o.contracts {
        let e = open.entry(k.project_id).or_default();
        e.0 += k.receivable();
        e.1 += k.payable();
    }
    let project_lines = projects
        .iter()
        .map(|p| {
            let f = flows.get(&p.id.get()).copied().unwrap_or_default();
            let (r, pay) = open.get(&p.id.get()).copied().unwrap_or_default();
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
    let t = domain::totals(&o.contracts);
    let (by_others, by_others_more) = soonest(super::views::retention_rows(
        &o.contracts,
        true,
        today,
        false,
    ));
    let (from_others, from_others_more) = soonest(super::views::retention_rows(
        &o.contracts,
        false,
        today,
        false,
    ));
    let html = OverviewPage {
        layout: page.layout(&tx, "funds_flow.overview_title"),
        funds_tab: "overview",
        months: super::views::month_rows(&o.timeline),
        opening: super::views::signed(o.timeline.opening),
        totals: totals_row(&o.timeline),
        chart: super::views::chart_svg(locale, &o.timeline),
        warning: super::views::negative_warning(locale, &o.timeline),
        projects: project_lines,
        receivables: top(&o.contracts, ContractMoney::receivable),
        payables: top(&o.contracts, ContractMoney::payable),
        receivable_total: money(t.receivable),
        payable_total: money(t.payable),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: usize) -> RetentionRow {
        RetentionRow {
            contract_id: ContractId(i64::try_from(n).unwrap_or_default()),
            project: String::new(),
            number: format!("HT-{n}"),
            counterparty: String::new(),
            held: String::new(),
            release_on: String::new(),
            state: "overdue",
        }
    }

    #[test]
    fn the_overview_lists_the_soonest_releases_and_counts_the_rest() {
        let (shown, more) = soonest((0..RELEASES + 7).map(row).collect());
        assert_eq!(shown.len(), RELEASES);
        assert_eq!(more, 7);
        assert_eq!(shown[0].number, "HT-0");
        let (shown, more) = soonest((0..3).map(row).collect());
        assert_eq!((shown.len(), more), (3, 0));
    }
}
