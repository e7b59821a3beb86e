//! One ticket: its page, the steps of its flow, reversal and deletion.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::entry::audited;
use super::{load, may_attach, may_edit, today};
use crate::audit::{Action, Change};
use crate::error::AppResult;
use crate::i18n;
use crate::labour::domain::{TicketAction, TicketStatus};
use crate::labour::queries::{self as shared, NewLine, TicketHeader};
use crate::labour::tickets::queries::{self, Ticket};
use crate::labour::tickets::views::{EventView, LineView, PhotoView, TicketPage};
use crate::labour::views::LabourTab;
use crate::roles::Permission;
use crate::tenancy::{Labour, TenantTx};
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path, format, transition};

/// What a refused step on a ticket says.
const STEP_MESSAGES: transition::Messages = transition::Messages {
    wrong_status: "labour.wrong_status",
    stale: "labour.stale",
};

async fn ticket_page(
    tx: &mut TenantTx<Labour>,
    page: &Page,
    ticket: Ticket,
    refusal: Option<&'static str>,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let tz = tx.tenant().time_zone;
    let role = tx.user().role;
    let status = ticket.status;
    let lines = queries::ticket_lines(tx, ticket.id).await?;
    let events = queries::ticket_events(tx, ticket.id).await?;
    let doubles = queries::double_bookings(tx, ticket.id).await?;
    let photos = queries::list_photos(tx, ticket.id).await?;
    let can_edit = may_edit(tx, &ticket);
    let can_attach = may_attach(tx, &ticket);
    let mut layout = page.layout(tx, "labour.ticket_title");
    layout.title = format!("{} DG-{}", layout.title, ticket.id);
    Ok(TicketPage {
        layout,
        tab: LabourTab::Tickets,
        status,
        unit_key: ticket.count_unit.label_key(),
        lines: lines
            .iter()
            .map(|l| {
                let trade = if locale == i18n::Locale::En && !l.trade_en.is_empty() {
                    l.trade_en.clone()
                } else {
                    l.trade_zh.clone()
                };
                LineView {
                    line_no: l.line_no,
                    who: l.worker_name.clone().unwrap_or_else(|| {
                        i18n::tf(
                            locale,
                            "labour.head_count_of",
                            &[("n", &l.head_count), ("trade", &trade)],
                        )
                    }),
                    worker_href: l.worker_id.map(|w| format!("/labour/workers/{w}")),
                    trade,
                    pay_type_key: l.pay_type.label_key(),
                    hours: format::quantity(l.hours),
                    days: format::quantity(l.days),
                    rate: format::money(l.rate),
                    multiplier: format::quantity(l.multiplier),
                    amount: format::money(l.amount),
                }
            })
            .collect(),
        hours: format::quantity(ticket.total_hours),
        days: format::quantity(ticket.total_days),
        amount: format::money(ticket.total_amount),
        events: events
            .into_iter()
            .map(|e| EventView {
                at: format::datetime(e.at, tz),
                by: e.by_name.unwrap_or_else(|| "—".to_owned()),
                from_key: e.from_status.map(TicketStatus::label_key),
                to_key: e.to_status.label_key(),
                note: e.note,
            })
            .collect(),
        doubles,
        can_add_photo: can_attach
            && photos.len() < crate::labour::tickets::photos::MAX_PHOTOS_PER_TICKET,
        can_attach,
        photos: photos
            .into_iter()
            .map(|p| PhotoView {
                href: format!("/labour/tickets/{}/photos/{}", ticket.id, p.id),
                file_name: p.file_name,
                size_label: crate::web::photo::size_label(i64::from(p.size)),
            })
            .collect(),
        can_edit,
        can_withdraw: status == TicketStatus::Submitted
            && (ticket.created_by == Some(tx.user().id.0) || role.has(Permission::ConfirmLabour)),
        can_confirm: status == TicketStatus::Submitted && role.has(Permission::ConfirmLabour),
        can_reverse: status.is_cost()
            && ticket.reverses_id.is_none()
            && ticket.reversed_by_id.is_none()
            && role.has(Permission::ConfirmLabour),
        refusal,
        ticket,
    }
    .render()?)
}

pub async fn show(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let ticket = load(&mut tx, id).await?;
    Ok(Html(ticket_page(&mut tx, &page, ticket, None).await?))
}

pub(in crate::labour::tickets) async fn ticket_refusal(
    mut tx: TenantTx<Labour>,
    page: Page,
    id: i64,
    status: StatusCode,
    key: &'static str,
) -> AppResult<Response> {
    let ticket = load(&mut tx, id).await?;
    let html = ticket_page(&mut tx, &page, ticket, Some(key)).await?;
    Ok((status, Html(html)).into_response())
}

/// A transition's form: the version the ticket was read at, and a note (the reason of a
/// rejection or reversal).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TransitionForm {
    pub version: i32,
    pub reason: String,
}

