//! The dashboard: where the plan stands, the onboarding checklist, and (as modules land) their
//! panels.

use askama::Template;
use axum::Router;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::admin::list_pending as pending_invitations;
use crate::auth::queries as users;
use crate::auth::session::AppSession;
use crate::error::AppResult;
use crate::roles::Permission;
use crate::state::AppState;
use crate::tenancy::{Platform, TenantTx};
use crate::web::layout::standing_text;
use crate::web::registry::{self, Audience, Feature, NavEntry};
use crate::web::{Layout, Page};

/// The dashboard: the first entry of the navigation.
pub fn feature() -> Feature {
    Feature {
        nav: vec![NavEntry {
            order: 0,
            href: "/dashboard",
            label_key: "nav.dashboard",
            active_under: &["/dashboard"],
            audience: Audience::EVERYONE,
        }],
        ..Feature::new(router())
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

/// `/`: the dashboard when signed in, the sign-in page otherwise.
pub async fn root(session: AppSession) -> AppResult<Response> {
    let to = if session.signed_in().await?.is_some() {
        "/dashboard"
    } else {
        "/login"
    };
    Ok(Redirect::to(to).into_response())
}

#[derive(Debug, Clone)]
pub struct ChecklistItem {
    pub label_key: &'static str,
    pub href: &'static str,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "dashboard/dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub plan: String,
    pub seats_used: i64,
    pub seats: i32,
    pub modules: Vec<&'static str>,
    pub checklist: Vec<ChecklistItem>,
    pub checklist_done: usize,
    /// Whether the "load a demo project" button shows.
    pub demo_available: bool,
    /// The features' panels (registry dashboard panels), rendered in order.
    pub panels: Vec<String>,
}

pub async fn dashboard(mut tx: TenantTx<Platform>, page: Page) -> AppResult<Html<String>> {
    let locale = tx.user().locale;
    let t = tx.tenant().clone();
    let seats_used = users::count_active_users(&mut tx).await?;
    let admin = tx.user().role.has(Permission::ManageUsers);
    let mut checklist = Vec::new();
    if admin {
        let invited = !pending_invitations(&mut tx).await?.is_empty();
        checklist.push(ChecklistItem {
            label_key: "dashboard.step_invite",
            href: "/settings/users",
            done: seats_used > 1 || invited,
        });
        checklist.push(ChecklistItem {
            label_key: "dashboard.step_company",
            href: "/settings/company",
            // Saved at least once; the tenant's version also moves with licences and trials.
            done: crate::audit::recorded(&mut tx, "tenant", "company settings").await?,
        });
    }
    let plans_on = t.modules.contains(&crate::roles::ModuleId::Plans)
        && tx.user().role.can_use(crate::roles::ModuleId::Plans);
    let mut demo_available = false;
    if plans_on && tx.user().role.has(Permission::CreateProjects) {
        let projects = crate::plans::project_count(&mut tx).await?;
        let demo = crate::plans::project_by_code(&mut tx, crate::plans::DEMO_CODE).await?;
        checklist.push(ChecklistItem {
            label_key: "dashboard.step_first_project",
            href: "/projects/new",
            done: projects > i64::from(demo.is_some()),
        });
        checklist.push(ChecklistItem {
            label_key: "dashboard.step_demo_project",
            href: "/projects",
            done: demo.is_some(),
        });
        demo_available = demo.is_none();
    }
    let plan = standing_text(locale, t.plan.standing(t.now));
    let checklist_done = checklist.iter().filter(|i| i.done).count();
    let layout = page.layout(&tx, "dashboard.title");
    let (scope, user, tenant) = tx.parts();
    let panels = registry::dashboard_panels(scope, user, tenant, &layout).await?;
    Ok(Html(
        DashboardPage {
            layout,
            plan,
            seats_used,
            seats: t.plan.seats(),
            modules: t.modules.iter().map(|m| m.label_key()).collect(),
            checklist,
            checklist_done,
            demo_available,
            panels,
        }
        .render()?,
    ))
}
