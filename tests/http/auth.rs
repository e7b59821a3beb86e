use axum::http::{StatusCode, header};

use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn login_and_logout() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let r = owner.get("/dashboard").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = owner.post_form("/logout", &[]).await;
    assert_eq!(r.location(), "/login");
    let r = owner.get("/dashboard").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=%2Fdashboard");

    let mut c = app.client();
    let r = c.login("OWNER@acme.cn", PASSWORD).await;
    assert_eq!(r.location(), "/dashboard");
    let r = c.get("/dashboard").await;
    r.assert_contains("Acme");
}

#[tokio::test]
async fn sign_in_issues_a_new_session_id_and_a_hardened_cookie() {
    let app = TestApp::spawn().await;
    app.signup("Acme", "owner@acme.cn").await;
    let mut c = app.client();
    let first = c.get("/login").await;
    let before = first
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        before.contains("HttpOnly") && before.contains("SameSite=Lax"),
        "{before}"
    );
    let r = c
        .post_form(
            "/login",
            &[("email", "owner@acme.cn"), ("password", PASSWORD)],
        )
        .await;
    let after = r
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let id = |s: &str| s.split(';').next().unwrap().to_owned();
    assert_ne!(id(&before), id(&after), "session id must change at sign-in");
}

#[tokio::test]
async fn a_wrong_password_or_unknown_email_is_refused_alike() {
    let app = TestApp::spawn().await;
    app.signup("Acme", "owner@acme.cn").await;
    let mut c = app.client();
    c.get("/login").await;
    let wrong = c
        .post_form(
            "/login",
            &[("email", "owner@acme.cn"), ("password", "not-the-password")],
        )
        .await;
    let unknown = c
        .post_form(
            "/login",
            &[("email", "ghost@acme.cn"), ("password", PASSWORD)],
        )
        .await;
    for r in [wrong, unknown] {
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.text(".form-error"), "邮箱或密码不正确。");
    }
    assert_eq!(c.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn logins_are_rate_limited() {
    let app = TestApp::spawn_with(|c| c.auth_rate_per_minute = 2).await;
    let mut c = app.client();
    c.get("/login").await;
    for _ in 0..2 {
        c.post_form(
            "/login",
            &[("email", "x@acme.cn"), ("password", "wrong-password")],
        )
        .await;
    }
    let r = c
        .post_form(
            "/login",
            &[("email", "x@acme.cn"), ("password", "wrong-password")],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers.get(header::RETRY_AFTER).unwrap(), "60");
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let r = owner
        .post_raw(
            "/settings/company",
            "name=Hacked&time_zone=UTC&currency=USD&default_locale=en&version=1".into(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("表单已失效");
    let r = owner
        .post_raw(
            "/settings/company",
            "_csrf=forged&name=Hacked&time_zone=UTC&currency=USD&default_locale=en&version=1"
                .into(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("select count(*) from tenant where name = 'Hacked'")
            .await,
        0
    );
}

#[tokio::test]
async fn forgot_password_sends_a_single_use_link() {
    let app = TestApp::spawn().await;
    let (mut old_session, _) = app.signup("Acme", "owner@acme.cn").await;
    let mut c = app.client();
    c.get("/forgot-password").await;
    let r = c
        .post_form("/forgot-password", &[("email", "owner@acme.cn")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("重置链接已发送");
    // An unknown address gets the same answer and no mail.
    let r2 = c
        .post_form("/forgot-password", &[("email", "ghost@acme.cn")])
        .await;
    assert_eq!(r2.text("main"), r.text("main"));
    let sent = app.state.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "owner@acme.cn");
    let path = &reset_path(&app);

    let form = c.get(path).await;
    assert_eq!(form.status, StatusCode::OK);
    let r = c
        .post_form(
            path,
            &[
                ("password", "new-password-123"),
                ("confirm", "different-123"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("confirm").contains("不一致"));
    let r = c
        .post_form(
            path,
            &[
                ("password", "new-password-123"),
                ("confirm", "new-password-123"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/login");

    // Used once: the link is dead now.
    assert_eq!(c.get(path).await.status, StatusCode::GONE);
    let r = c
        .post_form(
            path,
            &[
                ("password", "another-pass-1"),
                ("confirm", "another-pass-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::GONE);
    let mut fresh = app.client();
    fresh.login("owner@acme.cn", "new-password-123").await;
    // The session from before the reset has ended.
    assert_eq!(
        old_session.get("/dashboard").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(fresh.get("/dashboard").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_expired_reset_link_does_not_work() {
    let app = TestApp::spawn().await;
    app.signup("Acme", "owner@acme.cn").await;
    let mut c = app.client();
    c.get("/forgot-password").await;
    c.post_form("/forgot-password", &[("email", "owner@acme.cn")])
        .await;
    app.exec("update password_reset set expires_at = now() - interval '1 minute'")
        .await;
    let r = c.get(&reset_path(&app)).await;
    assert_eq!(r.status, StatusCode::GONE);
    r.assert_contains("已过期");
}

#[tokio::test]
async fn the_language_switch_changes_every_string() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    owner.get("/dashboard").await.assert_contains("工作台");
    let r = owner
        .post_form("/locale", &[("locale", "en"), ("next", "/dashboard")])
        .await;
    assert_eq!(r.location(), "/dashboard");
    let page = owner.get("/dashboard").await;
    page.assert_contains("<html lang=\"en\">");
    page.assert_contains("Getting started");
    assert!(!page.body.contains("快速上手"));
    // It sticks to the account: a new sign-in is in English too.
    let mut again = app.client();
    again.login("owner@acme.cn", PASSWORD).await;
    again.get("/dashboard").await.assert_contains("Dashboard");
}

#[tokio::test]
async fn a_deactivated_user_is_signed_out() {
    let app = TestApp::spawn().await;
    let (_, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    assert_eq!(pm.get("/dashboard").await.status, StatusCode::OK);
    app.exec("update app_user set active = false where email = 'pm@acme.cn'")
        .await;
    assert_eq!(pm.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

/// The path of the reset link in the last mail sent.
fn reset_path(app: &TestApp) -> String {
    let sent = app.state.mailer.sent();
    let body = &sent.last().expect("a mail was sent").body;
    let at = body.find("/reset-password/").expect("a reset link");
    body[at..]
        .split_whitespace()
        .next()
        .expect("link")
        .to_owned()
}

#[tokio::test]
async fn hostile_input_to_sign_in_is_refused_not_crashed() {
    let app = TestApp::spawn().await;
    app.signup("Acme", "owner@acme.cn").await;
    let mut c = app.client();
    c.get("/login").await;
    let r = c
        .post_form(
            "/login",
            &[("email", "a\u{0}b@acme.cn"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // `next` cannot lead off the site, tabs and all.
    let r = c
        .post_form(
            "/login",
            &[
                ("email", "owner@acme.cn"),
                ("password", PASSWORD),
                ("next", "/\t/evil.example"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/dashboard");
    let r = c.get("/login?next=%2F%09%2Fevil.example").await;
    assert_eq!(r.location(), "/dashboard");
    // Out-of-range filters and pages are handled, not panics.
    for path in [
        "/settings/audit?until=%2B262142-12-31",
        "/settings/audit?page=9223372036854775807",
        "/settings/audit?entity=%00",
    ] {
        assert_eq!(c.get(path).await.status, StatusCode::OK, "{path}");
    }
}
