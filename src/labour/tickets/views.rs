//! What the ticket pages show.

use askama::Template;

use super::form::{FormRow, TicketErrors, TicketForm};
use super::queries::{DoubleBooking, Ticket};
use crate::labour::domain::TicketStatus;
use crate::labour::views::LabourTab;
use crate::web::Layout;
use crate::web::form::Choice;
use crate::web::form::FieldErrors;

/// A row of the lines table on the entry form.
#[derive(Debug, Clone)]
pub struct RowView {
    pub index: usize,
    /// Empty for an unnamed head count.
    pub worker_name: String,
    pub row: FormRow,
    /// The worker's own day rate, shown when the line does not set one.
    pub rate_hint: String,
    pub errors: Vec<(&'static str, &'static str)>,
}

impl RowView {
    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| *k)
    }

    pub fn is_worker(&self) -> bool {
        !self.row.worker.is_empty()
    }
}

pub fn row_views(
    rows: &[FormRow],
    names: &dyn Fn(&str) -> (String, String),
    errors: &TicketErrors,
) -> Vec<RowView> {
    rows.iter()
        .enumerate()
        .map(|(index, row)| {
            let (worker_name, rate_hint) = names(&row.worker);
            RowView {
                index,
                worker_name,
                rate_hint,
                row: row.clone(),
                errors: errors
                    .lines
                    .iter()
                    .filter(|e| e.row == index)
                    .map(|e| (e.field, e.key))
                    .collect(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "labour/ticket_entry.html")]
pub struct EntryPage {
    pub layout: Layout,
    pub tab: LabourTab,
    /// Where the form posts.
    pub action: String,
    /// The ticket being edited, if any.
    pub editing: Option<i64>,
    pub form: TicketForm,
    pub errors: FieldErrors,
    pub rows: Vec<RowView>,
    pub projects: Vec<Choice>,
    pub crews: Vec<Choice>,
    pub tasks: Vec<Choice>,
    pub trades: Vec<Choice>,
    pub pay_types: Vec<Choice>,
    pub units: Vec<Choice>,
    /// Project, crew and date are chosen: the lines show.
    pub chosen: bool,
    pub today: String,
    /// "Copy yesterday": the link that fills the form from the crew's last ticket.
    pub copy_href: Option<String>,
    pub copied_from: Option<i64>,
    pub refusal: Option<&'static str>,
    pub count_unit_key: &'static str,
}

/// A line as the ticket page shows it.
#[derive(Debug, Clone)]
pub struct LineView {
    pub line_no: i16,
    pub who: String,
    pub worker_href: Option<String>,
    pub trade: String,
    pub pay_type_key: &'static str,
    pub hours: String,
    pub days: String,
    pub rate: String,
    pub multiplier: String,
    pub amount: String,
}

#[derive(Debug, Clone)]
pub struct EventView {
    pub at: String,
    pub by: String,
    pub from_key: Option<&'static str>,
    pub to_key: &'static str,
    pub note: String,
}

/// A photo on the ticket page; its thumbnail is at `{href}/thumb`.
#[derive(Debug, Clone)]
pub struct PhotoView {
    pub href: String,
    pub file_name: String,
    pub size_label: String,
}

#[derive(Template)]
#[template(path = "labour/ticket.html")]
pub struct TicketPage {
    pub layout: Layout,
    pub tab: LabourTab,
    pub ticket: Ticket,
    pub status: TicketStatus,
    pub unit_key: &'static str,
    pub lines: Vec<LineView>,
    pub hours: String,
    pub days: String,
    pub amount: String,
    pub events: Vec<EventView>,
    pub doubles: Vec<DoubleBooking>,
    pub photos: Vec<PhotoView>,
    pub can_attach: bool,
    pub can_add_photo: bool,
    pub can_edit: bool,
    pub can_withdraw: bool,
    pub can_confirm: bool,
    pub can_reverse: bool,
    pub refusal: Option<&'static str>,
}

/// A row of the ticket list.
#[derive(Debug, Clone)]
pub struct ListRowView {
    pub id: i64,
    pub date: String,
    pub project_code: String,
    pub crew: String,
    pub task: String,
    pub reason: String,
    pub status_key: &'static str,
    pub status: String,
    pub lines: i64,
    pub hours: String,
    pub days: String,
    pub amount: String,
    pub reversal: bool,
    pub confirmable: bool,
}

#[derive(Template)]
#[template(path = "labour/tickets.html")]
pub struct TicketListPage {
    pub layout: Layout,
    pub tab: LabourTab,
    pub rows: Vec<ListRowView>,
    /// The totals of all the filter takes, when it is narrow enough to add up on every view.
    pub totals: Option<TotalsView>,
    pub page: i64,
    pub page_label: String,
    pub has_next: bool,
    /// The filters as a query string without `page`.
    pub query: String,
    pub filter: ListQueryView,
    pub projects: Vec<Choice>,
    pub crews: Vec<Choice>,
    pub statuses: Vec<Choice>,
    /// What a line filter (worker, trade, task) narrows the list to, named.
    pub narrowed_to: Vec<String>,
    pub can_confirm: bool,
    pub can_enter: bool,
}

#[derive(Debug, Clone)]
pub struct TotalsView {
    pub tickets: i64,
    pub hours: String,
    pub days: String,
    pub amount: String,
}

/// The list's filters as the form shows them.
#[derive(Debug, Clone, Default)]
pub struct ListQueryView {
    pub project: String,
    pub crew: String,
    pub status: String,
    pub from: String,
    pub to: String,
}
