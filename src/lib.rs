//! Girder (工程管理系统): a multi-tenant web application for engineering and construction
//! projects. `app` builds the whole router from `AppState`, so tests drive the very app that
//! `girder serve` runs.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod changes;
pub mod config;
pub mod cost;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod error;
pub mod funds;
pub mod jobs;
pub mod labour;
pub mod licence;
pub mod mail;
pub mod plans;
pub mod platform;
pub mod progress;
pub mod schedule;
pub mod server;
pub mod signup;
pub mod telemetry;
pub mod tenancy;
pub mod web;

use axum::Router;

pub use web::AppState;

/// The application.
pub fn app(state: AppState) -> Router {
    web::router(state, Router::new())
}

/// The application with extra routes merged in (tests add probe routes this way).
pub fn app_with(state: AppState, extra: Router<AppState>) -> Router {
    web::router(state, extra)
}
