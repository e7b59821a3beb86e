//! Aging (账龄): receivables and payables by counterparty in 0–30, 31–60, 61–90 and over 90
//! days as of the tenant's today, first in first out (the oldest certified amount or invoice
//! is the first a receipt or payment settles). Exports as XLSX and CSV.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::domain::{self, Buckets, ContractMoney};
use super::queries;
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::tenancy::{Funds, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::format::money;
use crate::web::{Layout, Page};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AgingQuery {
    pub format: Option<ExportFormat>,
}

/// A counterparty's amounts by age.
#[derive(Debug, Clone)]
pub struct AgingRow {
    pub counterparty_id: i64,
    pub counterparty: String,
    pub buckets: Buckets,
}

impl AgingRow {
    pub fn cells(&self) -> Vec<String> {
        let mut v: Vec<String> = self.buckets.as_array().iter().map(|d| money(*d)).collect();
        v.push(money(self.buckets.total()));
        v
    }
}

#[derive(Template)]
#[template(path = "funds/aging.html")]
pub struct AgingPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub today: String,
    pub receivables: Vec<AgingRow>,
    pub receivable_total: AgingRow,
    pub payables: Vec<AgingRow>,
    pub payable_total: AgingRow,
}

/// The open amounts of `income` (or expense) contracts aged, by counterparty name, and the
/// total.
pub fn by_counterparty(
    contracts: &[ContractMoney],
    items: &[queries::ContractItem],
    income: bool,
    today: NaiveDate,
) -> (Vec<AgingRow>, AgingRow) {
    let items = super::domain::items_by_contract(items);
    let mut rows: BTreeMap<(String, i64), Buckets> = BTreeMap::new();
    for k in contracts.iter().filter(|k| k.is_income() == income) {
        let settled = if income {
            k.received
        } else {
            k.paid_total() + k.retention_held
        };
        let b = items
            .get(&k.id)
            .map(|i| domain::aging(i, settled, today))
            .unwrap_or_default();
        if b.total() > Decimal::ZERO {
            let e = rows
                .entry((k.counterparty.clone(), k.counterparty_id))
                .or_default();
            *e = e.plus(&b);
        }
    }
    let mut total = Buckets::default();
    let rows: Vec<AgingRow> = rows
        .into_iter()
        .map(|((name, id), b)| {
            total = total.plus(&b);
            AgingRow {
                counterparty_id: id,
                counterparty: name,
                buckets: b,
            }
        })
        .collect();
    (
        rows,
        AgingRow {
            counterparty_id: 0,
            counterparty: String::new(),
            buckets: total,
        },
    )
}

/// GET /funds/aging (and `?format=xlsx|csv`).
pub async fn show(
    mut tx: TenantTx<Funds>,
    page: Page,
    Query(q): Query<AgingQuery>,
) -> AppResult<Response> {
    let locale = page.locale;
    let today = tx.tenant().today();
    let contracts = queries::contracts(&mut tx, None, queries::Pick::All).await?;
    let certified = queries::certified_items(&mut tx, None).await?;
    let invoices = queries::invoice_items(&mut tx, None).await?;
    let (receivables, receivable_total) = by_counterparty(&contracts, &certified, true, today);
    let (payables, payable_total) = by_counterparty(&contracts, &invoices, false, today);
    if let Some(format) = q.format {
        return export(
            locale,
            &[
                ("funds_flow.receivables", &receivables, &receivable_total),
                ("funds_flow.payables", &payables, &payable_total),
            ],
            format,
        );
    }
    let html = AgingPage {
        layout: page.layout(&tx, "funds_flow.aging_title"),
        funds_tab: "aging",
        today: today.to_string(),
        receivables,
        receivable_total,
        payables,
        payable_total,
    }
    .render()?;
    Ok(Html(html).into_response())
}

type Section<'a> = (&'static str, &'a [AgingRow], &'a AgingRow);

fn export(locale: Locale, sections: &[Section<'_>], format: ExportFormat) -> AppResult<Response> {
    let h = |k: &str| i18n::t(locale, k).to_owned();
    let mut rows = Vec::new();
    for (key, list, total) in sections {
        for r in list.iter().chain(std::iter::once(*total)) {
            let name = if r.counterparty_id == 0 {
                h("funds_flow.total")
            } else {
                r.counterparty.clone()
            };
            let mut row = vec![Cell::Text(h(key)), Cell::Text(name)];
            row.extend(r.buckets.as_array().into_iter().map(Cell::Money));
            row.push(Cell::Money(r.buckets.total()));
            rows.push(row);
        }
    }
    Table {
        headers: vec![
            h("funds_flow.aging_kind"),
            h("funds_flow.counterparty"),
            h("funds_flow.days_0_30"),
            h("funds_flow.days_31_60"),
            h("funds_flow.days_61_90"),
            h("funds_flow.days_over_90"),
            h("funds_flow.total"),
        ],
        rows,
        totals: None,
    }
    .download(format, "aging")
}
