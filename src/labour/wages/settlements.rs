//! Settlement statements (结算单): a crew's confirmed tickets on a project over a period,
//! previewed, then gathered in one transaction — the statement is written with their totals
//! and the tickets move confirmed → settled, locked. A statement prints on A4 with the
//! amount in capital words and signature lines, exports, and can be cancelled, which hands
//! its tickets back (settled → confirmed) to be settled again.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::domain::{capital_money, money, quantity};
use super::queries::{self, NewSettlement, SettledTicket, SettlementFilter};
use super::views::{
    SettlementInput, SettlementLine, SettlementListPage, SettlementNewPage, SettlementPage,
    TicketLine,
};
use super::{chosen_crew, chosen_project, crew_choices, project_choices, today};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::labour::domain::{SettlementStatus, TicketAction, TicketStatus, month_of};
use crate::labour::queries::move_tickets;
use crate::labour::views::LabourTab;
use crate::roles::Permission;
use crate::tenancy::{Labour, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::fields::required_date;
use crate::web::form::Choice;
use crate::web::form::CsrfOnly;
use crate::web::form::{self, FieldErrors};
use crate::web::pager::MAX_PAGE;
use crate::web::{AppForm, Page, Path, format, transition};

const PAGE_SIZE: i64 = 25;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub project: String,
    pub crew: String,
    pub status: String,
    pub page: i64,
}

pub async fn list(
    mut tx: TenantTx<Labour>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let project = chosen_project(&mut tx, &q.project).await?;
    let crew = chosen_crew(&mut tx, &q.crew).await?;
    let filter = SettlementFilter {
        project: project.as_ref().map(|p| p.id.get()),
        crew: crew.as_ref().map(|c| c.id),
        status: SettlementStatus::parse(&q.status),
    };
    let current = q.page.clamp(1, MAX_PAGE);
    let (rows, total) =
        queries::list_settlements(&mut tx, &filter, PAGE_SIZE, (current - 1) * PAGE_SIZE).await?;
    let locale = tx.user().locale;
    let tz = tx.tenant().time_zone;
    let id_text = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_default();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("project", &id_text(filter.project))
        .append_pair("crew", &id_text(filter.crew))
        .append_pair("status", filter.status.map_or("", SettlementStatus::as_str))
        .finish();
    Ok(Html(
        SettlementListPage {
            layout: page.layout(&tx, "labour_wages.settlements_title"),
            tab: LabourTab::Settlements,
            projects: project_choices(&mut tx).await?,
            crews: crew_choices(&mut tx).await?,
            statuses: SettlementStatus::ALL
                .iter()
                .map(|s| Choice {
                    value: s.as_str().to_owned(),
                    label: i18n::t(locale, s.label_key()).to_owned(),
                })
                .collect(),
            project: id_text(filter.project),
            crew: id_text(filter.crew),
            status: filter
                .status
                .map_or("", SettlementStatus::as_str)
                .to_owned(),
            rows: rows
                .into_iter()
                .map(|r| SettlementLine {
                    id: r.id,
                    project: format!("{} {}", r.project_code, r.project_name),
                    crew_name: r.crew_name,
                    period: format!("{} – {}", r.period_start, r.period_end),
                    days: quantity(r.total_days),
                    hours: quantity(r.total_hours),
                    amount: money(r.total_amount),
                    status_key: r.status.label_key(),
                    status: r.status.as_str().to_owned(),
                    created: format::date(r.created_at, tz),
                })
                .collect(),
            total,
            page: current,
            pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
            query,
            can_settle: tx.user().role.has(Permission::PayLabour),
        }
        .render()?,
    ))
}

fn ticket_lines(tickets: &[SettledTicket]) -> Vec<TicketLine> {
    tickets
        .iter()
        .map(|t| TicketLine {
            id: t.id,
            date: t.ticket_date.to_string(),
            work_content: if t.work_content.is_empty() {
                t.reason.clone()
            } else {
                t.work_content.clone()
            },
            days: quantity(t.total_days),
            hours: quantity(t.total_hours),
            amount: money(t.total_amount),
        })
        .collect()
}

/// (工日, hours, amount) of the tickets.
fn totals(tickets: &[SettledTicket]) -> (Decimal, Decimal, Decimal) {
    tickets.iter().fold(
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO),
        |(d, h, a), t| (d + t.total_days, h + t.total_hours, a + t.total_amount),
    )
}

