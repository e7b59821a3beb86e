//! A project's revenue side: the contract amount (kept on the project, changed here with the
//! project's version), approved variations (签证、变更) added and deleted, the resulting
//! contract value, and what Funds records as billed and collected.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::domain;
use super::queries::{self, NewVariation};
use crate::audit::{Action, Change, snapshot};
use crate::cost::views::CostTab;
use crate::error::AppResult;
use crate::roles::Permission;
use crate::tenancy::Cost;
use crate::tenancy::ProjectId;
use crate::tenancy::ProjectTx;
use crate::tenancy::project::Project;
use crate::web::fields::required_date;
use crate::web::form::{self, FieldErrors};
use crate::web::{AppForm, Layout, Page, Path, format};

fn base(project: ProjectId) -> String {
    format!("/projects/{project}/cost/revenue")
}

#[derive(Debug, Clone)]
pub struct VariationView {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub amount: String,
    pub negative: bool,
    pub approved_on: String,
    pub from_change: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ContractForm {
    pub contract_amount: String,
    pub version: i32,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct VariationForm {
    pub number: String,
    pub title: String,
    pub amount: String,
    pub approved_on: String,
}

#[derive(Template)]
#[template(path = "cost/revenue.html")]
pub struct RevenuePage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    pub contract_amount: String,
    pub variations: Vec<VariationView>,
    pub variations_total: String,
    pub contract_value: String,
    pub billed: String,
    pub collected: String,
    /// Nothing billed or collected yet: those figures come from Funds.
    pub funds_empty: bool,
    pub can_edit: bool,
    pub contract: ContractForm,
    pub contract_errors: FieldErrors,
    pub contract_conflict: bool,
    pub new: VariationForm,
    pub new_errors: FieldErrors,
}

/// What the page shows besides the saved figures: forms being corrected.
#[derive(Debug, Default)]
struct Parts {
    contract: Option<ContractForm>,
    contract_errors: FieldErrors,
    contract_conflict: bool,
    new: Option<VariationForm>,
    new_errors: FieldErrors,
}

fn today(p: &ProjectTx<Cost>) -> NaiveDate {
    let tenant = p.tx.tenant();
    tenant.today()
}

async fn revenue_page(p: &mut ProjectTx<Cost>, page: &Page, parts: Parts) -> AppResult<String> {
    let project = p.project.id;
    let variations = queries::variations(&mut p.tx, project).await?;
    let (billed, collected) = queries::billing(&mut p.tx, project).await?;
    let total: Decimal = variations.iter().map(|v| v.amount).sum();
    let contract = parts.contract.unwrap_or_else(|| ContractForm {
        contract_amount: p.project.contract_amount.to_string(),
        version: p.project.version,
    });
    let new = parts.new.unwrap_or_else(|| VariationForm {
        approved_on: today(p).to_string(),
        ..VariationForm::default()
    });
    Ok(RevenuePage {
        layout: page.layout(&p.tx, "cost_budget.revenue_title"),
        project: p.project.clone(),
        tab: CostTab::Revenue,
        contract_amount: format::money(p.project.contract_amount),
        variations: variations
            .iter()
            .map(|v| VariationView {
                id: v.id,
                number: v.number.clone(),
                title: v.title.clone(),
                amount: format::money(v.amount),
                negative: v.amount.is_sign_negative(),
                approved_on: v.approved_on.to_string(),
                from_change: v.change_request_id.is_some(),
            })
            .collect(),
        variations_total: format::money(total),
        contract_value: format::money(p.project.contract_amount + total),
        billed: format::money(billed),
        collected: format::money(collected),
        funds_empty: billed.is_zero() && collected.is_zero(),
        can_edit: p.tx.user().role.has(Permission::EditBudget),
        contract,
        contract_errors: parts.contract_errors,
        contract_conflict: parts.contract_conflict,
        new,
        new_errors: parts.new_errors,
    }
    .render()?)
}

fn with_status(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

pub async fn show(mut p: ProjectTx<Cost>, page: Page) -> AppResult<Html<String>> {
    Ok(Html(revenue_page(&mut p, &page, Parts::default()).await?))
}

/// Changes the contract amount, if the project did not change meanwhile.
pub async fn save_contract(
    mut p: ProjectTx<Cost>,
    page: Page,
    AppForm(f): AppForm<ContractForm>,
) -> AppResult<Response> {
    p.tx.require(Permission::EditBudget)?;
    let project = p.project.id;
    let mut errors = FieldErrors::default();
    let amount = match domain::amount(&f.contract_amount) {
        Ok(Some(a)) => a,
        Ok(None) => {
            errors.add("contract_amount", "form.required");
            Decimal::ZERO
        }
        Err(key) => {
            errors.add("contract_amount", key);
            Decimal::ZERO
        }
    };
    if !errors.is_empty() {
        let parts = Parts {
            contract: Some(f),
            contract_errors: errors,
            ..Parts::default()
        };
        let html = revenue_page(&mut p, &page, parts).await?;
        return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
    }
    let me = p.tx.user().id;
    if queries::set_contract_amount(&mut p.tx, project, amount, f.version, me)
        .await?
        .is_none()
    {
        let parts = Parts {
            contract: Some(ContractForm {
                version: p.project.version,
                ..f
            }),
            contract_conflict: true,
            ..Parts::default()
        };
        let html = revenue_page(&mut p, &page, parts).await?;
        return Ok(with_status(StatusCode::CONFLICT, html));
    }
    p.tx.audit(Change {
        entity: "project",
        entity_id: Some(project.get()),
        action: Action::Update,
        summary: &p.project.code.clone(),
        before: snapshot(
            &serde_json::json!({ "contract_amount": p.project.contract_amount.to_string() }),
        ),
        after: snapshot(&serde_json::json!({ "contract_amount": amount.to_string() })),
    })
    .await?;
    p.commit().await?;
    page.session
        .flash(true, "cost_budget.contract_saved")
        .await?;
    Ok(Redirect::to(&base(project)).into_response())
}

impl VariationForm {
    fn validate(&self) -> Result<NewVariation, FieldErrors> {
        let mut e = FieldErrors::default();
        let number = form::text(&mut e, "number", &self.number, true, 40);
        let title = form::text(&mut e, "title", &self.title, true, 200);
        let amount = match domain::signed_amount(&self.amount) {
            Ok(Some(a)) if a.is_zero() => {
                e.add("amount", "cost_budget.variation_zero");
                a
            }
            Ok(Some(a)) => a,
            Ok(None) => {
                e.add("amount", "form.required");
                Decimal::ZERO
            }
            Err(key) => {
                e.add("amount", key);
                Decimal::ZERO
            }
        };
        let approved_on = required_date(&mut e, "approved_on", &self.approved_on);
        match approved_on {
            Some(approved_on) if e.is_empty() => Ok(NewVariation {
                number,
                title,
                amount,
                approved_on,
            }),
            _ => Err(e),
        }
    }
}

pub async fn add_variation(
    mut p: ProjectTx<Cost>,
    page: Page,
    AppForm(f): AppForm<VariationForm>,
) -> AppResult<Response> {
    p.tx.require(Permission::EditBudget)?;
    let project = p.project.id;
    let refuse = |f: VariationForm, new_errors: FieldErrors| Parts {
        new: Some(f),
        new_errors,
        ..Parts::default()
    };
    let v = match f.validate() {
        Ok(v) => v,
        Err(errors) => {
            let html = revenue_page(&mut p, &page, refuse(f, errors)).await?;
            return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
        }
    };
    let me = p.tx.user().id;
    let Some(id) = queries::insert_variation(&mut p.tx, project, &v, None, me).await? else {
        let mut errors = FieldErrors::default();
        errors.add("number", "cost_budget.variation_number_taken");
        let html = revenue_page(&mut p, &page, refuse(f, errors)).await?;
        return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
    };
    p.tx.audit(Change {
        entity: "revenue_variation",
        entity_id: Some(id),
        action: Action::Create,
        summary: &format!("{} {}", v.number, v.title),
        before: None,
        after: snapshot(&v),
    })
    .await?;
    p.commit().await?;
    page.session
        .flash(true, "cost_budget.variation_added")
        .await?;
    Ok(Redirect::to(&base(project)).into_response())
}

pub async fn delete_variation(
    mut p: ProjectTx<Cost>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    AppForm(_): AppForm<super::handlers::Empty>,
) -> AppResult<Response> {
    p.tx.require(Permission::EditBudget)?;
    let project = p.project.id;
    let v = queries::delete_variation(&mut p.tx, project, id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    p.tx.audit(Change {
        entity: "revenue_variation",
        entity_id: Some(id),
        action: Action::Delete,
        summary: &format!("{} {}", v.number, v.title),
        before: snapshot(&v),
        after: None,
    })
    .await?;
    p.commit().await?;
    page.session
        .flash(true, "cost_budget.variation_deleted")
        .await?;
    Ok(Redirect::to(&base(project)).into_response())
}
