//! What the counterparty pages show: the list with the add form, and one counterparty's
//! edit form.

use askama::Template;

use super::domain::CounterpartyForm;
use crate::funds::domain::COUNTERPARTY_KINDS;
use crate::i18n::{self, Locale};
use crate::web::Layout;
use crate::web::form::{Choice, FieldErrors};

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