/// Moves one ticket along its flow (submit, withdraw, confirm, reject), if the user may take
/// that step and the ticket has not changed meanwhile.
pub async fn transition(
    mut tx: TenantTx<Labour>,
    page: Page,
    id: i64,
    form: TransitionForm,
    action: TicketAction,
) -> AppResult<Response> {
    let ticket = load(&mut tx, id).await?;
    let from = ticket.status;
    let user = tx.user().clone();
    let allowed = match action {
        TicketAction::Submit => may_edit(&tx, &ticket),
        TicketAction::Withdraw => {
            ticket.created_by == Some(user.id.0) || user.role.has(Permission::ConfirmLabour)
        }
        TicketAction::Confirm | TicketAction::Reject => user.role.has(Permission::ConfirmLabour),
        TicketAction::Settle | TicketAction::Unsettle => false,
    };
    if !allowed {
        let permission = match action {
            TicketAction::Submit => Permission::EnterLabour,
            _ => Permission::ConfirmLabour,
        };
        user.require(permission)?;
        return ticket_refusal(tx, page, id, StatusCode::FORBIDDEN, "labour.not_your_crew").await;
    }
    // The version first: a ticket changed meanwhile is shown as it now is.
    let step = transition::fresh(ticket.version, form.version)
        .and_then(|()| transition::allowed(from.after(action)));
    let to = match step {
        Ok(to) => to,
        Err(refusal) => {
            let key = refusal.key(STEP_MESSAGES);
            return ticket_refusal(tx, page, id, refusal.status(), key).await;
        }
    };
    // Confirming makes the ticket labour cost of its month, which finance may have closed.
    if to.is_cost() && crate::cost::is_closed(&mut tx, ticket.ticket_date).await? {
        return ticket_refusal(tx, page, id, StatusCode::CONFLICT, "labour.month_closed").await;
    }
    let mut errors = FieldErrors::default();
    let note = crate::web::form::text(
        &mut errors,
        "reason",
        &form.reason,
        action == TicketAction::Reject,
        500,
    );
    if !errors.is_empty() {
        let key = if action == TicketAction::Reject && form.reason.trim().is_empty() {
            "labour.reject_reason_required"
        } else {
            "form.too_long"
        };
        return ticket_refusal(tx, page, id, StatusCode::UNPROCESSABLE_ENTITY, key).await;
    }
    shared::move_tickets(&mut tx, &[id], from, to, &note, None, user.id).await?;
    tx.audit(Change {
        entity: "labour_ticket",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("labour ticket {} → {}", from.as_str(), to.as_str()),
        before: None,
        after: None,
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, &format!("labour.moved_{}", to.as_str()))
        .await?;
    Ok(Redirect::to(&format!("/labour/tickets/{id}")).into_response())
}

/// A correction: a new, confirmed ticket with every line negated, kept beside the original.
pub async fn reverse(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<TransitionForm>,
) -> AppResult<Response> {
    tx.require(Permission::ConfirmLabour)?;
    let ticket = load(&mut tx, id).await?;
    if let Err(refusal) = transition::fresh(ticket.version, f.version) {
        let key = refusal.key(STEP_MESSAGES);
        return ticket_refusal(tx, page, id, refusal.status(), key).await;
    }
    if !ticket.status.is_cost() || ticket.reverses_id.is_some() || ticket.reversed_by_id.is_some() {
        return ticket_refusal(tx, page, id, StatusCode::CONFLICT, "labour.not_reversible").await;
    }
    let mut errors = FieldErrors::default();
    let reason = crate::web::form::text(&mut errors, "reason", &f.reason, true, 500);
    if !errors.is_empty() {
        return ticket_refusal(
            tx,
            page,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            "labour.reverse_reason_required",
        )
        .await;
    }
    let lines: Vec<NewLine> = queries::ticket_lines(&mut tx, id)
        .await?
        .into_iter()
        .map(|l| NewLine {
            worker_id: l.worker_id,
            trade_id: l.trade_id,
            head_count: l.head_count,
            pay_type: l.pay_type,
            hours: -l.hours,
            days: -l.days,
            rate: l.rate,
            multiplier: l.multiplier,
            amount: -l.amount,
        })
        .collect();
    // A correction goes into an open month: the original's, or today's once that is closed.
    let ticket_date = if crate::cost::is_closed(&mut tx, ticket.ticket_date).await? {
        today(&tx)
    } else {
        ticket.ticket_date
    };
    let header = TicketHeader {
        project_id: ticket.project_id,
        ticket_date,
        crew_id: ticket.crew_id,
        task_id: ticket.task_id,
        reason: reason.clone(),
        work_content: ticket.work_content.clone(),
        count_unit: ticket.count_unit,
    };
    let me = tx.user().id;
    let reversal = shared::insert_ticket(
        &mut tx,
        &header,
        &lines,
        TicketStatus::Confirmed,
        Some(id),
        me,
    )
    .await?;
    tx.audit(Change {
        entity: "labour_ticket",
        entity_id: Some(reversal),
        action: Action::Create,
        summary: &format!("labour ticket DG-{id} reversed by DG-{reversal}: {reason}"),
        before: None,
        after: audited(&header, &lines),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "labour.ticket_reversed").await?;
    Ok(Redirect::to(&format!("/labour/tickets/{reversal}")).into_response())
}

pub async fn delete(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<TransitionForm>,
) -> AppResult<Response> {
    tx.require(Permission::EnterLabour)?;
    let ticket = load(&mut tx, id).await?;
    if !may_edit(&tx, &ticket) {
        return ticket_refusal(tx, page, id, StatusCode::CONFLICT, "labour.locked").await;
    }
    if !queries::delete_ticket(&mut tx, id, f.version).await? {
        return ticket_refusal(tx, page, id, StatusCode::CONFLICT, "labour.stale").await;
    }
    tx.audit(Change {
        entity: "labour_ticket",
        entity_id: Some(id),
        action: Action::Delete,
        summary: &format!("labour ticket DG-{id} {} deleted", ticket.ticket_date),
        before: None,
        after: None,
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "labour.ticket_deleted").await?;
    Ok(Redirect::to("/labour/tickets").into_response())
}
