//! The entry form: new entries, editing in an open month, and the checks before saving.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{
    ShowParts, base, category_choices, load, message, rate_text, show_refused, summary,
    task_choices, today,
};
use crate::audit::{Action, Change, snapshot};
use crate::cost::domain::month_of;
use crate::cost::entries::domain::{COMMON_TAX_RATES, EntryForm, EntryInput};
use crate::cost::entries::queries::{self, Entry};
use crate::cost::entries::views::{EntryFormPage, EntrySummary};
use crate::cost::queries as cost_queries;
use crate::cost::views::CostTab;
use crate::error::AppResult;
use crate::i18n;
use crate::ids::TaskId;
use crate::roles::Permission;
use crate::tenancy::ProjectId;
use crate::tenancy::{Cost, ProjectTx};
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path, format};

/// Everything a form page shows beyond the form itself.
#[derive(Debug, Default)]
struct FormParts {
    editing: Option<i64>,
    errors: FieldErrors,
    /// The closed month the date's message names.
    closed: Option<NaiveDate>,
    refusal: Option<String>,
    theirs: Option<EntrySummary>,
    saved_total: Option<String>,
}

async fn form_page(
    p: &mut ProjectTx<Cost>,
    page: &Page,
    form: EntryForm,
    parts: FormParts,
) -> AppResult<String> {
    let locale = p.tx.user().locale;
    let project = p.project.id;
    let categories = cost_queries::categories(&mut p.tx).await?;
    let tasks = queries::project_tasks(&mut p.tx, project).await?;
    let contracts = queries::project_contracts(&mut p.tx, project).await?;
    let keep = form.category_id.trim().parse::<i64>().unwrap_or(0);
    let title = if parts.editing.is_some() {
        "cost_entries.edit_title"
    } else {
        "cost_entries.new_title"
    };
    let base = base(project);
    Ok(EntryFormPage {
        layout: page.layout(&p.tx, title),
        project: p.project.clone(),
        tab: CostTab::Entries,
        action: parts
            .editing
            .map_or_else(|| base.clone(), |id| format!("{base}/{id}/edit")),
        base,
        editing: parts.editing,
        date_error: parts
            .errors
            .get("entry_date")
            .map(|k| message(locale, k, parts.closed)),
        errors: parts.errors,
        categories: category_choices(&categories, locale, Some(keep)),
        tasks: task_choices(&tasks),
        contracts: contracts
            .iter()
            .map(|c| Choice {
                value: c.id.to_string(),
                label: format!("{} {}", c.number, c.title),
            })
            .collect(),
        tax_rates: COMMON_TAX_RATES,
        today: today(p).to_string(),
        refusal: parts.refusal,
        theirs: parts.theirs,
        saved_total: parts.saved_total,
        form,
    }
    .render()?)
}

/// The form for a new entry, dated today.
pub async fn new_form(mut p: ProjectTx<Cost>, page: Page) -> AppResult<Html<String>> {
    p.require(Permission::EnterCost)?;
    let form = EntryForm {
        entry_date: today(&p).to_string(),
        ..EntryForm::default()
    };
    Ok(Html(
        form_page(&mut p, &page, form, FormParts::default()).await?,
    ))
}

/// Why a valid form cannot be saved: the category is unknown or switched off, the task is not
/// the project's, or the month (the new date's, or the old one's when editing) is closed.
async fn check(
    p: &mut ProjectTx<Cost>,
    form: &EntryForm,
    existing: Option<&Entry>,
) -> AppResult<Result<EntryInput, (FieldErrors, Option<NaiveDate>)>> {
    let input = match form.validate(today(p)) {
        Ok(input) => input,
        Err(errors) => return Ok(Err((errors, None))),
    };
    let mut errors = FieldErrors::default();
    let categories = cost_queries::categories(&mut p.tx).await?;
    match categories.iter().find(|c| c.id == input.category_id) {
        None => errors.add("category_id", "cost.unknown_category"),
        Some(c) if !c.active && existing.is_none_or(|e| e.category_id != c.id) => {
            errors.add("category_id", "cost_entries.category_inactive");
        }
        Some(_) => {}
    }
    if let Some(task) = input.task_id
        && !queries::project_tasks(&mut p.tx, p.project.id)
            .await?
            .iter()
            .any(|t| t.id == task.0)
    {
        errors.add("task_id", "cost_entries.task_unknown");
    }
    if let Some(contract) = input.contract_id
        && !queries::project_contracts(&mut p.tx, p.project.id)
            .await?
            .iter()
            .any(|c| c.id == contract)
    {
        errors.add("contract_id", "cost_entries.contract_unknown");
    }
    let mut closed = None;
    if let Some(e) = existing
        && cost_queries::is_closed(&mut p.tx, e.entry_date).await?
    {
        closed = Some(month_of(e.entry_date));
    } else if cost_queries::is_closed(&mut p.tx, input.entry_date).await? {
        closed = Some(month_of(input.entry_date));
    }
    if closed.is_some() {
        errors.add("entry_date", "cost.period_closed");
    }
    if errors.is_empty() {
        Ok(Ok(input))
    } else {
        Ok(Err((errors, closed)))
    }
}

/// An entry as the audit log keeps it.
#[derive(Debug, Serialize)]
struct Audited<'a> {
    project_id: ProjectId,
    entry_date: NaiveDate,
    category_id: i64,
    task_id: Option<TaskId>,
    supplier: &'a str,
    description: &'a str,
    amount: Decimal,
    tax_rate: Decimal,
    tax_amount: Decimal,
    document_no: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reverses_id: Option<i64>,
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'a str,
}

