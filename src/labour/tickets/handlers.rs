//! Ticket handlers: thin — parse, check, call the rules in `form` and the SQL in `queries`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::form::{FormRow, TicketErrors, TicketForm, TicketInput, price_lines};
use super::queries::{self, Ticket, TicketFilter, Visibility};
use super::views::{
    EntryPage, EventView, LineView, ListQueryView, ListRowView, PhotoView, TicketListPage,
    TicketPage, TotalsView, row_views,
};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::labour::domain::{
    CountUnit, PayType, TicketAction, TicketStatus, WorkerId, acts_for_crew, crews_led_by,
};
use crate::labour::queries::{self as shared, NewLine, TicketHeader};
use crate::labour::views::LabourTab;
use crate::roles::{Permission, Role};
use crate::tenancy::{Labour, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path, format, transition};

const PAGE_SIZE: i64 = 50;
/// What a refused step on a ticket says.
const STEP_MESSAGES: transition::Messages = transition::Messages {
    wrong_status: "labour.wrong_status",
    stale: "labour.stale",
};
/// The most rows an export writes.
const EXPORT_LIMIT: i64 = 100_000;
/// Blank head-count rows offered below the crew's workers.
const BLANK_ROWS: usize = 2;

/// Which crews' tickets this user may see (which projects' is the database's rule).
pub fn visibility(tx: &TenantTx<Labour>) -> Visibility {
    Visibility {
        user: tx.user().id,
        own_crews_only: tx.user().role == Role::Foreman,
    }
}

fn today(tx: &TenantTx<Labour>) -> NaiveDate {
    let t = tx.tenant();
    t.today()
}

/// Whether the user may change this ticket's lines: an editable status, the right to enter
/// tickets, and for a foreman a crew they lead.
fn may_edit(tx: &TenantTx<Labour>, t: &Ticket) -> bool {
    t.status.editable() && enters_for(tx, t)
}

/// Whether the user enters labour for the ticket's crew.
fn enters_for(tx: &TenantTx<Labour>, t: &Ticket) -> bool {
    let user = tx.user();
    user.role.has(Permission::EnterLabour) && acts_for_crew(user.role, user.id, t.crew_foreman_id)
}

pub(super) async fn load(tx: &mut TenantTx<Labour>, id: i64) -> AppResult<Ticket> {
    let who = visibility(tx);
    queries::find_ticket(tx, id, who)
        .await?
        .ok_or(AppError::NotFound)
}

/// Whether the user may add or remove photos: before confirmation, on a crew they may enter.
pub(super) fn may_attach(tx: &TenantTx<Labour>, t: &Ticket) -> bool {
    !t.status.is_cost() && enters_for(tx, t)
}

fn choices<T>(items: &[T], f: impl Fn(&T) -> (String, String)) -> Vec<Choice> {
    items
        .iter()
        .map(|i| {
            let (value, label) = f(i);
            Choice { value, label }
        })
        .collect()
}

fn enum_choices<E: Copy>(
    all: &[E],
    locale: i18n::Locale,
    f: impl Fn(E) -> (&'static str, &'static str),
) -> Vec<Choice> {
    all.iter()
        .map(|&v| {
            let (value, key) = f(v);
            Choice {
                value: value.to_owned(),
                label: i18n::t(locale, key).to_owned(),
            }
        })
        .collect()
}

/// The standard quantity of one head for a day in `unit`.
fn standard_quantity(unit: CountUnit, day_hours: Decimal) -> String {
    match unit {
        CountUnit::Day => "1".to_owned(),
        CountUnit::Hour => format::quantity(day_hours),
    }
}

// Entry ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EntryQuery {
    pub project: String,
    pub crew: String,
    pub date: String,
    /// `1`: fill the form from the crew's last ticket before the date.
    pub copy: String,
}

/// Everything an entry page shows beyond the form itself.
#[derive(Debug, Default)]
struct EntryParts {
    errors: TicketErrors,
    copied_from: Option<i64>,
    refusal: Option<&'static str>,
    editing: Option<i64>,
}

