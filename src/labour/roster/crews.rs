//! Crews (班组): the list, creating one, and a crew's page — its edit form for those who may
//! change it, and its workers. A foreman creates crews led by themself and edits only the
//! crews they lead; owners, admins and project managers edit any.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::domain::{CrewForm, NewCrew, may_edit_crew};
use super::queries::{self, Crew, WorkerFilter};
use super::views::{CrewFormPage, CrewListPage, CrewSummary, CrewView, CrewWorkerView};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::labour::domain::CountUnit;
use crate::labour::queries::{TradeRow, list_trades};
use crate::labour::views::LabourTab;
use crate::roles::{Permission, Role};
use crate::tenancy::{Labour, TenantTx};
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path};

/// The most workers a crew's page lists.
const CREW_PAGE_WORKERS: i64 = 1000;

/// Trade names in the user's language, by id.
pub(super) fn trade_names(trades: &[TradeRow], locale: Locale) -> HashMap<i64, String> {
    trades
        .iter()
        .map(|t| (t.id, t.name(locale).to_owned()))
        .collect()
}

/// The trades a select offers: the active ones, and `current` whatever it is.
pub(super) fn trade_choices(
    trades: &[TradeRow],
    locale: Locale,
    current: Option<i64>,
) -> Vec<Choice> {
    trades
        .iter()
        .filter(|t| t.active || Some(t.id) == current)
        .map(|t| Choice {
            value: t.id.to_string(),
            label: t.name(locale).to_owned(),
        })
        .collect()
}

fn choice_ids(choices: &[Choice]) -> Vec<i64> {
    choices
        .iter()
        .filter_map(|c| c.value.parse().ok())
        .collect()
}

pub async fn list(mut tx: TenantTx<Labour>, page: Page) -> AppResult<Html<String>> {
    let locale = tx.user().locale;
    let trades = trade_names(&list_trades(&mut tx).await?, locale);
    let rows = queries::list_crews(&mut tx)
        .await?
        .into_iter()
        .map(|c| CrewView {
            trade: c
                .trade_id
                .and_then(|t| trades.get(&t).cloned())
                .unwrap_or_default(),
            unit_key: c.count_unit.label_key(),
            id: c.id,
            name: c.name,
            foreman: c.foreman_name.unwrap_or_default(),
            subcontractor: c.subcontractor,
            workers: c.workers,
            active: c.active,
        })
        .collect();
    Ok(Html(
        CrewListPage {
            layout: page.layout(&tx, "labour_roster.crews_title"),
            tab: LabourTab::Crews,
            rows,
            can_create: tx.user().role.has(Permission::EditLabourRoster),
        }
        .render()?,
    ))
}

/// What a crew page shows beyond the saved crew.
#[derive(Debug, Default)]
struct Parts {
    /// The posted form (else the saved crew, else a new one).
    form: Option<CrewForm>,
    errors: FieldErrors,
    theirs: Option<CrewSummary>,
}

fn form_of(c: &Crew) -> CrewForm {
    CrewForm {
        name: c.name.clone(),
        foreman_id: c.foreman_id.map(|f| f.to_string()).unwrap_or_default(),
        subcontractor: c.subcontractor.clone(),
        trade_id: c.trade_id.map(|t| t.to_string()).unwrap_or_default(),
        count_unit: c.count_unit.as_str().to_owned(),
        active: if c.active { "1" } else { "" }.to_owned(),
        version: c.version,
    }
}

fn new_crew_of(c: &Crew) -> NewCrew {
    NewCrew {
        name: c.name.clone(),
        foreman_id: c.foreman_id,
        subcontractor: c.subcontractor.clone(),
        trade_id: c.trade_id,
        count_unit: c.count_unit,
        active: c.active,
    }
}

/// Who may lead the crew, as the select offers them (active foremen and project managers,
/// and whoever leads it now).
async fn foreman_choices(
    tx: &mut TenantTx<Labour>,
    current: Option<i64>,
) -> AppResult<Vec<Choice>> {
    Ok(queries::foreman_choices(tx, current)
        .await?
        .into_iter()
        .map(|(id, name)| Choice {
            value: id.to_string(),
            label: name,
        })
        .collect())
}

