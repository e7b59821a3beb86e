//! Counterparty handlers: the list with the add form, editing, deactivating and
//! reactivating.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::BASE;
use super::domain::CounterpartyForm;
use super::views::{CounterpartiesPage, CounterpartyPage, CounterpartyRow, kind_choices};
use crate::audit::{Action, Change, snapshot};
use crate::error::AppResult;
use crate::funds::queries::{self, Counterparty};
use crate::i18n;
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Page, Path};

pub(super) async fn list_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    form: CounterpartyForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let rows = queries::counterparties(tx)
        .await?
        .into_iter()
        .map(|c| CounterpartyRow {
            id: c.id,
            name: c.name,
            kind_key: format!("funds.party_{}", c.kind.as_str()),
            credit_code: c.credit_code.unwrap_or_default(),
            contact: c.contact,
            phone: c.phone,
            bank: [c.bank_name, c.bank_account]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            active: c.active,
            version: c.version,
        })
        .collect();
    Ok(CounterpartiesPage {
        layout: page.layout(tx, "funds.counterparties"),
        funds_tab: "counterparties",
        rows,
        can_manage: tx.user().role.has(Permission::ManageContracts),
        form,
        errors,
        kinds: kind_choices(locale),
        notice,
    }
    .render()?)
}

/// The counterparties, with the form to add one for those who may.
pub async fn list(mut tx: TenantTx<Funds>, page: Page) -> AppResult<Response> {
    let html = list_page(
        &mut tx,
        &page,
        CounterpartyForm::default(),
        FieldErrors::default(),
        None,
    )
    .await?;
    Ok(Html(html).into_response())
}

pub async fn create(
    mut tx: TenantTx<Funds>,
    page: Page,
    AppForm(f): AppForm<CounterpartyForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageContracts)?;
    let all = queries::counterparties(&mut tx).await?;
    let fields = match f.validate(&all, None) {
        Ok(x) => x,
        Err(errors) => {
            let html = list_page(&mut tx, &page, f, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let by = tx.user().id;
    let id = queries::insert_counterparty(&mut tx, &fields, by).await?;
    tx.audit(Change {
        entity: "counterparty",
        entity_id: Some(id),
        action: Action::Create,
        summary: &fields.name,
        before: None,
        after: snapshot(&fields),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds.counterparty_saved").await?;
    Ok(Redirect::to(&format!("{BASE}#counterparty-{id}")).into_response())
}

pub(super) async fn edit_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    c: &Counterparty,
    form: CounterpartyForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> AppResult<String> {
    let locale = tx.user().locale;
    Ok(CounterpartyPage {
        layout: page.layout(tx, "funds.edit_counterparty"),
        funds_tab: "counterparties",
        id: c.id,
        active: c.active,
        form,
        errors,
        kinds: kind_choices(locale),
        notice,
    }
    .render()?)
}

/// The edit form of one counterparty.
pub async fn edit(mut tx: TenantTx<Funds>, page: Page, Path(id): Path<i64>) -> AppResult<Response> {
    tx.require(Permission::ManageContracts)?;
    let c = queries::find_counterparty(&mut tx, id).await?;
    let form = CounterpartyForm::of(&c);
    let html = edit_page(&mut tx, &page, &c, form, FieldErrors::default(), None).await?;
    Ok(Html(html).into_response())
}

pub async fn update(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<CounterpartyForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageContracts)?;
    let locale = tx.user().locale;
    let c = queries::find_counterparty(&mut tx, id).await?;
    let all = queries::counterparties(&mut tx).await?;
    let fields = match f.validate(&all, Some(id)) {
        Ok(x) => x,
        Err(errors) => {
            let html = edit_page(&mut tx, &page, &c, f, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let by = tx.user().id;
    if queries::update_counterparty(&mut tx, id, &fields, f.version, by)
        .await?
        .is_none()
    {
        let notice = Some(i18n::t(locale, "funds.stale").to_owned());
        let form = CounterpartyForm {
            version: c.version,
            ..f
        };
        let html = edit_page(&mut tx, &page, &c, form, FieldErrors::default(), notice).await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    tx.audit(Change {
        entity: "counterparty",
        entity_id: Some(id),
        action: Action::Update,
        summary: &fields.name,
        before: snapshot(&c),
        after: snapshot(&fields),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds.counterparty_saved").await?;
    Ok(Redirect::to(&format!("{BASE}#counterparty-{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActiveForm {
    /// "1" to reactivate, anything else to deactivate.
    pub active: String,
    pub version: i32,
}

/// Deactivates a counterparty (its contracts stay; new ones cannot name it) or brings it back.
pub async fn set_active(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ActiveForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageContracts)?;
    let locale = tx.user().locale;
    let c = queries::find_counterparty(&mut tx, id).await?;
    let active = f.active == "1";
    let by = tx.user().id;
    if queries::set_counterparty_active(&mut tx, id, active, f.version, by)
        .await?
        .is_none()
    {
        let notice = Some(i18n::t(locale, "funds.stale").to_owned());
        let html = list_page(
            &mut tx,
            &page,
            CounterpartyForm::default(),
            FieldErrors::default(),
            notice,
        )
        .await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    tx.audit(Change::switched(
        "counterparty",
        id,
        &c.name,
        c.active,
        active,
    ))
    .await?;
    tx.commit().await?;
    let flash = if active {
        "funds.counterparty_reactivated"
    } else {
        "funds.counterparty_deactivated"
    };
    page.session.flash(true, flash).await?;
    Ok(Redirect::to(&format!("{BASE}#counterparty-{id}")).into_response())
}
