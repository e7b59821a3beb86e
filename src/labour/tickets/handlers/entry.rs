//! The entry pages: the fast entry for a day and crew, creating, editing and saving drafts.

use std::collections::HashMap;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{
    choices, enum_choices, load, may_edit, standard_quantity, ticket_refusal, today, visibility,
};
use crate::audit::{Action, Change, snapshot};
use crate::error::AppResult;
use crate::ids::TaskId;
use crate::labour::domain::{
    CountUnit, PayType, TicketStatus, WorkerId, acts_for_crew, crews_led_by,
};
use crate::labour::queries::{self as shared, NewLine, TicketHeader};
use crate::labour::tickets::form::{FormRow, TicketErrors, TicketForm, TicketInput, price_lines};
use crate::labour::tickets::queries;
use crate::labour::tickets::views::{EntryPage, row_views};
use crate::labour::views::LabourTab;
use crate::roles::Permission;
use crate::tenancy::{Labour, TenantTx};
use crate::web::{AppForm, Page, Path, format, transition};

/// Blank head-count rows offered below the crew's workers.
const BLANK_ROWS: usize = 2;

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
    let project_ok = project
        .and_then(|p| projects.iter().find(|x| x.id.get() == p))
        .map(|x| x.id);
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
                // Only a project the user may see is copied from.
                match crate::tenancy::project::find_project(&mut tx, project).await? {
                    Some(project) => {
                        queries::previous_ticket(&mut tx, project.id, crew.id, date).await?
                    }
                    None => None,
                }
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
    task_id: Option<TaskId>,
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

pub(super) fn audited(header: &TicketHeader, lines: &[NewLine]) -> Option<serde_json::Value> {
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
    let project = crate::tenancy::project::find_project(tx, input.project)
        .await?
        .map(|p| p.id);
    if project.is_none() {
        errors.fields.add("project", "labour.project_not_member");
    }
    match shared::find_crew(tx, input.crew).await? {
        None => errors.fields.add("crew", "labour.crew_unknown"),
        Some(c) if !acts_for_crew(tx.user().role, me, c.foreman_id) => {
            errors.fields.add("crew", "labour.not_your_crew");
        }
        Some(_) => {}
    }
    if let Some(task) = input.task {
        // A project the user may not see has no task they could pick.
        let tasks = match project {
            Some(p) => queries::project_tasks(tx, p).await?,
            None => Vec::new(),
        };
        if !tasks.iter().any(|t| t.id == task.0) {
            errors.fields.add("task", "labour.task_unknown");
        }
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
        shared::booked_hours(tx, &ids, input.date, project, except)
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
