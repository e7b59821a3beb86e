use axum::http::{StatusCode, header};

use crate::support::{TestApp, assert_not_found};

#[tokio::test]
async fn healthz_checks_the_database() {
    let app = TestApp::spawn().await;
    let r = app.client().get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "ok");
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let r = app.client().get("/login").await;
    let csp = r
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(r.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
    assert_eq!(
        r.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
        "nosniff"
    );
    assert!(r.headers.get(header::REFERRER_POLICY).is_some());
    assert!(r.headers.get("x-request-id").is_some());
}

#[tokio::test]
async fn unknown_pages_get_a_translated_404_and_json_clients_a_problem() {
    let app = TestApp::spawn().await;
    let mut c = app.client();
    let r = c.get("/no-such-page").await;
    assert_not_found(&r);
    r.assert_contains("页面不存在");
    c.accept_language = "en";
    let r = c.get("/no-such-page").await;
    r.assert_contains("Page not found");
    let r = c.get_json("/no-such-page").await;
    assert_eq!(
        r.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    r.assert_contains("\"status\":404");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let app = TestApp::spawn_with(|c| c.body_limit = 1024).await;
    let mut c = app.client();
    c.get("/login").await;
    let big = "x".repeat(4096);
    let r = c
        .post_form("/login", &[("email", big.as_str()), ("password", "y")])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_lost_database_answers_503_with_a_retry_page() {
    // Nothing listens on port 1: every connection attempt is refused.
    let db = girder::db::Db::connect_lazy("postgres://girder_app:x@127.0.0.1:1/girder").unwrap();
    let state = girder::AppState::new(db, girder::config::Config::for_tests()).unwrap();
    let mut c = crate::support::TestClient::new(girder::app(state));
    let r = c.get("/healthz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let r = c.get("/login").await;
    assert_eq!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?} {}",
        r.headers,
        r.body
    );
    assert_eq!(r.headers.get(header::RETRY_AFTER).unwrap(), "5");
    r.assert_contains("服务暂时不可用");
    r.assert_contains("重试");
}