/// The new-statement page: the form, and once project, crew and period are known, the
/// tickets the statement would gather.
async fn new_page(
    tx: &mut TenantTx<Labour>,
    page: &Page,
    form: SettlementInput,
    mut errors: FieldErrors,
    refusal: Option<&'static str>,
) -> AppResult<String> {
    let project = chosen_project(tx, &form.project).await?;
    let crew = chosen_crew(tx, &form.crew).await?;
    let mut preview = None;
    let (mut days, mut hours, mut amount) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let any_typed = !(form.from.is_empty() && form.to.is_empty());
    if let (Some(p), Some(c), true) = (&project, &crew, any_typed) {
        let from = required_date(&mut errors, "from", &form.from);
        let to = required_date(&mut errors, "to", &form.to);
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                errors.add("to", "labour_wages.period_backwards");
            } else {
                let tickets = queries::confirmed_tickets(tx, p.id, c.id, from, to, false).await?;
                (days, hours, amount) = totals(&tickets);
                preview = Some(ticket_lines(&tickets));
            }
        }
    }
    Ok(SettlementNewPage {
        layout: page.layout(tx, "labour_wages.new_settlement"),
        tab: LabourTab::Settlements,
        projects: project_choices(tx).await?,
        crews: crew_choices(tx).await?,
        form,
        errors,
        preview,
        total_days: quantity(days),
        total_hours: quantity(hours),
        total_amount: money(amount),
        refusal,
        can_settle: tx.user().role.has(Permission::PayLabour),
    }
    .render()?)
}

pub async fn new_form(
    mut tx: TenantTx<Labour>,
    page: Page,
    Query(mut q): Query<SettlementInput>,
) -> AppResult<Html<String>> {
    let today = today(&tx);
    if q.from.is_empty() && q.to.is_empty() {
        q.from = month_of(today).to_string();
        q.to = today.to_string();
    }
    q.note.clear();
    Ok(Html(
        new_page(&mut tx, &page, q, FieldErrors::default(), None).await?,
    ))
}

