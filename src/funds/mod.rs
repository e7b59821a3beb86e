//! Funds (资金数据中心): every yuan in and out of every project, and what is coming.
//!
//! - `domain`: the shared rules, pure — the unified social credit code's check character,
//!   the retention cap, a contract's amount with its variations and without VAT.
//! - `queries`: the SQL the parts share — the retention cap, visible projects, counterparties.
//! - `ledger`: the fields every receipt and payment carries, their checks, and recording one.
//! - `counterparties`: clients, subcontractors and suppliers with their bank details.
//! - `contracts`: income and expense contracts, signing, variations, closing.
//! - `applications`: progress-payment applications on income contracts (GB 50500-2013 §10.3),
//!   their certification, receipts, and retention receipts.
//! - `requests`: payment requests against expense contracts and staff reimbursements, their
//!   approvals and payment.
//! - `accounts`: the company's bank accounts and their balances.
//! - `movements`: the ledger (资金流水) with the labour wage account, other receipts and
//!   payments, attachments, reversal.
//! - `deposits`: tender deposits paid, refunded or converted.
//! - `cashflow`: a project's funds page and fund plan, the company overview, aging, the
//!   dashboard's panel.
//! - `settings`: Settings › Funds — the retention cap, the payment approvers and limits.
//!
//! Signed expense contracts not yet invoiced or paid are the cost centre's committed cost
//! (`cost_committed`), and certified applications and their receipts its billed and collected
//! amounts (`project_billing`); both views are in migration 0008.

pub mod accounts;
pub mod applications;
pub mod cashflow;
pub mod contracts;
pub mod counterparties;
pub mod deposits;
pub mod domain;
pub mod ledger;
pub mod movements;
pub mod queries;
pub mod requests;
mod settings;

// What other features use: a change request's revenue impact as a variation on its project's
// income contract.
pub use contracts::{Refused, VariationRefusal, vary_income_contract};

use axum::Router;

use crate::roles::ModuleId;
use crate::state::AppState;
use crate::web::registry::{Audience, Feature, NavEntry, ProjectTab, SettingsTab};

/// Funds: its navigation entry, settings tab and project tab.
pub fn feature() -> Feature {
    Feature {
        nav: vec![NavEntry {
            order: 30,
            href: "/funds",
            label_key: "funds.nav",
            active_under: &["/funds"],
            audience: Audience::module(ModuleId::Funds),
        }],
        settings_tabs: vec![SettingsTab {
            order: 80,
            key: "funds",
            href: "/settings/funds",
            label_key: "funds.settings_tab",
        }],
        project_tabs: vec![ProjectTab {
            order: 90,
            key: "funds",
            suffix: "/funds",
            label_key: "funds.project_tab",
            module: Some(ModuleId::Funds),
        }],
        dashboard_panels: cashflow::dashboard_panels(),
        ..Feature::new(router())
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(accounts::router())
        .merge(applications::router())
        .merge(cashflow::router())
        .merge(contracts::router())
        .merge(counterparties::router())
        .merge(deposits::router())
        .merge(movements::router())
        .merge(requests::router())
        .merge(settings::router())
}
