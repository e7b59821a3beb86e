//! Tenants: their ids, the plan they are on (trial, licensed, expired) and the modules they
//! may use. `guard` holds the extractor that opens a tenant transaction for a handler.

mod guard;
pub mod project;

use crate::roles::ModuleId;

pub use guard::{CurrentUser, TenantInfo, TenantTx};
pub use project::{ProjectId, ProjectTx};

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
