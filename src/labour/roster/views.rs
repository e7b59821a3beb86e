//! Roster pages: labour settings with the trades, the crew list and form, the worker list and
//! form. Handlers fill these with text ready to show (names in the user's language, numbers
//! masked for those who may not see them).

use askama::Template;

use super::domain::{CrewForm, SettingsForm, TradeForm, WorkerForm};
use crate::labour::domain::WorkerId;
use crate::labour::views::LabourTab;
use crate::web::Layout;
use crate::web::form::Choice;
use crate::web::form::FieldErrors;

/// One row of the trades list, with the values its rename form shows.
#[derive(Debug, Clone)]
pub struct TradeView {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub active: bool,
    pub version: i32,
    pub first: bool,
    pub last: bool,
    /// This row's rename was refused: its messages.
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "labour/roster/settings.html")]
pub struct LabourSettingsPage {
    pub layout: Layout,
    pub tab: &'static str,
    pub form: SettingsForm,
    pub errors: FieldErrors,
    /// On a stale save: the values saved meanwhile.
    pub theirs: Option<SettingsForm>,
    pub trades: Vec<TradeView>,
    pub new_trade: TradeForm,
    pub new_errors: FieldErrors,
    /// A trade changed by someone else meanwhile: the list shows it as it is now.
    pub trade_conflict: bool,
}

/// A crew in the list.
#[derive(Debug, Clone)]
pub struct CrewView {
    pub id: i64,
    pub name: String,
    pub foreman: String,
    pub subcontractor: String,
    pub trade: String,
    pub unit_key: &'static str,
    pub workers: i64,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "labour/roster/crews.html")]
pub struct CrewListPage {
    pub layout: Layout,
    pub tab: LabourTab,
    pub rows: Vec<CrewView>,
    pub can_create: bool,
}

/// A crew as read by those who may not edit it (and the other person's save on a conflict).
#[derive(Debug, Clone)]
pub struct CrewSummary {
    pub name: String,
    pub foreman: String,
    pub subcontractor: String,
    pub trade: String,
    pub unit_key: &'static str,
    pub active: bool,
}

/// A worker of the crew on its page.
#[derive(Debug, Clone)]
pub struct CrewWorkerView {
    pub id: i64,
    pub name: String,
    pub trade: String,
    pub day_rate: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "labour/roster/crew.html")]
pub struct CrewFormPage {
    pub layout: Layout,
    pub tab: LabourTab,
    /// `None` when creating.
    pub crew_id: Option<i64>,
    pub form: CrewForm,
    pub errors: FieldErrors,
    pub can_edit: bool,
    /// Who may lead it; empty when the foreman is fixed.
    pub foremen: Vec<Choice>,
    /// A foreman's own crew: they lead it, and the select is replaced by their name.
    pub fixed_foreman: Option<String>,
    pub trades: Vec<Choice>,
    pub units: Vec<Choice>,
    /// The saved crew, shown to those who may not edit it.
    pub saved: Option<CrewSummary>,
    /// On a stale save: the crew as saved meanwhile.
    pub theirs: Option<CrewSummary>,
    pub workers: Vec<CrewWorkerView>,
    /// May add a worker to this crew.
    pub can_add_worker: bool,
}

/// A worker in the list.
#[derive(Debug, Clone)]
pub struct WorkerView {
    pub id: i64,
    pub name: String,
    /// Masked unless the user may see numbers.
    pub id_number: String,
    pub phone: String,
    pub trade: String,
    pub crew_id: Option<i64>,
    pub crew: String,
    pub day_rate: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "labour/roster/workers.html")]
pub struct WorkerListPage {
    pub layout: Layout,
    pub tab: LabourTab,
    pub rows: Vec<WorkerView>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub crew: String,
    pub trade: String,
    /// active, inactive or all.
    pub status: String,
    pub q: String,
    pub sort: String,
    pub dir: String,
    pub crews: Vec<Choice>,
    pub trades: Vec<Choice>,
    pub can_create: bool,
    /// The query string without `page`, for pagination and export links.
    pub query: String,
}

impl WorkerListPage {
    /// The link that sorts by `column`, flipping the direction when it is the current sort.
    pub fn sort_href(&self, column: &str) -> String {
        let dir = if self.sort == column && self.dir == "asc" {
            "desc"
        } else {
            "asc"
        };
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("crew", &self.crew)
            .append_pair("trade", &self.trade)
            .append_pair("status", &self.status)
            .append_pair("q", &self.q)
            .append_pair("sort", column)
            .append_pair("dir", dir)
            .finish();
        format!("/labour/workers?{query}")
    }

    pub fn sort_mark(&self, column: &str) -> &'static str {
        match (self.sort == column, self.dir.as_str()) {
            (true, "desc") => " ▼",
            (true, _) => " ▲",
            _ => "",
        }
    }
}

/// A worker as read by those who may not edit them (and the other person's save on a
/// conflict).
#[derive(Debug, Clone)]
pub struct WorkerSummary {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub trade: String,
    pub crew: String,
    pub day_rate: String,
    pub bank_name: String,
    pub bank_account: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "labour/roster/worker.html")]
pub struct WorkerFormPage {
    pub layout: Layout,
    pub tab: LabourTab,
    /// `None` when creating.
    pub worker_id: Option<WorkerId>,
    pub form: WorkerForm,
    pub errors: FieldErrors,
    pub can_edit: bool,
    pub crews: Vec<Choice>,
    /// Whether a worker may be left without a crew (not when a foreman adds them).
    pub crew_optional: bool,
    pub trades: Vec<Choice>,
    /// The worker already registered with the number typed: (id, name).
    pub duplicate: Option<(WorkerId, String)>,
    pub saved: Option<WorkerSummary>,
    pub theirs: Option<WorkerSummary>,
}
