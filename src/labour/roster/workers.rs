//! Workers (工人): the list (filtered, sorted, paginated, exported), adding one and a worker's
//! page. Identity-card numbers are shown whole only to those who may see them — on pages and
//! in exports alike. A foreman adds and edits workers of the crews they lead.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::crews::{trade_choices, trade_names};
use super::domain::{
    KeptNumber, NewWorker, WorkerForm, id_search_suffix, may_edit_crew, shown_id_number,
};
use super::queries::{self, Worker, WorkerFilter, WorkerListRow};
use super::views::{WorkerFormPage, WorkerListPage, WorkerSummary, WorkerView};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult, ResultExt};
use crate::i18n::{self, Locale};
use crate::labour::domain::WorkerId;
use crate::labour::queries::{CrewRow, list_crews, list_trades};
use crate::labour::views::LabourTab;
use crate::roles::{Permission, Role};
use crate::tenancy::{Labour, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::pager::MAX_PAGE;
use crate::web::{AppForm, Page, Path};

const PAGE_SIZE: i64 = 50;
/// The most rows an export holds.
const EXPORT_LIMIT: i64 = 50_000;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub crew: String,
    pub trade: String,
    /// active (the default), inactive or all.
    pub status: String,
    pub q: String,
    pub sort: String,
    pub dir: String,
    pub page: i64,
    pub format: Option<ExportFormat>,
}

/// The filter a query asks for, and the query normalised for links.
fn filter_of(q: &ListQuery, sees_numbers: bool) -> (WorkerFilter, ListQuery) {
    let status = match q.status.as_str() {
        "inactive" | "all" => q.status.clone(),
        _ => "active".to_owned(),
    };
    let text: String = q.q.trim().chars().take(100).collect();
    let sort = match q.sort.as_str() {
        "crew" | "trade" | "phone" | "rate" => q.sort.clone(),
        _ => "name".to_owned(),
    };
    let descending = q.dir == "desc";
    let filter = WorkerFilter {
        crew: q.crew.parse().ok(),
        trade: q.trade.parse().ok(),
        active: match status.as_str() {
            "active" => Some(true),
            "inactive" => Some(false),
            _ => None,
        },
        id_suffix: id_search_suffix(&text, sees_numbers),
        text: text.clone(),
        sort: sort.clone(),
        descending,
    };
    let normal = ListQuery {
        crew: filter.crew.map(|c| c.to_string()).unwrap_or_default(),
        trade: filter.trade.map(|t| t.to_string()).unwrap_or_default(),
        status,
        q: text,
        sort,
        dir: if descending { "desc" } else { "asc" }.to_owned(),
        page: q.page.clamp(1, MAX_PAGE),
        format: None,
    };
    (filter, normal)
}

fn crew_choices(crews: &[CrewRow]) -> Vec<Choice> {
    crews
        .iter()
        .map(|c| Choice {
            value: c.id.to_string(),
            label: c.name.clone(),
        })
        .collect()
}

pub async fn list(
    mut tx: TenantTx<Labour>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let user = tx.user().clone();
    let (filter, q) = filter_of(&q, user.role.has(Permission::SeeIdNumbers));
    let (rows, total) =
        queries::list_workers(&mut tx, &filter, PAGE_SIZE, (q.page - 1) * PAGE_SIZE).await?;
    let trade_rows = list_trades(&mut tx).await?;
    let names = trade_names(&trade_rows, user.locale);
    let crews = crew_choices(&list_crews(&mut tx, None).await?);
    let rows = rows
        .into_iter()
        .map(|w| WorkerView {
            id: w.id,
            id_number: shown_id_number(user.role, &w.id_number),
            trade: names.get(&w.trade_id).cloned().unwrap_or_default(),
            crew_id: w.crew_id,
            crew: w.crew_name.unwrap_or_default(),
            day_rate: format!("{:.2}", w.day_rate),
            name: w.name,
            phone: w.phone,
            active: w.active,
        })
        .collect();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("crew", &q.crew)
        .append_pair("trade", &q.trade)
        .append_pair("status", &q.status)
        .append_pair("q", &q.q)
        .append_pair("sort", &q.sort)
        .append_pair("dir", &q.dir)
        .finish();
    Ok(Html(
        WorkerListPage {
            layout: page.layout(&tx, "labour_roster.workers_title"),
            tab: LabourTab::Workers,
            rows,
            total,
            page: q.page,
            pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
            crew: q.crew,
            trade: q.trade,
            status: q.status,
            q: q.q,
            sort: q.sort,
            dir: q.dir,
            crews,
            trades: trade_choices(&trade_rows, user.locale, None),
            can_create: user.role.has(Permission::EditLabourRoster),
            query,
        }
        .render()?,
    ))
}

