//! Settings › Cost (owners and admins): the cost categories (成本科目) as a tree one level
//! deep — add, edit (code, names, parent, sort order), deactivate, reactivate, delete an
//! unused one — and the alert thresholds, each saved with optimistic locking.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::budget::percent;
use super::domain::{Category, Thresholds, check_parent, in_report_order};
use super::queries as cost_queries;
use crate::audit::{Action, Change, snapshot};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult, ResultExt};
use crate::i18n::{self, Locale};
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::roles::Permission;
use crate::tenancy::{Cost, TenantTx};
use crate::web::fields::optional_int;
use crate::web::form::Choice;
use crate::web::form::{self, FieldErrors};
use crate::web::{AppForm, Layout, Page, Path};

/// Settings › Cost: categories and alert thresholds.
pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/settings/cost", get(show))
        .route("/settings/cost/thresholds", post(save_thresholds_form))
        .route("/settings/cost/categories", post(add_category))
        .route("/settings/cost/categories/{id}", post(update_category_form))
        .route(
            "/settings/cost/categories/{id}/active",
            post(set_category_active),
        )
        .route(
            "/settings/cost/categories/{id}/delete",
            post(delete_category_form),
        )
}

const BASE: &str = "/settings/cost";

// ---- queries ----

/// A category as the settings page needs it.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub builtin: Option<String>,
    pub active: bool,
    pub sort_order: i32,
    pub version: i32,
    /// Costs, budgets, estimates or snapshots name it, or it has children.
    pub used: bool,
}

impl CategoryRow {
    fn category(&self) -> Category {
        Category {
            id: self.id,
            parent_id: self.parent_id,
            code: self.code.clone(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            builtin: self.builtin.clone(),
            active: self.active,
            sort_order: self.sort_order,
        }
    }
}

async fn list_categories(scope: &mut TenantScope) -> AppResult<Vec<CategoryRow>> {
    let tenant = scope.tenant_id();
    // Entries are looked up through the monthly roll-up (one row per month, not millions).
    Ok(sqlx::query_as!(
        CategoryRow,
        r#"select c.id, c.parent_id, c.code, c.name_zh, c.name_en, c.builtin, c.active,
                  c.sort_order, c.version,
                  (exists (select 1 from cost_actual_month m
                           where m.tenant_id = c.tenant_id and m.category_id = c.id
                             and m.entries <> 0)
                   or exists (select 1 from cost_budget_line l
                              where l.tenant_id = c.tenant_id and l.category_id = c.id)
                   or exists (select 1 from cost_estimate e
                              where e.tenant_id = c.tenant_id and e.category_id = c.id)
                   or exists (select 1 from cost_snapshot_line s
                              where s.tenant_id = c.tenant_id and s.category_id = c.id)
                   or exists (select 1 from cost_category k
                              where k.tenant_id = c.tenant_id and k.parent_id = c.id)) as "used!"
           from cost_category c
           where c.tenant_id = $1
           order by c.sort_order, c.code"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Whether any cost entry names the category (exact, for deleting).
async fn has_entries(scope: &mut TenantScope, id: i64) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from cost_entry where tenant_id = $1 and category_id = $2) as "x!""#,
        tenant as TenantId,
        id
    )
    .fetch_one(scope.conn())
    .await?)
}

/// A category's fields as validated.
#[derive(Debug, Clone, Serialize)]
struct CategoryFields {
    code: String,
    name_zh: String,
    name_en: String,
    parent_id: Option<i64>,
    sort_order: i32,
}

async fn insert_category(scope: &mut TenantScope, f: &CategoryFields) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "insert into cost_category (tenant_id, parent_id, code, name_zh, name_en, sort_order)
         values ($1, $2, $3, $4, $5, $6) returning id",
        tenant as TenantId,
        f.parent_id,
        f.code,
        f.name_zh,
        f.name_en,
        f.sort_order
    )
    .fetch_one(scope.conn())
    .await
    .on_constraint("cost_category_tenant_id_code_key", || AppError::Conflict)
}

async fn update_category(
    scope: &mut TenantScope,
    id: i64,
    f: &CategoryFields,
    version: i32,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    sqlx::query_scalar!(
        "update cost_category
         set parent_id = $3, code = $4, name_zh = $5, name_en = $6, sort_order = $7,
             version = version + 1
         where tenant_id = $1 and id = $2 and version = $8
         returning version",
        tenant as TenantId,
        id,
        f.parent_id,
        f.code,
        f.name_zh,
        f.name_en,
        f.sort_order,
        version
    )
    .fetch_optional(scope.conn())
    .await
    .on_constraint("cost_category_tenant_id_code_key", || AppError::Conflict)
}

