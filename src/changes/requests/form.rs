//! Raising a change request and editing it while it is a draft: kind, title, reason, revenue
//! impact on an income contract, affected tasks and cost lines (replaced wholesale on each
//! save); deleting a draft.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;

use super::domain::{Allowed, Draft, RequestForm};
use super::views::{FormPage, RowView};
use super::{base, queries};
use crate::audit::{Action, Change, snapshot};
use crate::changes::domain::RequestKind;
use crate::changes::domain::next_number;
use crate::changes::queries::{self as shared, Request};
use crate::cost::in_report_order;
use crate::error::AppResult;
use crate::i18n;
use crate::roles::Permission;
use crate::tenancy::Changes;
use crate::tenancy::ProjectTx;
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path, transition};

/// What a refused save of a draft says.
const EDIT: transition::Messages = transition::Messages {
    wrong_status: "changes_requests.not_draft",
    stale: "changes_requests.stale",
};

/// What the project offers the form, as ids to check and as choices to show.
struct Offer {
    allowed: Allowed,
    tasks: Vec<Choice>,
    categories: Vec<Choice>,
    contracts: Vec<Choice>,
}

async fn offer(p: &mut ProjectTx<Changes>) -> AppResult<Offer> {
    let locale = p.tx.user().locale;
    let project = p.project.id;
    let tasks = queries::task_choices(&mut p.tx, project).await?;
    let categories = crate::cost::categories(&mut p.tx).await?;
    let categories: Vec<_> = in_report_order(&categories)
        .into_iter()
        .filter(|c| c.active)
        .cloned()
        .collect();
    let contracts = queries::income_contracts(&mut p.tx, project).await?;
    let days = |n: i32| i18n::tf(locale, "changes_requests.duration_days", &[("n", &n)]);
    Ok(Offer {
        allowed: Allowed {
            tasks: tasks.iter().map(|t| t.id).collect(),
            categories: categories.iter().map(|c| c.id).collect(),
            contracts: contracts.iter().map(|c| c.id).collect(),
        },
        tasks: tasks
            .iter()
            .map(|t| Choice {
                value: t.id.to_string(),
                label: format!("{} ({})", t.name, days(t.duration_days)),
            })
            .collect(),
        categories: categories
            .iter()
            .map(|c| Choice {
                value: c.id.to_string(),
                label: format!("{} {}", c.code, c.name(locale)),
            })
            .collect(),
        contracts: contracts
            .iter()
            .map(|c| Choice {
                value: c.id.to_string(),
                label: format!(
                    "{} {} ({})",
                    c.number,
                    c.title,
                    i18n::t(locale, &format!("funds.status_{}", c.status))
                ),
            })
            .collect(),
    })
}

fn row_views(rows: Vec<(String, String)>, a: &str, b: &str, errors: &FieldErrors) -> Vec<RowView> {
    rows.into_iter()
        .enumerate()
        .map(|(i, (x, y))| {
            let a_id = format!("{a}_{i}");
            let b_id = format!("{b}_{i}");
            RowView {
                a_error: errors.get(&a_id),
                b_error: errors.get(&b_id),
                a_id,
                b_id,
                a: x,
                b: y,
            }
        })
        .collect()
}

async fn form_page(
    p: &mut ProjectTx<Changes>,
    page: &Page,
    editing: Option<&Request>,
    form: RequestForm,
    errors: FieldErrors,
    refusal: Option<&'static str>,
) -> AppResult<String> {
    let locale = p.tx.user().locale;
    let offer = offer(p).await?;
    let title = if editing.is_some() {
        "changes_requests.edit_title"
    } else {
        "changes_requests.new_title"
    };
    Ok(FormPage {
        layout: page.layout(&p.tx, title),
        project: p.project.clone(),
        tab: "changes",
        base: base(p.project.id),
        id: editing.map(|r| r.id),
        number: editing.map(|r| r.number.clone()),
        task_rows: row_views(form.task_rows(), "task", "days", &errors),
        cost_rows: row_views(form.cost_rows(), "category", "amount", &errors),
        form,
        errors,
        kinds: RequestKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().to_owned(),
                label: i18n::t(locale, k.label_key()).to_owned(),
            })
            .collect(),
        contracts: offer.contracts,
        tasks: offer.tasks,
        categories: offer.categories,
        refusal: refusal.map(|k| i18n::t(locale, k).to_owned()),
    }
    .render()?)
}