/// The export's column heads: Chinese, as site offices and wage-account banks expect.
const EXPORT_HEADERS: [&str; 9] = [
    "labour_roster.name",
    "labour_roster.id_number",
    "labour_roster.phone",
    "labour_roster.trade",
    "labour_roster.crew",
    "labour_roster.day_rate",
    "labour_roster.bank_name",
    "labour_roster.bank_account",
    "labour_roster.status",
];

/// The workers the list shows (all pages), as CSV or XLSX.
pub async fn export(mut tx: TenantTx<Labour>, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let format = q
        .format
        .ok_or(AppError::BadRequest("format: csv or xlsx".into()))?;
    let role = tx.user().role;
    let (filter, _) = filter_of(&q, role.has(Permission::SeeIdNumbers));
    let (rows, _) = queries::list_workers(&mut tx, &filter, EXPORT_LIMIT, 0).await?;
    let names = trade_names(&list_trades(&mut tx).await?, Locale::ZhCn);
    let zh = |key: &str| i18n::t(Locale::ZhCn, key).to_owned();
    let row = |w: WorkerListRow| -> Vec<Cell> {
        vec![
            Cell::Text(w.name),
            Cell::Text(shown_id_number(role, &w.id_number)),
            Cell::Text(w.phone),
            Cell::Text(names.get(&w.trade_id).cloned().unwrap_or_default()),
            Cell::Text(w.crew_name.unwrap_or_default()),
            Cell::Money(w.day_rate),
            Cell::Text(w.bank_name),
            Cell::Text(w.bank_account),
            Cell::Text(zh(if w.active {
                "labour_roster.active"
            } else {
                "labour_roster.inactive"
            })),
        ]
    };
    let table = Table {
        headers: EXPORT_HEADERS.iter().map(|k| zh(k)).collect(),
        rows: rows.into_iter().map(row).collect(),
        totals: None,
    };
    table.download(format, "workers")
}

/// What a worker page shows beyond the saved worker.
#[derive(Debug, Default)]
struct Parts {
    form: Option<WorkerForm>,
    errors: FieldErrors,
    duplicate: Option<(WorkerId, String)>,
    theirs: Option<WorkerSummary>,
}

/// The crews a worker may be put in by this user: a foreman's own crews, anyone else's any;
/// active ones, and `current` whatever it is.
async fn crews_for(tx: &mut TenantTx<Labour>, current: Option<i64>) -> AppResult<Vec<CrewRow>> {
    let user = tx.user().clone();
    let led_by = crate::labour::domain::crews_led_by(user.role, user.id);
    Ok(list_crews(tx, led_by)
        .await?
        .into_iter()
        .filter(|c| c.active || Some(c.id) == current)
        .collect())
}

