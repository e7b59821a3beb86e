//! Labour tallies (点工汇总中心): day labour outside the fixed-price scope, from the foreman's
//! ticket to the crew's settlement.
//!
//! - `domain`: the rules, pure — identity numbers, pay types and multipliers, a ticket's flow.
//! - `queries`: the SQL the parts share — pay rules, trades, crews, workers, writing tickets.
//! - `import`: workers and tickets in from XLSX or CSV, checked row by row, in the background.
//!
//! Workers are records, not users: they never sign in and take no licence seat. Confirmed
//! tickets are labour cost; the `labour_cost` view gives them to the cost centre by project,
//! task and month.

pub mod bench;
pub mod domain;
pub mod import;
pub mod queries;
pub mod views;

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(import::router())
}
