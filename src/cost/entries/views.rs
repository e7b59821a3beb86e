//! What the cost-entry pages show: the filtered list, the entry form, one entry with its
//! attachments and reversal.

use askama::Template;

use super::domain::EntryForm;
use crate::cost::views::CostTab;
use crate::tenancy::project::Project;
use crate::web::Layout;
use crate::web::attachments::AttachmentList;
use crate::web::form::Choice;
use crate::web::form::FieldErrors;

/// A line of the list, formatted.
#[derive(Debug, Clone)]
pub struct EntryRowView {
    pub id: i64,
    pub date: String,
    pub category: String,
    pub task: String,
    pub supplier: String,
    pub description: String,
    pub amount: String,
    pub tax_rate: String,
    pub tax: String,
    pub total: String,
    pub document_no: String,
    pub attachments: i64,
    /// The entry this one reverses.
    pub reverses_id: Option<i64>,
    /// The entry that reverses this one.
    pub reversed_by_id: Option<i64>,
}

/// The totals of a narrowed list.
#[derive(Debug, Clone)]
pub struct TotalsView {
    pub entries: i64,
    pub amount: String,
    pub tax: String,
    pub total: String,
}

/// The filter form's values, as typed.
#[derive(Debug, Clone, Default)]
pub struct FilterView {
    pub category: String,
    pub task: String,
    pub month: String,
    pub from: String,
    pub to: String,
    pub supplier: String,
    pub q: String,
}

/// Where the project's day-labour cost comes from.
#[derive(Debug, Clone)]
pub struct LabourNote {
    pub total: String,
    /// Within the list's date range, when it has one.
    pub in_range: Option<String>,
    /// The confirmed tickets behind the figure (when the user may open the labour module).
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "cost/entries.html")]
pub struct EntryListPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    /// `/projects/{id}/cost/entries`.
    pub base: String,
    pub rows: Vec<EntryRowView>,
    pub totals: Option<TotalsView>,
    pub has_next: bool,
    pub page: i64,
    pub page_label: String,
    /// The filters as a query string, for the pager and the exports.
    pub query: String,
    pub filter: FilterView,
    pub categories: Vec<Choice>,
    pub tasks: Vec<Choice>,
    pub can_enter: bool,
    pub labour: LabourNote,
}

/// An entry as saved, shown beside the form when someone else saved it meanwhile.
#[derive(Debug, Clone)]
pub struct EntrySummary {
    pub date: String,
    pub category: String,
    pub task: String,
    /// The number of the contract it books, empty for none.
    pub contract: String,
    pub supplier: String,
    pub description: String,
    pub amount: String,
    pub tax_rate: String,
    pub tax: String,
    pub total: String,
    pub document_no: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "cost/entry_form.html")]
pub struct EntryFormPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    pub base: String,
    pub action: String,
    pub editing: Option<i64>,
    pub form: EntryForm,
    pub errors: FieldErrors,
    /// The date's message in words (a closed month names the month).
    pub date_error: Option<String>,
    pub categories: Vec<Choice>,
    pub tasks: Vec<Choice>,
    /// The project's signed expense contracts an entry may book.
    pub contracts: Vec<Choice>,
    pub tax_rates: [&'static str; 6],
    pub today: String,
    /// Why the save was refused, in words.
    pub refusal: Option<String>,
    /// On a stale save: what was saved meanwhile.
    pub theirs: Option<EntrySummary>,
    /// The saved entry's amount including tax (when editing).
    pub saved_total: Option<String>,
}

#[derive(Template)]
#[template(path = "cost/entry.html")]
pub struct EntryPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    pub base: String,
    pub id: i64,
    pub entry: EntrySummary,
    pub created: String,
    pub reverses_id: Option<i64>,
    pub reversed_by_id: Option<i64>,
    pub reason: String,
    pub version: i32,
    /// The entry's month is closed.
    pub closed_text: Option<String>,
    pub can_edit: bool,
    pub can_reverse: bool,
    pub attachments: AttachmentList,
    /// The reversal form as typed, and its messages.
    pub reversal_reason: String,
    pub reversal_date: String,
    pub reversal_errors: FieldErrors,
    pub reversal_date_error: Option<String>,
    pub today: String,
    /// Why an action was refused, in words.
    pub refusal: Option<String>,
}