async fn summary(tx: &mut TenantTx<Labour>, w: &Worker) -> AppResult<WorkerSummary> {
    let role = tx.user().role;
    let locale = tx.user().locale;
    let names = trade_names(&list_trades(tx).await?, locale);
    let crew = match w.crew_id {
        Some(c) => crate::labour::queries::find_crew(tx, c)
            .await?
            .map(|c| c.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(WorkerSummary {
        name: w.name.clone(),
        id_number: shown_id_number(role, &w.id_number),
        phone: w.phone.clone(),
        trade: names.get(&w.trade_id).cloned().unwrap_or_default(),
        crew,
        day_rate: format!("{:.2}", w.day_rate),
        bank_name: w.bank_name.clone(),
        bank_account: w.bank_account.clone(),
        active: w.active,
    })
}

fn form_of(w: &Worker, role: Role) -> WorkerForm {
    WorkerForm {
        name: w.name.clone(),
        id_number: shown_id_number(role, &w.id_number),
        phone: w.phone.clone(),
        trade_id: w.trade_id.to_string(),
        crew_id: w.crew_id.map(|c| c.to_string()).unwrap_or_default(),
        day_rate: format!("{:.2}", w.day_rate),
        bank_name: w.bank_name.clone(),
        bank_account: w.bank_account.clone(),
        active: if w.active { "1" } else { "" }.to_owned(),
        version: w.version,
    }
}

fn new_worker_of(w: &Worker) -> NewWorker {
    NewWorker {
        name: w.name.clone(),
        id_number: w.id_number.clone(),
        phone: w.phone.clone(),
        trade_id: w.trade_id,
        crew_id: w.crew_id,
        day_rate: w.day_rate,
        bank_name: w.bank_name.clone(),
        bank_account: w.bank_account.clone(),
        active: w.active,
    }
}

async fn worker_page(
    tx: &mut TenantTx<Labour>,
    page: &Page,
    worker: Option<&Worker>,
    new_form: WorkerForm,
    parts: Parts,
) -> AppResult<String> {
    let user = tx.user().clone();
    let can_edit = match worker {
        Some(w) => may_edit_crew(user.role, user.id, w.crew_foreman_id),
        None => user.role.has(Permission::EditLabourRoster),
    };
    let crews = crew_choices(&crews_for(tx, worker.and_then(|w| w.crew_id)).await?);
    let trades = trade_choices(
        &list_trades(tx).await?,
        user.locale,
        worker.map(|w| w.trade_id),
    );
    let saved = match worker {
        Some(w) => Some(summary(tx, w).await?),
        None => None,
    };
    let form = parts.form.unwrap_or_else(|| match worker {
        Some(w) => form_of(w, user.role),
        None => new_form,
    });
    let title = if worker.is_some() {
        "labour_roster.worker_title"
    } else {
        "labour_roster.new_worker"
    };
    let mut layout = page.layout(tx, title);
    if let Some(w) = worker {
        layout.title = format!("{} {}", layout.title, w.name);
    }
    Ok(WorkerFormPage {
        layout,
        tab: LabourTab::Workers,
        worker_id: worker.map(|w| w.id),
        form,
        errors: parts.errors,
        can_edit,
        crews,
        crew_optional: user.role != Role::Foreman,
        trades,
        duplicate: parts.duplicate,
        saved,
        theirs: parts.theirs,
    }
    .render()?)
}

fn with_status(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    /// The crew to add the worker to (from a crew's page).
    pub crew: String,
}

pub async fn new_form(
    mut tx: TenantTx<Labour>,
    page: Page,
    Query(q): Query<NewQuery>,
) -> AppResult<Html<String>> {
    tx.require(Permission::EditLabourRoster)?;
    let crews = crews_for(&mut tx, None).await?;
    let crew = crews.iter().find(|c| c.id.to_string() == q.crew);
    let form = WorkerForm {
        crew_id: crew.map(|c| c.id.to_string()).unwrap_or_default(),
        trade_id: crew
            .and_then(|c| c.trade_id)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        active: "1".into(),
        ..WorkerForm::default()
    };
    Ok(Html(
        worker_page(&mut tx, &page, None, form, Parts::default()).await?,
    ))
}

pub async fn show(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<WorkerId>,
) -> AppResult<Html<String>> {
    let worker = find(&mut tx, id).await?;
    Ok(Html(
        worker_page(
            &mut tx,
            &page,
            Some(&worker),
            WorkerForm::default(),
            Parts::default(),
        )
        .await?,
    ))
}

async fn find(tx: &mut TenantTx<Labour>, id: WorkerId) -> AppResult<Worker> {
    queries::find_worker(tx, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn choice_ids(choices: &[Choice]) -> Vec<i64> {
    choices
        .iter()
        .filter_map(|c| c.value.parse().ok())
        .collect()
}

/// The form checked against the selects' choices, then against the numbers already
/// registered: `Err` holds the messages and the worker who has the number.
async fn validate(
    tx: &mut TenantTx<Labour>,
    f: &WorkerForm,
    worker: Option<&Worker>,
) -> AppResult<Result<NewWorker, (FieldErrors, Option<(WorkerId, String)>)>> {
    let user = tx.user().clone();
    let crews = crews_for(tx, worker.and_then(|w| w.crew_id)).await?;
    let crews: Vec<i64> = crews.iter().map(|c| c.id).collect();
    let trades = trade_choices(
        &list_trades(tx).await?,
        user.locale,
        worker.map(|w| w.trade_id),
    );
    let kept = worker.map(|w| KeptNumber {
        id_number: &w.id_number,
        sees_numbers: user.role.has(Permission::SeeIdNumbers),
    });
    let new = match f.validate(
        &choice_ids(&trades),
        &crews,
        user.role == Role::Foreman,
        kept,
    ) {
        Ok(new) => new,
        Err(errors) => return Ok(Err((errors, None))),
    };
    if let Some(other) =
        queries::worker_with_id_number(tx, &new.id_number, worker.map(|w| w.id)).await?
    {
        return Ok(Err((id_number_taken(), Some(other))));
    }
    Ok(Ok(new))
}

fn id_number_taken() -> FieldErrors {
    let mut e = FieldErrors::default();
    e.add("id_number", "labour_roster.id_number_taken");
    e
}

async fn refuse(
    mut tx: TenantTx<Labour>,
    page: &Page,
    worker: Option<&Worker>,
    form: WorkerForm,
    (errors, duplicate): (FieldErrors, Option<(WorkerId, String)>),
) -> AppResult<Response> {
    let parts = Parts {
        form: Some(form),
        errors,
        duplicate,
        theirs: None,
    };
    let html = worker_page(&mut tx, page, worker, WorkerForm::default(), parts).await?;
    Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, html))
}

/// A worker as the audit log records them: the number masked, like everywhere but the
/// worker's own page for admins.
fn audited(w: &NewWorker) -> Option<serde_json::Value> {
    snapshot(&NewWorker {
        id_number: crate::labour::domain::mask_id_number(&w.id_number),
        ..w.clone()
    })
}

pub async fn create(
    mut tx: TenantTx<Labour>,
    page: Page,
    AppForm(f): AppForm<WorkerForm>,
) -> AppResult<Response> {
    tx.require(Permission::EditLabourRoster)?;
    let new = match validate(&mut tx, &f, None).await? {
        Ok(new) => new,
        Err(refusal) => return refuse(tx, &page, None, f, refusal).await,
    };
    let me = tx.user().id;
    let id = match queries::insert_worker(&mut tx, &new, me)
        .await
        .on_constraint("worker_tenant_id_id_number_key", || AppError::Conflict)
    {
        Ok(id) => id,
        // Registered by someone else between the check and the insert.
        Err(AppError::Conflict) => {
            return refuse(tx, &page, None, f, (id_number_taken(), None)).await;
        }
        Err(e) => return Err(e),
    };
    tx.audit(Change {
        entity: "worker",
        entity_id: Some(id.0),
        action: Action::Create,
        summary: &new.name,
        before: None,
        after: audited(&new),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "labour_roster.worker_created")
        .await?;
    Ok(Redirect::to(&format!("/labour/workers/{id}")).into_response())
}

pub async fn update(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<WorkerId>,
    AppForm(f): AppForm<WorkerForm>,
) -> AppResult<Response> {
    tx.require(Permission::EditLabourRoster)?;
    let worker = find(&mut tx, id).await?;
    let user = tx.user().clone();
    if !may_edit_crew(user.role, user.id, worker.crew_foreman_id) {
        return Err(AppError::Forbidden(Permission::EditLabourRoster));
    }
    let new = match validate(&mut tx, &f, Some(&worker)).await? {
        Ok(new) => new,
        Err(refusal) => return refuse(tx, &page, Some(&worker), f, refusal).await,
    };
    let saved = match queries::update_worker(&mut tx, id, &new, f.version, user.id)
        .await
        .on_constraint("worker_tenant_id_id_number_key", || AppError::Conflict)
    {
        Ok(saved) => saved,
        Err(AppError::Conflict) => {
            return refuse(tx, &page, Some(&worker), f, (id_number_taken(), None)).await;
        }
        Err(e) => return Err(e),
    };
    if saved.is_none() {
        let now = find(&mut tx, id).await?;
        let parts = Parts {
            theirs: Some(summary(&mut tx, &now).await?),
            form: Some(WorkerForm {
                version: now.version,
                ..f
            }),
            ..Parts::default()
        };
        let html = worker_page(&mut tx, &page, Some(&now), WorkerForm::default(), parts).await?;
        return Ok(with_status(StatusCode::CONFLICT, html));
    }
    tx.audit(Change {
        entity: "worker",
        entity_id: Some(id.0),
        action: Action::Update,
        summary: &new.name,
        before: audited(&new_worker_of(&worker)),
        after: audited(&new),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("/labour/workers/{id}")).into_response())
}