pub(super) fn audited(
    project: ProjectId,
    e: &EntryInput,
    reverses_id: Option<i64>,
    reason: &str,
) -> Option<serde_json::Value> {
    snapshot(&Audited {
        project_id: project,
        entry_date: e.entry_date,
        category_id: e.category_id,
        task_id: e.task_id,
        supplier: &e.supplier,
        description: &e.description,
        amount: e.amount,
        tax_rate: e.tax_rate,
        tax_amount: e.tax_amount,
        document_no: &e.document_no,
        reverses_id,
        reason,
    })
}

fn input_of(e: &Entry) -> EntryInput {
    EntryInput {
        entry_date: e.entry_date,
        category_id: e.category_id,
        task_id: e.task_id,
        contract_id: e.contract_id,
        supplier: e.supplier.clone(),
        description: e.description.clone(),
        amount: e.amount,
        tax_rate: e.tax_rate,
        tax_amount: e.tax_amount,
        document_no: e.document_no.clone(),
    }
}

async fn refused_form(
    mut p: ProjectTx<Cost>,
    page: &Page,
    form: EntryForm,
    parts: FormParts,
    status: StatusCode,
) -> AppResult<Response> {
    let html = form_page(&mut p, page, form, parts).await?;
    Ok((status, Html(html)).into_response())
}

/// Records a new entry.
pub async fn create(
    mut p: ProjectTx<Cost>,
    page: Page,
    AppForm(form): AppForm<EntryForm>,
) -> AppResult<Response> {
    p.require(Permission::EnterCost)?;
    let input = match check(&mut p, &form, None).await? {
        Ok(input) => input,
        Err((errors, closed)) => {
            let parts = FormParts {
                errors,
                closed,
                ..FormParts::default()
            };
            return refused_form(p, &page, form, parts, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let project = p.project.id;
    let me = p.tx.user().id;
    let id = queries::insert_entry(&mut p.tx, project, &input, None, "", me).await?;
    p.tx.audit(Change {
        entity: "cost_entry",
        entity_id: Some(id),
        action: Action::Create,
        summary: &format!("cost entry {} {}", input.entry_date, input.amount),
        before: None,
        after: audited(project, &input, None, ""),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "cost_entries.created").await?;
    Ok(Redirect::to(&format!("{}/{id}", base(project))).into_response())
}

/// Whether an entry may still change: not a reversal, not reversed.
pub(super) fn editable(e: &Entry) -> bool {
    e.reverses_id.is_none() && e.reversed_by_id.is_none()
}

fn form_of(e: &Entry) -> EntryForm {
    EntryForm {
        entry_date: e.entry_date.to_string(),
        category_id: e.category_id.to_string(),
        task_id: e.task_id.map(|t| t.to_string()).unwrap_or_default(),
        contract_id: e.contract_id.map(|c| c.to_string()).unwrap_or_default(),
        supplier: e.supplier.clone(),
        description: e.description.clone(),
        amount: format!("{:.2}", e.amount),
        tax_rate: rate_text(e.tax_rate),
        tax_amount: format!("{:.2}", e.tax_amount),
        document_no: e.document_no.clone(),
        version: e.version,
    }
}

pub async fn edit_form(
    mut p: ProjectTx<Cost>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    p.require(Permission::EnterCost)?;
    let entry = load(&mut p, id, false).await?;
    let closed = cost_queries::is_closed(&mut p.tx, entry.entry_date).await?;
    if !editable(&entry) || closed {
        // The entry's page says why it cannot change.
        return Ok(Redirect::to(&format!("{}/{id}", base(p.project.id))).into_response());
    }
    let parts = FormParts {
        editing: Some(id),
        saved_total: Some(format::money(entry.amount + entry.tax_amount)),
        ..FormParts::default()
    };
    let html = form_page(&mut p, &page, form_of(&entry), parts).await?;
    Ok(Html(html).into_response())
}

/// Saves an entry read at `version`, in an open month (its old and its new one).
pub async fn update(
    mut p: ProjectTx<Cost>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(form): AppForm<EntryForm>,
) -> AppResult<Response> {
    p.require(Permission::EnterCost)?;
    let entry = load(&mut p, id, true).await?;
    if !editable(&entry) {
        return show_refused(
            p,
            page,
            id,
            StatusCode::CONFLICT,
            ShowParts::refusal("cost_entries.not_editable"),
        )
        .await;
    }
    let saved_total = Some(format::money(entry.amount + entry.tax_amount));
    let input = match check(&mut p, &form, Some(&entry)).await? {
        Ok(input) => input,
        Err((errors, closed)) => {
            let parts = FormParts {
                editing: Some(id),
                errors,
                closed,
                saved_total,
                ..FormParts::default()
            };
            return refused_form(p, &page, form, parts, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let project = p.project.id;
    let me = p.tx.user().id;
    if queries::update_entry(&mut p.tx, project, id, form.version, &input, me)
        .await?
        .is_none()
    {
        // Stale: show what was saved meanwhile and keep the user's input at the current
        // version, so saving again is a deliberate overwrite.
        let locale = p.tx.user().locale;
        let tz = p.tx.tenant().time_zone;
        let parts = FormParts {
            editing: Some(id),
            refusal: Some(i18n::t(locale, "cost_entries.stale").to_owned()),
            theirs: Some(summary(locale, tz, &entry)),
            saved_total,
            ..FormParts::default()
        };
        let form = EntryForm {
            version: entry.version,
            ..form
        };
        return refused_form(p, &page, form, parts, StatusCode::CONFLICT).await;
    }
    p.tx.audit(Change {
        entity: "cost_entry",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("cost entry {id} {} {}", input.entry_date, input.amount),
        before: audited(project, &input_of(&entry), None, ""),
        after: audited(project, &input, None, ""),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "cost_entries.saved").await?;
    Ok(Redirect::to(&format!("{}/{id}", base(project))).into_response())
}
