//! HTTP tests: the real router against a real PostgreSQL, through a cookie jar with CSRF tokens.
#![expect(
    clippy::unwrap_used,
    reason = "helpers beside the tests unwrap; allow-unwrap-in-tests covers only test fns"
)]

#[path = "../support/mod.rs"]
mod support;

mod activity;
mod auth;
mod calendars;
mod changes_board;
mod changes_requests;
mod changes_risks;
mod cost_budget;
mod cost_demo;
mod cost_entries;
mod cost_ev;
mod cost_report;
mod csp;
mod database;
mod exchange;
mod funds_applications;
mod funds_cashflow;
mod funds_contracts;
mod funds_ledger;
mod funds_requests;
mod hostile;
mod isolation;
mod jobs;
mod labour;
mod labour_import;
mod labour_roster;
mod labour_wages;
mod licence;
mod operations;
mod pages_bounded;
mod plans;
mod platform;
mod progress;
mod rls;
mod security;
mod settings;
mod signup;
mod site_log;
mod statements;
mod statuses;
mod visibility;
