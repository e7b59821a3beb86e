//! 点工汇总: labour added up by project, crew, worker, trade, task or month (or two of them,
//! e.g. crew by month), in hours, 工日 and money, filtered by dates and status, each figure a
//! link to the tickets behind it; exported to XLSX and CSV; and the dashboard's panel.

mod panel;
pub mod queries;

pub use panel::dashboard_panels;

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;

use self::queries::{SummaryFilter, SummaryRow};
use super::domain::{TicketStatus, crews_led_by, month_end, month_of};
use super::tickets::visibility;
use super::views::LabourTab;
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::state::AppState;
use crate::tenancy::{Labour, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::form::Choice;
use crate::web::pager::filter_query;
use crate::web::{Layout, Page, format};

pub fn router() -> Router<AppState> {
    Router::new().route("/labour", get(summary))
}

/// What labour can be added up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Project,
    Crew,
    Worker,
    Trade,
    Task,
    Month,
}

impl Dimension {
    pub const ALL: [Dimension; 6] = [
        Dimension::Project,
        Dimension::Crew,
        Dimension::Worker,
        Dimension::Trade,
        Dimension::Task,
        Dimension::Month,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Project => "project",
            Dimension::Crew => "crew",
            Dimension::Worker => "worker",
            Dimension::Trade => "trade",
            Dimension::Task => "task",
            Dimension::Month => "month",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// Whether every line of a ticket falls in the same group (the ticket's own fields), so
    /// groups count whole tickets; worker and trade split a ticket over groups.
    pub fn keeps_tickets_whole(self) -> bool {
        !matches!(self, Dimension::Worker | Dimension::Trade)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Dimension::Project => "labour.by_project",
            Dimension::Crew => "labour.by_crew",
            Dimension::Worker => "labour.by_worker",
            Dimension::Trade => "labour.by_trade",
            Dimension::Task => "labour.by_task",
            Dimension::Month => "labour.by_month",
        }
    }
}

/// Whether the count column counts tickets (every grouping keeps tickets whole) or lines.
pub fn counts_tickets(by: Dimension, then: Option<Dimension>) -> bool {
    by.keeps_tickets_whole() && then.is_none_or(Dimension::keeps_tickets_whole)
}

/// The heading of the count column.
fn count_key(by: Dimension, then: Option<Dimension>) -> &'static str {
    if counts_tickets(by, then) {
        "labour.col_tickets"
    } else {
        "labour.col_line_count"
    }
}

/// A month key (days since 1970-01-01) back to its first day.
fn month_from_key(key: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_days(Days::new(u64::try_from(key).ok()?))
}

/// One line of the summary as shown, with the query that drills down to its tickets.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub label1: String,
    pub label2: String,
    pub tickets: i64,
    pub head_count: i64,
    pub hours: Decimal,
    pub days: Decimal,
    pub amount: Decimal,
    /// The ticket list's query for this group; `None` when it cannot be narrowed (unnamed
    /// workers, lines without a task).
    pub drill: Option<String>,
}

/// Totals of groups: every line is in exactly one group, so these equal the lines' totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub tickets: i64,
    pub hours: Decimal,
    pub days: Decimal,
    pub amount: Decimal,
}