async fn set_active(
    scope: &mut TenantScope,
    id: i64,
    active: bool,
    version: i32,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "update cost_category set active = $3, version = version + 1
         where tenant_id = $1 and id = $2 and version = $4
         returning version",
        tenant as TenantId,
        id,
        active,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

async fn delete_category(scope: &mut TenantScope, id: i64, version: i32) -> AppResult<bool> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query!(
        "delete from cost_category
         where tenant_id = $1 and id = $2 and version = $3 and builtin is null",
        tenant as TenantId,
        id,
        version
    )
    .execute(scope.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Saves the thresholds if nobody saved them since `version` was read (0: never saved).
async fn save_thresholds(
    scope: &mut TenantScope,
    t: &Thresholds,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    if version == 0 {
        return Ok(sqlx::query_scalar!(
            "insert into cost_alert_setting
                 (tenant_id, warning_percent, overrun_percent, margin_floor_percent, updated_by)
             values ($1, $2, $3, $4, $5)
             on conflict (tenant_id) do nothing
             returning version",
            tenant as TenantId,
            t.warning_percent,
            t.overrun_percent,
            t.margin_floor_percent,
            by.0
        )
        .fetch_optional(scope.conn())
        .await?);
    }
    Ok(sqlx::query_scalar!(
        "update cost_alert_setting
         set warning_percent = $2, overrun_percent = $3, margin_floor_percent = $4,
             updated_at = now(), updated_by = $5, version = version + 1
         where tenant_id = $1 and version = $6
         returning version",
        tenant as TenantId,
        t.warning_percent,
        t.overrun_percent,
        t.margin_floor_percent,
        by.0,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

// ---- forms ----

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ThresholdsForm {
    pub warning_percent: String,
    pub overrun_percent: String,
    pub margin_floor_percent: String,
    /// The version read; 0 while the tenant has the defaults (no row).
    pub version: i32,
}

impl ThresholdsForm {
    fn from_saved(t: &Thresholds, version: i32) -> Self {
        ThresholdsForm {
            warning_percent: t.warning_percent.normalize().to_string(),
            overrun_percent: t.overrun_percent.normalize().to_string(),
            margin_floor_percent: t.margin_floor_percent.normalize().to_string(),
            version,
        }
    }

    /// Warning and overrun from 1 % to 1000 %, warning below overrun; the margin floor from
    /// −100 % to 100 %; two decimals at most.
    fn validate(&self) -> Result<Thresholds, FieldErrors> {
        let mut e = FieldErrors::default();
        let mut read = |field: &'static str, value: &str, min: i64, max: i64| {
            percent(value, Decimal::from(min), Decimal::from(max))
                .inspect_err(|key| e.add(field, key))
                .unwrap_or_default()
        };
        let t = Thresholds {
            warning_percent: read("warning_percent", &self.warning_percent, 1, 1000),
            overrun_percent: read("overrun_percent", &self.overrun_percent, 1, 1000),
            margin_floor_percent: read(
                "margin_floor_percent",
                &self.margin_floor_percent,
                -100,
                100,
            ),
        };
        if e.is_empty() && t.warning_percent >= t.overrun_percent {
            e.add("warning_percent", "cost_budget.warning_below_overrun");
        }
        if e.is_empty() { Ok(t) } else { Err(e) }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CategoryForm {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// A top-level category's id, or empty.
    pub parent_id: String,
    /// Empty when adding: after the last one at that level.
    pub sort_order: String,
    pub version: i32,
}

impl CategoryForm {
    fn of(c: &CategoryRow) -> Self {
        CategoryForm {
            code: c.code.clone(),
            name_zh: c.name_zh.clone(),
            name_en: c.name_en.clone(),
            parent_id: c.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            sort_order: c.sort_order.to_string(),
            version: c.version,
        }
    }
}

/// Checks a category form against the others. `editing`: the category being changed.
/// The second part names the category whose code is taken.
fn validate_category(
    f: &CategoryForm,
    all: &[CategoryRow],
    editing: Option<&CategoryRow>,
) -> Result<CategoryFields, (FieldErrors, Option<String>)> {
    let mut e = FieldErrors::default();
    let code = form::text(&mut e, "code", &f.code, true, 20);
    let name_zh = form::text(&mut e, "name_zh", &f.name_zh, true, 50);
    let name_en = form::text(&mut e, "name_en", &f.name_en, false, 50);
    let parent_id = optional_int(&mut e, "parent_id", &f.parent_id, 1..=i64::MAX);
    let sort_order = optional_int(&mut e, "sort_order", &f.sort_order, 0..=99_999);
    let mut clash = None;
    if !e.has("code")
        && let Some(other) = all
            .iter()
            .find(|c| c.code == code && Some(c.id) != editing.map(|x| x.id))
    {
        e.add("code", "cost_budget.code_taken");
        clash = Some(format!("{} {}", other.code, other.name_zh));
    }
    if let Some(parent) = parent_id {
        if editing.is_some_and(|c| c.builtin.is_some()) {
            e.add("parent_id", "cost_budget.builtin_no_parent");
        } else {
            let categories: Vec<Category> = all.iter().map(CategoryRow::category).collect();
            if let Err(key) = check_parent(&categories, editing.map(|c| c.id), parent) {
                e.add("parent_id", key);
            }
        }
    }
    if f.sort_order.trim().is_empty() && editing.is_some() {
        e.add("sort_order", "form.required");
    }
    if !e.is_empty() {
        return Err((e, clash));
    }
    let sort_order = match sort_order {
        Some(n) => i32::try_from(n).unwrap_or(0),
        // After the last one at its level.
        None => all
            .iter()
            .filter(|c| c.parent_id == parent_id)
            .map(|c| c.sort_order)
            .max()
            .map_or(1, |m| m.saturating_add(1).min(99_999)),
    };
    Ok(CategoryFields {
        code,
        name_zh,
        name_en,
        parent_id,
        sort_order,
    })
}

// ---- page ----

/// A category row of the tree, with its edit form.
#[derive(Debug, Clone)]
pub struct CategoryView {
    pub id: i64,
    pub depth: u8,
    pub builtin: bool,
    pub active: bool,
    pub deletable: bool,
    /// Builtin categories are never deactivated (an old inactive one may come back).
    pub toggles: bool,
    pub form: CategoryForm,
    pub errors: FieldErrors,
    /// Top-level categories it may go under (none for builtin ones and parents).
    pub parents: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "cost/settings.html")]
pub struct CostSettingsPage {
    pub layout: Layout,
    pub tab: &'static str,
    pub categories: Vec<CategoryView>,
    pub top_level: Vec<Choice>,
    pub new: CategoryForm,
    pub new_errors: FieldErrors,
    pub thresholds: ThresholdsForm,
    pub threshold_errors: FieldErrors,
    pub threshold_conflict: bool,
    /// A refusal or conflict about the categories, in words.
    pub category_notice: Option<String>,
}

/// What the page shows beyond what is saved: forms being corrected and refusals.
#[derive(Debug, Default)]
struct Parts {
    new: Option<CategoryForm>,
    new_errors: FieldErrors,
    edit: Option<(i64, CategoryForm, FieldErrors)>,
    thresholds: Option<ThresholdsForm>,
    threshold_errors: FieldErrors,
    threshold_conflict: bool,
    category_notice: Option<String>,
}

async fn settings_page(tx: &mut TenantTx<Cost>, page: &Page, parts: Parts) -> AppResult<String> {
    let locale = tx.user().locale;
    let rows = list_categories(tx).await?;
    let categories: Vec<Category> = rows.iter().map(CategoryRow::category).collect();
    let top_level: Vec<Choice> = in_report_order(&categories)
        .into_iter()
        .filter(|c| c.parent_id.is_none())
        .map(|c| Choice {
            value: c.id.to_string(),
            label: format!("{} {}", c.code, c.name(locale)),
        })
        .collect();
    let mut edit = parts.edit;
    let views = in_report_order(&categories)
        .into_iter()
        .filter_map(|c| rows.iter().find(|r| r.id == c.id))
        .map(|r| {
            let (form, errors) = match edit.take_if(|e| e.0 == r.id) {
                Some((_, f, e)) => (f, e),
                None => (CategoryForm::of(r), FieldErrors::default()),
            };
            let has_children = rows.iter().any(|x| x.parent_id == Some(r.id));
            CategoryView {
                id: r.id,
                depth: u8::from(r.parent_id.is_some()),
                builtin: r.builtin.is_some(),
                active: r.active,
                deletable: r.builtin.is_none() && !r.used,
                toggles: r.builtin.is_none() || !r.active,
                form,
                errors,
                parents: if r.builtin.is_some() || has_children {
                    Vec::new()
                } else {
                    top_level
                        .iter()
                        .filter(|c| c.value != r.id.to_string())
                        .cloned()
                        .collect()
                },
            }
        })
        .collect();
    let thresholds = match parts.thresholds {
        Some(t) => t,
        None => {
            let (t, version) = cost_queries::thresholds(tx).await?;
            ThresholdsForm::from_saved(&t, version)
        }
    };
    Ok(CostSettingsPage {
        layout: page.layout(tx, "cost_budget.settings_title"),
        tab: "cost",
        categories: views,
        top_level,
        new: parts.new.unwrap_or_default(),
        new_errors: parts.new_errors,
        thresholds,
        threshold_errors: parts.threshold_errors,
        threshold_conflict: parts.threshold_conflict,
        category_notice: parts.category_notice,
    }
    .render()?)
}

async fn refuse(
    mut tx: TenantTx<Cost>,
    page: &Page,
    status: StatusCode,
    parts: Parts,
) -> AppResult<Response> {
    let html = settings_page(&mut tx, page, parts).await?;
    Ok((status, Html(html)).into_response())
}

pub async fn show(mut tx: TenantTx<Cost>, page: Page) -> AppResult<Html<String>> {
    tx.require(Permission::ManageCostSettings)?;
    Ok(Html(settings_page(&mut tx, &page, Parts::default()).await?))
}

pub async fn save_thresholds_form(
    mut tx: TenantTx<Cost>,
    page: Page,
    AppForm(f): AppForm<ThresholdsForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCostSettings)?;
    let t = match f.validate() {
        Ok(t) => t,
        Err(errors) => {
            let parts = Parts {
                thresholds: Some(f),
                threshold_errors: errors,
                ..Parts::default()
            };
            return refuse(tx, &page, StatusCode::UNPROCESSABLE_ENTITY, parts).await;
        }
    };
    let (before, saved_version) = cost_queries::thresholds(&mut tx).await?;
    let me = tx.user().id;
    if save_thresholds(&mut tx, &t, f.version, me).await?.is_none() {
        let parts = Parts {
            thresholds: Some(ThresholdsForm {
                version: saved_version,
                ..f
            }),
            threshold_conflict: true,
            ..Parts::default()
        };
        return refuse(tx, &page, StatusCode::CONFLICT, parts).await;
    }
    let view = |t: &Thresholds| {
        snapshot(&serde_json::json!({
            "warning_percent": t.warning_percent.to_string(),
            "overrun_percent": t.overrun_percent.to_string(),
            "margin_floor_percent": t.margin_floor_percent.to_string(),
        }))
    };
    tx.audit(Change {
        entity: "cost_alert_setting",
        entity_id: None,
        action: Action::Update,
        summary: "cost alert thresholds",
        before: view(&before),
        after: view(&t),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("{BASE}#thresholds")).into_response())
}

fn clash_notice(locale: Locale, clash: Option<String>) -> Option<String> {
    clash.map(|c| i18n::tf(locale, "cost_budget.code_taken_by", &[("category", &c)]))
}

pub async fn add_category(
    mut tx: TenantTx<Cost>,
    page: Page,
    AppForm(f): AppForm<CategoryForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCostSettings)?;
    let locale = tx.user().locale;
    let all = list_categories(&mut tx).await?;
    let fields = match validate_category(&f, &all, None) {
        Ok(v) => v,
        Err((new_errors, clash)) => {
            let parts = Parts {
                new: Some(f),
                new_errors,
                category_notice: clash_notice(locale, clash),
                ..Parts::default()
            };
            return refuse(tx, &page, StatusCode::UNPROCESSABLE_ENTITY, parts).await;
        }
    };
    let id = insert_category(&mut tx, &fields).await?;
    tx.audit(Change {
        entity: "cost_category",
        entity_id: Some(id),
        action: Action::Create,
        summary: &format!("{} {}", fields.code, fields.name_zh),
        before: None,
        after: snapshot(&fields),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "cost_budget.category_added")
        .await?;
    Ok(Redirect::to(&format!("{BASE}#category-{id}")).into_response())
}

async fn find(tx: &mut TenantTx<Cost>, id: i64) -> AppResult<(CategoryRow, Vec<CategoryRow>)> {
    let all = list_categories(tx).await?;
    let row = all
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((row, all))
}

fn stale(locale: Locale) -> Option<String> {
    Some(i18n::t(locale, "cost_budget.category_stale").to_owned())
}

pub async fn update_category_form(
    mut tx: TenantTx<Cost>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<CategoryForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCostSettings)?;
    let locale = tx.user().locale;
    let (row, all) = find(&mut tx, id).await?;
    let fields = match validate_category(&f, &all, Some(&row)) {
        Ok(v) => v,
        Err((errors, clash)) => {
            let parts = Parts {
                edit: Some((id, f, errors)),
                category_notice: clash_notice(locale, clash),
                ..Parts::default()
            };
            return refuse(tx, &page, StatusCode::UNPROCESSABLE_ENTITY, parts).await;
        }
    };
    if update_category(&mut tx, id, &fields, f.version)
        .await?
        .is_none()
    {
        let parts = Parts {
            edit: Some((
                id,
                CategoryForm {
                    version: row.version,
                    ..f
                },
                FieldErrors::default(),
            )),
            category_notice: stale(locale),
            ..Parts::default()
        };
        return refuse(tx, &page, StatusCode::CONFLICT, parts).await;
    }
    tx.audit(Change {
        entity: "cost_category",
        entity_id: Some(id),
        action: Action::Update,
        summary: &format!("{} {}", fields.code, fields.name_zh),
        before: snapshot(&row),
        after: snapshot(&fields),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("{BASE}#category-{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActiveForm {
    /// "1" to reactivate, anything else to deactivate.
    pub active: String,
    pub version: i32,
}

/// Deactivates or reactivates a category. Builtin ones stay active; a parent goes only
/// after its active children, a child comes back only under an active parent.
pub async fn set_category_active(
    mut tx: TenantTx<Cost>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ActiveForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCostSettings)?;
    let locale = tx.user().locale;
    let (row, all) = find(&mut tx, id).await?;
    let active = f.active == "1";
    let refusal = if !active && row.builtin.is_some() {
        Some("cost_budget.builtin_stays_active")
    } else if !active && all.iter().any(|c| c.parent_id == Some(id) && c.active) {
        Some("cost_budget.children_active")
    } else if active
        && row
            .parent_id
            .is_some_and(|p| all.iter().any(|c| c.id == p && !c.active))
    {
        Some("cost_budget.parent_inactive")
    } else {
        None
    };
    if let Some(key) = refusal {
        let parts = Parts {
            category_notice: Some(i18n::t(locale, key).to_owned()),
            ..Parts::default()
        };
        return refuse(tx, &page, StatusCode::UNPROCESSABLE_ENTITY, parts).await;
    }
    if set_active(&mut tx, id, active, f.version).await?.is_none() {
        let parts = Parts {
            category_notice: stale(locale),
            ..Parts::default()
        };
        return refuse(tx, &page, StatusCode::CONFLICT, parts).await;
    }
    let summary = format!("{} {}", row.code, row.name_zh);
    tx.audit(Change::switched(
        "cost_category",
        id,
        &summary,
        row.active,
        active,
    ))
    .await?;
    tx.commit().await?;
    let flash = if active {
        "cost_budget.category_reactivated"
    } else {
        "cost_budget.category_deactivated"
    };
    page.session.flash(true, flash).await?;
    Ok(Redirect::to(&format!("{BASE}#category-{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VersionForm {
    pub version: i32,
}

/// Deletes a category nothing uses; builtin and used ones can only be deactivated.
pub async fn delete_category_form(
    mut tx: TenantTx<Cost>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCostSettings)?;
    let locale = tx.user().locale;
    let (row, _) = find(&mut tx, id).await?;
    let refusal = if row.builtin.is_some() {
        Some("cost_budget.builtin_not_deleted")
    } else if row.used || has_entries(&mut tx, id).await? {
        Some("cost_budget.category_in_use")
    } else {
        None
    };
    if let Some(key) = refusal {
        let parts = Parts {
            category_notice: Some(i18n::t(locale, key).to_owned()),
            ..Parts::default()
        };
        return refuse(tx, &page, StatusCode::CONFLICT, parts).await;
    }
    if !delete_category(&mut tx, id, f.version).await? {
        let parts = Parts {
            category_notice: stale(locale),
            ..Parts::default()
        };
        return refuse(tx, &page, StatusCode::CONFLICT, parts).await;
    }
    tx.audit(Change {
        entity: "cost_category",
        entity_id: Some(id),
        action: Action::Delete,
        summary: &format!("{} {}", row.code, row.name_zh),
        before: snapshot(&row),
        after: None,
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "cost_budget.category_deleted")
        .await?;
    Ok(Redirect::to(BASE).into_response())
}