async fn entry_page(
    tx: &mut TenantTx<Labour>,
    page: &Page,
    mut form: TicketForm,
    parts: EntryParts,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let me = tx.user().id;
    let projects = queries::open_projects(tx).await?;
    let led_by = crews_led_by(tx.user().role, me);
    let crews = shared::list_crews(tx, led_by).await?;
    let trades = shared::list_trades(tx).await?;
    let project = form.project.parse::<i64>().ok();
    let crew = form.crew.parse::<i64>().ok();
    let project_ok = project.filter(|p| projects.iter().any(|x| x.id == *p));
    let crew_row = crew.and_then(|c| crews.iter().find(|x| x.id == c));
    let chosen = project_ok.is_some() && crew_row.is_some() && !form.date.is_empty();
    let tasks = match project_ok {
        Some(p) => queries::project_tasks(tx, p).await?,
        None => Vec::new(),
    };
    let workers = match crew_row {
        Some(c) => shared::crew_workers(tx, c.id).await?,
        None => Vec::new(),
    };
    // Workers already on the form (lent from another crew, or since moved) keep their names.
    let mut known: HashMap<WorkerId, (String, Decimal)> = workers
        .iter()
        .map(|w| (w.id, (w.name.clone(), w.day_rate)))
        .collect();
    let listed: Vec<WorkerId> = form
        .worker
        .iter()
        .filter_map(|w| w.parse().ok().map(WorkerId))
        .filter(|id| !known.contains_key(id))
        .collect();
    for w in shared::workers_by_id(tx, &listed).await? {
        known.insert(w.id, (w.name, w.day_rate));
    }
    if form.count_unit.is_empty() {
        form.count_unit = crew_row.map_or("day", |c| c.unit().as_str()).to_owned();
    }
    let unit = CountUnit::parse(&form.count_unit).unwrap_or(CountUnit::Day);
    let names = |w: &str| {
        w.parse::<i64>()
            .ok()
            .and_then(|id| known.get(&WorkerId(id)))
            .map(|(n, r)| (n.clone(), format::money(*r)))
            .unwrap_or_default()
    };
    let rows = if chosen {
        row_views(&form.rows(), &names, &parts.errors)
    } else {
        Vec::new()
    };
    let copy_href = (chosen && parts.editing.is_none()).then(|| {
        format!(
            "/labour/tickets/new?project={}&crew={}&date={}&copy=1",
            form.project, form.crew, form.date
        )
    });
    Ok(EntryPage {
        layout: page.layout(tx, "labour.entry_title"),
        tab: LabourTab::Entry,
        action: parts.editing.map_or_else(
            || "/labour/tickets".to_owned(),
            |id| format!("/labour/tickets/{id}/edit"),
        ),
        editing: parts.editing,
        errors: parts.errors.fields.clone(),
        rows,
        projects: choices(&projects, |p| {
            (p.id.to_string(), format!("{} {}", p.code, p.name))
        }),
        crews: choices(&crews, |c| (c.id.to_string(), c.name.clone())),
        tasks: choices(&tasks, |t| (t.id.to_string(), t.name.clone())),
        trades: choices(&trades, |t| (t.id.to_string(), t.name(locale).to_owned())),
        pay_types: enum_choices(PayType::ALL, locale, |p| (p.as_str(), p.label_key())),
        units: enum_choices(CountUnit::ALL, locale, |u| (u.as_str(), u.label_key())),
        chosen,
        today: today(tx).to_string(),
        copy_href,
        copied_from: parts.copied_from,
        refusal: parts.refusal,
        count_unit_key: unit.label_key(),
        form,
    }
    .render()?)
}

/// The rows of a fresh form: each of the crew's workers ticked for a standard day, then blank
/// head-count rows.
fn fresh_rows(workers: &[shared::WorkerPick], quantity: &str) -> Vec<FormRow> {
    workers
        .iter()
        .map(|w| FormRow {
            worker: w.id.to_string(),
            picked: true,
            trade: w.trade_id.to_string(),
            pay_type: PayType::Regular.as_str().to_owned(),
            quantity: quantity.to_owned(),
            ..FormRow::default()
        })
        .chain(blank_rows())
        .collect()
}

fn blank_rows() -> impl Iterator<Item = FormRow> {
    std::iter::repeat_with(|| FormRow {
        pay_type: PayType::Regular.as_str().to_owned(),
        ..FormRow::default()
    })
    .take(BLANK_ROWS)
}

