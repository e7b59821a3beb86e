//! The private cluster as an operator meets it: a killed postmaster comes back by itself and
//! the app's pool reconnects without a restart, requests meanwhile answer 503 with
//! `Retry-After` within 2 s, and a data directory the `postgres` user cannot reach still
//! starts. Each test runs a throwaway cluster of its own; the shared test cluster is untouched.

use std::path::Path;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{StatusCode, header};
use girder::db::embedded::{EmbeddedPostgres, RELOCATED_BASE};
use girder::db::{self, Db};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use sqlx::{Connection, PgConnection};

use crate::support::{PASSWORD, TestClient, TestResponse};

/// How long a request may take to say the database is away.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);
/// How long after the kill writes must succeed again.
const RECOVER_WITHIN: Duration = Duration::from_secs(10);

async fn start_cluster(dir: &Path, throwaway: bool) -> EmbeddedPostgres {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&dir, throwaway))
        .await
        .unwrap()
        .expect("starting a private cluster")
}

async fn stop_cluster(pg: EmbeddedPostgres) {
    tokio::task::spawn_blocking(move || pg.stop())
        .await
        .unwrap();
}

/// Migrate the cluster as `girder serve` does and build the app over it.
async fn app_on(pg: &EmbeddedPostgres) -> Router {
    db::create_database(&pg.superuser_url("postgres"), "girder", None)
        .await
        .unwrap();
    let superuser = pg.superuser_url("girder");
    db::migrate(&superuser).await.unwrap();
    db::enable_app_login(&superuser, pg.secret()).await.unwrap();
    let db = Db::connect_lazy(&pg.url_for(db::APP_ROLE, pg.secret(), "girder")).unwrap();
    let state = girder::AppState::new(db, girder::config::Config::for_tests()).unwrap();
    girder::app_with(state, Router::new())
}

/// A visitor on the sign-up form, with the form's token (a 503 page carries none).
struct Visitor {
    c: TestClient,
    token: String,
}

impl Visitor {
    async fn on_signup_form(router: &Router) -> Visitor {
        let mut c = TestClient::new(router.clone());
        let r = c.get("/signup").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let token = c.csrf.clone().expect("the sign-up form's token");
        Visitor { c, token }
    }

    /// Post the form for a new company; each attempt from its own address, so throttling
    /// ignores retries.
    async fn sign_up(&mut self, attempt: u32, email: &str) -> TestResponse {
        self.c.csrf = Some(self.token.clone());
        self.c.ip = format!("198.51.100.{}:4000", attempt % 250 + 1)
            .parse()
            .unwrap();
        self.c
            .post_form(
                "/signup",
                &[
                    ("company", email),
                    ("name", "Owner"),
                    ("email", email),
                    ("phone", ""),
                    ("password", PASSWORD),
                    ("accept_terms", "on"),
                ],
            )
            .await
    }
}

fn assert_unavailable(r: &TestResponse, took: Duration, what: &str) {
    assert_eq!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        r.body
    );
    assert!(
        r.headers.contains_key(header::RETRY_AFTER),
        "{what}: no Retry-After"
    );
    assert!(took < ANSWER_WITHIN, "{what} took {took:?}");
}

/// Retry the sign-up of `email` until it is accepted; every refusal on the way must be a
/// quick 503. Returns the time from `since` to the accepted write.
async fn write_until_accepted(v: &mut Visitor, email: &str, since: Instant) -> Duration {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let started = Instant::now();
        let r = v.sign_up(attempt, email).await;
        if r.status == StatusCode::SEE_OTHER {
            return since.elapsed();
        }
        assert_unavailable(&r, started.elapsed(), "a write while PostgreSQL restarts");
        assert!(
            since.elapsed() < RECOVER_WITHIN,
            "no write succeeded within {RECOVER_WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn kill_postmaster(pg: &EmbeddedPostgres) -> Instant {
    let pid = pg.postmaster_pid().expect("postmaster.pid");
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    Instant::now()
}

/// Whether anything accepts connections on the cluster's port.
fn listening(pg: &EmbeddedPostgres) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", pg.port())).is_ok()
}

/// Holds the supervisor stopped (SIGSTOP) so an outage lasts; lets it go when dropped, even
/// when an assertion fails.
struct Paused(Pid);

impl Paused {
    fn supervisor(pg: &EmbeddedPostgres) -> Paused {
        let pid = Pid::from_raw(i32::try_from(pg.supervisor_pid()).unwrap());
        kill(pid, Signal::SIGSTOP).unwrap();
        Paused(pid)
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        let _ = kill(self.0, Signal::SIGCONT);
    }
}

