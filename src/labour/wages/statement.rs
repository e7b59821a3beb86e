//! A worker's statement: every ticket line, advance and payout between two dates on the
//! projects the user may see, in date order, with the balance owed after each, opening from
//! what was owed before; and its export.

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, Response};
use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::domain::{EntryKind, StatementSource, money, quantity, running_balance};
use super::queries::{self, StatementEntry, WorkerInfo};
use super::today;
use super::views::{StatementLine, StatementPage};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::labour::domain::{PayMethod, PayType, TicketStatus, WorkerId, mask_id_number, month_of};
use crate::labour::views::LabourTab;
use crate::roles::Permission;
use crate::tenancy::{Labour, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::fields::optional_date;
use crate::web::form::FieldErrors;
use crate::web::{Page, Path};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatementQuery {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(flatten)]
    pub period: StatementQuery,
    pub format: ExportFormat,
}

/// A statement read: the worker, the period, the opening balance and the entries with the
/// balance after each.
struct Statement {
    worker: WorkerInfo,
    from: NaiveDate,
    to: NaiveDate,
    opening: Decimal,
    entries: Vec<(StatementEntry, EntryKind, Decimal)>,
}

impl Statement {
    fn closing(&self) -> Decimal {
        self.entries.last().map_or(self.opening, |(_, _, b)| *b)
    }

    fn sum(&self, pick: impl Fn(EntryKind) -> bool) -> Decimal {
        self.entries
            .iter()
            .filter(|(_, k, _)| pick(*k))
            .map(|(e, _, _)| e.amount)
            .sum()
    }

    fn earned(&self) -> Decimal {
        self.sum(|k| k == EntryKind::Line { counts: true })
    }

    fn advances(&self) -> Decimal {
        self.sum(|k| k == EntryKind::Advance)
    }

    fn payouts(&self) -> Decimal {
        self.sum(|k| k == EntryKind::Payout)
    }

    /// 工日 and hours of the lines that count.
    fn work(&self) -> (Decimal, Decimal) {
        self.entries
            .iter()
            .filter(|(_, k, _)| *k == EntryKind::Line { counts: true })
            .fold((Decimal::ZERO, Decimal::ZERO), |(d, h), (e, _, _)| {
                (d + e.days, h + e.hours)
            })
    }
}

/// What an entry is; a line status or a payment method the statement does not know is an
/// error (the balance would be wrong, the method blank), never a default. An unknown kind
/// fails when the row is decoded.
fn kind_of(e: &StatementEntry) -> AppResult<EntryKind> {
    let unknown = |what: &str| AppError::Internal(anyhow::anyhow!("unknown {what} {:?}", e.status));
    match e.kind {
        StatementSource::Line => {
            let status = TicketStatus::parse(&e.status).ok_or_else(|| unknown("ticket status"))?;
            Ok(EntryKind::Line {
                counts: status.is_cost(),
            })
        }
        StatementSource::Advance | StatementSource::Payout => {
            PayMethod::parse(&e.status).ok_or_else(|| unknown("payment method"))?;
            Ok(if e.kind == StatementSource::Advance {
                EntryKind::Advance
            } else {
                EntryKind::Payout
            })
        }
    }
}

/// The period asked for; by default from the first day of the month two months back to today.
async fn load(
    tx: &mut TenantTx<Labour>,
    worker: WorkerId,
    q: &StatementQuery,
) -> AppResult<Statement> {
    let worker = queries::find_worker(tx, worker)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = today(tx);
    let mut ignored = FieldErrors::default();
    let to = optional_date(&mut ignored, "to", &q.to).unwrap_or(today);
    let from = optional_date(&mut ignored, "from", &q.from).unwrap_or_else(|| {
        month_of(today)
            .checked_sub_months(Months::new(2))
            .unwrap_or(today)
    });
    let opening = queries::balance_before(tx, worker.id, from).await?;
    let rows = queries::statement_entries(tx, worker.id, from, to).await?;
    let kinds = rows
        .iter()
        .map(|e| Ok((kind_of(e)?, e.amount)))
        .collect::<AppResult<Vec<(EntryKind, Decimal)>>>()?;
    let balances = running_balance(opening, &kinds);
    let entries = rows
        .into_iter()
        .zip(kinds)
        .zip(balances)
        .map(|((e, (k, _)), b)| (e, k, b))
        .collect();
    Ok(Statement {
        worker,
        from,
        to,
        opening,
        entries,
    })
}

fn kind_key(k: EntryKind) -> &'static str {
    match k {
        EntryKind::Line { .. } => "labour_wages.entry_line",
        EntryKind::Advance => "labour_wages.entry_advance",
        EntryKind::Payout => "labour_wages.entry_payout",
    }
}

/// A line's status, or how an advance or payout was paid.
fn detail_key(e: &StatementEntry, k: EntryKind) -> Option<&'static str> {
    match k {
        EntryKind::Line { .. } => TicketStatus::parse(&e.status).map(TicketStatus::label_key),
        _ => PayMethod::parse(&e.status).map(PayMethod::label_key),
    }
}

/// An advance's note, or a payout's month and reference.
fn note(e: &StatementEntry) -> String {
    match e.period {
        Some(p) if e.note.is_empty() => p.format("%Y-%m").to_string(),
        Some(p) => format!("{} · {}", p.format("%Y-%m"), e.note),
        None => e.note.clone(),
    }
}

