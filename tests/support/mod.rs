//! The test harness: one throwaway PostgreSQL cluster per test process (or `DATABASE_URL`, as a
//! superuser), a migrated template database, and for every test a fresh database cloned from
//! it, reached as the application role so row-level security is live. `TestClient` drives the
//! real router in-process with a cookie jar and CSRF tokens.
#![allow(
    dead_code,
    clippy::allow_attributes,
    reason = "each test binary uses part of the harness"
)]
#![expect(
    clippy::disallowed_methods,
    reason = "database DDL in the harness takes identifiers"
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use ed25519_dalek::SigningKey;
use girder::config::Config;
use girder::db::embedded::EmbeddedPostgres;
use girder::db::{self, Db};
use girder::{AppState, app_with};
use http_body_util::BodyExt;
use sqlx::{Connection, PgConnection};
use tower::ServiceExt;

pub mod builders;

const TEMPLATE: &str = "girder_template";
const APP_PASSWORD: &str = "girdertestapp";

struct Cluster {
    /// `postgres://superuser@host:port` without a database.
    superuser_base: String,
    app_base: String,
}

fn with_db(base: &str, db: &str) -> String {
    format!("{base}/{db}")
}

fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        // Set up on a thread of its own: tests run inside their own runtimes.
        std::thread::spawn(|| {
            let (superuser_base, app_base) = match std::env::var("DATABASE_URL") {
                Ok(url) => {
                    let mut u = url::Url::parse(&url).expect("DATABASE_URL is a URL");
                    u.set_path("");
                    let base = u.as_str().trim_end_matches('/').to_owned();
                    let mut app = u.clone();
                    app.set_username(db::APP_ROLE).expect("set user");
                    app.set_password(Some(APP_PASSWORD)).expect("set password");
                    (base, app.as_str().trim_end_matches('/').to_owned())
                }
                Err(_) => {
                    let dir = tempfile::Builder::new()
                        .prefix("girder-test-pg-")
                        .tempdir_in("/tmp")
                        .expect("temporary directory")
                        .keep();
                    let pg = EmbeddedPostgres::start(&dir, true)
                        .expect("starting a throwaway PostgreSQL (are PostgreSQL's packages installed?)");
                    let base = pg.superuser_url("").trim_end_matches('/').to_owned();
                    let app = pg.url_for(db::APP_ROLE, APP_PASSWORD, "").trim_end_matches('/').to_owned();
                    // The watchdog stops and deletes the cluster when this process exits.
                    std::mem::forget(pg);
                    (base, app)
                }
            };
            tokio::runtime::Runtime::new().expect("runtime").block_on(async {
                let admin = with_db(&superuser_base, "postgres");
                let mut conn = PgConnection::connect(&admin).await.expect("superuser connection");
                sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists {TEMPLATE}")))
                    .execute(&mut conn)
                    .await
                    .expect("drop old template");
                conn.close().await.ok();
                db::create_database(&admin, TEMPLATE, None).await.expect("create template");
                let template = with_db(&superuser_base, TEMPLATE);
                db::migrate(&template).await.expect("migrate template");
                db::enable_app_login(&template, APP_PASSWORD).await.expect("app login");
                // Each table's ids start at a different offset, so an id used on the wrong
                // table cannot pass a test by accident.
                let mut conn = PgConnection::connect(&template).await.expect("template connection");
                sqlx::query(
                    r#"
                    do $$
                    declare s record; n int := 0;
                    begin
                        for s in select schemaname, sequencename from pg_sequences order by sequencename loop
                            n := n + 1;
                            execute format('select setval(%L, %s)', s.schemaname || '.' || s.sequencename, n * 1000);
                        end loop;
                    end $$;
                    "#,
                )
                .execute(&mut conn)
                .await
                .expect("offset sequences");
                conn.close().await.ok();
            });
            Cluster { superuser_base, app_base }
        })
        .join()
        .expect("test cluster set-up")
    })
}

/// One test's application over its own database.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// Superuser URL of this test's database, for arranging and inspecting rows.
    pub superuser_url: String,
    /// Signs licence keys this app accepts.
    pub licence_signer: SigningKey,
}