async fn count(pg: &EmbeddedPostgres, sql: &str) -> i64 {
    let mut conn = PgConnection::connect(&pg.superuser_url("girder"))
        .await
        .unwrap();
    #[expect(clippy::disallowed_methods, reason = "a test's own SQL")]
    let n = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    n
}

#[tokio::test]
async fn a_killed_postmaster_comes_back_and_writes_resume_without_restarting_the_app() {
    let dir = tempfile::Builder::new()
        .prefix("girder-test-restart-")
        .tempdir_in("/tmp")
        .unwrap();
    let pg = start_cluster(&dir.path().join("postgres"), true).await;
    let router = app_on(&pg).await;
    let mut before = Visitor::on_signup_form(&router).await;
    let r = before.sign_up(0, "before@example.com").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut after_kill = Visitor::on_signup_form(&router).await;
    let mut during = Visitor::on_signup_form(&router).await;
    let mut after_outage = Visitor::on_signup_form(&router).await;

    // kill -9 of the postmaster: the supervisor restarts it, the pool reconnects.
    let killed = kill_postmaster(&pg);
    let recovered = write_until_accepted(&mut after_kill, "after-kill@example.com", killed).await;
    eprintln!("recovery after kill -9 of the postmaster: first write accepted after {recovered:?}");
    let mut c = TestClient::new(router.clone());
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);

    // A longer outage (the supervisor held back): quick 503s with Retry-After, never a hang
    // or a 500, and /healthz says so.
    let paused = Paused::supervisor(&pg);
    let killed = kill_postmaster(&pg);
    while listening(&pg) {
        assert!(killed.elapsed() < Duration::from_secs(5), "still listening");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    let r = c.get("/healthz").await;
    assert_unavailable(&r, started.elapsed(), "/healthz");
    let started = Instant::now();
    let r = during.c.get("/signup").await;
    assert_unavailable(&r, started.elapsed(), "a page with a session");
    let started = Instant::now();
    let r = during.c.get_json("/login").await;
    assert_unavailable(&r, started.elapsed(), "a JSON client");
    let started = Instant::now();
    let r = during.sign_up(1, "during-outage@example.com").await;
    assert_unavailable(&r, started.elapsed(), "a write");

    // The server comes back: the same app writes again.
    let resumed = Instant::now();
    drop(paused);
    write_until_accepted(&mut after_outage, "after-outage@example.com", resumed).await;
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);

    // Every acknowledged write survived both crashes; the refused one left nothing.
    let accepted = count(
        &pg,
        "select count(*) from login_identity where email in \
         ('before@example.com', 'after-kill@example.com', 'after-outage@example.com')",
    )
    .await;
    assert_eq!(accepted, 3);
    let refused = count(
        &pg,
        "select count(*) from login_identity where email = 'during-outage@example.com'",
    )
    .await;
    assert_eq!(refused, 0);
    stop_cluster(pg).await;
}

#[tokio::test]
async fn a_data_directory_under_a_private_parent_starts_and_is_found_again() {
    // A checkout in /root: its parent is 0700, so as root the `postgres` user cannot enter it.
    let home = tempfile::Builder::new()
        .prefix("girder-test-home-")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(
        home.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let requested = home.path().join("girder/data/postgres");
    // What a failed start before this fix left behind.
    std::fs::create_dir_all(&requested).unwrap();

    let pg = start_cluster(&requested, false).await;
    let first_dir = pg.data_dir().to_owned();
    let root = nix::unistd::Uid::effective().is_root();
    if root {
        assert!(first_dir.starts_with(RELOCATED_BASE), "{first_dir:?}");
        assert_eq!(std::fs::read_link(&requested).unwrap(), first_dir);
    } else {
        assert_eq!(first_dir, requested.canonicalize().unwrap());
    }
    let mut conn = PgConnection::connect(&pg.superuser_url("postgres"))
        .await
        .unwrap();
    sqlx::raw_sql("create table marker (id int); insert into marker values (7)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    stop_cluster(pg).await;

    // The second start finds the same cluster (throwaway now, so it is removed afterwards).
    let pg = start_cluster(&requested, true).await;
    assert_eq!(pg.data_dir(), first_dir);
    let mut conn = PgConnection::connect(&pg.superuser_url("postgres"))
        .await
        .unwrap();
    #[expect(clippy::disallowed_methods, reason = "a table of this test's own")]
    let kept: i32 = sqlx::query_scalar("select id from marker")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(kept, 7);
    conn.close().await.ok();
    stop_cluster(pg).await;
    assert!(!first_dir.exists(), "the throwaway cluster is removed");
}