/// The rows of a saved ticket, then the crew's other workers unticked, then blank rows.
async fn rows_of_ticket(
    tx: &mut TenantTx<Labour>,
    ticket: i64,
    crew: i64,
    unit: CountUnit,
    day_hours: Decimal,
) -> AppResult<Vec<FormRow>> {
    let lines = queries::ticket_lines(tx, ticket).await?;
    let workers = shared::crew_workers(tx, crew).await?;
    let each = |total: Decimal, heads: i32| {
        let per = total / Decimal::from(heads.max(1));
        format::quantity(per)
    };
    let mut rows: Vec<FormRow> = lines
        .iter()
        .map(|l| FormRow {
            worker: l.worker_id.map(|w| w.to_string()).unwrap_or_default(),
            picked: l.worker_id.is_some(),
            trade: l.trade_id.to_string(),
            heads: if l.worker_id.is_some() {
                String::new()
            } else {
                l.head_count.to_string()
            },
            pay_type: l.pay_type.as_str().to_owned(),
            quantity: match unit {
                CountUnit::Day => each(l.days, l.head_count),
                CountUnit::Hour => each(l.hours, l.head_count),
            },
            rate: format::quantity(l.rate),
        })
        .collect();
    let on_ticket: Vec<WorkerId> = lines.iter().filter_map(|l| l.worker_id).collect();
    let quantity = standard_quantity(unit, day_hours);
    rows.extend(
        workers
            .iter()
            .filter(|w| !on_ticket.contains(&w.id))
            .map(|w| FormRow {
                worker: w.id.to_string(),
                picked: false,
                trade: w.trade_id.to_string(),
                pay_type: PayType::Regular.as_str().to_owned(),
                quantity: quantity.clone(),
                ..FormRow::default()
            }),
    );
    rows.extend(blank_rows());
    Ok(rows)
}

/// The fast entry screen: pick project, crew and day; then tick who worked.
pub async fn new_form(
    mut tx: TenantTx<Labour>,
    page: Page,
    Query(q): Query<EntryQuery>,
) -> AppResult<Html<String>> {
    tx.require(Permission::EnterLabour)?;
    let date = if q.date.is_empty() {
        today(&tx).to_string()
    } else {
        q.date.clone()
    };
    let mut form = TicketForm {
        project: q.project.clone(),
        crew: q.crew.clone(),
        date,
        ..TicketForm::default()
    };
    let mut parts = EntryParts::default();
    let crew = match q.crew.parse::<i64>() {
        Ok(id) => shared::find_crew(&mut tx, id).await?,
        Err(_) => None,
    };
    if let Some(crew) = &crew {
        let rules = shared::pay_rules(&mut tx).await?;
        let unit = crew.unit();
        form.count_unit = unit.as_str().to_owned();
        let previous = match (q.copy.as_str(), q.project.parse::<i64>(), form.date.parse()) {
            ("1", Ok(project), Ok(date)) => {
                queries::previous_ticket(&mut tx, project, crew.id, date).await?
            }
            _ => None,
        };
        let rows = match previous {
            Some(prev) => {
                let who = visibility(&tx);
                if let Some(p) = queries::find_ticket(&mut tx, prev, who).await? {
                    form.task = p.task_id.map(|t| t.to_string()).unwrap_or_default();
                    form.reason = p.reason.clone();
                    form.work_content = p.work_content.clone();
                    form.count_unit = p.count_unit.as_str().to_owned();
                    parts.copied_from = Some(p.id);
                    rows_of_ticket(&mut tx, p.id, crew.id, p.count_unit, rules.day_hours).await?
                } else {
                    Vec::new()
                }
            }
            None => {
                if q.copy == "1" {
                    parts.refusal = Some("labour.nothing_to_copy");
                }
                let workers = shared::crew_workers(&mut tx, crew.id).await?;
                fresh_rows(&workers, &standard_quantity(unit, rules.day_hours))
            }
        };
        form.set_rows(&rows);
    }
    Ok(Html(entry_page(&mut tx, &page, form, parts).await?))
}

/// A ticket as the audit log keeps it.
#[derive(Debug, Serialize)]
struct Audited<'a> {
    project_id: i64,
    ticket_date: NaiveDate,
    crew_id: i64,
    task_id: Option<i64>,
    reason: &'a str,
    count_unit: &'a str,
    lines: Vec<AuditedLine>,
}

#[derive(Debug, Serialize)]
struct AuditedLine {
    worker_id: Option<WorkerId>,
    trade_id: i64,
    head_count: i32,
    pay_type: &'static str,
    hours: Decimal,
    days: Decimal,
    rate: Decimal,
    amount: Decimal,
}

