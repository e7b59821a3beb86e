//! A project's risk register: the list with its heat map and filters, the risk form (new,
//! prefilled from a suggestion, edit), a risk's page with its reviews, recording a review, and
//! deleting a risk.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::domain::{self, CategoryRef, Grid, ReviewForm, RiskFields, RiskForm};
use super::queries::{self, Filter, Risk};
use super::views::{self, Filters, RiskFormPage, RiskListPage, RiskPage};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::ids::UserId;
use crate::roles::Permission;
use crate::tenancy::Changes;
use crate::tenancy::ProjectId;
use crate::tenancy::ProjectTx;
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::pager::filter_query;
use crate::web::{AppForm, Page, Path, transition};

fn base(project: ProjectId) -> String {
    format!("/projects/{project}/risks")
}

fn page_with_status(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

/// The list's query: every field a string, so a malformed link shows the default list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
    pub category: String,
    pub project: String,
    pub p: String,
    pub i: String,
}

/// The heat-map cell of the query, when both ratings are 1–5.
pub fn cell_of(q: &ListQuery) -> Option<(i16, i16)> {
    let p =
        q.p.trim()
            .parse::<i16>()
            .ok()
            .filter(|n| (1..=5).contains(n))?;
    let i =
        q.i.trim()
            .parse::<i16>()
            .ok()
            .filter(|n| (1..=5).contains(n))?;
    Some((p, i))
}

/// `?a=b&…` of the non-empty pairs.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let s = filter_query(pairs.iter().copied());
    if s.is_empty() { s } else { format!("?{s}") }
}

/// Applies the category filter's value to `f`.
pub fn filter_category(f: &mut Filter, value: &str) {
    match CategoryRef::parse(value) {
        Some(CategoryRef::Builtin(c)) => f.category = Some(c.to_owned()),
        Some(CategoryRef::Company(id)) => f.category_id = Some(id),
        None => {}
    }
}

pub async fn list(
    mut p: ProjectTx<Changes>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let locale = p.tx.user().locale;
    let today = p.tx.tenant().today();
    let project = p.project.id;
    let base = base(project);
    let mut live = Filter {
        project: Some(project.get()),
        statuses: vec!["open".into(), "mitigating".into()],
        ..Filter::default()
    };
    filter_category(&mut live, &q.category);
    let open = queries::list(&mut p.tx, &live).await?;
    let grid = Grid::count(open.iter().map(|r| (r.probability, r.impact, false)));
    let (status, statuses) = domain::status_filter(&q.status);
    let cell = cell_of(&q);
    let shown = Filter {
        statuses: statuses.iter().map(|s| (*s).to_owned()).collect(),
        probability: cell.map(|c| c.0),
        impact: cell.map(|c| c.1),
        ..live
    };
    let risks = queries::list(&mut p.tx, &shown).await?;
    let category = CategoryRef::parse(&q.category).map(CategoryRef::value);
    let category = category.unwrap_or_default();
    let heat_map = views::heat_map(locale, &grid, |pr, im| {
        format!(
            "{base}{}",
            query_string(&[
                ("category", &category),
                ("p", &pr.to_string()),
                ("i", &im.to_string())
            ])
        )
    });
    let categories = queries::categories(&mut p.tx).await?;
    let status_param = if status == "active" { "" } else { status };
    Ok(Html(
        RiskListPage {
            layout: page.layout(&p.tx, "changes_risks.title"),
            tab: "risks",
            rows: risks.iter().map(|r| views::row(locale, r, today)).collect(),
            heat_map,
            levels: &views::LEVELS,
            open_total: grid.total(),
            overdue: open.iter().filter(|r| views::is_overdue(r, today)).count(),
            filters: Filters {
                status: status.to_owned(),
                clear_cell_href: format!(
                    "{base}{}",
                    query_string(&[("status", status_param), ("category", &category)])
                ),
                category,
                project: String::new(),
                cell,
            },
            status_choices: views::status_filter_choices(locale),
            category_choices: views::category_choices(locale, &categories, None),
            can_manage: p.tx.user().role.has(Permission::ManageRisks),
            base,
            project: p.project,
        }
        .render()?,
    ))
}

/// The owner choices: the tenant's active users, and `keep` (a risk's owner since deactivated).
async fn owner_choices(
    p: &mut ProjectTx<Changes>,
    keep: Option<(i64, String)>,
) -> AppResult<Vec<Choice>> {
    let mut out: Vec<Choice> = crate::plans::active_users(&mut p.tx)
        .await?
        .into_iter()
        .map(|(id, name)| Choice {
            value: id.to_string(),
            label: name,
        })
        .collect();
    if let Some((id, name)) = keep
        && !out.iter().any(|c| c.value == id.to_string())
    {
        out.push(Choice {
            value: id.to_string(),
            label: name,
        });
    }
    Ok(out)
}

