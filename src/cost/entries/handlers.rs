//! Cost-entry handlers: thin — parse, check, call the rules in `domain` and the SQL in
//! `queries`. Every write checks the month is open; corrections are reversals, never deletes.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::attachments::EntryAttachments;
use super::domain::{
    COMMON_TAX_RATES, EntryForm, EntryInput, MAX_DESCRIPTION, ReversalForm, truncate_chars,
};
use super::queries::{self, Entry, EntryFilter};
use super::views::{
    EntryFormPage, EntryListPage, EntryPage, EntryRowView, EntrySummary, FilterView, LabourNote,
    TotalsView,
};
use crate::audit::{Action, Change, snapshot};
use crate::cost::domain::{Category, in_report_order, month_of, parse_month};
use crate::cost::queries as cost_queries;
use crate::cost::views::CostTab;
use crate::error::{AppError, AppResult, ResultExt};
use crate::i18n::{self, Locale};
use crate::roles::{ModuleId, Permission};
use crate::tenancy::{Cost, ProjectTx};
use crate::web::attachments::{self, ListOptions};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path, format};

const PAGE_SIZE: i64 = 50;
/// The most rows an export writes.
const EXPORT_LIMIT: i64 = 100_000;

/// The tenant's today: no entry is dated later.
pub(super) fn today(p: &ProjectTx<Cost>) -> NaiveDate {
    let t = p.tx.tenant();
    t.today()
}

pub(super) fn base(project: i64) -> String {
    format!("/projects/{project}/cost/entries")
}

/// A message in words: a closed month names the month.
pub(super) fn message(locale: Locale, key: &str, month: Option<NaiveDate>) -> String {
    match month {
        Some(m) if key == "cost.period_closed" => i18n::tf(
            locale,
            "cost.period_closed",
            &[("month", &m.format("%Y-%m"))],
        ),
        _ => i18n::t(locale, key).to_owned(),
    }
}

/// The category of a row in the user's language.
fn category_name(locale: Locale, zh: &str, en: &str) -> String {
    if locale == Locale::En && !en.is_empty() {
        en.to_owned()
    } else {
        zh.to_owned()
    }
}

/// Categories in report order, children indented: the active ones (and `keep`, an entry's
/// own category even if since switched off) for the form, all of them for the filter.
fn category_choices(categories: &[Category], locale: Locale, form: Option<i64>) -> Vec<Choice> {
    in_report_order(categories)
        .into_iter()
        .filter(|c| form.is_none_or(|keep| c.active || c.id == keep))
        .map(|c| {
            let child = c
                .parent_id
                .is_some_and(|p| categories.iter().any(|x| x.id == p));
            let indent = if child { "\u{3000}\u{3000}" } else { "" };
            Choice {
                value: c.id.to_string(),
                label: format!("{indent}{} {}", c.code, c.name(locale)),
            }
        })
        .collect()
}

fn task_choices(tasks: &[queries::TaskPick]) -> Vec<Choice> {
    tasks
        .iter()
        .map(|t| Choice {
            value: t.id.to_string(),
            label: t.name.clone(),
        })
        .collect()
}

fn rate_text(rate: Decimal) -> String {
    format::quantity(rate)
}

fn summary(locale: Locale, tz: chrono_tz::Tz, e: &Entry) -> EntrySummary {
    EntrySummary {
        date: e.entry_date.to_string(),
        category: category_name(locale, &e.category_zh, &e.category_en),
        task: e.task_name.clone().unwrap_or_default(),
        contract: e.contract_number.clone().unwrap_or_default(),
        supplier: e.supplier.clone(),
        description: e.description.clone(),
        amount: format::money(e.amount),
        tax_rate: rate_text(e.tax_rate),
        tax: format::money(e.tax_amount),
        total: format::money(e.amount + e.tax_amount),
        document_no: e.document_no.clone(),
        updated: i18n::tf(
            locale,
            "cost_entries.updated_by",
            &[
                ("name", &e.updated_by_name.as_deref().unwrap_or("—")),
                ("at", &format::datetime(e.updated_at, tz)),
            ],
        ),
    }
}

