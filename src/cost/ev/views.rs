//! The earned value page and its view-models: figures already formatted, standings already
//! put into words.

use askama::Template;

use crate::cost::views::CostTab;
use crate::tenancy::project::Project;
use crate::web::Layout;

/// One headline card: an indicator's abbreviation, name, value, what it means and, for the
/// indices, where it stands (in words, not by colour alone).
#[derive(Debug, Clone)]
pub struct Card {
    /// `PV`, `SPI`… (the same in both languages).
    pub abbr: &'static str,
    pub name_key: &'static str,
    pub help_key: &'static str,
    pub value: String,
    pub note_key: Option<&'static str>,
    /// Behind schedule, over budget or forecast over budget.
    pub bad: bool,
}

/// An index (SPI, CPI, TCPI) in a table cell.
#[derive(Debug, Clone)]
pub struct IndexCell {
    pub value: String,
    pub note_key: Option<&'static str>,
    pub bad: bool,
}

/// A summary task's indicators.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub outline: String,
    pub depth: u32,
    pub name: String,
    pub bac: String,
    pub pv: String,
    pub ev: String,
    pub ac: String,
    pub sv: String,
    pub cv: String,
    pub spi: IndexCell,
    pub cpi: IndexCell,
    pub eac: String,
    pub etc: String,
    pub vac: String,
    pub tcpi: IndexCell,
}

/// One sample of the chart, for the table beside it.
#[derive(Debug, Clone)]
pub struct SampleRow {
    pub date: String,
    pub pv: String,
    pub ev: String,
    pub ac: String,
}

/// What the page shows once there is a budget.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub budget_note: String,
    pub baseline_used: bool,
    /// Set when part of the budget carries no task.
    pub unassigned_note: Option<String>,
    pub cards: Vec<Card>,
    pub rows: Vec<SummaryRow>,
    pub svg: String,
    pub samples: Vec<SampleRow>,
}

#[derive(Template)]
#[template(path = "cost/earned_value.html")]
pub struct EarnedValuePage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    /// "As of the status date …" or "No status date: as of today …".
    pub as_of_note: String,
    pub has_status_date: bool,
    /// `None` when the project has no approved budget yet.
    pub analysis: Option<Analysis>,
    /// Pages of the summary table.
    pub pager: crate::web::pager::Pager,
}
