//! Working calendars in settings: weekdays, holidays and make-up workdays, the default.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::queries::{self, CalendarDay, CalendarRow};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::roles::Permission;
use crate::tenancy::{Platform, TenantTx};
use crate::web::fields::optional_date;
use crate::web::form::{self, FieldErrors};
use crate::web::{AppForm, Layout, Page, Path};

pub const WEEKDAYS: [(i16, &str); 7] = [
    (1, "calendar.mon"),
    (2, "calendar.tue"),
    (3, "calendar.wed"),
    (4, "calendar.thu"),
    (5, "calendar.fri"),
    (6, "calendar.sat"),
    (7, "calendar.sun"),
];

#[derive(Template)]
#[template(path = "plans/calendars.html")]
pub struct CalendarsPage {
    pub layout: Layout,
    pub tab: &'static str,
    pub calendars: Vec<CalendarRow>,
    pub form: CalendarForm,
    pub errors: FieldErrors,
    pub weekdays: [(i16, &'static str); 7],
}

#[derive(Template)]
#[template(path = "plans/calendar.html")]
pub struct CalendarPage {
    pub layout: Layout,
    pub tab: &'static str,
    pub calendar: CalendarRow,
    pub days: Vec<CalendarDay>,
    pub form: CalendarForm,
    pub errors: FieldErrors,
    pub day_form: DayForm,
    pub day_errors: FieldErrors,
    pub weekdays: [(i16, &'static str); 7],
    pub conflict: bool,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct CalendarForm {
    pub name: String,
    /// ISO weekday numbers, as checkboxes.
    pub weekday: Vec<String>,
    /// "china" to start from the shipped China mainland holidays.
    pub holidays: String,
    pub version: i32,
}

impl CalendarForm {
    pub fn has(&self, day: &i16) -> bool {
        self.weekday.iter().any(|w| w == &day.to_string())
    }

    fn validate(&self) -> Result<(String, Vec<i16>), FieldErrors> {
        let mut e = FieldErrors::default();
        let name = form::text(&mut e, "name", &self.name, true, 100);
        let mut days: Vec<i16> = Vec::new();
        for w in &self.weekday {
            match w.parse::<i16>() {
                Ok(d) if (1..=7).contains(&d) && !days.contains(&d) => days.push(d),
                _ => e.add("weekday", "form.invalid_choice"),
            }
        }
        days.sort_unstable();
        if days.is_empty() && !e.has("weekday") {
            e.add("weekday", "calendar.no_weekday");
        }
        if e.is_empty() {
            Ok((name, days))
        } else {
            Err(e)
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct DayForm {
    pub day: String,
    /// "holiday" or "workday".
    pub kind: String,
    pub name: String,
}

fn list_page(
    tx: &TenantTx<Platform>,
    page: &Page,
    calendars: Vec<CalendarRow>,
    form: CalendarForm,
    errors: FieldErrors,
) -> AppResult<String> {
    Ok(CalendarsPage {
        layout: page.layout(tx, "calendar.title"),
        tab: "schedule",
        calendars,
        form,
        errors,
        weekdays: WEEKDAYS,
    }
    .render()?)
}

pub async fn list(mut tx: TenantTx<Platform>, page: Page) -> AppResult<Response> {
    tx.require(Permission::ManageCalendars)?;
    let calendars = queries::list_calendars(&mut tx).await?;
    let form = CalendarForm {
        weekday: (1..=5).map(|d| d.to_string()).collect(),
        holidays: "china".into(),
        ..Default::default()
    };
    Ok(Html(list_page(
        &tx,
        &page,
        calendars,
        form,
        FieldErrors::default(),
    )?)
    .into_response())
}

pub async fn create(
    mut tx: TenantTx<Platform>,
    page: Page,
    AppForm(f): AppForm<CalendarForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCalendars)?;
    let calendars = queries::list_calendars(&mut tx).await?;
    let mut result = f.validate();
    if let Ok((name, _)) = &result
        && calendars.iter().any(|c| &c.name == name)
    {
        let mut e = FieldErrors::default();
        e.add("name", "calendar.name_taken");
        result = Err(e);
    }
    let (name, days) = match result {
        Ok(v) => v,
        Err(errors) => {
            let html = list_page(&tx, &page, calendars, f, errors)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let me = tx.user().id;
    let id = queries::insert_calendar(&mut tx, &name, &days, calendars.is_empty(), me).await?;
    if f.holidays == "china" {
        queries::upsert_calendar_days(&mut tx, id, &queries::china_mainland_days()).await?;
    }
    tx.audit(Change {
        entity: "calendar",
        entity_id: Some(id),
        action: Action::Create,
        summary: &name,
        before: None,
        after: snapshot(&f),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "calendar.created").await?;
    Ok(Redirect::to(&format!("/settings/calendars/{id}")).into_response())
}

/// What a calendar page shows besides the stored calendar: forms being corrected.
#[derive(Debug, Default)]
struct Edits {
    /// `None`: the calendar as stored.
    form: Option<CalendarForm>,
    errors: FieldErrors,
    day_form: DayForm,
    day_errors: FieldErrors,
    conflict: bool,
}

impl Edits {
    fn none() -> Self {
        Self {
            day_form: DayForm {
                kind: "holiday".into(),
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

async fn calendar_page(
    tx: &mut TenantTx<Platform>,
    page: &Page,
    calendar: CalendarRow,
    edits: Edits,
) -> AppResult<String> {
    let Edits {
        form,
        errors,
        day_form,
        day_errors,
        conflict,
    } = edits;
    let days = queries::calendar_days(tx, calendar.id).await?;
    let form = form.unwrap_or_else(|| CalendarForm {
        name: calendar.name.clone(),
        weekday: calendar
            .working_weekdays
            .iter()
            .map(|d| d.to_string())
            .collect(),
        holidays: String::new(),
        version: calendar.version,
    });
    Ok(CalendarPage {
        layout: page.layout(tx, "calendar.title"),
        tab: "schedule",
        calendar,
        days,
        form,
        errors,
        day_form,
        day_errors,
        weekdays: WEEKDAYS,
        conflict,
    }
    .render()?)
}

async fn find(tx: &mut TenantTx<Platform>, id: i64) -> AppResult<CalendarRow> {
    queries::find_calendar(tx, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn show(
    mut tx: TenantTx<Platform>,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    tx.require(Permission::ManageCalendars)?;
    let calendar = find(&mut tx, id).await?;
    Ok(Html(
        calendar_page(&mut tx, &page, calendar, Edits::none()).await?,
    ))
}

/// Every project on this calendar gets new dates.
async fn reschedule_projects_on(tx: &mut TenantTx<Platform>, calendar: i64) -> AppResult<()> {
    let locale = tx.user().locale;
    for id in queries::projects_on_calendar(tx, calendar).await? {
        if let Some(project) = crate::tenancy::project::find_project(tx, id).await?
            && let Err(message) = super::reschedule::reschedule(tx, &project, locale).await?
        {
            return Err(AppError::BadRequest(message.into()));
        }
    }
    Ok(())
}

pub async fn update(
    mut tx: TenantTx<Platform>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<CalendarForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCalendars)?;
    let calendar = find(&mut tx, id).await?;
    let others = queries::list_calendars(&mut tx).await?;
    let mut result = f.validate();
    if let Ok((name, _)) = &result
        && others.iter().any(|c| &c.name == name && c.id != id)
    {
        let mut e = FieldErrors::default();
        e.add("name", "calendar.name_taken");
        result = Err(e);
    }
    let (name, days) = match result {
        Ok(v) => v,
        Err(errors) => {
            let edits = Edits {
                form: Some(f),
                errors,
                ..Edits::none()
            };
            let html = calendar_page(&mut tx, &page, calendar, edits).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let me = tx.user().id;
    if queries::update_calendar(&mut tx, id, &name, &days, f.version, me)
        .await?
        .is_none()
    {
        let edits = Edits {
            conflict: true,
            ..Edits::none()
        };
        let html = calendar_page(&mut tx, &page, calendar, edits).await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    reschedule_projects_on(&mut tx, id).await?;
    tx.audit(Change {
        entity: "calendar",
        entity_id: Some(id),
        action: Action::Update,
        summary: &name,
        before: None,
        after: snapshot(&f),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("/settings/calendars/{id}")).into_response())
}

pub async fn add_day(
    mut tx: TenantTx<Platform>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<DayForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCalendars)?;
    let calendar = find(&mut tx, id).await?;
    let mut e = FieldErrors::default();
    let day = optional_date(&mut e, "day", &f.day);
    if day.is_none() && !e.has("day") {
        e.add("day", "form.required");
    }
    if !matches!(f.kind.as_str(), "holiday" | "workday") {
        e.add("kind", "form.invalid_choice");
    }
    let name = form::text(&mut e, "name", &f.name, false, 100);
    let Some(day) = day.filter(|_| e.is_empty()) else {
        let edits = Edits {
            day_form: f,
            day_errors: e,
            ..Edits::none()
        };
        let html = calendar_page(&mut tx, &page, calendar, edits).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    let entry = CalendarDay {
        day,
        working: f.kind == "workday",
        name,
    };
    queries::upsert_calendar_days(&mut tx, id, std::slice::from_ref(&entry)).await?;
    reschedule_projects_on(&mut tx, id).await?;
    tx.audit(Change {
        entity: "calendar",
        entity_id: Some(id),
        action: Action::Update,
        summary: &f.day,
        before: None,
        after: snapshot(&f),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("/settings/calendars/{id}")).into_response())
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct RemoveDayForm {
    pub day: String,
}

pub async fn remove_day(
    mut tx: TenantTx<Platform>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<RemoveDayForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCalendars)?;
    find(&mut tx, id).await?;
    let day = f
        .day
        .parse()
        .map_err(|_| AppError::BadRequest("day".into()))?;
    if !queries::delete_calendar_day(&mut tx, id, day).await? {
        return Err(AppError::NotFound);
    }
    reschedule_projects_on(&mut tx, id).await?;
    tx.audit(Change {
        entity: "calendar",
        entity_id: Some(id),
        action: Action::Delete,
        summary: &f.day,
        before: None,
        after: None,
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("/settings/calendars/{id}")).into_response())
}

pub async fn make_default(
    mut tx: TenantTx<Platform>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(_): AppForm<RemoveDayForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCalendars)?;
    let calendar = find(&mut tx, id).await?;
    queries::set_default_calendar(&mut tx, id).await?;
    tx.audit(Change {
        entity: "calendar",
        entity_id: Some(id),
        action: Action::Update,
        summary: &calendar.name,
        before: None,
        after: None,
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to("/settings/calendars").into_response())
}
