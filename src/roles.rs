//! Roles and permissions, and the switchable modules a role may open. A right is checked by
//! a guard at the top of a handler: `tx.require(Permission::ManageUsers)?`.

use serde::{Deserialize, Serialize};

/// The switchable modules. The platform itself (dashboard, settings) is always on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleId {
    Plans,
    Progress,
    Cost,
    Funds,
    Labour,
    Changes,
}

impl ModuleId {
    pub const ALL: [ModuleId; 6] = [
        ModuleId::Plans,
        ModuleId::Progress,
        ModuleId::Cost,
        ModuleId::Funds,
        ModuleId::Labour,
        ModuleId::Changes,
    ];

    /// The name stored in the database and used in licence keys.
    pub fn as_str(self) -> &'static str {
        match self {
            ModuleId::Plans => "plans",
            ModuleId::Progress => "progress",
            ModuleId::Cost => "cost",
            ModuleId::Funds => "funds",
            ModuleId::Labour => "labour",
            ModuleId::Changes => "changes",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The i18n key of the module's name.
    pub fn label_key(self) -> &'static str {
        match self {
            ModuleId::Plans => "module.plans",
            ModuleId::Progress => "module.progress",
            ModuleId::Cost => "module.cost",
            ModuleId::Funds => "module.funds",
            ModuleId::Labour => "module.labour",
            ModuleId::Changes => "module.changes",
        }
    }
}

/// What a user is in their company. Ordered from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    ProjectManager,
    Finance,
    Foreman,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Owner,
        Role::Admin,
        Role::ProjectManager,
        Role::Finance,
        Role::Foreman,
        Role::Viewer,
    ];

    /// Roles an admin may hand out (there is one owner, set at sign-up).
    pub const ASSIGNABLE: [Role; 5] = [
        Role::Admin,
        Role::ProjectManager,
        Role::Finance,
        Role::Foreman,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::ProjectManager => "project_manager",
            Role::Finance => "finance",
            Role::Foreman => "foreman",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Role::Owner => "role.owner",
            Role::Admin => "role.admin",
            Role::ProjectManager => "role.project_manager",
            Role::Finance => "role.finance",
            Role::Foreman => "role.foreman",
            Role::Viewer => "role.viewer",
        }
    }

    /// Whether the role may open a module at all (finer rights come with each module).
    pub fn can_use(self, module: ModuleId) -> bool {
        use ModuleId as M;
        match self {
            Role::Owner | Role::Admin | Role::Viewer => true,
            Role::ProjectManager => true,
            Role::Finance => matches!(
                module,
                M::Plans | M::Progress | M::Cost | M::Funds | M::Labour | M::Changes
            ),
            Role::Foreman => matches!(module, M::Plans | M::Progress | M::Labour),
        }
    }

    pub fn has(self, permission: Permission) -> bool {
        permission.roles().contains(&self)
    }
}