fn audited(header: &TicketHeader, lines: &[NewLine]) -> Option<serde_json::Value> {
    snapshot(&Audited {
        project_id: header.project_id,
        ticket_date: header.ticket_date,
        crew_id: header.crew_id,
        task_id: header.task_id,
        reason: &header.reason,
        count_unit: header.count_unit.as_str(),
        lines: lines
            .iter()
            .map(|l| AuditedLine {
                worker_id: l.worker_id,
                trade_id: l.trade_id,
                head_count: l.head_count,
                pay_type: l.pay_type.as_str(),
                hours: l.hours,
                days: l.days,
                rate: l.rate,
                amount: l.amount,
            })
            .collect(),
    })
}

/// Checks a valid form against the database: the project is one the user belongs to, the
/// crew one they may enter for, the task in the project, the workers real and not booked past
/// 24 hours that day. Gives the ticket to write, or what is wrong.
async fn check(
    tx: &mut TenantTx<Labour>,
    input: &TicketInput,
    except: Option<i64>,
) -> AppResult<Result<(TicketHeader, Vec<NewLine>), TicketErrors>> {
    let mut errors = TicketErrors::default();
    let me = tx.user().id;
    if crate::tenancy::project::find_project(tx, input.project)
        .await?
        .is_none()
    {
        errors.fields.add("project", "labour.project_not_member");
    }
    match shared::find_crew(tx, input.crew).await? {
        None => errors.fields.add("crew", "labour.crew_unknown"),
        Some(c) if !acts_for_crew(tx.user().role, me, c.foreman_id) => {
            errors.fields.add("crew", "labour.not_your_crew");
        }
        Some(_) => {}
    }
    if let Some(task) = input.task
        && !queries::project_tasks(tx, input.project)
            .await?
            .iter()
            .any(|t| t.id == task)
    {
        errors.fields.add("task", "labour.task_unknown");
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let ids: Vec<WorkerId> = input.lines.iter().filter_map(|(_, l)| l.worker).collect();
    let workers: HashMap<WorkerId, shared::WorkerPick> = shared::workers_by_id(tx, &ids)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    let trades: Vec<i64> = shared::list_trades(tx)
        .await?
        .into_iter()
        .filter(|t| t.active)
        .map(|t| t.id)
        .collect();
    let booked: HashMap<WorkerId, Decimal> =
        shared::booked_hours(tx, &ids, input.date, input.project, except)
            .await?
            .into_iter()
            .map(|b| (b.worker_id, b.hours))
            .collect();
    let rules = shared::pay_rules(tx).await?;
    match price_lines(input, &rules, &workers, &trades, &booked) {
        Ok(lines) => Ok(Ok((
            TicketHeader {
                project_id: input.project,
                ticket_date: input.date,
                crew_id: input.crew,
                task_id: input.task,
                reason: input.reason.clone(),
                work_content: input.work_content.clone(),
                count_unit: input.unit,
            },
            lines,
        ))),
        Err(lines) => {
            errors.lines = lines;
            Ok(Err(errors))
        }
    }
}

async fn refused_form(
    mut tx: TenantTx<Labour>,
    page: &Page,
    form: TicketForm,
    errors: TicketErrors,
    editing: Option<i64>,
) -> AppResult<Response> {
    let parts = EntryParts {
        errors,
        editing,
        ..EntryParts::default()
    };
    let html = entry_page(&mut tx, page, form, parts).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// Creates a ticket: a draft, or submitted at once.
pub async fn create(
    mut tx: TenantTx<Labour>,
    page: Page,
    AppForm(form): AppForm<TicketForm>,
) -> AppResult<Response> {
    tx.require(Permission::EnterLabour)?;
    let input = match form.validate(today(&tx)) {
        Ok(input) => input,
        Err(errors) => return refused_form(tx, &page, form, errors, None).await,
    };
    let (header, lines) = match check(&mut tx, &input, None).await? {
        Ok(ticket) => ticket,
        Err(errors) => return refused_form(tx, &page, form, errors, None).await,
    };
    let status = if form.submits() {
        TicketStatus::Submitted
    } else {
        TicketStatus::Draft
    };
    let me = tx.user().id;
    let id = shared::insert_ticket(&mut tx, &header, &lines, status, None, me).await?;
    tx.audit(Change {
        entity: "labour_ticket",
        entity_id: Some(id),
        action: Action::Create,
        summary: &format!("labour ticket {} {}", header.ticket_date, status.as_str()),
        before: None,
        after: audited(&header, &lines),
    })
    .await?;
    tx.commit().await?;
    let flash = if form.submits() {
        "labour.ticket_submitted"
    } else {
        "labour.ticket_saved"
    };
    page.session.flash(true, flash).await?;
    Ok(Redirect::to(&format!("/labour/tickets/{id}")).into_response())
}

pub async fn edit_form(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let ticket = load(&mut tx, id).await?;
    if !may_edit(&tx, &ticket) {
        return Ok(Redirect::to(&format!("/labour/tickets/{id}")).into_response());
    }
    let rules = shared::pay_rules(&mut tx).await?;
    let rows = rows_of_ticket(
        &mut tx,
        id,
        ticket.crew_id,
        ticket.count_unit,
        rules.day_hours,
    )
    .await?;
    let mut form = TicketForm {
        project: ticket.project_id.to_string(),
        date: ticket.ticket_date.to_string(),
        crew: ticket.crew_id.to_string(),
        task: ticket.task_id.map(|t| t.to_string()).unwrap_or_default(),
        count_unit: ticket.count_unit.as_str().to_owned(),
        reason: ticket.reason.clone(),
        work_content: ticket.work_content.clone(),
        version: ticket.version,
        ..TicketForm::default()
    };
    form.set_rows(&rows);
    let parts = EntryParts {
        editing: Some(id),
        ..EntryParts::default()
    };
    Ok(Html(entry_page(&mut tx, &page, form, parts).await?).into_response())
}

/// Saves a draft or rejected ticket read at `version`; `submit` hands it on as well.
pub async fn save(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(mut form): AppForm<TicketForm>,
) -> AppResult<Response> {
    tx.require(Permission::EnterLabour)?;
    let ticket = load(&mut tx, id).await?;
    if !may_edit(&tx, &ticket) {
        return ticket_refusal(tx, page, id, StatusCode::CONFLICT, "labour.locked").await;
    }
    // The ticket's project stays; only its lines and details change.
    form.project = ticket.project_id.to_string();
    let input = match form.validate(today(&tx)) {
        Ok(input) => input,
        Err(errors) => return refused_form(tx, &page, form, errors, Some(id)).await,
    };
    let (header, lines) = match check(&mut tx, &input, Some(id)).await? {
        Ok(ticket) => ticket,
        Err(errors) => return refused_form(tx, &page, form, errors, Some(id)).await,
    };
    let me = tx.user().id;
    let updated = shared::update_ticket(&mut tx, id, form.version, &header, &lines, me).await?;
    transition::written(updated.is_some())?;
    let from = ticket.status;
    if form.submits() {
        shared::move_tickets(&mut tx, &[id], from, TicketStatus::Submitted, "", None, me).await?;
    }
    tx.audit(Change {
        entity: "labour_ticket",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("labour ticket {} saved", header.ticket_date),
        before: None,
        after: audited(&header, &lines),
    })
    .await?;
    tx.commit().await?;
    let flash = if form.submits() {
        "labour.ticket_submitted"
    } else {
        "labour.ticket_saved"
    };
    page.session.flash(true, flash).await?;
    Ok(Redirect::to(&format!("/labour/tickets/{id}")).into_response())
}

// One ticket ---------------------------------------------------------------------------------

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
        can_add_photo: can_attach && photos.len() < super::photos::MAX_PHOTOS_PER_TICKET,
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

pub(super) async fn ticket_refusal(
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
    if to.is_cost() && crate::cost::queries::is_closed(&mut tx, ticket.ticket_date).await? {
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
    let ticket_date = if crate::cost::queries::is_closed(&mut tx, ticket.ticket_date).await? {
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

// The list -----------------------------------------------------------------------------------

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
            task: id(&self.task),
            status: (status == "cost" || TicketStatus::parse(status).is_some())
                .then(|| status.to_owned()),
            from: date(&self.from),
            to: date(&self.to),
        }
    }

    fn query_string(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                [
                    ("project", &self.project),
                    ("crew", &self.crew),
                    ("worker", &self.worker),
                    ("trade", &self.trade),
                    ("task", &self.task),
                    ("status", &self.status),
                    ("from", &self.from),
                    ("to", &self.to),
                ]
                .into_iter()
                .filter(|(_, v)| !v.is_empty()),
            )
            .finish()
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
    crate::cost::queries::lock_periods(&mut tx, false).await?;
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
