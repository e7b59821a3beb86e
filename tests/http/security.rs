//! Hardening over HTTP: inert CSV exports, `no-store` and HSTS headers, hashed session ids,
//! the `/metrics` token, sign-in throttled per account and per address (with trusted
//! proxies), a panicking handler answering the 500 page, cache-busted statics and the favicon.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::routing::get;
use calamine::{Data, Reader, Xlsx};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::builders::{Company, CompanyBuilder};
use crate::support::{PASSWORD, TestApp, TestClient, TestResponse};

/// A valid identity-card number (GB 11643) born 1985-06-15 with sequence `seq`.
fn id_number(seq: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let body = format!("33010619850615{:03}", seq % 1000);
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", CHECK[(sum % 11) as usize] as char)
}

fn cache_control(r: &TestResponse) -> &str {
    r.headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The CSV body's lines without the byte-order mark.
fn csv_lines(r: &TestResponse) -> Vec<String> {
    r.body
        .trim_start_matches('\u{FEFF}')
        .lines()
        .map(str::to_owned)
        .collect()
}

const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"点我\")";

#[tokio::test]
async fn a_formula_typed_as_a_trade_leaves_the_workers_csv_as_text() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    owner.get("/labour/workers").await;
    let r = owner
        .post_form(
            "/settings/labour/trades",
            &[("name_zh", FORMULA), ("name_en", "@SUM(A1)")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let trade = app
        .count(&format!(
            "select id from trade where tenant_id = {tenant} and name_zh like '=HYPERLINK%'"
        ))
        .await
        .to_string();
    owner.get("/labour/workers").await;
    let r = owner
        .post_form(
            "/labour/workers",
            &[
                ("name", "张三"),
                ("id_number", &id_number(7)),
                ("phone", "+86 138 0571 0000"),
                ("trade_id", &trade),
                ("crew_id", ""),
                ("day_rate", "350"),
                ("bank_name", "-开户行"),
                ("bank_account", "6217 0012 3456 7890"),
                ("active", "1"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let r = owner.get("/labour/workers/export?format=csv").await;
    assert_eq!(r.status, StatusCode::OK);
    let lines = csv_lines(&r);
    let row = lines.iter().find(|l| l.starts_with("张三")).expect("row");
    assert!(
        row.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点我\"\")\""),
        "{row}"
    );
    assert!(row.contains(",'+86 138 0571 0000,"), "{row}");
    assert!(row.contains(",'-开户行,"), "{row}");
    // The day rate is still a plain number.
    assert!(row.contains(",350.00,"), "{row}");
    assert!(
        !r.body.contains(",=") && !r.body.contains(",\"="),
        "{}",
        r.body
    );

    // The XLSX carries the formula's text as a string cell, never as a formula.
    let x = owner.get("/labour/workers/export?format=xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(x.bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let formulas = book.worksheet_formula(&sheet).unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
    let cells = book.worksheet_range(&sheet).unwrap();
    assert!(
        cells
            .used_cells()
            .any(|(_, _, v)| *v == Data::String(FORMULA.to_owned()))
    );
}

#[tokio::test]
async fn a_negative_amount_stays_a_number_and_a_formula_description_is_quoted() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let category = app
        .count(&format!(
            "select min(id) from cost_category where tenant_id = {tenant}"
        ))
        .await;
    let original = app
        .count(&format!(
            "insert into cost_entry (tenant_id, project_id, entry_date, category_id, description, amount)
             values ({tenant}, {project}, current_date, {category}, '-2+3 钢筋', 1000) returning id"
        ))
        .await;
    app.exec(&format!(
        "insert into cost_entry (tenant_id, project_id, entry_date, category_id, description, amount, reverses_id)
         values ({tenant}, {project}, current_date, {category}, '{}', -1000, {original})",
        FORMULA.replace('\'', "''")
    ))
    .await;

    let r = owner
        .get(&format!("/projects/{project}/cost/entries?format=csv"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let lines = csv_lines(&r);
    let reversal = lines
        .iter()
        .find(|l| l.contains("HYPERLINK"))
        .expect("reversal row");
    assert!(reversal.contains("\"'=HYPERLINK("), "{reversal}");
    assert!(reversal.contains(",-1000.00"), "{reversal}");
    assert!(!reversal.contains("'-1000"), "{reversal}");
    let first = lines.iter().find(|l| l.contains("钢筋")).expect("row");
    assert!(first.contains(",'-2+3 钢筋"), "{first}");
    assert!(first.contains(",1000.00"), "{first}");
}

#[tokio::test]
async fn signed_in_pages_and_exports_are_not_stored() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let page = owner.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(cache_control(&page), "no-store");
    let export = owner.get("/settings/audit/export?format=csv").await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(cache_control(&export), "no-store");
    let xlsx = owner.get("/labour/workers/export?format=xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert_eq!(cache_control(&xlsx), "no-store");
    // Without secure cookies there is no HSTS (plain HTTP on a LAN must keep working).
    assert!(
        page.headers
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none()
    );
}

#[tokio::test]
async fn hsts_is_sent_only_with_secure_cookies() {
    let app = TestApp::spawn_with(|c| c.secure_cookies = true).await;
    let r = app.client().get("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers.get(header::STRICT_TRANSPORT_SECURITY).unwrap(),
        "max-age=31536000; includeSubDomains"
    );
    let plain = TestApp::spawn().await;
    let r = plain.client().get("/login").await;
    assert!(r.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
}

async fn metrics(app: &TestApp, auth: Option<&str>) -> (StatusCode, String) {
    let mut req = Request::get("/metrics");
    if let Some(a) = auth {
        req = req.header(header::AUTHORIZATION, a);
    }
    let res = app
        .router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn metrics_need_the_configured_bearer_token_and_count_requests_per_route() {
    // No token configured: refused, whatever is sent.
    let app = TestApp::spawn().await;
    let (status, body) = metrics(&app, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("GIRDER_METRICS_TOKEN"), "{body}");
    assert_eq!(
        metrics(&app, Some("Bearer ")).await.0,
        StatusCode::FORBIDDEN
    );

    let app = TestApp::spawn_with(|c| c.metrics_token = Some("s3cret-scrape-token".into())).await;
    let mut c = app.client();
    c.get("/login").await;
    c.get("/no-such-page").await;
    assert_eq!(metrics(&app, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        metrics(&app, Some("Bearer wrong")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        metrics(&app, Some("Basic s3cret-scrape-token")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = metrics(&app, Some("Bearer s3cret-scrape-token")).await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "http_requests_total",
        "route=\"/login\"",
        "http_request_duration_seconds_bucket",
        "db_pool_connections",
    ] {
        assert!(body.contains(needle), "{needle} in {body}");
    }
}

/// A browser at `ip` behind nothing.
fn client_at(app: &TestApp, ip: &str) -> TestClient {
    let mut c = app.client();
    c.ip = format!("{ip}:40000").parse().unwrap();
    c
}

async fn try_login(c: &mut TestClient, email: &str, password: &str) -> TestResponse {
    c.get("/login").await;
    c.post_form("/login", &[("email", email), ("password", password)])
        .await
}

#[tokio::test]
async fn one_account_is_throttled_whatever_the_address() {
    let app = TestApp::spawn_with(|c| {
        c.signin_account_limit = 3;
        c.auth_rate_per_minute = 100;
    })
    .await;
    app.signup("Acme", "owner@acme.cn").await;
    for n in 1..=3 {
        let mut c = client_at(&app, &format!("198.51.100.{n}"));
        let r = try_login(&mut c, "owner@acme.cn", "wrong-password").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {n}");
    }
    // A fourth address, even with the right password: the account waits.
    let mut c = client_at(&app, "198.51.100.4");
    let r = try_login(&mut c, "OWNER@acme.cn", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    r.assert_contains("尝试次数过多");
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    // In English for an English browser.
    let mut en = client_at(&app, "198.51.100.5");
    en.accept_language = "en-GB,en;q=0.9";
    let r = try_login(&mut en, "owner@acme.cn", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    r.assert_contains("Too many attempts");
    // Another account from the same addresses is not affected.
    app.signup("Beta", "owner@beta.cn").await;
    let mut c = client_at(&app, "198.51.100.1");
    let r = try_login(&mut c, "owner@beta.cn", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The window passes: the account signs in again.
    app.exec("update auth_throttle set window_start = window_start - interval '1 day'")
        .await;
    let r = try_login(
        &mut client_at(&app, "198.51.100.4"),
        "owner@acme.cn",
        PASSWORD,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn one_address_is_throttled_but_an_office_signing_in_is_not() {
    let app = TestApp::spawn_with(|c| {
        c.signin_account_limit = 100;
        c.auth_rate_per_minute = 3;
    })
    .await;
    app.signup("Acme", "owner@acme.cn").await;
    // A whole office behind one address signs in correctly, more often than the limit.
    for _ in 0..5 {
        let mut c = client_at(&app, "203.0.113.50");
        let r = try_login(&mut c, "owner@acme.cn", PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    // Guessing at many accounts from one address is stopped.
    let mut c = client_at(&app, "203.0.113.50");
    for n in 0..3 {
        let r = try_login(&mut c, &format!("user{n}@acme.cn"), "guess").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = try_login(&mut c, "user9@acme.cn", "guess").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not.
    let r = try_login(
        &mut client_at(&app, "203.0.113.51"),
        "user9@acme.cn",
        "guess",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// A sign-in through a raw request with an `X-Forwarded-For`, from `peer`.
async fn login_via(app: &TestApp, peer: &str, forwarded: &str, email: &str) -> StatusCode {
    let peer: SocketAddr = format!("{peer}:443").parse().unwrap();
    let send = |req: Request<Body>| {
        let router = app.router.clone();
        async move {
            let mut req = req;
            req.extensions_mut().insert(ConnectInfo(peer));
            let res = router.oneshot(req).await.unwrap();
            let (parts, body) = res.into_parts();
            let body = body.collect().await.unwrap().to_bytes();
            (
                parts.status,
                parts.headers,
                String::from_utf8_lossy(&body).into_owned(),
            )
        }
    };
    let (_, headers, body) = send(Request::get("/login").body(Body::empty()).unwrap()).await;
    let cookie = session_cookie(&headers).expect("session cookie");
    let marker = "name=\"_csrf\" value=\"";
    let start = body.find(marker).unwrap() + marker.len();
    let csrf = &body[start..start + body[start..].find('"').unwrap()];
    let form = serde_urlencoded::to_string([
        ("_csrf", csrf),
        ("email", email),
        ("password", "wrong-password"),
    ])
    .unwrap();
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("girder_session={cookie}"))
        .header("x-forwarded-for", forwarded)
        .body(Body::from(form))
        .unwrap();
    send(req).await.0
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("girder_session="))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
}

#[tokio::test]
async fn forwarded_for_counts_only_from_a_trusted_proxy() {
    let app = TestApp::spawn_with(|c| {
        c.auth_rate_per_minute = 2;
        c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
    // Behind the proxy, each client has its own count.
    for n in 0..2 {
        let s = login_via(&app, "10.0.0.5", "198.51.100.7", &format!("a{n}@x.cn")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let s = login_via(&app, "10.0.0.5", "198.51.100.7", "a9@x.cn").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    // A forged leftmost entry does not help: the proxy appended the real address.
    let s = login_via(&app, "10.0.0.5", "1.2.3.4, 198.51.100.7", "a9@x.cn").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let s = login_via(&app, "10.0.0.5", "198.51.100.8", "a9@x.cn").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // From an address that is not a trusted proxy the header is ignored: changing it
    // does not escape the limit.
    for n in 0..2 {
        let s = login_via(&app, "203.0.113.9", &format!("192.0.2.{n}"), "b@x.cn").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let s = login_via(&app, "203.0.113.9", "192.0.2.99", "c@x.cn").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    // The counts live in PostgreSQL, keyed by the address that was believed.
    assert_eq!(
        app.count("select attempts::int8 from auth_throttle where key = 'address:198.51.100.7'")
            .await,
        4
    );
    assert_eq!(
        app.count("select count(*) from auth_throttle where key like 'address:192.0.2.%'")
            .await,
        0
    );
}

#[tokio::test]
async fn the_session_table_holds_a_hash_not_the_cookie() {
    let app = TestApp::spawn().await;
    app.signup("Acme", "owner@acme.cn").await;
    let peer: SocketAddr = "192.0.2.10:5000".parse().unwrap();
    let send = |req: Request<Body>| {
        let router = app.router.clone();
        async move {
            let mut req = req;
            req.extensions_mut().insert(ConnectInfo(peer));
            let res = router.oneshot(req).await.unwrap();
            let (parts, body) = res.into_parts();
            let body = body.collect().await.unwrap().to_bytes();
            (
                parts.status,
                parts.headers,
                String::from_utf8_lossy(&body).into_owned(),
            )
        }
    };
    let (_, headers, body) = send(Request::get("/login").body(Body::empty()).unwrap()).await;
    let cookie = session_cookie(&headers).expect("cookie");
    let marker = "name=\"_csrf\" value=\"";
    let start = body.find(marker).unwrap() + marker.len();
    let csrf = body[start..start + body[start..].find('"').unwrap()].to_owned();
    let form = serde_urlencoded::to_string([
        ("_csrf", csrf.as_str()),
        ("email", "owner@acme.cn"),
        ("password", PASSWORD),
    ])
    .unwrap();
    let (status, headers, _) = send(
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("girder_session={cookie}"))
            .body(Body::from(form))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Sign-in cycles the id: the new cookie is the live one.
    let cookie = session_cookie(&headers).unwrap_or(cookie);
    assert!(!cookie.is_empty());
    assert_eq!(
        app.count(&format!(
            "select count(*) from session where id = '{cookie}'"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from session
             where id = encode(sha256(convert_to('{cookie}', 'UTF8')), 'hex')
               and data -> 'auth' is not null"
        ))
        .await,
        1
    );
    // The cookie still signs in.
    let (status, _, _) = send(
        Request::get("/dashboard")
            .header(header::COOKIE, format!("girder_session={cookie}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

/// Log lines captured in memory.
#[derive(Clone, Default)]
struct Log(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Log {
    type Writer = Log;

    fn make_writer(&'a self) -> Log {
        self.clone()
    }
}

/// A handler with a bug.
async fn explode() -> &'static str {
    panic!("a bug in a handler")
}

#[tokio::test]
async fn a_panicking_handler_answers_the_500_page_and_the_server_goes_on() {
    let app = TestApp::spawn()
        .await
        .with_routes(Router::new().route("/test/panic", get(explode)));
    let log = Log::default();
    let _subscriber = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_writer(log.clone())
            .with_ansi(false)
            .finish(),
    );
    let mut c = app.client();
    let r = c.get("/test/panic").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.text("h1"), "出错了");
    let id = r
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("request id")
        .to_owned();
    assert_eq!(r.text(".error-page code"), id);
    // The log names the panic inside the request's span, which carries the request id.
    let logged = log.text();
    let line = logged
        .lines()
        .find(|l| l.contains("handler panicked: a bug in a handler"))
        .unwrap_or_else(|| panic!("no panic logged in:\n{logged}"));
    assert!(line.contains(&format!("request_id=\"{id}\"")), "{line}");
    assert_eq!(cache_control(&r), "no-store");
    assert_eq!(c.get("/login").await.status, StatusCode::OK);
}

#[tokio::test]
async fn static_urls_carry_a_hash_and_only_those_are_cached_long() {
    let app = TestApp::spawn().await;
    let mut c = app.client();
    let page = c.get("/login").await;
    let sel = scraper::Selector::parse("link[rel=stylesheet]").unwrap();
    let href = page
        .html()
        .select(&sel)
        .next()
        .and_then(|e| e.value().attr("href"))
        .expect("stylesheet")
        .to_owned();
    let (path, version) = href.split_once("?v=").expect("hashed url");
    assert_eq!(path, "/static/css/girder.css");
    assert_eq!(version.len(), 16, "{href}");

    let css = c.get(&href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(cache_control(&css), "public, max-age=31536000, immutable");
    let etag = css.headers.get(header::ETAG).expect("etag").clone();
    assert_eq!(etag.to_str().unwrap(), format!("\"{version}\""));

    // The bare URL and a stale hash revalidate; a missing file is never stored.
    let bare = c.get("/static/css/girder.css").await;
    assert_eq!(bare.status, StatusCode::OK);
    assert_eq!(cache_control(&bare), "no-cache");
    let stale = c.get("/static/css/girder.css?v=0000000000000000").await;
    assert_eq!(cache_control(&stale), "no-cache");
    let missing = c.get("/static/css/nothing.css?v=0000000000000000").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(cache_control(&missing), "no-store");

    // A conditional request with the ETag is answered 304.
    let res = app
        .router
        .clone()
        .oneshot(
            Request::get(&href)
                .header(header::IF_NONE_MATCH, etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    // The icon is linked and served, also at the address browsers try on their own.
    let icon = scraper::Selector::parse("link[rel=icon]").unwrap();
    let hrefs: Vec<String> = page
        .html()
        .select(&icon)
        .filter_map(|e| e.value().attr("href").map(str::to_owned))
        .collect();
    assert!(
        hrefs
            .iter()
            .any(|h| h.starts_with("/static/favicon.svg?v=")),
        "{hrefs:?}"
    );
    let svg = c.get(&hrefs[0]).await;
    assert_eq!(svg.status, StatusCode::OK);
    let ico = c.get("/favicon.ico").await;
    assert_eq!(ico.status, StatusCode::OK);
    assert_eq!(
        ico.headers.get(header::CONTENT_TYPE).unwrap(),
        "image/x-icon"
    );
    assert_eq!(&ico.bytes[..4], &[0, 0, 1, 0]);
}
