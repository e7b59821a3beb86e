//! Cash flow: the views that look across money. A project's funds page with its monthly fund
//! plan (`/projects/{id}/funds`, `/projects/{id}/funds/plan`), the company overview (`/funds`),
//! receivables and payables aging (`/funds/aging`) and the dashboard's funds panel.
//!
//! - `domain`: the rules, pure — roll-up, balance, plan against actual and the projected
//!   balance, FIFO aging, receivables, payables, retention both ways.
//! - `queries`: reads of `fund_month`, `fund_plan`, contracts with their money, and the dated
//!   items the aging needs; the plan's upsert.
//! - `chart`: the monthly bars and balance line.

pub mod chart;
pub mod domain;
pub mod queries;

mod aging;
pub mod overview;
mod panel;
mod plan;
mod project;

pub use panel::dashboard_panels;

use std::collections::BTreeMap;

use axum::Router;
use axum::routing::get;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use self::domain::{ContractMoney, MonthLine, Release, Timeline};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::state::AppState;
use crate::web::format::money;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/funds", get(overview::show))
        .route("/funds/aging", get(aging::show))
        .route("/projects/{project_id}/funds", get(project::show))
        .route(
            "/projects/{project_id}/funds/plan",
            get(plan::edit).post(plan::save),
        )
}

/// The months a cash-flow view shows: the last 12 up to the current one (or from the first
/// with any money or plan, if later), then the planned months ahead (at most 24).
pub(crate) fn range(
    actual: &BTreeMap<NaiveDate, domain::Flow>,
    plan: &BTreeMap<NaiveDate, domain::Planned>,
    today: NaiveDate,
) -> (NaiveDate, NaiveDate) {
    let current = domain::month_of(today);
    let earliest = domain::add_months(current, -11);
    let first_data = actual
        .keys()
        .chain(plan.keys())
        .copied()
        .min()
        .unwrap_or(current)
        .min(current);
    let first = first_data.max(earliest);
    let last = plan
        .keys()
        .copied()
        .max()
        .unwrap_or(current)
        .max(current)
        .min(domain::add_months(current, 24));
    (first, last)
}

/// A month of the table, as shown.
#[derive(Debug, Clone)]
pub struct MonthRow {
    pub month: String,
    pub inflow: String,
    pub outflow: String,
    pub net: String,
    pub planned_in: String,
    pub planned_out: String,
    pub variance_in: String,
    pub variance_out: String,
    pub balance: String,
    pub projected: bool,
    pub negative: bool,
}

/// An amount that may be negative (a balance, a net flow, a month of reversals).
fn signed(d: Decimal) -> String {
    money(d)
}

pub(crate) fn month_rows(t: &Timeline) -> Vec<MonthRow> {
    t.lines.iter().map(month_row).collect()
}

fn month_row(l: &MonthLine) -> MonthRow {
    let (flow_in, flow_out) = if l.projected {
        (String::new(), String::new())
    } else {
        (signed(l.actual.inflow), signed(l.actual.outflow))
    };
    MonthRow {
        month: l.month.format("%Y-%m").to_string(),
        inflow: flow_in,
        outflow: flow_out,
        net: if l.projected {
            String::new()
        } else {
            signed(l.actual.net())
        },
        planned_in: l.plan.map(|p| money(p.planned_in)).unwrap_or_default(),
        planned_out: l.plan.map(|p| money(p.planned_out)).unwrap_or_default(),
        variance_in: l.variance.map(|v| signed(v.inflow)).unwrap_or_default(),
        variance_out: l.variance.map(|v| signed(v.outflow)).unwrap_or_default(),
        balance: signed(l.balance),
        projected: l.projected,
        negative: l.balance < Decimal::ZERO,
    }
}

pub(crate) fn chart_svg(locale: Locale, t: &Timeline) -> String {
    let labels = chart::ChartLabels {
        inflow: i18n::t(locale, "funds_flow.inflow").to_owned(),
        outflow: i18n::t(locale, "funds_flow.outflow").to_owned(),
        balance: i18n::t(locale, "funds_flow.balance").to_owned(),
        yuan: i18n::t(locale, "funds_flow.unit_yuan").to_owned(),
        wan: i18n::t(locale, "funds_flow.unit_wan").to_owned(),
        title: i18n::t(locale, "funds_flow.chart_title").to_owned(),
        desc: i18n::t(locale, "funds_flow.chart_desc").to_owned(),
    };
    chart::render(&t.lines, &labels)
}

/// The negative-balance warning in words, naming the first month.
pub(crate) fn negative_warning(locale: Locale, t: &Timeline) -> Option<String> {
    t.first_negative.map(|m| {
        let balance = t
            .lines
            .iter()
            .find(|l| l.month == m)
            .map(|l| signed(l.balance))
            .unwrap_or_default();
        i18n::tf(
            locale,
            "funds_flow.negative_warning",
            &[("month", &m.format("%Y-%m")), ("balance", &balance)],
        )
    })
}

/// A contract's retention with its release date, as the lists show it.
#[derive(Debug, Clone)]
pub struct RetentionRow {
    pub contract_id: i64,
    pub project: String,
    pub number: String,
    pub counterparty: String,
    pub held: String,
    pub release_on: String,
    pub state: &'static str,
}

/// The contracts (of `income` or expense direction) holding retention whose release is
/// overdue or within 90 days (all of them when `all`), by release date.
pub(crate) fn retention_rows(
    contracts: &[ContractMoney],
    income: bool,
    today: NaiveDate,
    all: bool,
) -> Vec<RetentionRow> {
    let mut rows: Vec<(&ContractMoney, Release)> = contracts
        .iter()
        .filter(|k| k.is_income() == income && k.retention_held() > Decimal::ZERO)
        .map(|k| (k, Release::of(k.retention_release_on, today)))
        .filter(|(_, r)| all || matches!(r, Release::Overdue | Release::Upcoming))
        .collect();
    rows.sort_by_key(|(k, _)| (k.retention_release_on.is_none(), k.retention_release_on));
    rows.into_iter()
        .map(|(k, r)| RetentionRow {
            contract_id: k.id,
            project: k.project_code.clone(),
            number: k.number.clone(),
            counterparty: k.counterparty.clone(),
            held: money(k.retention_held()),
            release_on: k
                .retention_release_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            state: r.as_str(),
        })
        .collect()
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

/// Items grouped by contract.
pub(crate) fn items_by_contract(
    items: &[queries::ContractItem],
) -> BTreeMap<i64, Vec<domain::Item>> {
    let mut out: BTreeMap<i64, Vec<domain::Item>> = BTreeMap::new();
    for i in items {
        out.entry(i.contract_id).or_default().push(i.item());
    }
    out
}

/// What is past due of the receivables of `contracts`.
pub(crate) fn overdue_receivable(
    contracts: &[ContractMoney],
    items: &[queries::ContractItem],
    today: NaiveDate,
) -> Decimal {
    let by = items_by_contract(items);
    contracts
        .iter()
        .filter(|k| k.is_income())
        .map(|k| {
            by.get(&k.id)
                .map_or(Decimal::ZERO, |i| domain::overdue(i, k.received, today))
        })
        .sum()
}
