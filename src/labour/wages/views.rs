//! Wage and settlement pages: the month's wage sheet with its payment forms, the lists of
//! advances and payouts, a worker's statement, and settlement statements (list, new, print).

use askama::Template;

use crate::labour::views::LabourTab;
use crate::web::Layout;
use crate::web::form::Choice;
use crate::web::form::FieldErrors;

/// The figures of one worker's month, formatted (also the totals row, without a worker).
#[derive(Debug, Clone, Default)]
pub struct SheetLine {
    pub worker_id: i64,
    pub name: String,
    pub days: String,
    pub regular: String,
    pub overtime: String,
    pub rest_day: String,
    pub holiday: String,
    pub rate: String,
    pub gross: String,
    pub advances: String,
    pub paid: String,
    pub unpaid: String,
    /// Something is still to pay.
    pub owed: bool,
    /// Paid more than earned (advances beyond the month's wages).
    pub overpaid: bool,
}

/// Head-count work of the month: the crew's, paid to no one by name.
#[derive(Debug, Clone)]
pub struct UnnamedView {
    pub heads: i64,
    pub days: String,
    pub hours: String,
    pub amount: String,
}

/// The sheet of the chosen project and month.
#[derive(Debug, Clone)]
pub struct SheetView {
    pub title: String,
    pub rows: Vec<SheetLine>,
    pub totals: SheetLine,
    pub unnamed: Option<UnnamedView>,
    /// `project=…&crew=…&month=…`, for the export links.
    pub query: String,
    pub prev_href: String,
    pub next_href: String,
    pub any_unpaid: bool,
}

/// The advance form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AdvanceInput {
    pub adv_worker: String,
    pub adv_paid_on: String,
    pub adv_amount: String,
    pub adv_method: String,
    pub adv_note: String,
}

/// The payout form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PayoutInput {
    pub pay_worker: String,
    pub pay_period: String,
    pub pay_paid_on: String,
    pub pay_amount: String,
    pub pay_method: String,
    pub pay_reference: String,
}

/// The "pay all unpaid" form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PayAllInput {
    pub all_paid_on: String,
    pub all_method: String,
    pub all_reference: String,
}

#[derive(Template)]
#[template(path = "labour/wages/sheet.html")]
pub struct WageSheetPage {
    pub layout: Layout,
    pub tab: LabourTab,
    pub projects: Vec<Choice>,
    pub crews: Vec<Choice>,
    pub project: String,
    pub crew: String,
    pub month: String,
    pub sheet: Option<SheetView>,
    pub can_pay: bool,
    pub payees: Vec<Choice>,
    pub methods: Vec<Choice>,
    pub advance: AdvanceInput,
    pub advance_errors: FieldErrors,
    pub payout: PayoutInput,
    pub payout_errors: FieldErrors,
    pub pay_all: PayAllInput,
    pub pay_all_errors: FieldErrors,
    /// Why the last action was refused, in words.
    pub refusal: Option<String>,
}

/// An advance or payout in a list, formatted.
#[derive(Debug, Clone)]
pub struct PaymentLine {
    pub paid_on: String,
    pub period: String,
    pub id: i64,
    pub project_code: String,
    pub worker_id: i64,
    pub worker_name: String,
    pub amount: String,
    pub method_key: &'static str,
    pub note: String,
    pub created_by: String,
    /// The wage sheet the payment shows on.
    pub sheet_href: String,
}

#[derive(Template)]
#[template(path = "labour/wages/payments.html")]
pub struct PaymentListPage {
    pub layout: Layout,
    pub tab: LabourTab,
    /// `advances` or `payouts`: the path and which columns show.
    pub kind: &'static str,
    pub projects: Vec<Choice>,
    pub project: String,
    pub worker: String,
    pub worker_name: Option<String>,
    pub from: String,
    pub to: String,
    pub rows: Vec<PaymentLine>,
    pub total: i64,
    pub sum: String,
    pub page: i64,
    pub pages: i64,
    pub query: String,
}

/// One entry of a worker's statement, formatted.
#[derive(Debug, Clone)]
pub struct StatementLine {
    pub date: String,
    pub kind_key: &'static str,
    pub project_id: i64,
    pub project_code: String,
    pub ticket_id: Option<i64>,
    pub hours: String,
    pub days: String,
    pub pay_type_key: Option<&'static str>,
    pub detail_key: Option<&'static str>,
    pub note: String,
    pub earned: String,
    pub deducted: String,
    pub balance: String,
    /// A line of a ticket not yet confirmed: shown, not owed.
    pub pending: bool,
}

#[derive(Template)]
#[template(path = "labour/wages/statement.html")]
pub struct StatementPage {
    pub layout: Layout,
    pub tab: LabourTab,
    pub worker_id: crate::labour::domain::WorkerId,
    pub worker_name: String,
    pub id_number: String,
    pub crew_name: Option<String>,
    pub from: String,
    pub to: String,
    pub opening: String,
    pub rows: Vec<StatementLine>,
    pub total_days: String,
    pub total_hours: String,
    pub total_earned: String,
    pub total_advances: String,
    pub total_payouts: String,
    pub closing: String,
    pub query: String,
}

/// A settlement in the list, formatted.
#[derive(Debug, Clone)]
pub struct SettlementLine {
    pub id: i64,
    pub project: String,
    pub crew_name: String,
    pub period: String,
    pub days: String,
    pub hours: String,
    pub amount: String,
    pub status: String,
    pub status_key: &'static str,
    pub created: String,
}

#[derive(Template)]
#[template(path = "labour/wages/settlements.html")]
pub struct SettlementListPage {
    pub layout: Layout,
    pub tab: LabourTab,
    pub projects: Vec<Choice>,
    pub crews: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub project: String,
    pub crew: String,
    pub status: String,
    pub rows: Vec<SettlementLine>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub query: String,
    pub can_settle: bool,
}

/// A ticket on a settlement (or its preview), formatted.
#[derive(Debug, Clone)]
pub struct TicketLine {
    pub id: i64,
    pub date: String,
    pub work_content: String,
    pub days: String,
    pub hours: String,
    pub amount: String,
}

/// The settlement form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SettlementInput {
    pub project: String,
    pub crew: String,
    pub from: String,
    pub to: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "labour/wages/settlement_new.html")]
pub struct SettlementNewPage {
    pub layout: Layout,
    pub tab: LabourTab,
    pub projects: Vec<Choice>,
    pub crews: Vec<Choice>,
    pub form: SettlementInput,
    pub errors: FieldErrors,
    /// The tickets the statement would gather, once project, crew and period are chosen.
    pub preview: Option<Vec<TicketLine>>,
    pub total_days: String,
    pub total_hours: String,
    pub total_amount: String,
    pub refusal: Option<&'static str>,
    pub can_settle: bool,
}

#[derive(Template)]
#[template(path = "labour/wages/settlement.html")]
pub struct SettlementPage {
    pub layout: Layout,
    pub tab: LabourTab,
    pub id: i64,
    pub company: String,
    pub project_id: i64,
    pub project: String,
    pub crew_id: i64,
    pub crew_name: String,
    pub subcontractor: String,
    pub foreman: String,
    pub period: String,
    pub settled: bool,
    pub status_key: &'static str,
    pub tickets: Vec<TicketLine>,
    pub total_days: String,
    pub total_hours: String,
    pub total_amount: String,
    pub capital: String,
    pub note: String,
    pub created: String,
    pub cancelled: Option<String>,
    pub can_cancel: bool,
}
