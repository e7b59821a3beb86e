//! Starting up: find or start the database, migrate, serve, and stop cleanly.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;

use crate::config::Config;
use crate::db::embedded::{EmbeddedError, EmbeddedPostgres};
use crate::db::{self, Db, cross_tenant};
use crate::state::AppState;

/// The database the process uses, and the private cluster behind it, if any.
#[derive(Debug)]
pub struct Database {
    pub db: Db,
    /// Where `db` connects (the application's role).
    pub url: String,
    /// The schema owner's URL: migrations, and removing a scratch company's append-only
    /// history, which the application's role may not delete.
    pub owner_url: String,
    pub embedded: Option<EmbeddedPostgres>,
}

/// Why start-up failed before serving; `NoDatabase` exits with code 2.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(
        "Girder needs PostgreSQL and found neither DATABASE_URL nor PostgreSQL's server binaries.\n\
         Either set DATABASE_URL=postgres://user:password@host/database,\n\
         or install PostgreSQL's packages (Debian: apt-get install postgresql) so Girder can run a private cluster under ./data."
    )]
    NoDatabase,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Connect to `DATABASE_URL`, or start (creating on first run) the private cluster; migrate.
pub async fn open_database(config: &Config) -> Result<Database, StartError> {
    if let Some(url) = &config.database_url {
        let owner_url = config.migrate_database_url.as_deref().unwrap_or(url);
        db::migrate(owner_url).await?;
        return Ok(Database {
            db: Db::connect_lazy(url)?,
            url: url.clone(),
            owner_url: owner_url.to_owned(),
            embedded: None,
        });
    }
    let dir = config.data_dir.join("postgres");
    let cluster = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&dir, false))
        .await
        .context("starting the private cluster")?
        .map_err(|e| match e {
            EmbeddedError::NoBinaries => StartError::NoDatabase,
            EmbeddedError::Other(e) => StartError::Other(e),
        })?;
    tracing::info!(
        dir = %cluster.data_dir().display(),
        port = cluster.port(),
        "private PostgreSQL cluster running; its supervisor restarts it if it dies"
    );
    let superuser = cluster.superuser_url(db::EMBEDDED_DATABASE);
    db::create_database(
        &cluster.superuser_url("postgres"),
        db::EMBEDDED_DATABASE,
        None,
    )
    .await?;
    db::migrate(&superuser).await?;
    db::enable_app_login(&superuser, cluster.secret()).await?;
    let url = cluster.url_for(db::APP_ROLE, cluster.secret(), db::EMBEDDED_DATABASE);
    Ok(Database {
        db: Db::connect_lazy(&url)?,
        url,
        owner_url: superuser,
        embedded: Some(cluster),
    })
}

/// `girder serve`.
pub async fn serve(config: Config) -> Result<(), StartError> {
    crate::web::metrics::install();
    let Database { db, embedded, .. } = open_database(&config).await?;
    let demo = if embedded.is_some() {
        Some(
            crate::fixtures::demo::ensure(&db)
                .await
                .map_err(anyhow::Error::from)?,
        )
    } else {
        None
    };
    let bind = config.bind;
    let state = AppState::new(db.clone(), config)?;
    let workers = crate::jobs::start(db.clone(), [crate::labour::import::JOB]);
    spawn_session_sweeper(db);

    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    println!("Girder is serving at http://{bind}");
    if let Some(login) = demo {
        println!("Demo login: {}  password: {}", login.email, login.password);
    }
    let result = axum::serve(
        listener,
        crate::app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    workers.stop().await;
    if let Some(cluster) = embedded {
        tracing::info!("stopping the private PostgreSQL cluster");
        tokio::task::spawn_blocking(move || cluster.stop())
            .await
            .ok();
    }
    result.context("serving")?;
    Ok(())
}

/// Delete expired sessions hourly.
fn spawn_session_sweeper(db: Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match cross_tenant::delete_expired_sessions(&db).await {
                Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "removing expired sessions"),
            }
            cross_tenant::sweep_attempt_counts(&db).await;
        }
    });
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
