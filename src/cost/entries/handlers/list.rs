//! The entry list: filters, paging, totals and export.

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use chrono::{Months, NaiveDate};
use serde::Deserialize;

use super::{base, category_choices, category_name, rate_text, task_choices};
use crate::cost::domain::{Category, parse_month};
use crate::cost::entries::domain::truncate_chars;
use crate::cost::entries::queries::{self, EntryFilter};
use crate::cost::entries::views::{
    EntryListPage, EntryRowView, FilterView, LabourNote, TotalsView,
};
use crate::cost::queries as cost_queries;
use crate::cost::views::CostTab;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::roles::{ModuleId, Permission};
use crate::tenancy::{Cost, ProjectTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::pager::filter_query;
use crate::web::{Page, format};

const PAGE_SIZE: i64 = 50;
/// The most rows an export writes.
const EXPORT_LIMIT: i64 = 100_000;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub category: String,
    pub task: String,
    /// `YYYY-MM`: the whole month (over `from` and `to`).
    pub month: String,
    pub from: String,
    pub to: String,
    pub supplier: String,
    pub q: String,
    pub page: String,
    pub format: Option<ExportFormat>,
}

impl ListQuery {
    fn filter(&self, categories: &[Category]) -> EntryFilter {
        let id = |s: &str| s.trim().parse::<i64>().ok();
        let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let words = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| truncate_chars(s, 100))
        };
        let (from, to) = match parse_month(&self.month) {
            Some(first) => (
                Some(first),
                first
                    .checked_add_months(Months::new(1))
                    .and_then(|n| n.pred_opt()),
            ),
            None => (date(&self.from), date(&self.to)),
        };
        EntryFilter {
            // A parent takes its children with it.
            categories: id(&self.category).map(|c| {
                std::iter::once(c)
                    .chain(
                        categories
                            .iter()
                            .filter(|x| x.parent_id == Some(c))
                            .map(|x| x.id),
                    )
                    .collect()
            }),
            task: id(&self.task),
            from,
            to,
            supplier: words(&self.supplier),
            text: words(&self.q),
        }
    }

    fn query_string(&self) -> String {
        filter_query([
            ("category", &self.category),
            ("task", &self.task),
            ("month", &self.month),
            ("from", &self.from),
            ("to", &self.to),
            ("supplier", &self.supplier),
            ("q", &self.q),
        ])
    }
}

fn row_view(locale: Locale, r: queries::EntryRow) -> EntryRowView {
    EntryRowView {
        id: r.id,
        date: r.entry_date.to_string(),
        category: category_name(locale, &r.category_zh, &r.category_en),
        task: r.task_name.unwrap_or_default(),
        supplier: r.supplier,
        description: r.description,
        amount: format::money(r.amount),
        tax_rate: rate_text(r.tax_rate),
        tax: format::money(r.tax_amount),
        total: format::money(r.amount + r.tax_amount),
        document_no: r.document_no,
        attachments: r.attachments,
        reverses_id: r.reverses_id,
        reversed_by_id: r.reversed_by_id,
    }
}

