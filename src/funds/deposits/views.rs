//! What the tender-deposit pages show: the list and one deposit with its movements.

use askama::Template;

use super::handlers::{ConvertForm, DepositForm};
use super::queries::Deposit;
use crate::funds::ledger::MovementForm;
use crate::web::Layout;
use crate::web::form::{Choice, FieldErrors};

/// A deposit as the list shows it.
#[derive(Debug, Clone)]
pub struct DepositRow {
    pub id: i64,
    pub tender_name: String,
    pub counterparty: String,
    pub project: String,
    pub amount: String,
    pub paid_on: String,
    pub due_back_on: String,
    pub status: String,
    pub status_key: String,
    pub settled_on: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "funds/deposits.html")]
pub struct DepositsPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub rows: Vec<DepositRow>,
    pub outstanding: String,
    pub can_record: bool,
    pub form: DepositForm,
    pub movement: MovementForm,
    pub errors: FieldErrors,
    pub clients: Vec<Choice>,
    pub projects: Vec<Choice>,
    pub methods: Vec<Choice>,
    pub accounts: Vec<Choice>,
}

pub(super) fn status_key(d: &Deposit) -> String {
    if d.cancelled {
        "funds_ledger.deposit_cancelled".to_owned()
    } else {
        format!("funds_ledger.deposit_{}", d.status.as_str())
    }
}

#[derive(Template)]
#[template(path = "funds/deposit.html")]
pub struct DepositPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub d: Deposit,
    pub amount: String,
    pub status_key: String,
    pub overdue: bool,
    pub movements: Vec<(i64, String, String, String)>,
    pub can_settle: bool,
    pub movement: MovementForm,
    pub errors: FieldErrors,
    pub convert: ConvertForm,
    pub convert_errors: FieldErrors,
    pub methods: Vec<Choice>,
    pub accounts: Vec<Choice>,
    pub refusal: Option<&'static str>,
}