async fn summary(tx: &mut TenantTx<Labour>, c: &Crew) -> AppResult<CrewSummary> {
    let locale = tx.user().locale;
    let trades = trade_names(&list_trades(tx).await?, locale);
    let foreman = foreman_choices(tx, c.foreman_id)
        .await?
        .into_iter()
        .find(|f| Some(f.value.as_str()) == c.foreman_id.map(|f| f.to_string()).as_deref())
        .map(|f| f.label)
        .unwrap_or_default();
    Ok(CrewSummary {
        name: c.name.clone(),
        foreman,
        subcontractor: c.subcontractor.clone(),
        trade: c
            .trade_id
            .and_then(|t| trades.get(&t).cloned())
            .unwrap_or_default(),
        unit_key: c.count_unit.label_key(),
        active: c.active,
    })
}

async fn crew_page(
    tx: &mut TenantTx<Labour>,
    page: &Page,
    crew: Option<&Crew>,
    parts: Parts,
) -> AppResult<String> {
    let user = tx.user().clone();
    let locale = user.locale;
    let can_edit = match crew {
        Some(c) => may_edit_crew(user.role, user.id, c.foreman_id),
        None => user.role.has(Permission::EditLabourRoster),
    };
    let current_foreman = crew.and_then(|c| c.foreman_id);
    let (foremen, fixed_foreman) = if user.role == Role::Foreman {
        (Vec::new(), Some(user.name.clone()))
    } else {
        (foreman_choices(tx, current_foreman).await?, None)
    };
    let trade_rows = list_trades(tx).await?;
    let trades = trade_choices(&trade_rows, locale, crew.and_then(|c| c.trade_id));
    let names = trade_names(&trade_rows, locale);
    let (saved, workers) = match crew {
        Some(c) => {
            let filter = WorkerFilter {
                crew: Some(c.id),
                sort: "name".into(),
                ..WorkerFilter::default()
            };
            let (rows, _) = queries::list_workers(tx, &filter, CREW_PAGE_WORKERS, 0).await?;
            let workers = rows
                .into_iter()
                .map(|w| CrewWorkerView {
                    id: w.id,
                    name: w.name,
                    trade: names.get(&w.trade_id).cloned().unwrap_or_default(),
                    day_rate: format!("{:.2}", w.day_rate),
                    active: w.active,
                })
                .collect();
            (Some(summary(tx, c).await?), workers)
        }
        None => (None, Vec::new()),
    };
    let form = parts.form.unwrap_or_else(|| match crew {
        Some(c) => form_of(c),
        None => CrewForm {
            count_unit: CountUnit::Day.as_str().to_owned(),
            active: "1".into(),
            ..CrewForm::default()
        },
    });
    let title = if crew.is_some() {
        "labour_roster.crew_title"
    } else {
        "labour_roster.new_crew"
    };
    let mut layout = page.layout(tx, title);
    if let Some(c) = crew {
        layout.title = format!("{} {}", layout.title, c.name);
    }
    Ok(CrewFormPage {
        layout,
        tab: LabourTab::Crews,
        crew_id: crew.map(|c| c.id),
        form,
        errors: parts.errors,
        can_edit,
        foremen,
        fixed_foreman,
        trades,
        units: CountUnit::ALL
            .iter()
            .map(|u| Choice {
                value: u.as_str().to_owned(),
                label: crate::i18n::t(locale, u.label_key()).to_owned(),
            })
            .collect(),
        can_add_worker: can_edit && crew.is_some_and(|c| c.active),
        saved,
        theirs: parts.theirs,
        workers,
    }
    .render()?)
}

