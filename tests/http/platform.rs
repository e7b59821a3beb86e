use axum::http::StatusCode;

use crate::support::{PASSWORD, TestApp, TestClient};

async fn operator(app: &TestApp) -> TestClient {
    let hash = girder::auth::password::hash(PASSWORD.into()).await.unwrap();
    girder::db::cross_tenant::upsert_operator(&app.state.db, "ops@vendor.cn", "Ops", &hash)
        .await
        .unwrap();
    let mut c = app.client();
    c.get("/platform/login").await;
    let r = c
        .post_form(
            "/platform/login",
            &[("email", "ops@vendor.cn"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.location(), "/platform");
    c
}

#[tokio::test]
async fn operators_see_every_tenant_and_can_extend_suspend_and_resume() {
    let app = TestApp::spawn().await;
    let (_, acme) = app.signup("Acme", "owner@acme.cn").await;
    app.signup("Beta Build", "owner@beta.cn").await;
    app.user(acme, "pm@acme.cn", "project_manager").await;
    let mut ops = operator(&app).await;
    let page = ops.get("/platform").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Acme");
    page.assert_contains("Beta Build");
    assert!(
        page.text("tbody tr").contains("2 / 25"),
        "{}",
        page.text("tbody tr")
    );
    let found = ops.get("/platform?q=BETA").await;
    found.assert_contains("Beta Build");
    assert!(!found.text("tbody").contains("Acme"));

    let r = ops
        .post_form(
            &format!("/platform/tenants/{acme}/extend"),
            &[("days", "10")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let days = app
        .count(&format!(
            "select extract(day from trial_ends_at - now())::bigint from tenant where id = {acme}"
        ))
        .await;
    assert_eq!(days, 24);
    assert_eq!(
        ops.post_form(
            &format!("/platform/tenants/{acme}/extend"),
            &[("days", "500")]
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );

    let r = ops
        .post_form(&format!("/platform/tenants/{acme}/suspend"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut c = app.client();
    c.get("/login").await;
    let r = c
        .post_form(
            "/login",
            &[("email", "owner@acme.cn"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("已被暂停");
    ops.get("/platform").await;
    ops.post_form(&format!("/platform/tenants/{acme}/resume"), &[])
        .await;
    c.login("owner@acme.cn", PASSWORD).await;
    // The tenant's audit log shows what the operator did.
    let audit = c.get("/settings/audit").await;
    audit.assert_contains("operator:ops@vendor.cn");
    assert_not_found_404(
        ops.post_form("/platform/tenants/999999/suspend", &[])
            .await
            .status,
    );
}

fn assert_not_found_404(s: StatusCode) {
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn tenant_users_never_reach_the_console() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let r = owner.get("/platform").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("仅限平台运营人员");
    // A tenant user's password is no operator password.
    let mut c = app.client();
    c.get("/platform/login").await;
    let r = c
        .post_form(
            "/platform/login",
            &[("email", "owner@acme.cn"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nobody signed in is sent to the operator sign-in.
    let r = app.client().get("/platform").await;
    assert_eq!(r.location(), "/platform/login?next=%2Fplatform");
}
