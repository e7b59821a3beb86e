//! Change request pages: the project's list, the form and the request's page.

use askama::Template;

use super::domain::RequestForm;
use crate::changes::queries::Request;
use crate::tenancy::project::Project;
use crate::web::Layout;
use crate::web::attachments::AttachmentList;
use crate::web::form::Choice;
use crate::web::form::FieldErrors;

/// A request in the project's list.
#[derive(Debug, Clone)]
pub struct ListView {
    pub href: String,
    pub number: String,
    pub kind_key: &'static str,
    pub title: String,
    pub requester: String,
    pub status: String,
    pub status_key: String,
    pub cost: String,
    pub revenue: String,
    pub days_added: i64,
    pub days_removed: i64,
    pub submitted: String,
    pub decided: String,
}

#[derive(Template)]
#[template(path = "changes/requests.html")]
pub struct ListPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub base: String,
    pub rows: Vec<ListView>,
    /// The status filter ("" for all).
    pub status: String,
    pub statuses: Vec<Choice>,
    pub can_raise: bool,
    pub cost_total: String,
    pub revenue_total: String,
}

/// One row of the form's affected tasks or cost lines.
#[derive(Debug, Clone)]
pub struct RowView {
    pub a_id: String,
    pub b_id: String,
    pub a: String,
    pub b: String,
    pub a_error: Option<&'static str>,
    pub b_error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "changes/request_form.html")]
pub struct FormPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub base: String,
    /// The request edited (`None` for a new one), with its number.
    pub id: Option<i64>,
    pub number: Option<String>,
    pub form: RequestForm,
    pub errors: FieldErrors,
    pub kinds: Vec<Choice>,
    pub contracts: Vec<Choice>,
    pub tasks: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub task_rows: Vec<RowView>,
    pub cost_rows: Vec<RowView>,
    /// Why the save was refused as a whole (a stale version).
    pub refusal: Option<String>,
}

/// An affected task on the request's page.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub name: String,
    pub days: String,
    pub from: i32,
    /// The proposed or (once approved) the new duration.
    pub to: String,
    /// Why the days cannot be applied as the task stands.
    pub problem: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CostView {
    pub code: String,
    pub name: String,
    pub amount: String,
}

#[derive(Debug, Clone)]
pub struct VoteView {
    pub voter: String,
    pub decision: String,
    pub decision_key: String,
    pub comment: String,
    pub at: String,
}

/// The votes of one round of review.
#[derive(Debug, Clone)]
pub struct RoundView {
    pub round: i32,
    pub current: bool,
    pub votes: Vec<VoteView>,
}

/// The vote form as posted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct VoteForm {
    pub decision: String,
    pub comment: String,
    pub version: i32,
}

#[derive(Template)]
#[template(path = "changes/request.html")]
pub struct ShowPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub base: String,
    pub href: String,
    pub r: Request,
    pub kind_key: &'static str,
    pub status_key: String,
    pub revenue: String,
    pub contract: Option<String>,
    pub contract_href: Option<String>,
    pub created: String,
    pub submitted: String,
    pub decided: String,
    pub approved: bool,
    pub tasks: Vec<TaskView>,
    pub costs: Vec<CostView>,
    pub cost_total: String,
    pub budget_before: String,
    pub budget_after: String,
    pub finish_before: String,
    pub finish_after: String,
    pub rounds: Vec<RoundView>,
    pub approvals: String,
    pub attachments: AttachmentList,
    pub can_edit: bool,
    pub can_delete: bool,
    pub can_submit: bool,
    pub can_withdraw: bool,
    pub can_vote: bool,
    pub can_apply: bool,
    /// Why an action was refused (shown at the top).
    pub refusal: Option<String>,
    pub vote: VoteForm,
    pub errors: FieldErrors,
    pub decisions: Vec<Choice>,
}