fn with_status(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

pub async fn new_form(mut tx: TenantTx<Labour>, page: Page) -> AppResult<Html<String>> {
    tx.require(Permission::EditLabourRoster)?;
    Ok(Html(
        crew_page(&mut tx, &page, None, Parts::default()).await?,
    ))
}

pub async fn show(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let crew = find(&mut tx, id).await?;
    Ok(Html(
        crew_page(&mut tx, &page, Some(&crew), Parts::default()).await?,
    ))
}

async fn find(tx: &mut TenantTx<Labour>, id: i64) -> AppResult<Crew> {
    queries::find_crew(tx, id).await?.ok_or(AppError::NotFound)
}

/// Checks the form against what the selects may offer. A foreman's crew is led by them,
/// whatever the form says.
async fn validate(
    tx: &mut TenantTx<Labour>,
    f: &mut CrewForm,
    crew: Option<&Crew>,
) -> AppResult<Result<NewCrew, FieldErrors>> {
    let user = tx.user().clone();
    let foremen = if user.role == Role::Foreman {
        f.foreman_id = user.id.0.to_string();
        vec![user.id.0]
    } else {
        choice_ids(&foreman_choices(tx, crew.and_then(|c| c.foreman_id)).await?)
    };
    let trades = trade_choices(
        &list_trades(tx).await?,
        user.locale,
        crew.and_then(|c| c.trade_id),
    );
    Ok(f.validate(&foremen, &choice_ids(&trades)))
}

fn name_taken() -> FieldErrors {
    let mut e = FieldErrors::default();
    e.add("name", "labour_roster.crew_name_taken");
    e
}

async fn refuse(
    mut tx: TenantTx<Labour>,
    page: &Page,
    crew: Option<&Crew>,
    form: CrewForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let parts = Parts {
        form: Some(form),
        errors,
        ..Parts::default()
    };
    let html = crew_page(&mut tx, page, crew, parts).await?;
    Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, html))
}

pub async fn create(
    mut tx: TenantTx<Labour>,
    page: Page,
    AppForm(mut f): AppForm<CrewForm>,
) -> AppResult<Response> {
    tx.require(Permission::EditLabourRoster)?;
    let new = match validate(&mut tx, &mut f, None).await? {
        Ok(new) => new,
        Err(errors) => return refuse(tx, &page, None, f, errors).await,
    };
    let me = tx.user().id;
    // A taken name is answered by the unique key; the savepoint keeps the page drawable.
    tx.savepoint().await?;
    let inserted = queries::insert_crew(&mut tx, &new, me).await;
    let Ok(id) = tx.unless_taken(inserted, "crew_tenant_id_name_key").await? else {
        return refuse(tx, &page, None, f, name_taken()).await;
    };
    tx.audit(Change {
        entity: "crew",
        entity_id: Some(id),
        action: Action::Create,
        summary: &new.name,
        before: None,
        after: snapshot(&new),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "labour_roster.crew_created")
        .await?;
    Ok(Redirect::to(&format!("/labour/crews/{id}")).into_response())
}

pub async fn update(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(mut f): AppForm<CrewForm>,
) -> AppResult<Response> {
    tx.require(Permission::EditLabourRoster)?;
    let crew = find(&mut tx, id).await?;
    let user = tx.user().clone();
    if !may_edit_crew(user.role, user.id, crew.foreman_id) {
        return Err(AppError::Forbidden(Permission::EditLabourRoster));
    }
    let new = match validate(&mut tx, &mut f, Some(&crew)).await? {
        Ok(new) => new,
        Err(errors) => return refuse(tx, &page, Some(&crew), f, errors).await,
    };
    tx.savepoint().await?;
    let updated = queries::update_crew(&mut tx, id, &new, f.version, user.id).await;
    let Ok(saved) = tx.unless_taken(updated, "crew_tenant_id_name_key").await? else {
        return refuse(tx, &page, Some(&crew), f, name_taken()).await;
    };
    if saved.is_none() {
        // Stale: show what was saved meanwhile, keep what they typed, at the new version.
        let now = find(&mut tx, id).await?;
        let parts = Parts {
            theirs: Some(summary(&mut tx, &now).await?),
            form: Some(CrewForm {
                version: now.version,
                ..f
            }),
            errors: FieldErrors::default(),
        };
        let html = crew_page(&mut tx, &page, Some(&now), parts).await?;
        return Ok(with_status(StatusCode::CONFLICT, html));
    }
    tx.audit(Change {
        entity: "crew",
        entity_id: Some(id),
        action: Action::Update,
        summary: &new.name,
        before: snapshot(&new_crew_of(&crew)),
        after: snapshot(&new),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("/labour/crews/{id}")).into_response())
}
