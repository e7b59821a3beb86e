//! Girder (工程管理系统): a multi-tenant web application for engineering and construction
//! projects. `app` builds the whole router from `AppState`, so tests drive the very app that
//! `girder serve` runs. The modules form layers that import downward only:
//! foundation (`config`, `i18n`, `ids`, `roles`, `error`, `db`, `state`, `audit`, `jobs`, `auth`,
//! `tenancy`, `web`, and the pure `schedule`) → features → `fixtures` → `app`; `app::layers` holds
//! the order.

pub mod account;
pub mod admin;
pub mod app;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod config;
pub mod cost;
pub mod dashboard;
pub mod db;
pub mod error;
pub mod fixtures;
pub mod funds;
pub mod i18n;
pub mod ids;
pub mod jobs;
pub mod labour;
pub mod licence;
pub mod mail;
pub mod plans;
pub mod platform;
pub mod progress;
pub mod roles;
pub mod schedule;
pub mod signup;
pub mod state;
pub mod telemetry;
pub mod tenancy;
pub mod web;

pub use app::{router as app, router_with as app_with};
pub use state::AppState;
