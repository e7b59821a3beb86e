//! tower-sessions' store over our own `session` table, with checked queries. The table keeps
//! only the SHA-256 of each session id: the cookie is the one place the id itself exists, so
//! a leaked backup or a read of the table signs nobody in.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::db::{Db, cross_tenant};

/// Sessions kept in PostgreSQL, so any app server can serve any request.
#[derive(Debug, Clone)]
pub struct PgSessionStore {
    db: Db,
}

impl PgSessionStore {
    pub fn new(db: Db) -> Self {
        PgSessionStore { db }
    }
}

/// The key a session is stored under: the SHA-256 of its id, in hex.
pub fn stored_id(id: &Id) -> String {
    format!("{:x}", Sha256::digest(id.to_string().as_bytes()))
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn to_chrono(t: time::OffsetDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(t.unix_timestamp(), 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[async_trait::async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_value(&record.data).map_err(backend)?;
        // A fresh id that collides with a live session is drawn again, never overwritten.
        while !cross_tenant::insert_new_session(
            &self.db,
            &stored_id(&record.id),
            &data,
            to_chrono(record.expiry_date),
        )
        .await
        .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_value(&record.data).map_err(backend)?;
        cross_tenant::save_session(
            &self.db,
            &stored_id(&record.id),
            &data,
            to_chrono(record.expiry_date),
        )
        .await
        .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some((data, expires_at)) = cross_tenant::load_session(&self.db, &stored_id(id))
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_value(data).map_err(backend)?;
        let expiry_date =
            time::OffsetDateTime::from_unix_timestamp(expires_at.timestamp()).map_err(backend)?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        cross_tenant::delete_session(&self.db, &stored_id(id))
            .await
            .map_err(backend)
    }
}
