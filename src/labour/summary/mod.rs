//! 点工汇总: labour added up by project, crew, worker, trade, task or month (or two of them,
//! e.g. crew by month), in hours, 工日 and money, filtered by dates and status, each figure a
//! link to the tickets behind it; anything then month as a table with a column per month;
//! `GROUPS_PER_PAGE` groups a page with totals of them all; exported whole to XLSX and CSV;
//! and the dashboard's panel.

mod panel;
pub mod pivot;
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

use self::pivot::{Names, Pivot, PivotRow};
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
use crate::web::pager::{MAX_PAGE, Pager, filter_query};
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

    /// The heading of the dimension's column ("工人", where the choice reads "按工人").
    pub fn column_key(self) -> &'static str {
        match self {
            Dimension::Project => "labour.dim_project",
            Dimension::Crew => "labour.dim_crew",
            Dimension::Worker => "labour.dim_worker",
            Dimension::Trade => "labour.dim_trade",
            Dimension::Task => "labour.dim_task",
            Dimension::Month => "labour.dim_month",
        }
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

/// Groups (rows) on one page of a summary at most: a year of 5,000 workers by month is 50
/// pages of a few dozen KB, not one page of 23 MB.
pub const GROUPS_PER_PAGE: usize = 100;

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

/// A summary by something then month, as shown: a row per key, a column per month.
#[derive(Debug, Clone)]
pub struct PivotView {
    /// The months' headings (YYYY-MM).
    pub months: Vec<String>,
    pub rows: Vec<PivotRowView>,
    /// Each month's amount over every row, not only this page's.
    pub month_amounts: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PivotRowView {
    pub label: String,
    /// The key's tickets over the whole range.
    pub drill: Option<String>,
    pub cells: Vec<PivotCell>,
    pub days: String,
    pub amount: String,
}

/// One month of a row: its amount (blank without lines) and the tickets behind it.
#[derive(Debug, Clone)]
pub struct PivotCell {
    pub amount: String,
    pub drill: Option<String>,
}

/// Totals of groups: every line is in exactly one group, so these equal the lines' totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub tickets: i64,
    pub head_count: i64,
    pub hours: Decimal,
    pub days: Decimal,
    pub amount: Decimal,
}

