//! What Settings › Funds shows: the three forms and the approvers' limits.

use askama::Template;

use super::handlers::{ApprovalForm, LimitForm, SettingsForm};
use crate::funds::requests::domain::APPROVER_ROLES;
use crate::funds::requests::queries::UserPick;
use crate::web::Layout;
use crate::web::form::{Choice, FieldErrors};

/// An approver's limit as the page lists it.
#[derive(Debug, Clone)]
pub struct LimitRow {
    pub user_id: i64,
    pub name: String,
    pub role_key: String,
    pub amount_limit: String,
}

#[derive(Template)]
#[template(path = "funds/settings.html")]
pub struct FundsSettingsPage {
    pub layout: Layout,
    pub tab: &'static str,
    pub form: SettingsForm,
    pub errors: FieldErrors,
    pub conflict: bool,
    pub approval: ApprovalForm,
    pub approval_errors: FieldErrors,
    pub approval_conflict: bool,
    pub roles: Vec<Choice>,
    pub limit: LimitForm,
    pub limit_errors: FieldErrors,
    pub limits: Vec<LimitRow>,
    pub approvers: Vec<Choice>,
}

/// What the page shows besides the form being sent back.
#[derive(Default)]
pub(super) struct Forms {
    pub(super) form: Option<SettingsForm>,
    pub(super) errors: FieldErrors,
    pub(super) conflict: bool,
    pub(super) approval: Option<ApprovalForm>,
    pub(super) approval_errors: FieldErrors,
    pub(super) approval_conflict: bool,
    pub(super) limit: LimitForm,
    pub(super) limit_errors: FieldErrors,
}

/// Users whose role may approve (any of the roles that can be approver roles).
pub(super) fn approver_users(users: Vec<UserPick>) -> Vec<UserPick> {
    users
        .into_iter()
        .filter(|u| APPROVER_ROLES.contains(&u.role.as_str()))
        .collect()
}
