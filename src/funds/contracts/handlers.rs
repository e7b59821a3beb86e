//! Contract handlers: the list, the form (new, edit, save a draft), one contract with its
//! variations, signing and closing.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::domain::{Context, ContractForm, validate};
use super::queries::{Contract, Filter, Variation};
use super::views::{
    ContractFormPage, ContractListPage, ContractPage, ContractRow, VariationRow, category_label,
    key_choices, percent_text, project_choices,
};
use super::{BASE, queries, variations};
use crate::audit::{Action, Change, snapshot};
use crate::cost::NewVariation;
use crate::cost::in_report_order;
use crate::error::{AppError, AppResult};
use crate::funds::applications;
use crate::funds::domain::{
    ContractDirection, ContractKind, ContractStatus, DIRECTIONS, STATUSES, current_amount,
    nonzero_amount, retention_within_cap, without_vat,
};
use crate::funds::queries as funds_queries;
use crate::i18n;
use crate::ids::ContractId;
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::fields::required_date;
use crate::web::form::{self, Choice, FieldErrors};
use crate::web::{AppForm, Page, Path, format};

// The list ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub project: String,
    pub direction: String,
    pub status: String,
}

/// The contracts of the projects the user sees, filtered, with the income and expense totals
/// at their current amounts (with variations).
pub async fn list(
    mut tx: TenantTx<Funds>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let locale = tx.user().locale;
    let keep = |s: &str, allowed: &[&str]| {
        let s = s.trim();
        allowed.contains(&s).then(|| s.to_owned())
    };
    let filter = Filter {
        project: q.project.trim().parse().ok(),
        direction: keep(&q.direction, &DIRECTIONS),
        status: keep(&q.status, &STATUSES),
    };
    let contracts = queries::list(&mut tx, &filter).await?;
    let projects = funds_queries::visible_projects(&mut tx).await?;
    let mut income = Decimal::ZERO;
    let mut expense = Decimal::ZERO;
    let rows = contracts
        .into_iter()
        .map(|k| {
            let now = current_amount(k.amount, &[k.variations]);
            if k.direction == ContractDirection::Income {
                income += now;
            } else {
                expense += now;
            }
            ContractRow {
                id: k.id,
                project: format!("{} {}", k.project_code, k.project_name),
                number: k.number,
                title: k.title,
                direction_key: format!("funds.direction_{}", k.direction.as_str()),
                kind_key: format!("funds.kind_{}", k.kind.as_str()),
                counterparty: k.counterparty_name,
                amount: format::money(now),
                status_key: format!("funds.status_{}", k.status.as_str()),
                status: k.status.as_str().to_owned(),
            }
        })
        .collect();
    let html = ContractListPage {
        layout: page.layout(&tx, "funds.contracts"),
        funds_tab: "contracts",
        rows,
        projects: project_choices(&projects),
        directions: key_choices(locale, &DIRECTIONS, "funds.direction_"),
        statuses: key_choices(locale, &STATUSES, "funds.status_"),
        project: q.project,
        direction: q.direction,
        status: q.status,
        income_total: format::money(income),
        expense_total: format::money(expense),
        can_manage: tx.user().role.has(Permission::ManageContracts),
    }
    .render()?;
    Ok(Html(html).into_response())
}

pub(super) async fn context(tx: &mut TenantTx<Funds>) -> AppResult<Context> {
    Ok(Context {
        projects: funds_queries::visible_projects(tx).await?,
        counterparties: funds_queries::counterparties(tx).await?,
        categories: crate::cost::categories(tx).await?,
        cap: funds_queries::retention_cap(tx).await?.0,
    })
}

pub(super) async fn form_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    editing: Option<&Contract>,
    form: ContractForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let cx = context(tx).await?;
    let cap = percent_text(cx.cap);
    let retention_error = (errors.get("retention_percent") == Some("funds.retention_above_cap"))
        .then(|| i18n::tf(locale, "funds.retention_above_cap", &[("cap", &cap)]));
    let keep_party = editing.map(|k| k.counterparty_id);
    let keep_category = editing.and_then(|k| k.category_id);
    let counterparties = cx
        .counterparties
        .iter()
        .filter(|c| c.active || Some(c.id) == keep_party)
        .map(|c| Choice {
            value: c.id.to_string(),
            label: format!(
                "{} ({})",
                c.name,
                i18n::t(locale, &format!("funds.party_{}", c.kind.as_str()))
            ),
        })
        .collect();
    let categories = in_report_order(&cx.categories)
        .into_iter()
        .filter(|c| c.active || Some(c.id) == keep_category)
        .map(|c| Choice {
            value: c.id.to_string(),
            label: format!("{} {}", c.code, c.name(locale)),
        })
        .collect();
    Ok(ContractFormPage {
        layout: page.layout(
            tx,
            if editing.is_some() {
                "funds.edit_contract"
            } else {
                "funds.new_contract"
            },
        ),
        funds_tab: "contracts",
        editing: editing.map(|k| k.id),
        form,
        errors,
        projects: project_choices(&cx.projects),
        directions: key_choices(locale, &DIRECTIONS, "funds.direction_"),
        kinds: ContractKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().to_owned(),
                label: i18n::t(locale, &format!("funds.kind_{}", k.as_str())).to_owned(),
            })
            .collect(),
        counterparties,
        categories,
        retention_error,
        cap,
        notice,
    }
    .render()?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    pub project: String,
}

