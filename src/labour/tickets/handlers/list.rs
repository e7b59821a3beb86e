//! The ticket list: filters, paging, export and bulk confirmation.

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{choices, enum_choices, visibility};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::ids::TaskId;
use crate::labour::domain::{TicketStatus, WorkerId, crews_led_by};
use crate::labour::queries as shared;
use crate::labour::tickets::queries::{self, TicketFilter};
use crate::labour::tickets::views::{ListQueryView, ListRowView, TicketListPage, TotalsView};
use crate::labour::views::LabourTab;
use crate::roles::Permission;
use crate::tenancy::{Labour, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::form::Choice;
use crate::web::pager::filter_query;
use crate::web::{AppForm, Page, format};

const PAGE_SIZE: i64 = 50;
/// The most rows an export writes.
const EXPORT_LIMIT: i64 = 100_000;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub project: String,
    pub crew: String,
    pub worker: String,
    pub trade: String,
    pub task: String,
    pub status: String,
    pub from: String,
    pub to: String,
    pub page: String,
    pub format: Option<ExportFormat>,
}

impl ListQuery {
    pub fn filter(&self) -> TicketFilter {
        let id = |s: &str| s.trim().parse::<i64>().ok();
        let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let status = self.status.trim();
        TicketFilter {
            project: id(&self.project),
            crew: id(&self.crew),
            worker: id(&self.worker).map(WorkerId),
            trade: id(&self.trade),
            task: id(&self.task).map(TaskId),
            status: (status == "cost" || TicketStatus::parse(status).is_some())
                .then(|| status.to_owned()),
            from: date(&self.from),
            to: date(&self.to),
        }
    }

    fn query_string(&self) -> String {
        filter_query([
            ("project", &self.project),
            ("crew", &self.crew),
            ("worker", &self.worker),
            ("trade", &self.trade),
            ("task", &self.task),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
        ])
    }
}

pub async fn list(
    mut tx: TenantTx<Labour>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let locale = tx.user().locale;
    let who = visibility(&tx);
    let filter = q.filter();
    if let Some(format) = q.format {
        return export(&mut tx, &filter, format).await;
    }
    let current = q.page.parse::<i64>().unwrap_or(1).max(1);
    // One more than a page tells whether there is a next one, without counting them all.
    let mut rows = queries::list_tickets(
        &mut tx,
        who,
        &filter,
        PAGE_SIZE + 1,
        (current - 1) * PAGE_SIZE,
    )
    .await?;
    let has_next = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    // Adding up a whole company's two years of lines on every page view is too slow; the
    // summary does that. A narrowed list shows the totals of all it takes.
    let totals = if filter.is_narrow() {
        Some(queries::list_totals(&mut tx, who, &filter).await?)
    } else {
        None
    };
    let me = tx.user().id;
    let projects = queries::open_projects(&mut tx).await?;
    let led_by = crews_led_by(tx.user().role, me);
    let crews = shared::list_crews(&mut tx, led_by).await?;
    let mut narrowed_to = Vec::new();
    if let Some(w) = filter.worker {
        for w in shared::workers_by_id(&mut tx, &[w]).await? {
            narrowed_to.push(w.name);
        }
    }
    if let Some(t) = filter.trade {
        for tr in shared::list_trades(&mut tx)
            .await?
            .iter()
            .filter(|x| x.id == t)
        {
            narrowed_to.push(tr.name(locale).to_owned());
        }
    }
    if let Some(t) = filter.task {
        narrowed_to.push(format!("{} #{t}", i18n::t(locale, "labour.task")));
    }
    let can_confirm = tx.user().role.has(Permission::ConfirmLabour);
    let mut statuses = vec![Choice {
        value: "cost".to_owned(),
        label: i18n::t(locale, "labour.status_cost").to_owned(),
    }];
    statuses.extend(enum_choices(TicketStatus::ALL, locale, |s| {
        (s.as_str(), s.label_key())
    }));
    let html = TicketListPage {
        layout: page.layout(&tx, "labour.tickets_title"),
        tab: LabourTab::Tickets,
        rows: rows
            .into_iter()
            .map(|r| {
                let status = r.status;
                ListRowView {
                    id: r.id,
                    date: r.ticket_date.to_string(),
                    project_code: r.project_code,
                    crew: r.crew_name,
                    task: r.task_name.unwrap_or_default(),
                    reason: r.reason,
                    status_key: status.label_key(),
                    status: status.as_str().to_owned(),
                    lines: r.lines,
                    hours: format::quantity(r.total_hours),
                    days: format::quantity(r.total_days),
                    amount: format::money(r.total_amount),
                    reversal: r.reverses_id.is_some(),
                    confirmable: can_confirm && status == TicketStatus::Submitted,
                }
            })
            .collect(),
        totals: totals.map(|t| TotalsView {
            tickets: t.tickets,
            hours: format::quantity(t.hours),
            days: format::quantity(t.days),
            amount: format::money(t.amount),
        }),
        has_next,
        page_label: i18n::tf(locale, "labour.page", &[("n", &current)]),
        page: current,
        query: q.query_string(),
        filter: ListQueryView {
            project: q.project.clone(),
            crew: q.crew.clone(),
            status: q.status.clone(),
            from: q.from.clone(),
            to: q.to.clone(),
        },
        projects: choices(&projects, |p| {
            (p.id.to_string(), format!("{} {}", p.code, p.name))
        }),
        crews: choices(&crews, |c| (c.id.to_string(), c.name.clone())),
        statuses,
        narrowed_to,
        can_confirm,
        can_enter: tx.user().role.has(Permission::EnterLabour),
    }
    .render()?;
    Ok(Html(html).into_response())
}