pub fn totals(rows: &[SummaryRow]) -> Totals {
    rows.iter().fold(Totals::default(), |t, r| Totals {
        // A ticket may span groups (several workers); its count is per group.
        tickets: t.tickets + r.tickets,
        head_count: t.head_count + r.head_count,
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
    pub page: String,
    /// Groups per page, at most `GROUPS_PER_PAGE`.
    pub per: String,
    pub format: Option<ExportFormat>,
}

impl SummaryQuery {
    fn per_page(&self) -> usize {
        self.per
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .map_or(GROUPS_PER_PAGE, |n| n.min(GROUPS_PER_PAGE))
    }

    fn page(&self) -> i64 {
        self.page
            .trim()
            .parse::<i64>()
            .unwrap_or(1)
            .clamp(1, MAX_PAGE)
    }
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
    /// This page's groups (empty when pivoted).
    pub groups: Vec<GroupView>,
    /// This page's rows by month, when the second dimension is the month.
    pub pivot: Option<PivotView>,
    pub pager: Pager,
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
) -> AppResult<Names> {
    let mut keys: Vec<Option<i64>> = keys.collect();
    // Worker by month repeats each worker a dozen times.
    keys.sort_unstable();
    keys.dedup();
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

/// The drill-down filter of one key of a dimension; a month keeps within `from`–`to`, the
/// range its figure was added up over.
fn drill_pairs(
    dimension: Dimension,
    key: Option<i64>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Option<Vec<(&'static str, String)>> {
    let key = key?;
    Some(match dimension {
        Dimension::Month => {
            let first = month_from_key(key)?;
            let last = month_end(first);
            vec![
                ("from", from.map_or(first, |f| f.max(first)).to_string()),
                ("to", to.map_or(last, |t| t.min(last)).to_string()),
            ]
        }
        d => vec![(d.as_str(), key.to_string())],
    })
}

/// Builds the ticket list's query of a group: the page's filters, the group's own winning
/// over the page's for the same name.
struct Drill {
    base: Vec<(&'static str, String)>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl Drill {
    fn new(q: &SummaryQuery, f: &SummaryFilter) -> Self {
        let base = [
            ("project", q.project.trim()),
            ("crew", q.crew.trim()),
            ("status", f.status.as_deref().unwrap_or_default()),
            ("from", q.from.trim()),
            ("to", q.to.trim()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
        Drill {
            base,
            from: f.from,
            to: f.to,
        }
    }

    /// `None` when a key cannot be narrowed to (unnamed workers, lines without a task).
    fn link(&self, keys: &[(Dimension, Option<i64>)]) -> Option<String> {
        let mut own = Vec::new();
        for (d, key) in keys {
            own.extend(drill_pairs(*d, *key, self.from, self.to)?);
        }
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.base {
            if !own.iter().any(|(ok, _)| ok == k) {
                query.append_pair(k, v);
            }
        }
        query.extend_pairs(own);
        Some(query.finish())
    }
}

/// A summary's groups, every one of them, sorted and named.
struct Summary {
    by: Dimension,
    then: Option<Dimension>,
    filter: SummaryFilter,
    rows: Vec<SummaryRow>,
    names1: Names,
    names2: Names,
    totals: Totals,
}

impl Summary {
    /// By something then month: a column per month.
    fn pivot(&self) -> Option<Pivot> {
        (self.then == Some(Dimension::Month)).then(|| Pivot::of(&self.rows))
    }

    fn label1(&self, key: Option<i64>) -> String {
        self.names1.get(&key).cloned().unwrap_or_default()
    }

    fn label2(&self, key: Option<i64>) -> String {
        self.names2.get(&key).cloned().unwrap_or_default()
    }
}

async fn load(tx: &mut TenantTx<Labour>, q: &SummaryQuery) -> AppResult<Summary> {
    let locale = tx.user().locale;
    let by = Dimension::parse(q.by.trim()).unwrap_or(Dimension::Project);
    let then = Dimension::parse(q.then.trim()).filter(|d| *d != by);
    let filter = filter_for(tx, q).await?;
    let mut rows = queries::summarize(tx, by, then, &filter).await?;
    let totals = totals(&rows);
    let names1 = labels(tx, by, rows.iter().map(|r| r.key1), locale).await?;
    let names2 = match then {
        Some(d) => labels(tx, d, rows.iter().map(|r| r.key2), locale).await?,
        None => HashMap::new(),
    };
    pivot::sort_rows(&mut rows, by, then, &names1, &names2);
    Ok(Summary {
        by,
        then,
        filter,
        rows,
        names1,
        names2,
        totals,
    })
}

/// The views of one page's groups.
fn group_views(s: &Summary, rows: &[SummaryRow], drill: &Drill) -> Vec<GroupView> {
    let whole = counts_tickets(s.by, s.then);
    rows.iter()
        .map(|r| {
            let mut keys = vec![(s.by, r.key1)];
            keys.extend(s.then.map(|d| (d, r.key2)));
            GroupView {
                label1: s.label1(r.key1),
                label2: s.label2(r.key2),
                tickets: if whole { r.tickets } else { r.lines },
                head_count: r.head_count,
                hours: r.hours,
                days: r.days,
                amount: r.amount,
                drill: drill.link(&keys),
            }
        })
        .collect()
}

/// The view of one page of a pivot; the month totals stay those of every row.
fn pivot_view(s: &Summary, pivot: &Pivot, rows: &[PivotRow], drill: &Drill) -> PivotView {
    let months = &pivot.columns;
    PivotView {
        months: months.iter().map(|m| s.label2(*m)).collect(),
        rows: rows
            .iter()
            .map(|r| PivotRowView {
                label: s.label1(r.key),
                drill: drill.link(&[(s.by, r.key)]),
                cells: r
                    .dense(months.len())
                    .into_iter()
                    .zip(months)
                    .map(|(amount, month)| match amount {
                        Some(a) => PivotCell {
                            amount: format::money(a),
                            drill: drill.link(&[(s.by, r.key), (Dimension::Month, *month)]),
                        },
                        None => PivotCell {
                            amount: String::new(),
                            drill: None,
                        },
                    })
                    .collect(),
                days: format::quantity(r.days),
                amount: format::money(r.amount),
            })
            .collect(),
        month_amounts: pivot
            .column_amounts
            .iter()
            .map(|a| format::money(*a))
            .collect(),
    }
}

pub async fn summary(
    mut tx: TenantTx<Labour>,
    page: Page,
    Query(q): Query<SummaryQuery>,
) -> AppResult<Response> {
    let locale = tx.user().locale;
    let s = load(&mut tx, &q).await?;
    let pivot = s.pivot();
    if let Some(format) = q.format {
        return export(locale, &s, pivot.as_ref(), format);
    }
    let (by, then) = (s.by, s.then);
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
    let filters = [
        ("by", q.by.as_str()),
        ("then", q.then.as_str()),
        ("project", q.project.as_str()),
        ("crew", q.crew.as_str()),
        ("status", q.status.as_str()),
        ("from", q.from.as_str()),
        ("to", q.to.as_str()),
    ];
    let query = filter_query(filters);
    let per = q.per_page();
    let pages_query = filter_query(filters.into_iter().chain([(
        "per",
        if per == GROUPS_PER_PAGE {
            ""
        } else {
            q.per.as_str()
        },
    )]));
    let href = |n: usize| {
        if pages_query.is_empty() {
            format!("/labour?page={n}")
        } else {
            format!("/labour?{pages_query}&page={n}")
        }
    };
    let drill = Drill::new(&q, &s.filter);
    // Views (labels, links, formatted figures) only for the page's rows; the totals are
    // every group's.
    let (groups, pivot_view, pager) = match &pivot {
        Some(p) => {
            let pager = Pager::new(locale, p.rows.len(), per, q.page(), href);
            let view = pivot_view(&s, p, pager.slice(&p.rows), &drill);
            (Vec::new(), Some(view), pager)
        }
        None => {
            let pager = Pager::new(locale, s.rows.len(), per, q.page(), href);
            (group_views(&s, pager.slice(&s.rows), &drill), None, pager)
        }
    };
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
        pivot: pivot_view,
        pager,
        total_hours: format::quantity(s.totals.hours),
        total_days: format::quantity(s.totals.days),
        total_amount: format::money(s.totals.amount),
        query,
        q,
    }
    .render()?;
    Ok(Html(html).into_response())
}

/// Every group, not a page: a pivot as its table (a column per month), any other summary a
/// row per group.
fn export(
    locale: Locale,
    s: &Summary,
    pivot: Option<&Pivot>,
    format: ExportFormat,
) -> AppResult<Response> {
    let t = |k: &str| i18n::t(locale, k).to_owned();
    let dim_header = |d: Dimension| t(d.column_key());
    let (by, then) = (s.by, s.then);
    let file = format!("labour-summary-{}", by.as_str());
    if let Some(p) = pivot {
        let mut headers = vec![dim_header(by)];
        headers.extend(p.columns.iter().map(|m| s.label2(*m)));
        headers.extend([t("labour.pivot_days"), t("labour.pivot_amount")]);
        let rows = p
            .rows
            .iter()
            .map(|r| {
                let mut row: Vec<Cell> = vec![s.label1(r.key).into()];
                row.extend(
                    r.dense(p.columns.len())
                        .into_iter()
                        .map(|a| a.map_or_else(|| "".into(), Cell::Money)),
                );
                row.extend([Cell::Quantity(r.days), Cell::Money(r.amount)]);
                row
            })
            .collect();
        let mut total_row: Vec<Cell> = vec![t("labour.total").into()];
        total_row.extend(p.column_amounts.iter().map(|a| Cell::Money(*a)));
        total_row.extend([Cell::Quantity(p.days), Cell::Money(p.amount)]);
        return Table {
            headers,
            rows,
            totals: Some(total_row),
        }
        .download(format, &file);
    }
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
    let whole = counts_tickets(by, then);
    let rows = s
        .rows
        .iter()
        .map(|r| {
            let mut row: Vec<Cell> = vec![s.label1(r.key1).into()];
            if then.is_some() {
                row.push(s.label2(r.key2).into());
            }
            row.extend(figures(
                Some(if whole { r.tickets } else { r.lines }),
                r.head_count,
                r.hours,
                r.days,
                r.amount,
            ));
            row
        })
        .collect();
    let mut total_row: Vec<Cell> = vec![t("labour.total").into()];
    if then.is_some() {
        total_row.push("".into());
    }
    // A ticket with several workers is in several groups: no ticket total.
    total_row.extend(figures(
        None,
        s.totals.head_count,
        s.totals.hours,
        s.totals.days,
        s.totals.amount,
    ));
    Table {
        headers,
        rows,
        totals: Some(total_row),
    }
    .download(format, &file)
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
        let pairs = drill_pairs(Dimension::Month, Some(20_393), None, None).unwrap();
        assert_eq!(
            pairs,
            vec![
                ("from", "2025-11-01".to_owned()),
                ("to", "2025-11-30".to_owned())
            ]
        );
        // A month at the edge of the range drills to the days added up.
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let pairs = drill_pairs(
            Dimension::Month,
            Some(20_393),
            day("2025-11-24"),
            day("2026-11-24"),
        );
        assert_eq!(
            pairs.unwrap(),
            vec![
                ("from", "2025-11-24".to_owned()),
                ("to", "2025-11-30".to_owned())
            ]
        );
        assert_eq!(drill_pairs(Dimension::Worker, None, None, None), None);
        assert_eq!(
            drill_pairs(Dimension::Crew, Some(7), None, None).unwrap(),
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
                assert_ne!(i18n::t(locale, d.label_key()), d.label_key());
                assert_ne!(i18n::t(locale, d.column_key()), d.column_key());
            }
        }
    }
}