/// The form of a new contract (a project may be given).
pub async fn new(
    mut tx: TenantTx<Funds>,
    page: Page,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    tx.require(Permission::ManageContracts)?;
    let form = ContractForm {
        project_id: q.project,
        direction: "expense".into(),
        kind: "subcontract".into(),
        tax_rate: "13".into(),
        retention_percent: "0".into(),
        ..ContractForm::default()
    };
    let html = form_page(&mut tx, &page, None, form, FieldErrors::default(), None).await?;
    Ok(Html(html).into_response())
}

/// The unique key of a tenant's contract numbers.
pub(super) const NUMBER_KEY: &str = "contract_tenant_id_number_key";

pub(super) fn number_taken() -> FieldErrors {
    let mut e = FieldErrors::default();
    e.add("number", "funds.number_taken");
    e
}

pub async fn create(
    mut tx: TenantTx<Funds>,
    page: Page,
    AppForm(f): AppForm<ContractForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageContracts)?;
    let cx = context(&mut tx).await?;
    let fields = match validate(&f, &cx, None) {
        Ok(x) => x,
        Err(errors) => {
            let html = form_page(&mut tx, &page, None, f, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let by = tx.user().id;
    // A taken number is answered by the unique key; the savepoint keeps the form drawable.
    tx.savepoint().await?;
    let inserted = queries::insert(&mut tx, &fields, by).await;
    let Ok(id) = tx.unless_taken(inserted, NUMBER_KEY).await? else {
        let html = form_page(&mut tx, &page, None, f, number_taken(), None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    tx.audit(Change {
        entity: "contract",
        entity_id: Some(id.0),
        action: Action::Create,
        summary: &format!("{} {}", fields.number, fields.title),
        before: None,
        after: snapshot(&fields),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds.contract_saved").await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

/// The edit form of a draft; a signed or closed contract is locked (409).
pub async fn edit(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<ContractId>,
) -> AppResult<Response> {
    tx.require(Permission::ManageContracts)?;
    let k = queries::find(&mut tx, id, false).await?;
    if k.status != ContractStatus::Draft {
        return Err(AppError::Conflict);
    }
    let form = ContractForm::of(&k);
    let html = form_page(&mut tx, &page, Some(&k), form, FieldErrors::default(), None).await?;
    Ok(Html(html).into_response())
}

pub async fn update(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<ContractId>,
    AppForm(f): AppForm<ContractForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageContracts)?;
    let locale = tx.user().locale;
    let k = queries::find(&mut tx, id, true).await?;
    if k.status != ContractStatus::Draft {
        return Err(AppError::Conflict);
    }
    let cx = context(&mut tx).await?;
    let fields = match validate(&f, &cx, Some(&k)) {
        Ok(x) => x,
        Err(errors) => {
            let html = form_page(&mut tx, &page, Some(&k), f, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let by = tx.user().id;
    tx.savepoint().await?;
    let updated = queries::update(&mut tx, id, &fields, f.version, by).await;
    let Ok(updated) = tx.unless_taken(updated, NUMBER_KEY).await? else {
        let html = form_page(&mut tx, &page, Some(&k), f, number_taken(), None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    if updated.is_none() {
        let notice = Some(i18n::t(locale, "funds.stale").to_owned());
        let form = ContractForm {
            version: k.version,
            ..f
        };
        let html = form_page(
            &mut tx,
            &page,
            Some(&k),
            form,
            FieldErrors::default(),
            notice,
        )
        .await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    tx.audit(Change {
        entity: "contract",
        entity_id: Some(id.0),
        action: Action::Update,
        summary: &format!("{} {}", fields.number, fields.title),
        before: snapshot(&k),
        after: snapshot(&fields),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds.contract_saved").await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct VariationForm {
    pub number: String,
    pub title: String,
    pub amount: String,
    pub approved_on: String,
    /// The contract's version read.
    pub version: i32,
}

pub(super) async fn detail_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    id: ContractId,
    form: Option<VariationForm>,
    errors: FieldErrors,
    notice: Option<String>,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let k = queries::find(tx, id, false).await?;
    let list: Vec<Variation> = queries::variations(tx, id).await?;
    let amounts: Vec<Decimal> = list.iter().map(|x| x.amount).collect();
    let current = current_amount(k.amount, &amounts);
    let retention = crate::funds::domain::percent_of(current, k.retention_percent);
    Ok(ContractPage {
        layout: page.layout(tx, "funds.contract"),
        funds_tab: "contracts",
        id: k.id,
        project_id: k.project_id,
        project: format!("{} {}", k.project_code, k.project_name),
        number: k.number.clone(),
        title: k.title.clone(),
        direction_key: format!("funds.direction_{}", k.direction.as_str()),
        kind_key: format!("funds.kind_{}", k.kind.as_str()),
        counterparty: k.counterparty_name.clone(),
        category: category_label(locale, k.category_zh.as_deref(), k.category_en.as_deref()),
        amount: format::money(k.amount),
        tax_rate: percent_text(k.tax_rate),
        variations_total: format::money(amounts.iter().sum()),
        current: format::money(current),
        current_without_vat: format::money(without_vat(current, k.tax_rate)),
        signed_on: k.signed_on.map(|d| d.to_string()).unwrap_or_default(),
        payment_terms: k.payment_terms.clone(),
        retention_percent: percent_text(k.retention_percent),
        retention_amount: format::money(retention),
        retention_release_on: k
            .retention_release_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        payment_ratio: k.payment_ratio.map(percent_text).unwrap_or_default(),
        advance_amount: format::money(k.advance_amount),
        status_key: format!("funds.status_{}", k.status.as_str()),
        status: k.status.as_str().to_owned(),
        version: k.version,
        variations: list
            .into_iter()
            .map(|x| VariationRow {
                id: x.id,
                number: x.number,
                title: x.title,
                amount: format::money(x.amount),
                approved_on: x.approved_on.to_string(),
                from_change: x.change_request_id.is_some(),
            })
            .collect(),
        can_manage: tx.user().role.has(Permission::ManageContracts),
        form: form.unwrap_or_else(|| VariationForm {
            version: k.version,
            ..VariationForm::default()
        }),
        errors,
        notice,
    }
    .render()?)
}

/// A contract with its variations and current amount.
pub async fn show(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<ContractId>,
) -> AppResult<Response> {
    let html = detail_page(&mut tx, &page, id, None, FieldErrors::default(), None).await?;
    Ok(Html(html).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VersionForm {
    pub version: i32,
}

/// Signs a draft (dated today unless it has a signing date; refused while its retention is
/// above the cap) or closes a signed contract.
pub(super) async fn move_status(
    mut tx: TenantTx<Funds>,
    page: Page,
    id: ContractId,
    version: i32,
    from: ContractStatus,
    to: ContractStatus,
) -> AppResult<Response> {
    tx.require(Permission::ManageContracts)?;
    let locale = tx.user().locale;
    let k = queries::find(&mut tx, id, true).await?;
    let today = tx.tenant().today();
    let by = tx.user().id;
    // The cap may have been lowered since the draft was saved.
    let cap = funds_queries::retention_cap(&mut tx).await?.0;
    if to == ContractStatus::Signed
        && k.status == from
        && !retention_within_cap(k.retention_percent, cap)
    {
        let notice = Some(i18n::tf(
            locale,
            "funds.retention_above_cap",
            &[("cap", &percent_text(cap))],
        ));
        let html = detail_page(&mut tx, &page, id, None, FieldErrors::default(), notice).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    // A draft saved before the payment ratio was a term of income contracts has none.
    if to == ContractStatus::Signed
        && k.status == from
        && k.direction == ContractDirection::Income
        && !k
            .payment_ratio
            .is_some_and(applications::domain::ratio_within_law)
    {
        let notice = Some(i18n::t(locale, "funds_apply.ratio_out_of_range").to_owned());
        let html = detail_page(&mut tx, &page, id, None, FieldErrors::default(), notice).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    if k.status != from
        || queries::set_status(&mut tx, id, from, to, today, version, by)
            .await?
            .is_none()
    {
        let notice = Some(i18n::t(locale, "funds.stale").to_owned());
        let html = detail_page(&mut tx, &page, id, None, FieldErrors::default(), notice).await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    tx.audit(Change {
        entity: "contract",
        entity_id: Some(id.0),
        action: Action::Update,
        summary: &format!("{} {}", k.number, k.title),
        before: snapshot(&serde_json::json!({ "status": from.as_str() })),
        after: snapshot(&serde_json::json!({ "status": to.as_str() })),
    })
    .await?;
    tx.commit().await?;
    let flash = if to == ContractStatus::Signed {
        "funds.contract_signed"
    } else {
        "funds.contract_closed"
    };
    page.session.flash(true, flash).await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

pub async fn sign(
    tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<ContractId>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    move_status(
        tx,
        page,
        id,
        f.version,
        ContractStatus::Draft,
        ContractStatus::Signed,
    )
    .await
}

pub async fn close(
    tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<ContractId>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    move_status(
        tx,
        page,
        id,
        f.version,
        ContractStatus::Signed,
        ContractStatus::Closed,
    )
    .await
}

/// Adds an approved variation to a signed contract.
pub async fn add_variation(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<ContractId>,
    AppForm(f): AppForm<VariationForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageContracts)?;
    let locale = tx.user().locale;
    let k = queries::find(&mut tx, id, true).await?;
    if k.status != ContractStatus::Signed {
        return Err(AppError::Conflict);
    }
    let mut e = FieldErrors::default();
    let number = form::text(&mut e, "number", &f.number, true, 40);
    let title = form::text(&mut e, "title", &f.title, true, 200);
    let amount = nonzero_amount(&mut e, "amount", &f.amount);
    let approved_on = required_date(&mut e, "approved_on", &f.approved_on);
    if e.is_empty() && amount < Decimal::ZERO {
        let floor = queries::claimed(&mut tx, id).await?;
        if k.amount + k.variations + amount < floor {
            e.add("amount", "funds.variation_below_claimed");
        }
    }
    if !e.is_empty()
        || k.amount + k.variations + amount <= Decimal::ZERO
        || queries::variations(&mut tx, id)
            .await?
            .iter()
            .any(|x| x.number == number)
    {
        if e.is_empty() {
            if k.amount + k.variations + amount <= Decimal::ZERO {
                e.add("amount", "funds.variation_below_zero");
            } else {
                e.add("number", "funds.number_taken");
            }
        }
        let html = detail_page(&mut tx, &page, id, Some(f), e, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    if f.version != k.version {
        let notice = Some(i18n::t(locale, "funds.stale").to_owned());
        let form = VariationForm {
            version: k.version,
            ..f
        };
        let html = detail_page(&mut tx, &page, id, Some(form), e, notice).await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    let fields = NewVariation {
        number,
        title,
        amount,
        approved_on: approved_on.unwrap_or_default(),
    };
    let (scope, user, _) = tx.parts();
    variations::record(scope, &k, &fields, None, user).await?;
    tx.commit().await?;
    page.session.flash(true, "funds.variation_added").await?;
    Ok(Redirect::to(&format!("{BASE}/{id}#variations")).into_response())
}

/// Deletes a variation of a signed contract.
pub async fn delete_variation(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path((id, variation)): Path<(ContractId, i64)>,
    AppForm(f): AppForm<VersionForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageContracts)?;
    let locale = tx.user().locale;
    let k = queries::find(&mut tx, id, true).await?;
    let list = queries::variations(&mut tx, id).await?;
    let x = list
        .iter()
        .find(|x| x.id == variation)
        .ok_or(AppError::NotFound)?;
    if k.status != ContractStatus::Signed {
        return Err(AppError::Conflict);
    }
    let below_claimed = x.amount > Decimal::ZERO
        && k.amount + k.variations - x.amount < queries::claimed(&mut tx, id).await?;
    if f.version != k.version
        || k.amount + k.variations - x.amount <= Decimal::ZERO
        || below_claimed
    {
        let key = if f.version != k.version {
            "funds.stale"
        } else if below_claimed {
            "funds.variation_below_claimed"
        } else {
            "funds.variation_below_zero"
        };
        let notice = Some(i18n::t(locale, key).to_owned());
        let html = detail_page(&mut tx, &page, id, None, FieldErrors::default(), notice).await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    let by = tx.user().id;
    // An approved change request's variation is part of its record: a later change
    // request reverses it.
    if !queries::delete_variation(&mut tx, id, variation).await? {
        let notice = Some(i18n::t(locale, "funds.variation_from_change").to_owned());
        let html = detail_page(&mut tx, &page, id, None, FieldErrors::default(), notice).await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    queries::touch(&mut tx, id, by).await?;
    tx.audit(Change {
        entity: "contract_variation",
        entity_id: Some(variation),
        action: Action::Delete,
        summary: &format!("{} {} {}", k.number, x.number, x.title),
        before: snapshot(x),
        after: None,
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds.variation_deleted").await?;
    Ok(Redirect::to(&format!("{BASE}/{id}#variations")).into_response())
}
