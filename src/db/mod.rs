//! The database: the pool, migrations, the private cluster for zero-config runs, and the only
//! two doors to data — `TenantScope` (a transaction bound to one tenant, row-level security on)
//! and `cross_tenant` (the few tables that belong to no tenant).
#![expect(
    clippy::disallowed_types,
    reason = "src/db is the one place that holds the bare pool"
)]

pub mod cross_tenant;
pub mod embedded;
pub mod job_queue;
pub mod statements;
mod tenant_scope;
mod text_enum;

use std::time::Duration;

use anyhow::Context;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

pub use tenant_scope::TenantScope;
pub(crate) use text_enum::text_enum;

use crate::error::AppResult;
use crate::ids::TenantId;

/// Every migration in `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// The database role the application runs as: no superuser, not the owner, no BYPASSRLS.
pub const APP_ROLE: &str = "girder_app";

/// Name of the database a private cluster serves.
pub const EMBEDDED_DATABASE: &str = "girder";

/// How long a request waits for a connection, connecting included, before it answers 503.
/// While the server is away, sqlx keeps retrying a refused connection until then, so a short
/// restart costs requests a pause, not an error; a longer one answers 503 within 2 s.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

/// How long `/healthz` waits for the database's answer.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(1);

/// Handle to the application's pool. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    /// A lazily connecting pool for `url`: the server starts even while Postgres is down,
    /// requests answer 503 meanwhile, and the pool reconnects by itself. Every connection is
    /// pinged before it is handed out, so those a restart of the server broke are replaced.
    pub fn connect_lazy(url: &str) -> anyhow::Result<Self> {
        let options: PgConnectOptions = url.parse().context("parsing the database URL")?;
        let pool = PgPoolOptions::new()
            .max_connections(20)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(true)
            .connect_lazy_with(options.application_name("girder"));
        Ok(Db { pool })
    }

    /// Begin a transaction in which only `tenant`'s rows are visible or writable.
    pub async fn begin_tenant(&self, tenant: TenantId) -> AppResult<TenantScope> {
        let start = std::time::Instant::now();
        let scope = TenantScope::begin(&self.pool, tenant).await;
        // How long requests wait for a connection: the pool's pressure, for /metrics.
        metrics::histogram!("db_pool_acquire_seconds").record(start.elapsed().as_secs_f64());
        scope
    }

    /// Whether the database answers a query within [`HEALTH_TIMEOUT`].
    pub async fn is_healthy(&self) -> bool {
        let probe = sqlx::query_scalar!("select 1 as \"one!\"").fetch_one(&self.pool);
        matches!(tokio::time::timeout(HEALTH_TIMEOUT, probe).await, Ok(Ok(1)))
    }

    /// (connections open, idle connections) for /metrics.
    pub fn pool_size(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// Apply pending migrations over `url` (a role that may create tables and roles).
pub async fn migrate(url: &str) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(url)
        .await
        .context("connecting to run migrations")?;
    MIGRATOR
        .run(&mut conn)
        .await
        .context("running migrations")?;
    conn.close().await.ok();
    Ok(())
}

/// Let the application role log in with `password` (private clusters and tests).
#[expect(
    clippy::disallowed_methods,
    reason = "ALTER ROLE takes no bind parameters; the password is our own hex string"
)]
pub async fn enable_app_login(superuser_url: &str, password: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        password.chars().all(|c| c.is_ascii_alphanumeric()),
        "the application password must be alphanumeric"
    );
    let mut conn = PgConnection::connect(superuser_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "alter role {APP_ROLE} login password '{password}'"
    )))
    .execute(&mut conn)
    .await
    .context("enabling the application role's login")?;
    conn.close().await.ok();
    Ok(())
}

/// Create `database` if it does not exist yet, optionally from a template.
#[expect(
    clippy::disallowed_methods,
    reason = "CREATE DATABASE takes identifiers, not bind parameters; names are our own"
)]
pub async fn create_database(
    superuser_url: &str,
    database: &str,
    template: Option<&str>,
) -> anyhow::Result<()> {
    let valid = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    anyhow::ensure!(
        valid(database) && template.is_none_or(valid),
        "bad database name"
    );
    let mut conn = PgConnection::connect(superuser_url).await?;
    let exists = sqlx::query_scalar!(
        "select exists(select 1 from pg_database where datname = $1) as \"exists!\"",
        database
    )
    .fetch_one(&mut conn)
    .await?;
    if !exists {
        let sql = match template {
            Some(t) => format!("create database {database} template {t}"),
            None => format!("create database {database}"),
        };
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .with_context(|| format!("creating database {database}"))?;
    }
    conn.close().await.ok();
    Ok(())
}
