//! `AppState`: what every handler can reach, built once at start and cloned into each request.

use std::sync::Arc;

use ed25519_dalek::VerifyingKey;

use crate::config::Config;
use crate::db::Db;
use crate::mail::Mailer;

/// What every handler can reach. Handlers never take the pool: they take `TenantTx`.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub mailer: Mailer,
    pub licence_key: Option<VerifyingKey>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> anyhow::Result<Self> {
        let licence_key = config
            .license_public_key
            .as_deref()
            .map(crate::licence::parse_public_key)
            .transpose()?;
        Ok(AppState {
            mailer: Mailer::new(&config)?,
            licence_key,
            config: Arc::new(config),
            db,
        })
    }
}