pub fn totals(rows: &[SummaryRow]) -> Totals {
    rows.iter().fold(Totals::default(), |t, r| Totals {
        // A ticket may span groups (several workers); its count is per group.
        tickets: t.tickets + r.tickets,
        hours: t.hours + r.hours,
        days: t.days + r.days,
        amount: t.amount + r.amount,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SummaryQuery {
    pub by: String,
    pub then: String,
    pub project: String,
    pub crew: String,
    pub status: String,
    pub from: String,
    pub to: String,
    pub format: Option<ExportFormat>,
}

#[derive(Template)]
#[template(path = "labour/summary.html")]
pub struct SummaryPage {
    pub layout: Layout,
    pub tab: LabourTab,
    pub by: Dimension,
    pub then: Option<Dimension>,
    /// The heading of the count column: tickets, or lines when tickets split over groups.
    pub count_key: &'static str,
    pub dimensions: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub projects: Vec<Choice>,
    pub crews: Vec<Choice>,
    pub q: SummaryQuery,
    pub groups: Vec<GroupView>,
    pub total_hours: String,
    pub total_days: String,
    pub total_amount: String,
    /// The query string of the filters, for export links.
    pub query: String,
}

impl SummaryPage {
    pub fn qty(&self, d: &Decimal) -> String {
        format::quantity(*d)
    }

    pub fn money(&self, d: &Decimal) -> String {
        format::money(*d)
    }
}

/// The filter the user's role and query allow.
async fn filter_for(tx: &mut TenantTx<Labour>, q: &SummaryQuery) -> AppResult<SummaryFilter> {
    let who = visibility(tx);
    // Unnarrowed, the summary may read the company-wide roll-up.
    let projects = if tx.user().role.has(crate::roles::Permission::SeeAllProjects) {
        None
    } else {
        Some(queries::visible_projects(tx).await?)
    };
    let crews = if who.own_crews_only {
        let mine = super::queries::list_crews(tx, Some(who.user)).await?;
        Some(mine.into_iter().map(|c| c.id).collect())
    } else {
        None
    };
    let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let status = q.status.trim();
    Ok(SummaryFilter {
        projects,
        crews,
        project: q.project.trim().parse().ok(),
        crew: q.crew.trim().parse().ok(),
        status: match status {
            "" => Some("cost".to_owned()),
            "any" => None,
            s if TicketStatus::parse(s).is_some() => Some(s.to_owned()),
            _ => Some("cost".to_owned()),
        },
        from: date(&q.from),
        to: date(&q.to),
    })
}

/// Names for each key of a dimension in the rows.
pub async fn labels(
    scope: &mut TenantScope,
    dimension: Dimension,
    keys: impl Iterator<Item = Option<i64>>,
    locale: Locale,
) -> AppResult<HashMap<Option<i64>, String>> {
    let keys: Vec<Option<i64>> = keys.collect();
    let mut out = HashMap::new();
    if dimension == Dimension::Month {
        for k in keys.into_iter().flatten() {
            if let Some(m) = month_from_key(k) {
                out.insert(Some(k), m.format("%Y-%m").to_string());
            }
        }
    } else {
        let ids: Vec<i64> = keys.iter().flatten().copied().collect();
        for (id, name) in queries::names(scope, dimension, &ids, locale == Locale::En).await? {
            out.insert(Some(id), name);
        }
    }
    let none_key = match dimension {
        Dimension::Worker => "labour.unnamed_workers",
        Dimension::Task => "labour.no_task",
        _ => "labour.none",
    };
    out.insert(None, i18n::t(locale, none_key).to_owned());
    Ok(out)
}

/// The drill-down filter of one key of a dimension.
fn drill_pairs(dimension: Dimension, key: Option<i64>) -> Option<Vec<(&'static str, String)>> {
    let key = key?;
    Some(match dimension {
        Dimension::Month => {
            let first = month_from_key(key)?;
            vec![
                ("from", first.to_string()),
                ("to", month_end(first).to_string()),
            ]
        }
        d => vec![(d.as_str(), key.to_string())],
    })
}

async fn build(
    tx: &mut TenantTx<Labour>,
    q: &SummaryQuery,
) -> AppResult<(
    Dimension,
    Option<Dimension>,
    SummaryFilter,
    Vec<GroupView>,
    Totals,
)> {
    let locale = tx.user().locale;
    let by = Dimension::parse(q.by.trim()).unwrap_or(Dimension::Project);
    let then = Dimension::parse(q.then.trim()).filter(|d| *d != by);
    let filter = filter_for(tx, q).await?;
    let rows = queries::summarize(tx, by, then, &filter).await?;
    let totals = totals(&rows);
    let names1 = labels(tx, by, rows.iter().map(|r| r.key1), locale).await?;
    let names2 = match then {
        Some(d) => labels(tx, d, rows.iter().map(|r| r.key2), locale).await?,
        None => HashMap::new(),
    };
    let status = filter.status.clone().unwrap_or_default();
    let whole = counts_tickets(by, then);
    let mut groups: Vec<(Option<i64>, Option<i64>, GroupView)> = rows
        .into_iter()
        .map(|r| {
            let base: Vec<(&'static str, String)> = [
                ("project", q.project.clone()),
                ("crew", q.crew.clone()),
                ("status", status.clone()),
                ("from", q.from.clone()),
                ("to", q.to.clone()),
            ]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
            let drill = drill_pairs(by, r.key1).and_then(|mut p| {
                if let Some(d) = then {
                    p.extend(drill_pairs(d, r.key2)?);
                }
                // The group's own filter wins over the page's for the same name.
                let mut pairs: Vec<(&str, String)> = base
                    .into_iter()
                    .filter(|(k, _)| !p.iter().any(|(pk, _)| pk == k))
                    .collect();
                pairs.extend(p);
                Some(
                    form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(pairs)
                        .finish(),
                )
            });
            let view = GroupView {
                label1: names1.get(&r.key1).cloned().unwrap_or_default(),
                label2: names2.get(&r.key2).cloned().unwrap_or_default(),
                tickets: if whole { r.tickets } else { r.lines },
                head_count: r.head_count,
                hours: r.hours,
                days: r.days,
                amount: r.amount,
                drill,
            };
            (r.key1, r.key2, view)
        })
        .collect();
    // Months in order; everything else by name, the unnamed group last.
    let order = |d: Dimension, key: Option<i64>, label: &str| {
        let month = if d == Dimension::Month {
            key.unwrap_or(i64::MAX)
        } else {
            0
        };
        (key.is_none(), month, label.to_owned())
    };
    groups.sort_by(|a, b| {
        let ka = (
            order(by, a.0, &a.2.label1),
            then.map(|d| order(d, a.1, &a.2.label2)),
        );
        let kb = (
            order(by, b.0, &b.2.label1),
            then.map(|d| order(d, b.1, &b.2.label2)),
        );
        ka.cmp(&kb)
    });
    Ok((
        by,
        then,
        filter,
        groups.into_iter().map(|g| g.2).collect(),
        totals,
    ))
}

pub async fn summary(
    mut tx: TenantTx<Labour>,
    page: Page,
    Query(q): Query<SummaryQuery>,
) -> AppResult<Response> {
    let locale = tx.user().locale;
    let (by, then, _filter, groups, totals) = build(&mut tx, &q).await?;
    if let Some(format) = q.format {
        return export(locale, by, then, &groups, &totals, format);
    }
    let who = visibility(&tx);
    let projects = super::tickets::queries::open_projects(&mut tx).await?;
    let led_by = crews_led_by(tx.user().role, who.user);
    let crews = super::queries::list_crews(&mut tx, led_by).await?;
    let dimensions = Dimension::ALL
        .iter()
        .map(|d| Choice {
            value: d.as_str().to_owned(),
            label: i18n::t(locale, d.label_key()).to_owned(),
        })
        .collect();
    let mut statuses = vec![
        Choice {
            value: String::new(),
            label: i18n::t(locale, "labour.status_cost").to_owned(),
        },
        Choice {
            value: "any".to_owned(),
            label: i18n::t(locale, "labour.status_any").to_owned(),
        },
    ];
    statuses.extend(TicketStatus::ALL.iter().map(|s| Choice {
        value: s.as_str().to_owned(),
        label: i18n::t(locale, s.label_key()).to_owned(),
    }));
    let query = filter_query([
        ("by", &q.by),
        ("then", &q.then),
        ("project", &q.project),
        ("crew", &q.crew),
        ("status", &q.status),
        ("from", &q.from),
        ("to", &q.to),
    ]);
    let html = SummaryPage {
        layout: page.layout(&tx, "labour.summary_title"),
        tab: LabourTab::Summary,
        by,
        then,
        count_key: count_key(by, then),
        dimensions,
        statuses,
        projects: projects
            .iter()
            .map(|p| Choice {
                value: p.id.to_string(),
                label: format!("{} {}", p.code, p.name),
            })
            .collect(),
        crews: crews
            .iter()
            .map(|c| Choice {
                value: c.id.to_string(),
                label: c.name.clone(),
            })
            .collect(),
        groups,
        total_hours: format::quantity(totals.hours),
        total_days: format::quantity(totals.days),
        total_amount: format::money(totals.amount),
        query,
        q,
    }
    .render()?;
    Ok(Html(html).into_response())
}

fn export(
    locale: Locale,
    by: Dimension,
    then: Option<Dimension>,
    groups: &[GroupView],
    totals: &Totals,
    format: ExportFormat,
) -> AppResult<Response> {
    let t = |k: &str| i18n::t(locale, k).to_owned();
    let dim_header = |d: Dimension| t(&format!("labour.dim_{}", d.as_str()));
    let mut headers = vec![dim_header(by)];
    headers.extend(then.map(dim_header));
    headers.extend(
        [
            count_key(by, then),
            "labour.col_heads",
            "labour.col_hours",
            "labour.col_days",
            "labour.col_amount",
        ]
        .iter()
        .map(|k| t(k)),
    );
    let figures = |tickets: Option<i64>, heads: i64, hours, days, amount| {
        vec![
            tickets.map_or_else(|| "".into(), Cell::Integer),
            Cell::Integer(heads),
            Cell::Quantity(hours),
            Cell::Quantity(days),
            Cell::Money(amount),
        ]
    };
    let rows = groups
        .iter()
        .map(|g| {
            let mut row: Vec<Cell> = vec![g.label1.clone().into()];
            if then.is_some() {
                row.push(g.label2.clone().into());
            }
            row.extend(figures(
                Some(g.tickets),
                g.head_count,
                g.hours,
                g.days,
                g.amount,
            ));
            row
        })
        .collect();
    let mut total_row: Vec<Cell> = vec![t("labour.total").into()];
    if then.is_some() {
        total_row.push("".into());
    }
    let heads = groups.iter().map(|g| g.head_count).sum();
    // A ticket with several workers is in several groups: no ticket total.
    total_row.extend(figures(
        None,
        heads,
        totals.hours,
        totals.days,
        totals.amount,
    ));
    Table {
        headers,
        rows,
        totals: Some(total_row),
    }
    .download(format, &format!("labour-summary-{}", by.as_str()))
}

/// The dashboard's panel: this month's labour by project, and tickets waiting for the
/// project manager.
#[derive(Debug, Clone)]
pub struct PanelRow {
    pub project_id: i64,
    pub code: String,
    pub name: String,
    pub days: String,
    pub amount: String,
    pub waiting: i64,
}

pub async fn dashboard_panel(
    tx: &mut TenantScope,
    today: NaiveDate,
) -> AppResult<(String, Vec<PanelRow>)> {
    let month = month_of(today);
    let next = month_end(month).succ_opt().unwrap_or(month);
    let rows = queries::month_by_project(tx, month, next).await?;
    let title = format!("{}-{:02}", month.year(), month.month());
    Ok((
        title,
        rows.into_iter()
            .map(|r| PanelRow {
                project_id: r.project_id,
                code: r.code,
                name: r.name,
                days: format::quantity(r.days),
                amount: format::money(r.amount),
                waiting: r.waiting,
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn month_keys_are_days_since_the_epoch() {
        assert_eq!(month_from_key(20_393), NaiveDate::from_ymd_opt(2025, 11, 1));
        assert_eq!(month_from_key(-1), None);
        let pairs = drill_pairs(Dimension::Month, Some(20_393)).unwrap();
        assert_eq!(
            pairs,
            vec![
                ("from", "2025-11-01".to_owned()),
                ("to", "2025-11-30".to_owned())
            ]
        );
        assert_eq!(drill_pairs(Dimension::Worker, None), None);
        assert_eq!(
            drill_pairs(Dimension::Crew, Some(7)).unwrap(),
            vec![("crew", "7".to_owned())]
        );
    }

    #[test]
    fn totals_add_up_every_group() {
        let row = |hours, amount| SummaryRow {
            key1: None,
            key2: None,
            tickets: 1,
            lines: 1,
            head_count: 1,
            hours,
            days: dec!(1),
            amount,
        };
        let t = totals(&[
            row(dec!(8), dec!(300)),
            row(dec!(-8), dec!(-300)),
            row(dec!(4), dec!(150.5)),
        ]);
        assert_eq!(t.hours, dec!(4));
        assert_eq!(t.amount, dec!(150.5));
        assert_eq!(t.days, dec!(3));
        assert_eq!(t.tickets, 3);
    }

    #[test]
    fn every_dimension_has_a_name_and_a_column() {
        for d in Dimension::ALL {
            assert_eq!(Dimension::parse(d.as_str()), Some(d));
            for locale in Locale::ALL {
                let col = format!("labour.dim_{}", d.as_str());
                assert_ne!(i18n::t(locale, d.label_key()), d.label_key());
                assert_ne!(i18n::t(locale, &col), col);
            }
        }
    }
}