fn kept_owner(risk: Option<&Risk>) -> Option<(i64, String)> {
    let r = risk?;
    Some((r.owner_id?, r.owner_name.clone()?))
}

fn kept_category(risk: Option<&Risk>) -> Option<CategoryRef> {
    let r = risk?;
    CategoryRef::from_columns(r.category.as_deref(), r.category_id)
}

async fn form_page(
    p: &mut ProjectTx<Changes>,
    page: &Page,
    risk: Option<&Risk>,
    form: RiskForm,
    errors: FieldErrors,
    refusal: Option<&'static str>,
) -> AppResult<String> {
    let locale = p.tx.user().locale;
    let base = base(p.project.id);
    let categories = queries::categories(&mut p.tx).await?;
    let owners = owner_choices(p, kept_owner(risk)).await?;
    let mut layout = page.layout(
        &p.tx,
        if risk.is_some() {
            "changes_risks.edit_title"
        } else {
            "changes_risks.new_title"
        },
    );
    if let Some(r) = risk {
        layout.title = format!("{} {}", layout.title, r.number);
    }
    Ok(RiskFormPage {
        layout,
        project: p.project.clone(),
        tab: "risks",
        editing: risk.map(|r| (r.id, r.number.clone())),
        action: match risk {
            Some(r) => format!("{base}/{}/edit", r.id),
            None => base.clone(),
        },
        form,
        errors,
        refusal,
        suggestions: if risk.is_none() {
            domain::SUGGESTIONS
                .iter()
                .map(|s| views::suggestion_link(locale, &base, s))
                .collect()
        } else {
            Vec::new()
        },
        category_choices: views::category_choices(locale, &categories, kept_category(risk)),
        rating_choices: views::rating_choices(locale),
        status_choices: views::status_choices(locale),
        owner_choices: owners,
        base,
    }
    .render()?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    pub suggest: String,
}

pub async fn new_form(
    mut p: ProjectTx<Changes>,
    page: Page,
    Query(q): Query<NewQuery>,
) -> AppResult<Html<String>> {
    p.require(Permission::ManageRisks)?;
    let locale = p.tx.user().locale;
    let form = RiskForm::new(domain::suggestion(&q.suggest).map(|s| {
        (
            s,
            i18n::t(locale, s.title_key).to_owned(),
            i18n::t(locale, s.plan_key).to_owned(),
            i18n::t(locale, s.trigger_key).to_owned(),
        )
    }));
    Ok(Html(
        form_page(&mut p, &page, None, form, FieldErrors::default(), None).await?,
    ))
}

/// Checks the form, then that its company category and owner exist (a deactivated category
/// or owner only when the risk has it already).
async fn validate(
    p: &mut ProjectTx<Changes>,
    f: &RiskForm,
    risk: Option<&Risk>,
) -> AppResult<Result<RiskFields, FieldErrors>> {
    let fields = match f.validate() {
        Ok(fields) => fields,
        Err(e) => return Ok(Err(e)),
    };
    let mut e = FieldErrors::default();
    if let CategoryRef::Company(id) = fields.category {
        let categories = queries::categories(&mut p.tx).await?;
        let ok = categories
            .iter()
            .any(|c| c.id == id && (c.active || kept_category(risk) == Some(fields.category)));
        if !ok {
            e.add("category", "form.invalid_choice");
        }
    }
    if let Some(owner) = fields.owner_id {
        let owners = owner_choices(p, kept_owner(risk)).await?;
        if !owners.iter().any(|c| c.value == owner.to_string()) {
            e.add("owner_id", "form.invalid_choice");
        }
    }
    Ok(if e.is_empty() { Ok(fields) } else { Err(e) })
}

fn audited(number: &str, r: &RiskFields) -> Option<serde_json::Value> {
    let mut v = snapshot(r)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("number".into(), number.into());
    }
    Some(v)
}

fn saved_fields(r: &Risk) -> Option<serde_json::Value> {
    Some(serde_json::json!({
        "number": r.number,
        "category": r.category,
        "category_id": r.category_id,
        "title": r.title,
        "description": r.description,
        "probability": r.probability,
        "impact": r.impact,
        "owner_id": r.owner_id,
        "response_plan": r.response_plan,
        "trigger_condition": r.trigger_condition,
        "status": r.status,
        "next_review_on": r.next_review_on,
        "closed_on": r.closed_on,
    }))
}