/// The project's cost entries, filtered and paged, with the day-labour note; or their export.
pub async fn list(
    mut p: ProjectTx<Cost>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let locale = p.tx.user().locale;
    let project = p.project.id;
    let categories = cost_queries::categories(&mut p.tx).await?;
    let filter = q.filter(&categories);
    if let Some(format) = q.format {
        return export(&mut p, &filter, format).await;
    }
    let current = q.page.trim().parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    // One more than a page tells whether there is a next one, without counting them all.
    let mut rows = queries::list_entries(
        &mut p.tx,
        project,
        &filter,
        PAGE_SIZE + 1,
        (current - 1) * PAGE_SIZE,
    )
    .await?;
    let has_next = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    let totals = if filter.is_narrow() {
        let t = queries::list_totals(&mut p.tx, project, &filter).await?;
        Some(TotalsView {
            entries: t.entries,
            amount: format::money(t.amount),
            tax: format::money(t.tax),
            total: format::money(t.total()),
        })
    } else {
        None
    };
    let tasks = queries::project_tasks(&mut p.tx, project).await?;
    let labour_total = queries::labour_total(&mut p.tx, project, None).await?;
    let dated = filter.from.is_some() || filter.to.is_some();
    let in_range = if dated {
        let amount =
            queries::labour_total(&mut p.tx, project, Some((filter.from, filter.to))).await?;
        Some(format::money(amount))
    } else {
        None
    };
    let layout = page.layout(&p.tx, "cost_entries.title");
    let labour_href = layout.modules.contains(&ModuleId::Labour).then(|| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("project", &project.to_string());
        // `cost`: confirmed and settled tickets, the ones that count as cost.
        s.append_pair("status", "cost");
        if let Some(from) = filter.from {
            s.append_pair("from", &from.to_string());
        }
        if let Some(to) = filter.to {
            s.append_pair("to", &to.to_string());
        }
        format!("/labour/tickets?{}", s.finish())
    });
    let html = EntryListPage {
        layout,
        project: p.project.clone(),
        tab: CostTab::Entries,
        base: base(project),
        rows: rows.into_iter().map(|r| row_view(locale, r)).collect(),
        totals,
        has_next,
        page_label: i18n::tf(locale, "cost_entries.page", &[("n", &current)]),
        page: current,
        query: q.query_string(),
        filter: FilterView {
            category: q.category.clone(),
            task: q.task.clone(),
            month: q.month.clone(),
            from: q.from.clone(),
            to: q.to.clone(),
            supplier: q.supplier.clone(),
            q: q.q.clone(),
        },
        categories: category_choices(&categories, locale, None),
        tasks: task_choices(&tasks),
        can_enter: p.tx.user().role.has(Permission::EnterCost),
        labour: LabourNote {
            total: format::money(labour_total),
            in_range,
            href: labour_href,
        },
    }
    .render()?;
    Ok(Html(html).into_response())
}

async fn export(
    p: &mut ProjectTx<Cost>,
    filter: &EntryFilter,
    format: ExportFormat,
) -> AppResult<Response> {
    let locale = p.tx.user().locale;
    let project = p.project.id;
    let totals = queries::list_totals(&mut p.tx, project, filter).await?;
    // A sheet whose rows stopped short would not add up to its totals row.
    if totals.entries > EXPORT_LIMIT {
        return Err(AppError::BadRequest(
            i18n::tf(
                locale,
                "cost_entries.export_too_many",
                &[("limit", &EXPORT_LIMIT)],
            )
            .into(),
        ));
    }
    let rows = queries::list_entries(&mut p.tx, project, filter, EXPORT_LIMIT, 0).await?;
    let t = |k: &str| i18n::t(locale, k).to_owned();
    let table = Table {
        headers: [
            "cost_entries.col_number",
            "cost_entries.col_date",
            "cost_entries.col_category",
            "cost_entries.col_task",
            "cost_entries.col_supplier",
            "cost_entries.col_description",
            "cost_entries.col_amount",
            "cost_entries.col_tax_rate",
            "cost_entries.col_tax",
            "cost_entries.col_total",
            "cost_entries.col_document_no",
            "cost_entries.col_attachments",
            "cost_entries.col_reverses",
        ]
        .iter()
        .map(|k| t(k))
        .collect(),
        rows: rows
            .into_iter()
            .map(|r| {
                vec![
                    Cell::Integer(r.id),
                    r.entry_date.to_string().into(),
                    category_name(locale, &r.category_zh, &r.category_en).into(),
                    r.task_name.unwrap_or_default().into(),
                    r.supplier.into(),
                    r.description.into(),
                    Cell::Money(r.amount),
                    Cell::Quantity(r.tax_rate),
                    Cell::Money(r.tax_amount),
                    Cell::Money(r.amount + r.tax_amount),
                    r.document_no.into(),
                    Cell::Integer(r.attachments),
                    r.reverses_id
                        .map(|id| id.to_string())
                        .unwrap_or_default()
                        .into(),
                ]
            })
            .collect(),
        totals: Some(vec![
            t("cost_entries.total").into(),
            "".into(),
            "".into(),
            "".into(),
            "".into(),
            i18n::tf(
                locale,
                "cost_entries.entries_count",
                &[("n", &totals.entries)],
            )
            .into(),
            Cell::Money(totals.amount),
            "".into(),
            Cell::Money(totals.tax),
            Cell::Money(totals.total()),
            "".into(),
            "".into(),
            "".into(),
        ]),
    };
    table.download(format, &format!("cost-entries-{project}"))
}
