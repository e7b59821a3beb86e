//! What the bank-account pages show: the list with balances and the add form, and one
//! account's edit form.

use askama::Template;

use super::domain::AccountForm;
use crate::web::Layout;
use crate::web::form::FieldErrors;

/// An account as the list shows it.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub name: String,
    pub bank_name: String,
    pub account_number: String,
    pub opening_balance: String,
    pub opened_on: String,
    pub balance: String,
    pub month_in: String,
    pub month_out: String,
    pub active: bool,
    pub version: i32,
}

#[derive(Template)]
#[template(path = "funds/accounts.html")]
pub struct AccountsPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub rows: Vec<AccountRow>,
    pub total: String,
    pub can_record: bool,
    pub form: AccountForm,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "funds/account.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub id: i64,
    pub balance: String,
    pub form: AccountForm,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}
