//! Counterparties (往来单位): clients, subcontractors and suppliers with their unified social
//! credit code and bank details, tenant-wide. Listed by everyone who opens Funds; added,
//! edited, deactivated and reactivated by those who manage contracts.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::domain::{COUNTERPARTY_KINDS, credit_code_valid};
use super::queries::{self, Counterparty, CounterpartyFields};
use crate::audit::{Action, Change, snapshot};
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::form::Choice;
use crate::web::form::{self, FieldErrors};
use crate::web::{AppForm, Layout, Page, Path};

const BASE: &str = "/funds/counterparties";

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(list).post(create))
        .route("/funds/counterparties/{id}", get(edit).post(update))
        .route("/funds/counterparties/{id}/active", post(set_active))
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CounterpartyForm {
    pub name: String,
    pub kind: String,
    pub credit_code: String,
    pub contact: String,
    pub phone: String,
    pub bank_name: String,
    pub bank_account: String,
    pub version: i32,
}

impl CounterpartyForm {
    fn of(c: &Counterparty) -> Self {
        CounterpartyForm {
            name: c.name.clone(),
            kind: c.kind.clone(),
            credit_code: c.credit_code.clone().unwrap_or_default(),
            contact: c.contact.clone(),
            phone: c.phone.clone(),
            bank_name: c.bank_name.clone(),
            bank_account: c.bank_account.clone(),
            version: c.version,
        }
    }

    /// Checks the fields; the name must not be another counterparty's (`others`).
    fn validate(
        &self,
        others: &[Counterparty],
        editing: Option<i64>,
    ) -> Result<CounterpartyFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = form::text(&mut e, "name", &self.name, true, 200);
        let kind = self.kind.trim().to_owned();
        if !COUNTERPARTY_KINDS.contains(&kind.as_str()) {
            e.add("kind", "form.required");
        }
        let code = form::text(&mut e, "credit_code", &self.credit_code, false, 18).to_uppercase();
        if !code.is_empty() && !e.has("credit_code") && !credit_code_valid(&code) {
            e.add("credit_code", "funds.credit_code_invalid");
        }
        let contact = form::text(&mut e, "contact", &self.contact, false, 100);
        let phone = form::text(&mut e, "phone", &self.phone, false, 40);
        let bank_name = form::text(&mut e, "bank_name", &self.bank_name, false, 200);
        let bank_account = form::text(&mut e, "bank_account", &self.bank_account, false, 60);
        if !e.has("name")
            && others
                .iter()
                .any(|c| c.name == name && Some(c.id) != editing)
        {
            e.add("name", "funds.name_taken");
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(CounterpartyFields {
            name,
            kind,
            credit_code: (!code.is_empty()).then_some(code),
            contact,
            phone,
            bank_name,
            bank_account,
        })
    }
}

/// A counterparty as the list shows it.
#[derive(Debug, Clone)]
pub struct CounterpartyRow {
    pub id: i64,
    pub name: String,
    pub kind_key: String,
    pub credit_code: String,
    pub contact: String,
    pub phone: String,
    pub bank: String,
    pub active: bool,
    pub version: i32,
}

#[derive(Template)]
#[template(path = "funds/counterparties.html")]
pub struct CounterpartiesPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub rows: Vec<CounterpartyRow>,
    pub can_manage: bool,
    pub form: CounterpartyForm,
    pub errors: FieldErrors,
    pub kinds: Vec<Choice>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "funds/counterparty.html")]
pub struct CounterpartyPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub id: i64,
    pub active: bool,
    pub form: CounterpartyForm,
    pub errors: FieldErrors,
    pub kinds: Vec<Choice>,
    pub notice: Option<String>,
}

/// The counterparty kinds as choices.
pub fn kind_choices(locale: Locale) -> Vec<Choice> {
    COUNTERPARTY_KINDS
        .iter()
        .map(|k| Choice {
            value: (*k).to_owned(),
            label: i18n::t(locale, &format!("funds.party_{k}")).to_owned(),
        })
        .collect()
}

async fn list_page(
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
            kind_key: format!("funds.party_{}", c.kind),
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

async fn edit_page(
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
    tx.audit(Change {
        entity: "counterparty",
        entity_id: Some(id),
        action: Action::Update,
        summary: &c.name,
        before: snapshot(&serde_json::json!({ "active": c.active })),
        after: snapshot(&serde_json::json!({ "active": active })),
    })
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
