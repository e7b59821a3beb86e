//! Settings pages.

use askama::Template;

use super::domain::CompanyForm;
use crate::web::Layout;
use crate::web::form::FieldErrors;

#[derive(Template)]
#[template(path = "admin/company.html")]
pub struct CompanyPage {
    pub layout: Layout,
    pub tab: &'static str,
    pub form: CompanyForm,
    pub errors: FieldErrors,
    pub time_zones: &'static [&'static str],
    pub currencies: &'static [&'static str],
    /// When the save was stale: the values someone else saved meanwhile.
    pub theirs: Option<CompanyForm>,
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub role_key: &'static str,
    pub active: bool,
    pub last_login: String,
    pub version: i32,
    /// Owners and oneself are not edited here.
    pub editable: bool,
}

#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub id: i64,
    pub email: String,
    pub role_key: &'static str,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub tab: &'static str,
    pub users: Vec<UserRow>,
    pub invitations: Vec<InvitationRow>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub invite_email: String,
    pub invite_role: String,
    pub errors: FieldErrors,
    pub seats_used: i64,
    pub seats: i32,
    pub new_link: Option<String>,
    /// An i18n key about the whole page (a stale edit, no free seat).
    pub notice: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct ModuleRow {
    pub id: &'static str,
    pub label_key: &'static str,
    pub allowed: bool,
    pub enabled: bool,
}

#[derive(Template)]
#[template(path = "admin/modules.html")]
pub struct ModulesPage {
    pub layout: Layout,
    pub tab: &'static str,
    pub modules: Vec<ModuleRow>,
}

#[derive(Debug, Clone)]
pub struct LicenceRow {
    pub activated: String,
    pub seats: i32,
    pub modules: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "admin/licence.html")]
pub struct LicencePage {
    pub layout: Layout,
    pub tab: &'static str,
    /// A sentence saying where the plan stands.
    pub standing: String,
    pub seats_used: i64,
    pub seats: i32,
    pub can_extend: bool,
    pub key: String,
    pub error: Option<&'static str>,
    pub history: Vec<LicenceRow>,
}

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub tab: &'static str,
    pub rows: Vec<AuditRow>,
    /// (id, name, selected)
    pub users: Vec<(i64, String, bool)>,
    pub entities: Vec<String>,
    pub entity: String,
    pub from: String,
    pub until: String,
    pub page: i64,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
    pub csv_link: String,
    pub xlsx_link: String,
}

#[derive(Template)]
#[template(path = "admin/audit_entry.html")]
pub struct AuditEntryPage {
    pub layout: Layout,
    pub tab: &'static str,
    pub row: AuditRow,
    pub before: String,
    pub after: String,
}
