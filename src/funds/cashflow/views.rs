//! What the cash-flow pages share: the month table's rows, the chart, the negative-balance
//! warning and the retention rows.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::chart;
use super::domain::{ContractMoney, MonthLine, Release, Timeline};
use crate::i18n::{self, Locale};
use crate::ids::ContractId;
use crate::web::format::money;

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
pub(super) fn signed(d: Decimal) -> String {
    money(d)
}

pub(crate) fn month_rows(t: &Timeline) -> Vec<MonthRow> {
    t.lines.iter().map(month_row).collect()
}

pub(super) fn month_row(l: &MonthLine) -> MonthRow {
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
    pub contract_id: ContractId,
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
        .filter(|k| k.is_income() == income && k.retention_held > Decimal::ZERO)
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
            held: money(k.retention_held),
            release_on: k
                .retention_release_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            state: r.as_str(),
        })
        .collect()
}