async fn refuse(
    mut tx: TenantTx<Labour>,
    page: Page,
    form: SettlementInput,
    errors: FieldErrors,
    refusal: Option<&'static str>,
) -> AppResult<Response> {
    let html = new_page(&mut tx, &page, form, errors, refusal).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// Writes the statement and settles its tickets, all in one transaction.
pub async fn create(
    mut tx: TenantTx<Labour>,
    page: Page,
    AppForm(f): AppForm<SettlementInput>,
) -> AppResult<Response> {
    tx.require(Permission::PayLabour)?;
    let mut errors = FieldErrors::default();
    let project = chosen_project(&mut tx, &f.project).await?;
    let crew = chosen_crew(&mut tx, &f.crew).await?;
    if project.is_none() {
        errors.add("project", "form.required");
    }
    if crew.is_none() {
        errors.add("crew", "form.required");
    }
    let from = required_date(&mut errors, "from", &f.from);
    let to = required_date(&mut errors, "to", &f.to);
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        errors.add("to", "labour_wages.period_backwards");
    }
    let note = form::multiline(&mut errors, "note", &f.note, 2000);
    let (Some(project), Some(crew), Some(from), Some(to), true) =
        (project, crew, from, to, errors.is_empty())
    else {
        return refuse(tx, page, f, errors, None).await;
    };
    let tickets = queries::confirmed_tickets(&mut tx, project.id, crew.id, from, to, true).await?;
    if tickets.is_empty() {
        return refuse(
            tx,
            page,
            f,
            FieldErrors::default(),
            Some("labour_wages.nothing_to_settle"),
        )
        .await;
    }
    let new = NewSettlement {
        project_id: project.id,
        crew_id: crew.id,
        period_start: from,
        period_end: to,
        note,
    };
    let me = tx.user().id;
    let id = queries::insert_settlement(&mut tx, &new, me).await?;
    let ids: Vec<i64> = tickets.iter().map(|t| t.id).collect();
    let moved = move_tickets(
        &mut tx,
        &ids,
        TicketStatus::Confirmed,
        TicketStatus::Settled,
        &format!("settlement {id}"),
        Some(id),
        me,
    )
    .await?;
    let (hours, days, amount) = queries::total_settlement(&mut tx, id).await?;
    tx.audit(Change {
        entity: "labour_settlement",
        entity_id: Some(id),
        action: Action::Create,
        summary: &format!(
            "settlement of {} on {} for {from} – {to}: {} tickets, {}",
            crew.name,
            project.code,
            moved.len(),
            money(amount)
        ),
        before: None,
        after: snapshot(&serde_json::json!({
            "settlement": new,
            "tickets": moved,
            "total_hours": hours,
            "total_days": days,
            "total_amount": amount,
        })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "labour_wages.settled").await?;
    Ok(Redirect::to(&format!("/labour/settlements/{id}")).into_response())
}

pub async fn show(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let s = queries::find_settlement(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tickets = queries::settlement_tickets(&mut tx, s.id).await?;
    let tz = tx.tenant().time_zone;
    let locale = tx.user().locale;
    let settled = s.status == SettlementStatus::Settled;
    let mut layout = page.layout(&tx, "labour_wages.settlement_title");
    layout.title = format!("{} No. {}", layout.title, s.id);
    let by = |name: &Option<String>| name.clone().unwrap_or_else(|| "—".to_owned());
    Ok(Html(
        SettlementPage {
            layout,
            tab: LabourTab::Settlements,
            id: s.id,
            company: tx.tenant().name.clone(),
            project_id: s.project_id,
            project: format!("{} {}", s.project_code, s.project_name),
            crew_id: s.crew_id,
            crew_name: s.crew_name.clone(),
            subcontractor: s.subcontractor.clone(),
            foreman: by(&s.foreman_name),
            period: format!("{} – {}", s.period_start, s.period_end),
            settled,
            status_key: s.status.label_key(),
            tickets: ticket_lines(&tickets),
            total_days: quantity(s.total_days),
            total_hours: quantity(s.total_hours),
            total_amount: money(s.total_amount),
            capital: capital_money(s.total_amount),
            note: s.note.clone(),
            created: i18n::tf(
                locale,
                "labour_wages.created_by",
                &[
                    ("name", &by(&s.created_by_name)),
                    ("at", &format::datetime(s.created_at, tz)),
                ],
            ),
            cancelled: s.cancelled_at.map(|at| {
                i18n::tf(
                    locale,
                    "labour_wages.cancelled_by",
                    &[
                        ("name", &by(&s.cancelled_by_name)),
                        ("at", &format::datetime(at, tz)),
                    ],
                )
            }),
            can_cancel: settled && tx.user().role.has(Permission::PayLabour),
        }
        .render()?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    pub format: ExportFormat,
}

fn settlement_table(locale: Locale, tickets: &[SettledTicket], s: &queries::Settlement) -> Table {
    let t = |k: &str| i18n::t(locale, k).to_owned();
    Table {
        headers: vec![
            t("labour_wages.date"),
            t("labour_wages.ticket"),
            t("labour_wages.work_content"),
            t("labour_wages.days"),
            t("labour_wages.hours"),
            t("labour_wages.amount"),
        ],
        rows: ticket_lines(tickets)
            .into_iter()
            .zip(tickets)
            .map(|(line, ticket)| {
                vec![
                    Cell::Text(line.date),
                    Cell::Integer(ticket.id),
                    Cell::Text(line.work_content),
                    Cell::Quantity(ticket.total_days),
                    Cell::Quantity(ticket.total_hours),
                    Cell::Money(ticket.total_amount),
                ]
            })
            .collect(),
        totals: Some(vec![
            Cell::Text(t("labour_wages.total")),
            Cell::Text(String::new()),
            Cell::Text(capital_money(s.total_amount)),
            Cell::Quantity(s.total_days),
            Cell::Quantity(s.total_hours),
            Cell::Money(s.total_amount),
        ]),
    }
}

/// The statement's tickets and totals as XLSX or CSV.
pub async fn export(
    mut tx: TenantTx<Labour>,
    Path(id): Path<i64>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    let s = queries::find_settlement(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tickets = queries::settlement_tickets(&mut tx, s.id).await?;
    let locale = tx.user().locale;
    settlement_table(locale, &tickets, &s).download(q.format, &format!("settlement-{}", s.id))
}

/// Cancels a statement: its tickets go back to confirmed, free to be settled again.
pub async fn cancel(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Response> {
    tx.require(Permission::PayLabour)?;
    let s = queries::find_settlement(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let me = tx.user().id;
    // One already cancelled answers 409, like one cancelled meanwhile.
    if transition::allowed(s.status.after_cancel()).is_err() {
        return Err(AppError::Conflict);
    }
    transition::written(queries::cancel_settlement(&mut tx, s.id, me).await?)?;
    let ids: Vec<i64> = queries::settlement_tickets(&mut tx, s.id)
        .await?
        .iter()
        .map(|t| t.id)
        .collect();
    let back = TicketStatus::Settled
        .after(TicketAction::Unsettle)
        .unwrap_or(TicketStatus::Confirmed);
    let moved = move_tickets(
        &mut tx,
        &ids,
        TicketStatus::Settled,
        back,
        &format!("settlement {} cancelled", s.id),
        None,
        me,
    )
    .await?;
    tx.audit(Change {
        entity: "labour_settlement",
        entity_id: Some(s.id),
        action: Action::Update,
        summary: &format!(
            "settlement {} cancelled: {} tickets back",
            s.id,
            moved.len()
        ),
        before: Some(serde_json::json!({ "status": "settled", "tickets": ids })),
        after: Some(serde_json::json!({ "status": "cancelled", "tickets": [] })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "labour_wages.cancelled").await?;
    Ok(Redirect::to(&format!("/labour/settlements/{}", s.id)).into_response())
}
