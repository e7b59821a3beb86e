//! The feature registry: what each feature hands the app — its routes, its entry in the main
//! navigation, its settings tab and its project tabs. `app` builds one `Feature` per feature
//! and installs the lot once at start; the layout and the tab bars read them here. So the
//! foundation names no feature, and adding one touches its own folder plus one line in `app`.

use std::sync::OnceLock;

use axum::Router;

use super::layout::Layout;
use crate::roles::{ModuleId, Permission};
use crate::state::AppState;

/// Who may see an entry: the module must be on for the tenant and open to the user's role, and
/// the user must hold the permission.
#[derive(Debug, Clone, Copy, Default)]
pub struct Audience {
    pub module: Option<ModuleId>,
    pub permission: Option<Permission>,
}

impl Audience {
    pub const EVERYONE: Audience = Audience {
        module: None,
        permission: None,
    };

    pub const fn module(module: ModuleId) -> Self {
        Audience {
            module: Some(module),
            permission: None,
        }
    }

    pub const fn permission(permission: Permission) -> Self {
        Audience {
            module: None,
            permission: Some(permission),
        }
    }

    /// Whether the page's user is in it (`layout.modules` already holds only the modules that
    /// are on and open to the user's role).
    pub fn admits(&self, layout: &Layout) -> bool {
        self.module.is_none_or(|m| layout.modules.contains(&m))
            && self.permission.is_none_or(|p| layout.holds(p))
    }
}

/// An entry of the main navigation.
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    /// Entries show in ascending order.
    pub order: u16,
    pub href: &'static str,
    pub label_key: &'static str,
    /// The entry is current on pages whose path starts with one of these.
    pub active_under: &'static [&'static str],
    pub audience: Audience,
}

/// A tab of the settings pages.
#[derive(Debug, Clone, Copy)]
pub struct SettingsTab {
    pub order: u16,
    /// What a settings page passes to say which tab is current.
    pub key: &'static str,
    pub href: &'static str,
    pub label_key: &'static str,
}

/// A tab of a project's pages, at `/projects/{id}{suffix}`.
#[derive(Debug, Clone, Copy)]
pub struct ProjectTab {
    pub order: u16,
    /// What a project page passes to say which tab is current.
    pub key: &'static str,
    pub suffix: &'static str,
    pub label_key: &'static str,
    pub module: Option<ModuleId>,
}

/// One feature, as it registers itself.
#[derive(Debug, Default)]
pub struct Feature {
    pub routes: Router<AppState>,
    /// The largest request body any of its upload routes accepts (0: forms only).
    pub largest_upload: usize,
    pub nav: Vec<NavEntry>,
    pub settings_tabs: Vec<SettingsTab>,
    pub project_tabs: Vec<ProjectTab>,
}

impl Feature {
    pub fn new(routes: Router<AppState>) -> Self {
        Feature {
            routes,
            ..Feature::default()
        }
    }
}

/// Everything the features registered, except their routes (which `app` merges).
#[derive(Debug, Default)]
pub struct Registry {
    nav: Vec<NavEntry>,
    settings_tabs: Vec<SettingsTab>,
    project_tabs: Vec<ProjectTab>,
}

static REGISTRY: OnceLock<Registry> = OnceLock::new();

/// Takes the features' entries, sorted; returns their routes merged and their largest upload.
/// The first call wins: every app built in one process registers the same features.
pub fn install(features: Vec<Feature>) -> (Router<AppState>, usize) {
    let mut routes = Router::new();
    let mut largest_upload = 0;
    let mut registry = Registry::default();
    for f in features {
        routes = routes.merge(f.routes);
        largest_upload = largest_upload.max(f.largest_upload);
        registry.nav.extend(f.nav);
        registry.settings_tabs.extend(f.settings_tabs);
        registry.project_tabs.extend(f.project_tabs);
    }
    registry.nav.sort_by_key(|e| e.order);
    registry.settings_tabs.sort_by_key(|e| e.order);
    registry.project_tabs.sort_by_key(|e| e.order);
    let _ = REGISTRY.set(registry);
    (routes, largest_upload)
}

fn registry() -> &'static Registry {
    REGISTRY.get_or_init(Registry::default)
}

/// The main navigation entries the page's user may open.
pub fn nav(layout: &Layout) -> impl Iterator<Item = &'static NavEntry> {
    registry().nav.iter().filter(|e| e.audience.admits(layout))
}

/// The settings tabs, in order.
pub fn settings_tabs() -> impl Iterator<Item = &'static SettingsTab> {
    registry().settings_tabs.iter()
}

/// A project's tabs the page's user may open: `(key, href, label key)`.
pub fn project_tabs(project: &i64, layout: &Layout) -> Vec<(&'static str, String, &'static str)> {
    registry()
        .project_tabs
        .iter()
        .filter(|t| t.module.is_none_or(|m| layout.modules.contains(&m)))
        .map(|t| {
            (
                t.key,
                format!("/projects/{project}{}", t.suffix),
                t.label_key,
            )
        })
        .collect()
}