static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> TestApp {
        let cluster = cluster();
        let name = format!(
            "t_{}_{}",
            std::process::id(),
            NEXT_DB.fetch_add(1, Ordering::SeqCst)
        );
        db::create_database(
            &with_db(&cluster.superuser_base, "postgres"),
            &name,
            Some(TEMPLATE),
        )
        .await
        .expect("create test database");
        let db = Db::connect_lazy(&with_db(&cluster.app_base, &name)).expect("pool");
        let (private, public) = girder::licence::generate_keypair().expect("keys");
        let mut config = Config::for_tests();
        config.license_public_key = Some(public);
        configure(&mut config);
        let mut state = AppState::new(db, config).expect("state");
        state.mailer = state.mailer.recording();
        TestApp {
            router: app_with(state.clone(), Router::new()),
            state,
            superuser_url: with_db(&cluster.superuser_base, &name),
            licence_signer: girder::licence::parse_signing_key(&private).expect("signer"),
        }
    }

    /// The same app with extra routes (probes).
    pub fn with_routes(mut self, extra: Router<AppState>) -> TestApp {
        self.router = app_with(self.state.clone(), extra);
        self
    }

    /// Serve the app on a free loopback port (for a real browser) and return its base URL.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let service = self
            .router
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await });
        format!("http://{addr}")
    }

    pub fn client(&self) -> TestClient {
        TestClient::new(self.router.clone())
    }

    /// A superuser connection to this test's database (bypasses RLS: for arranging state).
    pub async fn superuser(&self) -> PgConnection {
        PgConnection::connect(&self.superuser_url)
            .await
            .expect("superuser connection")
    }

    /// Run SQL as superuser.
    pub async fn exec(&self, sql: &str) {
        let mut conn = self.superuser().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// A single number from SQL as superuser.
    pub async fn count(&self, sql: &str) -> i64 {
        let mut conn = self.superuser().await;
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Sign up a company and return its signed-in owner's client and the tenant id.
    pub async fn signup(&self, company: &str, email: &str) -> (TestClient, i64) {
        let mut c = self.client();
        c.get("/signup").await;
        let r = c
            .post_form(
                "/signup",
                &[
                    ("company", company),
                    ("name", "Owner"),
                    ("email", email),
                    ("phone", ""),
                    ("password", PASSWORD),
                    ("accept_terms", "on"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "signup failed: {}", r.body);
        let tenant = self
            .count(&format!(
                "select tenant_id from login_identity where email = '{email}'"
            ))
            .await;
        (c, tenant)
    }

    /// Add a user with `role` straight into the database, and return a client signed in as them.
    pub async fn user(&self, tenant: i64, email: &str, role: &str) -> TestClient {
        let hash = girder::auth::password::hash(PASSWORD.into())
            .await
            .expect("hash");
        self.exec(&format!(
            "insert into app_user (tenant_id, email, name, role, password_hash) values ({tenant}, '{email}', '{role} user', '{role}', '{hash}');
             insert into login_identity (email, tenant_id, user_id) select email, tenant_id, id from app_user where email = '{email}';"
        ))
        .await;
        let mut c = self.client();
        c.login(email, PASSWORD).await;
        c
    }
}

/// The password every test user has.
pub const PASSWORD: &str = "correct-horse-battery";

/// A response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (downloads that are not text).
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    /// Text of every element matching `selector`, joined.
    pub fn text(&self, selector: &str) -> String {
        let sel = scraper::Selector::parse(selector).expect("selector");
        self.html()
            .select(&sel)
            .map(|e| e.text().collect::<String>())
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// The message shown beside field `name`.
    pub fn field_error(&self, name: &str) -> String {
        self.text(&format!("#e-{name}"))
    }

    pub fn assert_contains(&self, needle: &str) {
        assert!(
            self.body.contains(needle),
            "expected {needle:?} in:\n{}",
            self.body
        );
    }
}

/// A browser-like client: cookie jar, CSRF token from the last page, client address.
pub struct TestClient {
    router: Router,
    cookies: HashMap<String, String>,
    pub csrf: Option<String>,
    pub ip: SocketAddr,
    pub accept_language: &'static str,
}

impl TestClient {
    pub fn new(router: Router) -> Self {
        TestClient {
            router,
            cookies: HashMap::new(),
            csrf: None,
            ip: "203.0.113.7:5000".parse().expect("addr"),
            accept_language: "zh-CN,zh;q=0.9",
        }
    }

    async fn send(&mut self, mut req: Request<Body>) -> TestResponse {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        if !cookie.is_empty() {
            req.headers_mut()
                .insert(header::COOKIE, cookie.parse().expect("cookie"));
        }
        req.headers_mut().insert(
            header::ACCEPT_LANGUAGE,
            self.accept_language.parse().expect("lang"),
        );
        req.extensions_mut().insert(ConnectInfo(self.ip));
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        for set in headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().expect("cookie text");
            let pair = set.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                if set.contains("Max-Age=0") || v.is_empty() {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = csrf_in(&body) {
            self.csrf = Some(token);
        }
        TestResponse {
            status,
            headers,
            body,
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        let req = Request::get(path).body(Body::empty()).expect("request");
        self.send(req).await
    }

    pub async fn get_json(&mut self, path: &str) -> TestResponse {
        let req = Request::get(path)
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    /// POST a form with the CSRF token of the last page seen.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let token = self.csrf.clone().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, serde_urlencoded::to_string(&all).expect("form"))
            .await
    }

    /// POST a raw url-encoded body (no token added).
    pub async fn post_raw(&mut self, path: &str, body: String) -> TestResponse {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// POST a multipart form as a browser does: the CSRF token of the last page seen first,
    /// then `fields`, then `files` as (field, file name, content type, bytes).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, Vec<u8>)],
    ) -> TestResponse {
        const BOUNDARY: &str = "----girder-test-boundary-5f0c2a9e";
        let token = self.csrf.clone().unwrap_or_default();
        let mut body = Vec::new();
        for (name, value) in
            std::iter::once(("_csrf", token.as_str())).chain(fields.iter().copied())
        {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        for (name, file_name, content_type, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let req = Request::post(path)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Follow a redirect response with a GET.
    pub async fn follow(&mut self, r: &TestResponse) -> TestResponse {
        assert!(
            r.status.is_redirection(),
            "not a redirect: {} {}",
            r.status,
            r.body
        );
        let to = r.location().to_owned();
        self.get(&to).await
    }

    pub async fn login(&mut self, email: &str, password: &str) -> TestResponse {
        self.get("/login").await;
        let r = self
            .post_form("/login", &[("email", email), ("password", password)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login failed: {}", r.body);
        r
    }
}

fn csrf_in(body: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')?;
    Some(body[start..start + end].to_owned())
}

/// Assert a 404 page.
pub fn assert_not_found(r: &TestResponse) {
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "expected 404, got {}: {}",
        r.status,
        r.body
    );
}