async fn export(
    tx: &mut TenantTx<Labour>,
    filter: &TicketFilter,
    format: ExportFormat,
) -> AppResult<Response> {
    let locale = tx.user().locale;
    let who = visibility(tx);
    let rows = queries::list_tickets(tx, who, filter, EXPORT_LIMIT, 0).await?;
    let totals = queries::list_totals(tx, who, filter).await?;
    let t = |k: &str| i18n::t(locale, k).to_owned();
    let table = Table {
        headers: [
            "labour.col_number",
            "labour.col_date",
            "labour.col_project",
            "labour.col_crew",
            "labour.col_task",
            "labour.col_reason",
            "labour.col_status",
            "labour.col_lines",
            "labour.col_hours",
            "labour.col_days",
            "labour.col_amount",
        ]
        .iter()
        .map(|k| t(k))
        .collect(),
        rows: rows
            .into_iter()
            .map(|r| {
                let status = r.status;
                vec![
                    format!("DG-{}", r.id).into(),
                    r.ticket_date.to_string().into(),
                    r.project_code.into(),
                    r.crew_name.into(),
                    r.task_name.unwrap_or_default().into(),
                    r.reason.into(),
                    t(status.label_key()).into(),
                    Cell::Integer(r.lines),
                    Cell::Quantity(r.total_hours),
                    Cell::Quantity(r.total_days),
                    Cell::Money(r.total_amount),
                ]
            })
            .collect(),
        totals: Some(vec![
            t("labour.total").into(),
            "".into(),
            "".into(),
            "".into(),
            "".into(),
            "".into(),
            "".into(),
            Cell::Integer(totals.tickets),
            Cell::Quantity(totals.hours),
            Cell::Quantity(totals.days),
            Cell::Money(totals.amount),
        ]),
    };
    table.download(format, "labour-tickets")
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmManyForm {
    pub ids: Vec<i64>,
    /// Where to go back to (the list with its filters).
    pub back: String,
}

/// Confirms the ticked submitted tickets at once (the project manager's end-of-day round).
pub async fn confirm_many(
    mut tx: TenantTx<Labour>,
    page: Page,
    AppForm(f): AppForm<ConfirmManyForm>,
) -> AppResult<Response> {
    tx.require(Permission::ConfirmLabour)?;
    let who = visibility(&tx);
    let visible = queries::visible_ticket_ids(&mut tx, who, &f.ids).await?;
    if f.ids.iter().any(|id| !visible.contains(id)) {
        return Err(AppError::NotFound);
    }
    crate::cost::lock_periods(&mut tx, false).await?;
    if queries::any_in_closed_month(&mut tx, &visible).await? {
        page.session.flash(false, "labour.month_closed").await?;
        return Ok(Redirect::to("/labour/tickets").into_response());
    }
    let me = tx.user().id;
    let moved = shared::move_tickets(
        &mut tx,
        &visible,
        TicketStatus::Submitted,
        TicketStatus::Confirmed,
        "",
        None,
        me,
    )
    .await?;
    tx.audit(Change {
        entity: "labour_ticket",
        entity_id: None,
        action: Action::Update,
        summary: &format!("{} labour tickets confirmed", moved.len()),
        before: None,
        after: snapshot(&moved),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(
            !moved.is_empty(),
            if moved.is_empty() {
                "labour.none_confirmed"
            } else {
                "labour.many_confirmed"
            },
        )
        .await?;
    let back = if f.back.starts_with("/labour/tickets") {
        f.back
    } else {
        "/labour/tickets".to_owned()
    };
    Ok(Redirect::to(&back).into_response())
}