fn with_status(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

/// The empty form; the revenue contract is preselected when the project has exactly one.
pub async fn new(mut p: ProjectTx<Changes>, page: Page) -> AppResult<Html<String>> {
    p.require(Permission::RaiseChange)?;
    let contracts = queries::income_contracts(&mut p.tx, p.project.id).await?;
    let form = RequestForm {
        kind: "change".to_owned(),
        contract_id: match contracts.as_slice() {
            [only] => only.id.to_string(),
            _ => String::new(),
        },
        ..RequestForm::default()
    };
    Ok(Html(
        form_page(&mut p, &page, None, form, FieldErrors::default(), None).await?,
    ))
}

/// A draft as the audit log records it.
#[derive(Serialize)]
struct Audited<'a> {
    number: &'a str,
    #[serde(flatten)]
    draft: &'a Draft,
}

fn audited(number: &str, draft: &Draft) -> Option<serde_json::Value> {
    snapshot(&Audited { number, draft })
}

/// The saved request as a form, and as a draft for the audit log.
async fn saved(p: &mut ProjectTx<Changes>, r: &Request) -> AppResult<(RequestForm, Draft)> {
    let tasks = shared::task_lines(&mut p.tx, r.id).await?;
    let costs = shared::cost_lines(&mut p.tx, r.id).await?;
    let form = RequestForm {
        kind: r.kind.as_str().to_owned(),
        title: r.title.clone(),
        reason: r.reason.clone(),
        revenue_amount: if r.revenue_amount.is_zero() {
            String::new()
        } else {
            r.revenue_amount.to_string()
        },
        contract_id: r.contract_id.map(|c| c.to_string()).unwrap_or_default(),
        task: tasks.iter().map(|t| t.task_id.to_string()).collect(),
        days: tasks.iter().map(|t| t.days.to_string()).collect(),
        category: costs.iter().map(|c| c.category_id.to_string()).collect(),
        amount: costs.iter().map(|c| c.amount.to_string()).collect(),
        version: r.version,
    };
    let draft = Draft {
        kind: r.kind,
        title: r.title.clone(),
        reason: r.reason.clone(),
        revenue_amount: r.revenue_amount,
        contract_id: r.contract_id,
        tasks: tasks.iter().map(|t| (t.task_id, t.days)).collect(),
        costs: costs.iter().map(|c| (c.category_id, c.amount)).collect(),
    };
    Ok((form, draft))
}

