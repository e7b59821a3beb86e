//! Company settings for owners and admins: company details, users and invitations, module
//! switches, the licence and trial, and the audit log.

mod domain;
mod handlers;

pub mod queries;
pub mod views;

// What other features use: the invitations a new user signs up through.
pub use queries::{Invitation, accept_invitation, find_live_invitation, list_pending};

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};

use crate::roles::Permission;
use crate::state::AppState;
use crate::web::registry::{Audience, Feature, NavEntry, SettingsTab};

/// Company settings: the last entry of the navigation, and the settings tabs of the company,
/// its users, modules, licence and audit log.
pub fn feature() -> Feature {
    let tab = |order, key, href, label_key| SettingsTab {
        order,
        key,
        href,
        label_key,
    };
    Feature {
        nav: vec![NavEntry {
            order: 90,
            href: "/settings",
            label_key: "nav.settings",
            active_under: &["/settings"],
            audience: Audience::permission(Permission::ManageCompany),
        }],
        settings_tabs: vec![
            tab(10, "company", "/settings/company", "settings.tab_company"),
            tab(20, "users", "/settings/users", "settings.tab_users"),
            tab(30, "modules", "/settings/modules", "settings.tab_modules"),
            tab(40, "licence", "/settings/licence", "settings.tab_licence"),
            tab(100, "audit", "/settings/audit", "settings.tab_audit"),
        ],
        ..Feature::new(router())
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/settings",
            get(|| async { Redirect::to("/settings/company") }),
        )
        .route(
            "/settings/company",
            get(handlers::company_form).post(handlers::update_company),
        )
        .route("/settings/users", get(handlers::users))
        .route("/settings/users/invite", post(handlers::invite))
        .route("/settings/users/{id}", post(handlers::update_user))
        .route(
            "/settings/invitations/{id}/revoke",
            post(handlers::revoke_invitation),
        )
        .route(
            "/settings/modules",
            get(handlers::modules_form).post(handlers::update_modules),
        )
        .route(
            "/settings/licence",
            get(handlers::licence).post(handlers::activate_licence),
        )
        .route(
            "/settings/licence/extend-trial",
            post(handlers::extend_trial),
        )
        .route("/settings/audit", get(handlers::audit_log))
        .route("/settings/audit/export", get(handlers::audit_export))
        .route("/settings/audit/{id}", get(handlers::audit_entry))
}
