//! The application assembled: every feature registers itself here, one line each, and the web
//! layer wraps their routes. The only code that names every feature.

#[cfg(test)]
mod layers;
pub mod server;

use axum::Router;

use crate::state::AppState;
use crate::web::registry::{self, Feature};

/// Every feature, in no particular order: each says where its entries go.
fn features() -> Vec<Feature> {
    vec![
        crate::account::feature(),
        crate::signup::feature(),
        crate::dashboard::feature(),
        crate::admin::feature(),
        crate::platform::feature(),
        crate::plans::feature(),
        crate::progress::feature(),
        crate::cost::feature(),
        crate::funds::feature(),
        crate::changes::feature(),
        crate::labour::feature(),
        crate::fixtures::feature(),
    ]
}

/// The application.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// The application with extra routes merged in (tests add probe routes this way).
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let (routes, largest_upload) = registry::install(features());
    crate::web::serve(state, routes.merge(extra), largest_upload)
}
