//! The feature registry: what each feature hands the app — its routes, its entry in the main
//! navigation, its settings tab, its project tabs and the panels it adds to other features'
//! pages (the dashboard, a project's home, a task's page). `app` builds one `Feature` per feature
//! and installs the lot once at start; the layout and the tab bars read them here. So the
//! foundation names no feature, and adding one touches its own folder plus one line in `app`.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use axum::Router;

use super::layout::Layout;
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TaskId;
use crate::roles::{ModuleId, Permission};
use crate::state::AppState;
use crate::tenancy::ProjectId;
use crate::tenancy::project::Project;
use crate::tenancy::{CurrentUser, TenantInfo};

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

/// What a panel reads with: the request's transaction, who asks, their company, and the page's
/// layout (language, CSRF token, modules) to render with.
pub struct PanelContext<'a> {
    pub scope: &'a mut TenantScope,
    pub user: &'a CurrentUser,
    pub tenant: &'a TenantInfo,
    pub layout: &'a Layout,
}

/// A panel's rendered HTML, or `None` when it has nothing to show.
pub type PanelFuture<'a> = Pin<Box<dyn Future<Output = AppResult<Option<String>>> + Send + 'a>>;

/// A card of the dashboard.
#[derive(Debug, Clone, Copy)]
pub struct DashboardPanel {
    pub order: u16,
    pub audience: Audience,
    pub render: for<'a> fn(PanelContext<'a>) -> PanelFuture<'a>,
}

/// Where on a project's home page a panel goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectPlace {
    /// A notice above everything else.
    Banner,
    /// A card beside the key dates.
    Card,
}

/// A panel of a project's home page.
#[derive(Debug, Clone, Copy)]
pub struct ProjectPanel {
    pub order: u16,
    pub place: ProjectPlace,
    pub audience: Audience,
    pub render: for<'a> fn(PanelContext<'a>, &'a Project) -> PanelFuture<'a>,
}

/// A section of a task's page, under its facts.
#[derive(Debug, Clone, Copy)]
pub struct TaskPanel {
    /// Names the panel when its feature re-renders the task page with the panel's form in
    /// error (`TaskPanelOverride`).
    pub key: &'static str,
    pub order: u16,
    pub audience: Audience,
    pub render: for<'a> fn(PanelContext<'a>, &'a Project, TaskId) -> PanelFuture<'a>,
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
    pub dashboard_panels: Vec<DashboardPanel>,
    pub project_panels: Vec<ProjectPanel>,
    pub task_panels: Vec<TaskPanel>,
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
    dashboard_panels: Vec<DashboardPanel>,
    project_panels: Vec<ProjectPanel>,
    task_panels: Vec<TaskPanel>,
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
        registry.dashboard_panels.extend(f.dashboard_panels);
        registry.project_panels.extend(f.project_panels);
        registry.task_panels.extend(f.task_panels);
    }
    registry.nav.sort_by_key(|e| e.order);
    registry.settings_tabs.sort_by_key(|e| e.order);
    registry.project_tabs.sort_by_key(|e| e.order);
    registry.dashboard_panels.sort_by_key(|e| e.order);
    registry.project_panels.sort_by_key(|e| e.order);
    registry.task_panels.sort_by_key(|e| e.order);
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
pub fn project_tabs(
    project: &ProjectId,
    layout: &Layout,
) -> Vec<(&'static str, String, &'static str)> {
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

/// The dashboard's panels the page's user may see, rendered in order (those with nothing to
/// show left out).
pub async fn dashboard_panels(
    scope: &mut TenantScope,
    user: &CurrentUser,
    tenant: &TenantInfo,
    layout: &Layout,
) -> AppResult<Vec<String>> {
    let mut out = Vec::new();
    for panel in registry().dashboard_panels.iter() {
        if !panel.audience.admits(layout) {
            continue;
        }
        let cx = PanelContext {
            scope: &mut *scope,
            user,
            tenant,
            layout,
        };
        out.extend((panel.render)(cx).await?);
    }
    Ok(out)
}

/// A project home's panels the page's user may see: `(banners, cards)`, each in order.
pub async fn project_panels(
    scope: &mut TenantScope,
    user: &CurrentUser,
    tenant: &TenantInfo,
    layout: &Layout,
    project: &Project,
) -> AppResult<(Vec<String>, Vec<String>)> {
    let (mut banners, mut cards) = (Vec::new(), Vec::new());
    for panel in registry().project_panels.iter() {
        if !panel.audience.admits(layout) {
            continue;
        }
        let cx = PanelContext {
            scope: &mut *scope,
            user,
            tenant,
            layout,
        };
        if let Some(html) = (panel.render)(cx, project).await? {
            match panel.place {
                ProjectPlace::Banner => banners.push(html),
                ProjectPlace::Card => cards.push(html),
            }
        }
    }
    Ok((banners, cards))
}

/// A panel rendered by its own feature in place of the registered one: the feature's form
/// with its errors, when a post to it failed.
#[derive(Debug, Clone, Default)]
pub struct TaskPanelOverride {
    pub key: &'static str,
    pub html: String,
}

/// A task page's panels the page's user may see, in order.
pub async fn task_panels(
    scope: &mut TenantScope,
    user: &CurrentUser,
    tenant: &TenantInfo,
    layout: &Layout,
    project: &Project,
    task: TaskId,
    replaced: Option<TaskPanelOverride>,
) -> AppResult<Vec<String>> {
    let mut replaced = replaced;
    let mut out = Vec::new();
    for panel in registry().task_panels.iter() {
        if !panel.audience.admits(layout) {
            continue;
        }
        if let Some(r) = replaced.take_if(|r| r.key == panel.key) {
            out.push(r.html);
            continue;
        }
        let cx = PanelContext {
            scope: &mut *scope,
            user,
            tenant,
            layout,
        };
        out.extend((panel.render)(cx, project, task).await?);
    }
    Ok(out)
}