pub(super) async fn load(p: &mut ProjectTx<Cost>, id: i64, lock: bool) -> AppResult<Entry> {
    let project = p.project.id;
    queries::find_entry(&mut p.tx, project, id, lock)
        .await?
        .ok_or(AppError::NotFound)
}

// The list -----------------------------------------------------------------------------------

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
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                [
                    ("category", &self.category),
                    ("task", &self.task),
                    ("month", &self.month),
                    ("from", &self.from),
                    ("to", &self.to),
                    ("supplier", &self.supplier),
                    ("q", &self.q),
                ]
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty()),
            )
            .finish()
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

// The form -----------------------------------------------------------------------------------

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
            .any(|t| t.id == task)
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
    project_id: i64,
    entry_date: NaiveDate,
    category_id: i64,
    task_id: Option<i64>,
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

fn audited(
    project: i64,
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
fn editable(e: &Entry) -> bool {
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

// One entry ----------------------------------------------------------------------------------

/// What an entry page shows beyond the entry.
#[derive(Debug, Default)]
pub(super) struct ShowParts {
    refusal: Option<&'static str>,
    attachment_error: Option<&'static str>,
    reversal: Option<(ReversalForm, FieldErrors, Option<NaiveDate>)>,
}

impl ShowParts {
    pub(super) fn refusal(key: &'static str) -> Self {
        ShowParts {
            refusal: Some(key),
            ..ShowParts::default()
        }
    }

    pub(super) fn attachment(key: &'static str) -> Self {
        ShowParts {
            attachment_error: Some(key),
            ..ShowParts::default()
        }
    }
}

async fn entry_page(
    p: &mut ProjectTx<Cost>,
    page: &Page,
    entry: Entry,
    parts: ShowParts,
) -> AppResult<String> {
    let locale = p.tx.user().locale;
    let tz = p.tx.tenant().time_zone;
    let project = p.project.id;
    let base = base(project);
    let closed = cost_queries::is_closed(&mut p.tx, entry.entry_date).await?;
    let may_enter = p.tx.user().role.has(Permission::EnterCost);
    let files = attachments::list::<EntryAttachments>(
        &mut p.tx,
        entry.id,
        &format!("{base}/{}", entry.id),
        ListOptions {
            can_add: may_enter && !closed,
            can_remove: may_enter && !closed,
            error: parts
                .attachment_error
                .map(|k| message(locale, k, Some(month_of(entry.entry_date)))),
        },
    )
    .await?;
    let (reversal_form, reversal_errors, reversal_closed) = parts.reversal.unwrap_or_default();
    let mut layout = page.layout(&p.tx, "cost_entries.entry_title");
    layout.title = format!("{} #{}", layout.title, entry.id);
    let created = i18n::tf(
        locale,
        "cost_entries.created_by",
        &[
            ("name", &entry.created_by_name.as_deref().unwrap_or("—")),
            ("at", &format::datetime(entry.created_at, tz)),
        ],
    );
    Ok(EntryPage {
        layout,
        project: p.project.clone(),
        tab: CostTab::Entries,
        id: entry.id,
        entry: summary(locale, tz, &entry),
        created,
        reverses_id: entry.reverses_id,
        reversed_by_id: entry.reversed_by_id,
        reason: entry.reason.clone(),
        version: entry.version,
        closed_text: closed.then(|| {
            message(
                locale,
                "cost.period_closed",
                Some(month_of(entry.entry_date)),
            )
        }),
        can_edit: may_enter && editable(&entry) && !closed,
        can_reverse: may_enter && editable(&entry),
        attachments: files,
        reversal_reason: reversal_form.reason,
        reversal_date: reversal_form.entry_date,
        reversal_date_error: reversal_errors
            .get("entry_date")
            .map(|k| message(locale, k, reversal_closed)),
        reversal_errors,
        today: today(p).to_string(),
        refusal: parts
            .refusal
            .map(|k| message(locale, k, Some(month_of(entry.entry_date)))),
        base,
    }
    .render()?)
}

pub async fn show(
    mut p: ProjectTx<Cost>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
) -> AppResult<Html<String>> {
    let entry = load(&mut p, id, false).await?;
    Ok(Html(
        entry_page(&mut p, &page, entry, ShowParts::default()).await?,
    ))
}

/// The entry page with a refusal, at `status`.
pub(super) async fn show_refused(
    mut p: ProjectTx<Cost>,
    page: Page,
    id: i64,
    status: StatusCode,
    parts: ShowParts,
) -> AppResult<Response> {
    let entry = load(&mut p, id, false).await?;
    let html = entry_page(&mut p, &page, entry, parts).await?;
    Ok((status, Html(html)).into_response())
}

/// A correction: a new entry negating this one, dated today or a chosen day in an open month
/// not before it, with the same category, task and supplier.
pub async fn reverse(
    mut p: ProjectTx<Cost>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(form): AppForm<ReversalForm>,
) -> AppResult<Response> {
    p.require(Permission::EnterCost)?;
    let entry = load(&mut p, id, true).await?;
    if entry.reverses_id.is_some() {
        return show_refused(
            p,
            page,
            id,
            StatusCode::CONFLICT,
            ShowParts::refusal("cost_entries.reversal_of_reversal"),
        )
        .await;
    }
    if entry.reversed_by_id.is_some() {
        return show_refused(
            p,
            page,
            id,
            StatusCode::CONFLICT,
            ShowParts::refusal("cost_entries.already_reversed"),
        )
        .await;
    }
    if form.version != entry.version {
        return show_refused(
            p,
            page,
            id,
            StatusCode::CONFLICT,
            ShowParts::refusal("cost_entries.stale_reverse"),
        )
        .await;
    }
    let input = match form.validate(entry.entry_date, today(&p)) {
        Ok(input) => input,
        Err(errors) => {
            let parts = ShowParts {
                reversal: Some((form, errors, None)),
                ..ShowParts::default()
            };
            return show_refused(p, page, id, StatusCode::UNPROCESSABLE_ENTITY, parts).await;
        }
    };
    if cost_queries::is_closed(&mut p.tx, input.entry_date).await? {
        let mut errors = FieldErrors::default();
        errors.add("entry_date", "cost.period_closed");
        let parts = ShowParts {
            reversal: Some((form, errors, Some(month_of(input.entry_date)))),
            ..ShowParts::default()
        };
        return show_refused(p, page, id, StatusCode::UNPROCESSABLE_ENTITY, parts).await;
    }
    let locale = p.tx.user().locale;
    let description = truncate_chars(
        &i18n::tf(
            locale,
            "cost_entries.reversal_description",
            &[("description", &entry.description)],
        ),
        MAX_DESCRIPTION,
    );
    let negated = EntryInput {
        entry_date: input.entry_date,
        category_id: entry.category_id,
        task_id: entry.task_id,
        contract_id: entry.contract_id,
        supplier: entry.supplier.clone(),
        description,
        amount: -entry.amount,
        tax_rate: entry.tax_rate,
        tax_amount: -entry.tax_amount,
        document_no: entry.document_no.clone(),
    };
    let project = p.project.id;
    let me = p.tx.user().id;
    let reversal = queries::insert_entry(&mut p.tx, project, &negated, Some(id), &input.reason, me)
        .await
        .on_constraint("cost_entry_tenant_id_reverses_id_key", || {
            AppError::Conflict
        })?;
    p.tx.audit(Change {
        entity: "cost_entry",
        entity_id: Some(reversal),
        action: Action::Create,
        summary: &format!("cost entry {id} reversed by {reversal}: {}", input.reason),
        before: None,
        after: audited(project, &negated, Some(id), &input.reason),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "cost_entries.reversed").await?;
    Ok(Redirect::to(&format!("{}/{reversal}", base(project))).into_response())
}