pub async fn create(
    mut p: ProjectTx<Changes>,
    page: Page,
    AppForm(f): AppForm<RequestForm>,
) -> AppResult<Response> {
    p.require(Permission::RaiseChange)?;
    let offer = offer(&mut p).await?;
    let draft = match f.validate(&offer.allowed) {
        Ok(d) => d,
        Err(errors) => {
            let html = form_page(&mut p, &page, None, f, errors, None).await?;
            return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
        }
    };
    let project = p.project.id;
    let me = p.tx.user().id;
    queries::lock_numbers(&mut p.tx, project).await?;
    let taken = queries::numbers(&mut p.tx, project).await?;
    let number = next_number("BG", &taken);
    let id = queries::insert(&mut p.tx, project, &number, &draft, me).await?;
    queries::replace_lines(&mut p.tx, id, &draft).await?;
    p.tx.audit(Change {
        entity: "change_request",
        entity_id: Some(id),
        action: Action::Create,
        summary: &format!("change request {number} {}", draft.title),
        before: None,
        after: audited(&number, &draft),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "changes_requests.created").await?;
    Ok(Redirect::to(&format!("{}/{id}", base(project))).into_response())
}

/// The request of this project (locked for update when `lock`).
async fn editable(p: &mut ProjectTx<Changes>, id: i64, lock: bool) -> AppResult<Request> {
    shared::find(&mut p.tx, p.project.id, id, lock).await
}

pub async fn edit(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    p.require(Permission::RaiseChange)?;
    let r = editable(&mut p, id, false).await?;
    if !r.status.is_draft() {
        return Ok(Redirect::to(&format!("{}/{id}", base(p.project.id))).into_response());
    }
    if r.requester_id != p.tx.user().id.0 {
        return super::show::refuse(
            p,
            page,
            id,
            StatusCode::FORBIDDEN,
            "changes_requests.not_requester",
        )
        .await;
    }
    let (form, _) = saved(&mut p, &r).await?;
    let html = form_page(&mut p, &page, Some(&r), form, FieldErrors::default(), None).await?;
    Ok(Html(html).into_response())
}

pub async fn update(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<RequestForm>,
) -> AppResult<Response> {
    p.require(Permission::RaiseChange)?;
    let r = editable(&mut p, id, true).await?;
    // Only the requester edits what they will submit: a board member never approves
    // content they wrote.
    if r.requester_id != p.tx.user().id.0 {
        return super::show::refuse(
            p,
            page,
            id,
            StatusCode::FORBIDDEN,
            "changes_requests.not_requester",
        )
        .await;
    }
    let editable = r.status.is_draft().then_some(r.status);
    if let Err(refusal) = transition::check(editable, r.version, f.version) {
        // Someone saved, submitted or decided it meanwhile: the input is kept, at the
        // current version, so saving again is deliberate.
        let key = refusal.key(EDIT);
        let form = RequestForm {
            version: r.version,
            ..f
        };
        let html = form_page(
            &mut p,
            &page,
            Some(&r),
            form,
            FieldErrors::default(),
            Some(key),
        )
        .await?;
        return Ok(with_status(refusal.status(), html));
    }
    let offer = offer(&mut p).await?;
    let draft = match f.validate(&offer.allowed) {
        Ok(d) => d,
        Err(errors) => {
            let html = form_page(&mut p, &page, Some(&r), f, errors, None).await?;
            return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
        }
    };
    let (_, before) = saved(&mut p, &r).await?;
    let me = p.tx.user().id;
    transition::written(queries::update(&mut p.tx, id, &draft, f.version, me).await?)?;
    queries::replace_lines(&mut p.tx, id, &draft).await?;
    p.tx.audit(Change {
        entity: "change_request",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("change request {} {}", r.number, draft.title),
        before: audited(&r.number, &before),
        after: audited(&r.number, &draft),
    })
    .await?;
    let project = p.project.id;
    p.commit().await?;
    page.session.flash(true, "changes_requests.saved").await?;
    Ok(Redirect::to(&format!("{}/{id}", base(project))).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct VersionForm {
    pub version: i32,
}

/// Deletes a draft (the page asks to confirm), with its lines and attachments.
pub async fn delete(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    p.require(Permission::RaiseChange)?;
    let r = editable(&mut p, id, true).await?;
    let user = p.tx.user();
    if r.requester_id != user.id.0 && !user.role.has(Permission::SeeAllProjects) {
        return super::show::refuse(
            p,
            page,
            id,
            StatusCode::FORBIDDEN,
            "changes_requests.not_requester",
        )
        .await;
    }
    // A request once reviewed keeps its votes: it is withdrawn, never deleted.
    let refused = if !r.status.is_draft() {
        Some("changes_requests.not_draft")
    } else if r.round > 0 {
        Some("changes_requests.reviewed_not_deleted")
    } else {
        None
    };
    if let Some(key) = refused {
        return super::show::refuse(p, page, id, StatusCode::CONFLICT, key).await;
    }
    if r.version != f.version {
        return super::show::refuse(p, page, id, StatusCode::CONFLICT, "changes_requests.stale")
            .await;
    }
    let (_, before) = saved(&mut p, &r).await?;
    transition::written(queries::delete(&mut p.tx, id, f.version).await?)?;
    p.tx.audit(Change {
        entity: "change_request",
        entity_id: Some(id),
        action: Action::Delete,
        summary: &format!("change request {} {}", r.number, r.title),
        before: audited(&r.number, &before),
        after: None,
    })
    .await?;
    let project = p.project.id;
    p.commit().await?;
    page.session.flash(true, "changes_requests.deleted").await?;
    Ok(Redirect::to(&base(project)).into_response())
}
