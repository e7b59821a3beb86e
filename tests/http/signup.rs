use axum::http::StatusCode;

use crate::support::{PASSWORD, TestApp};

fn form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("company", "华建工程有限公司"),
        ("name", "李伟"),
        ("email", "li.wei@huajian.cn"),
        ("phone", "13800138000"),
        ("password", PASSWORD),
        ("accept_terms", "on"),
    ];
    for (k, v) in overrides {
        f.retain(|(name, _)| name != k);
        if !v.is_empty() || *k != "accept_terms" {
            f.push((k, v));
        }
    }
    f
}

#[tokio::test]
async fn signup_creates_a_trial_tenant_with_its_owner_and_lands_on_the_dashboard() {
    let app = TestApp::spawn().await;
    let mut c = app.client();
    c.get("/signup").await;
    let r = c.post_form("/signup", &form(&[])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/dashboard");

    let page = c.follow(&r).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("华建工程有限公司");
    page.assert_contains("试用中，还剩 15 天");
    assert!(
        page.text(".checklist").contains("邀请同事加入"),
        "{}",
        page.body
    );

    let days = app
        .count("select round(extract(epoch from trial_ends_at - created_at) / 86400)::bigint from tenant")
        .await;
    assert_eq!(days, 15);
    assert_eq!(
        app.count("select count(*) from app_user where role = 'owner'")
            .await,
        1
    );
    let hash = app
        .count("select count(*) from app_user where password_hash like '$argon2id$%'")
        .await;
    assert_eq!(hash, 1);
    assert_eq!(
        app.count("select count(*) from tenant_module where not enabled")
            .await,
        0
    );
    assert_eq!(app.count("select count(*) from audit_log").await, 2);
}

async fn assert_refused(app: &TestApp, overrides: &[(&str, &str)], field: &str, message: &str) {
    let mut c = app.client();
    c.get("/signup").await;
    let before = app.count("select count(*) from tenant").await;
    let r = c.post_form("/signup", &form(overrides)).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{overrides:?}: {}",
        r.body
    );
    let shown = r.field_error(field);
    assert!(
        shown.contains(message),
        "{field}: expected {message:?}, got {shown:?}"
    );
    assert_eq!(
        app.count("select count(*) from tenant").await,
        before,
        "a row was written"
    );
    assert_eq!(
        app.count("select count(*) from app_user where email <> 'first@acme.cn'")
            .await,
        0
    );
}

#[tokio::test]
async fn bad_signup_input_comes_back_beside_its_field_with_nothing_written() {
    let app = TestApp::spawn().await;
    assert_refused(&app, &[("company", "")], "company", "此项必填").await;
    assert_refused(&app, &[("name", "   ")], "name", "此项必填").await;
    assert_refused(&app, &[("email", "li.wei@")], "email", "邮箱格式不正确").await;
    assert_refused(
        &app,
        &[("password", "short")],
        "password",
        "至少需要 10 个字符",
    )
    .await;
    assert_refused(
        &app,
        &[("accept_terms", "")],
        "accept_terms",
        "同意服务条款",
    )
    .await;
    let long = "工".repeat(201);
    assert_refused(&app, &[("company", long.as_str())], "company", "内容过长").await;
    assert_refused(&app, &[("name", "bell\u{7}")], "name", "无效字符").await;
    assert_refused(
        &app,
        &[("phone", "call me maybe")],
        "phone",
        "有效的电话号码",
    )
    .await;
}

#[tokio::test]
async fn the_form_keeps_what_was_typed_but_not_the_password() {
    let app = TestApp::spawn().await;
    let mut c = app.client();
    c.get("/signup").await;
    let r = c.post_form("/signup", &form(&[("email", "nope")])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("value=\"华建工程有限公司\"");
    r.assert_contains("value=\"nope\"");
    assert!(!r.body.contains(PASSWORD));
}

#[tokio::test]
async fn non_utf8_input_is_refused_with_a_message() {
    let app = TestApp::spawn().await;
    let mut c = app.client();
    c.get("/signup").await;
    let token = c.csrf.clone().unwrap();
    let body = format!(
        "_csrf={token}&company=%FF%FEAcme&name=Li&email=li%40acme.cn&password=correct-horse-battery&accept_terms=on"
    );
    let r = c.post_raw("/signup", body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("company").contains("无效字符"));
    assert_eq!(app.count("select count(*) from tenant").await, 0);
}

#[tokio::test]
async fn an_email_already_registered_is_refused() {
    let app = TestApp::spawn().await;
    app.signup("First", "first@acme.cn").await;
    assert_refused(&app, &[("email", "FIRST@acme.cn")], "email", "该邮箱已注册").await;
    assert_eq!(app.count("select count(*) from tenant").await, 1);
}

#[tokio::test]
async fn signups_are_rate_limited_per_address() {
    let app = TestApp::spawn_with(|c| c.auth_rate_per_minute = 3).await;
    let mut c = app.client();
    c.get("/signup").await;
    for _ in 0..3 {
        let r = c.post_form("/signup", &form(&[("email", "bad")])).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = c.post_form("/signup", &form(&[])).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    r.assert_contains("尝试次数过多");
    assert_eq!(app.count("select count(*) from tenant").await, 0);
    // Another address is not affected.
    let mut other = app.client();
    other.ip = "198.51.100.1:4000".parse().unwrap();
    other.get("/signup").await;
    let r = other.post_form("/signup", &form(&[])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_terms_page_opens() {
    let app = TestApp::spawn().await;
    let r = app.client().get("/terms").await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("15 天");
}