/// A right checked by a guard at the top of a handler: `tx.require(Permission::ManageUsers)?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Company settings: name, time zone, currency, language.
    ManageCompany,
    /// Invite, change roles, deactivate.
    ManageUsers,
    /// Switch modules on and off.
    ManageModules,
    /// Activate licence keys.
    ManageLicence,
    /// Extend the trial (the owner's alone).
    ExtendTrial,
    /// Read the audit log.
    ViewAudit,
    /// See every project of the company, member or not (everyone else sees the projects they
    /// are a member of). The tenant transaction hands it to the database's visibility rule.
    SeeAllProjects,
    /// Create projects, import them, save templates.
    CreateProjects,
    /// Edit a project, its members, WBS, links and baselines.
    EditSchedule,
    /// Record progress, set the status date, write site logs.
    RecordProgress,
    /// Edit working calendars and warning thresholds.
    ManageCalendars,
    /// Trades, the standard day and pay multipliers of day labour.
    ManageLabourSettings,
    /// Crews and workers.
    EditLabourRoster,
    /// Write day-labour tickets and submit them (a foreman: for their own crews only).
    EnterLabour,
    /// Confirm or reject submitted tickets, and reverse confirmed ones.
    ConfirmLabour,
    /// Settlement statements, advances and wage payouts.
    PayLabour,
    /// See workers' identity-card numbers in full.
    SeeIdNumbers,
    /// Cost categories, alert thresholds, reopening a closed month.
    ManageCostSettings,
    /// Draft budgets, estimates to complete, revenue variations, cost snapshots.
    EditBudget,
    /// Approve a budget version, making it the current budget.
    ApproveBudget,
    /// Record, edit and reverse cost entries.
    EnterCost,
    /// Close a month's costs.
    CloseCostPeriod,
    /// Counterparties and contracts: draft, sign, vary, close.
    ManageContracts,
    /// Settings › Funds: the retention cap, the approvers and their limits.
    ManageFundsSettings,
    /// Progress-payment applications to clients, payment requests and reimbursements.
    RequestPayment,
    /// Monthly fund plans.
    PlanFunds,
    /// Record receipts and payments, reverse them; bank accounts and tender deposits.
    RecordFunds,
    /// Settings › Changes: the review board and the approvals a change needs.
    ManageChangeSettings,
    /// The risk register: add, review, close risks; the company's risk categories.
    ManageRisks,
    /// Raise change requests, edit and submit them (voting is the review board's).
    RaiseChange,
}

impl Permission {
    /// The roles holding this permission, shown on the 403 page.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Permission::ExtendTrial => &[Role::Owner],
            Permission::ManageCompany
            | Permission::ManageUsers
            | Permission::ManageModules
            | Permission::ManageLicence
            | Permission::ViewAudit
            | Permission::ManageCalendars
            | Permission::ManageLabourSettings
            | Permission::ManageCostSettings
            | Permission::ManageFundsSettings
            | Permission::ManageChangeSettings
            | Permission::SeeIdNumbers
            | Permission::SeeAllProjects => &[Role::Owner, Role::Admin],
            Permission::CreateProjects
            | Permission::EditSchedule
            | Permission::ConfirmLabour
            | Permission::ApproveBudget
            | Permission::ManageRisks
            | Permission::RaiseChange => &[Role::Owner, Role::Admin, Role::ProjectManager],
            Permission::EnterCost | Permission::CloseCostPeriod | Permission::RecordFunds => {
                &[Role::Owner, Role::Admin, Role::Finance]
            }
            Permission::PayLabour
            | Permission::EditBudget
            | Permission::ManageContracts
            | Permission::RequestPayment
            | Permission::PlanFunds => &[
                Role::Owner,
                Role::Admin,
                Role::ProjectManager,
                Role::Finance,
            ],
            Permission::RecordProgress | Permission::EditLabourRoster | Permission::EnterLabour => {
                &[
                    Role::Owner,
                    Role::Admin,
                    Role::ProjectManager,
                    Role::Foreman,
                ]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn only_the_owner_extends_a_trial_and_admins_manage_users() {
        assert!(Role::Owner.has(Permission::ExtendTrial));
        assert!(!Role::Admin.has(Permission::ExtendTrial));
        assert!(Role::Admin.has(Permission::ManageUsers));
        assert!(!Role::ProjectManager.has(Permission::ManageUsers));
        assert!(!Role::Viewer.has(Permission::ViewAudit));
    }

    #[test]
    fn owners_and_admins_see_every_project() {
        let all: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.has(Permission::SeeAllProjects))
            .collect();
        assert_eq!(all, [Role::Owner, Role::Admin]);
    }

    #[test]
    fn a_foreman_does_not_open_the_cost_centre() {
        assert!(Role::Foreman.can_use(ModuleId::Labour));
        assert!(!Role::Foreman.can_use(ModuleId::Cost));
        assert!(!Role::Foreman.can_use(ModuleId::Funds));
    }
}
