//! One entry: its page, refusals shown on it, and reversal.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;

use super::form::{audited, editable};
use super::{base, load, message, summary, today};
use crate::audit::{Action, Change};
use crate::cost::domain::month_of;
use crate::cost::entries::attachments::EntryAttachments;
use crate::cost::entries::domain::{EntryInput, MAX_DESCRIPTION, ReversalForm, truncate_chars};
use crate::cost::entries::queries::{self, Entry};
use crate::cost::entries::views::EntryPage;
use crate::cost::queries as cost_queries;
use crate::cost::views::CostTab;
use crate::error::{AppError, AppResult, ResultExt};
use crate::i18n;
use crate::roles::Permission;
use crate::tenancy::{Cost, ProjectTx};
use crate::web::attachments::{self, ListOptions};
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path, format};

/// What an entry page shows beyond the entry.
#[derive(Debug, Default)]
pub(in crate::cost::entries) struct ShowParts {
    refusal: Option<&'static str>,
    attachment_error: Option<&'static str>,
    reversal: Option<(ReversalForm, FieldErrors, Option<NaiveDate>)>,
}

impl ShowParts {
    pub(in crate::cost::entries) fn refusal(key: &'static str) -> Self {
        ShowParts {
            refusal: Some(key),
            ..ShowParts::default()
        }
    }

    pub(in crate::cost::entries) fn attachment(key: &'static str) -> Self {
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
pub(in crate::cost::entries) async fn show_refused(
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
