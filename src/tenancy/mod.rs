//! Tenants: their ids, the plan they are on (trial, licensed, expired) and the modules they
//! may use. `guard` holds the extractor that opens a tenant transaction for a handler.

mod guard;
pub mod plan;

use serde::{Deserialize, Serialize};

pub use guard::{CurrentUser, TenantInfo, TenantTx};

/// A tenant's id. Every tenant-owned row carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(transparent)]
pub struct TenantId(pub i64);

/// A project's id as `ProjectTx` hands it out (`ProjectTx::project_id`), once the project was
/// loaded through the visibility rule. A write by id that takes one and says
/// `and project_id = $n` cannot reach a row of a project the user could not see, whatever the
/// handler checked before. Read it with `get`; it is made only by `ProjectTx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct ProjectId(i64);

impl ProjectId {
    /// For `ProjectTx` alone: `id` is a project it loaded through `visible_project_ids`.
    pub(crate) fn loaded(id: i64) -> Self {
        ProjectId(id)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

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

/// A module as a type, so that a handler's signature says which module it belongs to:
/// `TenantTx<Funds>` cannot be extracted while Funds is off.
pub trait Module: Send + Sync + 'static {
    /// `None` for the always-on platform pages.
    const ID: Option<ModuleId>;
    /// Whether its writes stay open on a read-only tenant (only the licence pages: the way out).
    const WRITABLE_WHEN_READ_ONLY: bool = false;
}

macro_rules! module_markers {
    ($($(#[$doc:meta])* $name:ident => $id:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;
        impl Module for $name {
            const ID: Option<ModuleId> = $id;
        }
    )*};
}

module_markers! {
    /// Dashboard, settings and account pages: always on.
    Platform => None;
    /// Projects, WBS, scheduling.
    Plans => Some(ModuleId::Plans);
    /// Progress updates, warnings, S-curves.
    Progress => Some(ModuleId::Progress);
    /// The cost centre.
    Cost => Some(ModuleId::Cost);
    /// The funds data centre.
    Funds => Some(ModuleId::Funds);
    /// Day-labour tallies.
    Labour => Some(ModuleId::Labour);
    /// Risks and change requests.
    Changes => Some(ModuleId::Changes);
}

pub mod queries;

/// The licence and trial pages: writable even when the tenant is read-only, as they are the
/// way out of it.
#[derive(Debug)]
pub struct Licensing;
impl Module for Licensing {
    const ID: Option<ModuleId> = None;
    const WRITABLE_WHEN_READ_ONLY: bool = true;
}
