use axum::http::StatusCode;
use chrono::NaiveDate;
use girder::licence::{LicenceTerms, sign};

use crate::support::TestApp;

fn terms(tenant: i64, key_id: &str) -> LicenceTerms {
    LicenceTerms {
        key_id: key_id.into(),
        tenant_id: tenant,
        seats: 30,
        modules: vec!["plans".into(), "progress".into(), "cost".into()],
        expires_on: NaiveDate::from_ymd_opt(2099, 12, 31),
        issued_on: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    }
}

#[tokio::test]
async fn a_signed_licence_key_activates_seats_and_modules() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let key = sign(&terms(tenant, "k-1"), &app.licence_signer).unwrap();
    owner.get("/settings/licence").await;
    let r = owner.post_form("/settings/licence", &[("key", &key)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.follow(&r).await;
    page.assert_contains("许可证已激活");
    page.assert_contains("有效期至 2099-12-31");
    page.assert_contains("1 / 30");
    assert_eq!(
        app.count("select licence_seats::bigint from tenant").await,
        30
    );
    // Modules outside the licence are gone.
    let modules = owner.get("/settings/modules").await;
    modules.assert_contains("不在当前许可范围内");
    assert!(
        !owner
            .get("/dashboard")
            .await
            .text(".card")
            .contains("资金中心")
    );
    // Saving the switches leaves modules outside the licence as they were.
    let r = owner
        .post_form("/settings/modules", &[("enabled", "plans")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("select count(*) from tenant_module where not enabled")
            .await,
        2
    );
    assert_eq!(
        app.count("select count(*) from tenant_module where module = 'funds'")
            .await,
        0
    );
    owner.get("/settings/licence").await;
    // The same key twice is refused.
    let r = owner.post_form("/settings/licence", &[("key", &key)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("已在本公司激活过");
}

#[tokio::test]
async fn a_tampered_or_foreign_key_is_refused_with_a_clear_message() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    owner.get("/settings/licence").await;

    let key = sign(&terms(tenant, "k-2"), &app.licence_signer).unwrap();
    let mut tampered = key.clone().into_bytes();
    let i = tampered.len() - 5;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let r = owner
        .post_form(
            "/settings/licence",
            &[("key", &String::from_utf8(tampered).unwrap())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("签名校验失败");

    let foreign = sign(&terms(tenant + 1, "k-3"), &app.licence_signer).unwrap();
    let r = owner
        .post_form("/settings/licence", &[("key", &foreign)])
        .await;
    r.assert_contains("为其他公司签发");

    let (other_signer, _) = girder::licence::generate_keypair().unwrap();
    let other = girder::licence::parse_signing_key(&other_signer).unwrap();
    let r = owner
        .post_form(
            "/settings/licence",
            &[("key", &sign(&terms(tenant, "k-4"), &other).unwrap())],
        )
        .await;
    r.assert_contains("签名校验失败");

    let r = owner
        .post_form("/settings/licence", &[("key", "hello")])
        .await;
    r.assert_contains("不是有效的 Girder 许可证密钥");
    assert_eq!(app.count("select count(*) from licence").await, 0);
    assert_eq!(
        app.count("select count(*) from tenant where plan = 'trial'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_trial_counts_down_then_grace_then_read_only() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    assert!(
        !owner
            .get("/dashboard")
            .await
            .body
            .contains("class=\"banner")
    );

    app.exec("update tenant set trial_ends_at = now() + interval '3 days' - interval '1 minute'")
        .await;
    owner
        .get("/dashboard")
        .await
        .assert_contains("试用期还剩 3 天");

    app.exec("update tenant set trial_ends_at = now() - interval '2 days'")
        .await;
    let page = owner.get("/dashboard").await;
    page.assert_contains("宽限期还剩 5 天");
    owner.get("/settings/company").await;
    let fields = [
        ("name", "Still writable"),
        ("time_zone", "Asia/Shanghai"),
        ("currency", "CNY"),
        ("default_locale", "zh-CN"),
        ("version", "1"),
    ];
    assert_eq!(
        owner.post_form("/settings/company", &fields).await.status,
        StatusCode::SEE_OTHER
    );

    app.exec("update tenant set trial_ends_at = now() - interval '8 days'")
        .await;
    // Every page still opens, with the banner.
    for path in [
        "/dashboard",
        "/settings/company",
        "/settings/users",
        "/settings/audit",
        "/settings/licence",
    ] {
        let r = owner.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        r.assert_contains("系统为只读");
    }
    let fields = [
        ("name", "Blocked"),
        ("time_zone", "Asia/Shanghai"),
        ("currency", "CNY"),
        ("default_locale", "zh-CN"),
        ("version", "2"),
    ];
    let r = owner.post_form("/settings/company", &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("href=\"/settings/licence\"");
    assert_eq!(
        app.count("select count(*) from tenant where name = 'Blocked'")
            .await,
        0
    );
    let r = owner
        .post_form(
            "/settings/users/invite",
            &[("email", "x@acme.cn"), ("role", "viewer")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The licence page is the way out, and it stays writable.
    let key = sign(&terms(tenant, "rescue"), &app.licence_signer).unwrap();
    owner.get("/settings/licence").await;
    let r = owner.post_form("/settings/licence", &[("key", &key)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!owner.get("/dashboard").await.body.contains("系统为只读"));
    let version = app
        .count("select version::bigint from tenant")
        .await
        .to_string();
    let fields = [
        ("name", "Writable again"),
        ("time_zone", "Asia/Shanghai"),
        ("currency", "CNY"),
        ("default_locale", "zh-CN"),
        ("version", version.as_str()),
    ];
    assert_eq!(
        owner.post_form("/settings/company", &fields).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_owner_extends_the_trial_once() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    app.exec("update tenant set trial_ends_at = now() + interval '1 day'")
        .await;
    let page = owner.get("/settings/licence").await;
    page.assert_contains("延长试用 7 天");
    let r = owner.post_form("/settings/licence/extend-trial", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = owner.follow(&r).await;
    page.assert_contains("试用中，还剩 8 天");
    assert!(!page.body.contains("延长试用 7 天（仅一次）</button>"));
    let r = owner.post_form("/settings/licence/extend-trial", &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.count("select count(*) from audit_log where summary like 'trial extended%'")
            .await,
        1
    );
}