pub async fn show(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<WorkerId>,
    Query(q): Query<StatementQuery>,
) -> AppResult<Html<String>> {
    let s = load(&mut tx, id, &q).await?;
    let full_ids = tx.user().role.has(Permission::SeeIdNumbers);
    let (days, hours) = s.work();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("from", &s.from.to_string())
        .append_pair("to", &s.to.to_string())
        .finish();
    let mut layout = page.layout(&tx, "labour_wages.statement_title");
    layout.title = format!("{} · {}", layout.title, s.worker.name);
    Ok(Html(
        StatementPage {
            layout,
            tab: LabourTab::Wages,
            worker_id: s.worker.id,
            worker_name: s.worker.name.clone(),
            id_number: if full_ids {
                s.worker.id_number.clone()
            } else {
                mask_id_number(&s.worker.id_number)
            },
            crew_name: s.worker.crew_name.clone(),
            from: s.from.to_string(),
            to: s.to.to_string(),
            opening: money(s.opening),
            rows: s
                .entries
                .iter()
                .map(|(e, k, balance)| {
                    let is_line = matches!(k, EntryKind::Line { .. });
                    StatementLine {
                        date: e.on.to_string(),
                        kind_key: kind_key(*k),
                        project_id: e.project_id,
                        project_code: e.project_code.clone(),
                        ticket_id: e.ticket_id,
                        hours: if is_line {
                            quantity(e.hours)
                        } else {
                            String::new()
                        },
                        days: if is_line {
                            quantity(e.days)
                        } else {
                            String::new()
                        },
                        pay_type_key: e
                            .pay_type
                            .as_deref()
                            .and_then(PayType::parse)
                            .map(PayType::label_key),
                        detail_key: detail_key(e, *k),
                        note: note(e),
                        earned: if is_line {
                            money(e.amount)
                        } else {
                            String::new()
                        },
                        deducted: if is_line {
                            String::new()
                        } else {
                            money(e.amount)
                        },
                        balance: money(*balance),
                        pending: *k == EntryKind::Line { counts: false },
                    }
                })
                .collect(),
            total_days: quantity(days),
            total_hours: quantity(hours),
            total_earned: money(s.earned()),
            total_advances: money(s.advances()),
            total_payouts: money(s.payouts()),
            closing: money(s.closing()),
            query,
        }
        .render()?,
    ))
}

fn statement_table(locale: Locale, s: &Statement) -> Table {
    let t = |k: &str| i18n::t(locale, k).to_owned();
    let blank = || Cell::Text(String::new());
    let mut rows = vec![vec![
        Cell::Text(s.from.to_string()),
        Cell::Text(t("labour_wages.opening_balance")),
        blank(),
        blank(),
        blank(),
        blank(),
        blank(),
        blank(),
        blank(),
        blank(),
        blank(),
        Cell::Money(s.opening),
    ]];
    for (e, k, balance) in &s.entries {
        let is_line = matches!(k, EntryKind::Line { .. });
        let ticket = e.ticket_id.map(|id| id.to_string()).unwrap_or_default();
        let key_text = |key: Option<&'static str>| key.map(t).unwrap_or_default();
        rows.push(vec![
            Cell::Text(e.on.to_string()),
            Cell::Text(t(kind_key(*k))),
            Cell::Text(e.project_code.clone()),
            Cell::Text(ticket),
            if is_line {
                Cell::Quantity(e.hours)
            } else {
                blank()
            },
            if is_line {
                Cell::Quantity(e.days)
            } else {
                blank()
            },
            Cell::Text(key_text(
                e.pay_type
                    .as_deref()
                    .and_then(PayType::parse)
                    .map(PayType::label_key),
            )),
            Cell::Text(key_text(detail_key(e, *k))),
            Cell::Text(note(e)),
            if is_line {
                Cell::Money(e.amount)
            } else {
                blank()
            },
            if is_line {
                blank()
            } else {
                Cell::Money(e.amount)
            },
            Cell::Money(*balance),
        ]);
    }
    let (days, hours) = s.work();
    Table {
        headers: vec![
            t("labour_wages.date"),
            t("labour_wages.entry"),
            t("labour_wages.project"),
            t("labour_wages.ticket"),
            t("labour_wages.hours"),
            t("labour_wages.days"),
            t("labour_wages.pay_type"),
            t("labour_wages.status_or_method"),
            t("labour_wages.note"),
            t("labour_wages.earned"),
            t("labour_wages.deducted"),
            t("labour_wages.balance"),
        ],
        rows,
        totals: Some(vec![
            Cell::Text(s.to.to_string()),
            Cell::Text(t("labour_wages.total")),
            blank(),
            blank(),
            Cell::Quantity(hours),
            Cell::Quantity(days),
            blank(),
            blank(),
            blank(),
            Cell::Money(s.earned()),
            Cell::Money(s.advances() + s.payouts()),
            Cell::Money(s.closing()),
        ]),
    }
}

/// The statement as XLSX or CSV.
pub async fn export(
    mut tx: TenantTx<Labour>,
    Path(id): Path<WorkerId>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    let s = load(&mut tx, id, &q.period).await?;
    let locale = tx.user().locale;
    statement_table(locale, &s).download(
        q.format,
        &format!("statement-{}-{}-{}", s.worker.id, s.from, s.to),
    )
}