pub async fn create(
    mut p: ProjectTx<Changes>,
    page: Page,
    AppForm(f): AppForm<RiskForm>,
) -> AppResult<Response> {
    p.require(Permission::ManageRisks)?;
    let fields = match validate(&mut p, &f, None).await? {
        Ok(fields) => fields,
        Err(errors) => {
            let html = form_page(&mut p, &page, None, f, errors, None).await?;
            return Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
        }
    };
    let project = p.project.id;
    let me = p.tx.user().id;
    let taken = queries::taken_numbers(&mut p.tx, project).await?;
    let number = crate::changes::domain::next_number("R", &taken);
    let closed_on = domain::closed_on(fields.status, None, p.tx.tenant().today());
    let id = queries::insert(&mut p.tx, project, &number, &fields, closed_on, me).await?;
    p.tx.audit(Change {
        entity: "risk",
        entity_id: Some(id),
        action: Action::Create,
        summary: &format!("risk {number} {}", fields.title),
        before: None,
        after: audited(&number, &fields),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "changes_risks.created").await?;
    Ok(Redirect::to(&format!("{}/{id}", base(project))).into_response())
}

fn form_of(r: &Risk) -> RiskForm {
    RiskForm {
        category: CategoryRef::from_columns(r.category.as_deref(), r.category_id)
            .map(CategoryRef::value)
            .unwrap_or_default(),
        title: r.title.clone(),
        description: r.description.clone(),
        probability: r.probability.to_string(),
        impact: r.impact.to_string(),
        owner_id: r.owner_id.map(|o| o.to_string()).unwrap_or_default(),
        response_plan: r.response_plan.clone(),
        trigger_condition: r.trigger_condition.clone(),
        status: r.status.as_str().to_owned(),
        next_review_on: r.next_review_on.map(|d| d.to_string()).unwrap_or_default(),
        version: r.version,
    }
}

pub async fn edit_form(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
) -> AppResult<Html<String>> {
    p.require(Permission::ManageRisks)?;
    let risk = queries::find(&mut p.tx, p.project.id, id, false).await?;
    let form = form_of(&risk);
    Ok(Html(
        form_page(
            &mut p,
            &page,
            Some(&risk),
            form,
            FieldErrors::default(),
            None,
        )
        .await?,
    ))
}

pub async fn update(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<RiskForm>,
) -> AppResult<Response> {
    p.require(Permission::ManageRisks)?;
    let project = p.project.id;
    let risk = queries::find(&mut p.tx, project, id, true).await?;
    if risk.version != f.version {
        // Stale: the user's input is kept at the current version, so saving again is a
        // deliberate overwrite of what the page now shows.
        let form = RiskForm {
            version: risk.version,
            ..f
        };
        let html = form_page(
            &mut p,
            &page,
            Some(&risk),
            form,
            FieldErrors::default(),
            Some("changes_risks.conflict"),
        )
        .await?;
        return Ok(page_with_status(StatusCode::CONFLICT, html));
    }
    let fields = match validate(&mut p, &f, Some(&risk)).await? {
        Ok(fields) => fields,
        Err(errors) => {
            let html = form_page(&mut p, &page, Some(&risk), f, errors, None).await?;
            return Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
        }
    };
    let me = p.tx.user().id;
    let closed_on = domain::closed_on(fields.status, risk.closed_on, p.tx.tenant().today());
    let proof = p.project_id();
    transition::written(
        queries::update(&mut p.tx, proof, id, &fields, closed_on, f.version, me).await?,
    )?;
    p.tx.audit(Change {
        entity: "risk",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("risk {} {}", risk.number, fields.title),
        before: saved_fields(&risk),
        after: audited(&risk.number, &fields),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "changes_risks.saved").await?;
    Ok(Redirect::to(&format!("{}/{id}", base(project))).into_response())
}

/// What the risk page shows beyond the saved risk.
#[derive(Debug, Default)]
struct ShowParts {
    review: Option<ReviewForm>,
    review_errors: FieldErrors,
    delete_error: Option<&'static str>,
    refusal: Option<&'static str>,
}

async fn risk_page(
    p: &mut ProjectTx<Changes>,
    page: &Page,
    risk: Risk,
    parts: ShowParts,
) -> AppResult<String> {
    let locale = p.tx.user().locale;
    let today = p.tx.tenant().today();
    let reviews = queries::reviews(&mut p.tx, risk.id).await?;
    let review = parts.review.unwrap_or_else(|| ReviewForm {
        reviewed_on: today.to_string(),
        probability: risk.probability.to_string(),
        impact: risk.impact.to_string(),
        status: risk.status.as_str().to_owned(),
        version: risk.version,
        ..ReviewForm::default()
    });
    let mut layout = page.layout(&p.tx, "changes_risks.title");
    layout.title = format!("{} {}", risk.number, risk.title);
    Ok(RiskPage {
        layout,
        project: p.project.clone(),
        tab: "risks",
        base: base(p.project.id),
        row: views::row(locale, &risk, today),
        probability_key: domain::rating_key(risk.probability),
        impact_key: domain::rating_key(risk.impact),
        closed_on: risk.closed_on.map(|d| d.to_string()).unwrap_or_default(),
        risk,
        reviews: reviews.iter().map(views::review_view).collect(),
        can_manage: p.tx.user().role.has(Permission::ManageRisks),
        review,
        review_errors: parts.review_errors,
        delete_error: parts.delete_error,
        refusal: parts.refusal,
        rating_choices: views::rating_choices(locale),
        status_choices: views::status_choices(locale),
    }
    .render()?)
}

pub async fn show(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
) -> AppResult<Html<String>> {
    let risk = queries::find(&mut p.tx, p.project.id, id, false).await?;
    Ok(Html(
        risk_page(&mut p, &page, risk, ShowParts::default()).await?,
    ))
}

pub async fn record_review(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<ReviewForm>,
) -> AppResult<Response> {
    p.require(Permission::ManageRisks)?;
    let project = p.project.id;
    let risk = queries::find(&mut p.tx, project, id, true).await?;
    if risk.version != f.version {
        let parts = ShowParts {
            review: Some(ReviewForm {
                version: risk.version,
                ..f
            }),
            refusal: Some("changes_risks.conflict"),
            ..ShowParts::default()
        };
        let html = risk_page(&mut p, &page, risk, parts).await?;
        return Ok(page_with_status(StatusCode::CONFLICT, html));
    }
    let review = match f.validate(p.tx.tenant().today()) {
        Ok(r) => r,
        Err(errors) => {
            let parts = ShowParts {
                review: Some(f),
                review_errors: errors,
                ..ShowParts::default()
            };
            let html = risk_page(&mut p, &page, risk, parts).await?;
            return Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
        }
    };
    // The newest review is the risk's judgement: an older one may not overwrite it.
    let latest = queries::reviews(&mut p.tx, id)
        .await?
        .first()
        .map(|r| r.reviewed_on);
    if latest.is_some_and(|latest| review.reviewed_on < latest) {
        let mut review_errors = FieldErrors::default();
        review_errors.add("reviewed_on", "changes_risks.review_before_latest");
        let parts = ShowParts {
            review: Some(f),
            review_errors,
            ..ShowParts::default()
        };
        let html = risk_page(&mut p, &page, risk, parts).await?;
        return Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
    }
    let me: UserId = p.tx.user().id;
    let closed_on = domain::closed_on(review.status, risk.closed_on, review.reviewed_on);
    let proof = p.project_id();
    let Some(review_id) =
        queries::record_review(&mut p.tx, proof, id, &review, closed_on, f.version, me).await?
    else {
        return Err(AppError::Conflict);
    };
    p.tx.audit(Change {
        entity: "risk_review",
        entity_id: Some(review_id),
        action: Action::Create,
        summary: &format!("risk {} review {}", risk.number, review.reviewed_on),
        before: saved_fields(&risk),
        after: snapshot(&review),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "changes_risks.reviewed").await?;
    Ok(Redirect::to(&format!("{}/{id}#reviews", base(project))).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    pub confirm: String,
    pub version: i32,
}

pub async fn delete(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(f): AppForm<DeleteForm>,
) -> AppResult<Response> {
    p.require(Permission::ManageRisks)?;
    let project = p.project.id;
    let risk = queries::find(&mut p.tx, project, id, true).await?;
    let refused = if risk.version != f.version {
        Some((StatusCode::CONFLICT, "changes_risks.conflict"))
    } else if f.confirm != "yes" {
        Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            "changes_risks.delete_confirm_needed",
        ))
    } else {
        None
    };
    if let Some((status, key)) = refused {
        let parts = ShowParts {
            delete_error: Some(key),
            ..ShowParts::default()
        };
        let html = risk_page(&mut p, &page, risk, parts).await?;
        return Ok(page_with_status(status, html));
    }
    let proof = p.project_id();
    transition::written(queries::delete(&mut p.tx, proof, id, f.version).await?)?;
    p.tx.audit(Change {
        entity: "risk",
        entity_id: Some(id),
        action: Action::Delete,
        summary: &format!("risk {} {}", risk.number, risk.title),
        before: saved_fields(&risk),
        after: None,
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "changes_risks.deleted").await?;
    Ok(Redirect::to(&base(project)).into_response())
}
