use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use girder::tenancy::{Cost, Labour, TenantTx};

use crate::support::{PASSWORD, TestApp, assert_not_found};

#[tokio::test]
async fn roles_without_the_right_get_403_naming_the_roles_needed() {
    let app = TestApp::spawn().await;
    let (_, tenant) = app.signup("Acme", "owner@acme.cn").await;
    for role in ["project_manager", "finance", "foreman", "viewer"] {
        let mut c = app.user(tenant, &format!("{role}@acme.cn"), role).await;
        let r = c.get("/settings/users").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        r.assert_contains("所有者 / 管理员");
        let r = c
            .post_form(
                "/settings/users/invite",
                &[("email", "x@acme.cn"), ("role", "viewer")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        // No settings link in their navigation.
        assert!(
            !c.get("/dashboard")
                .await
                .body
                .contains("href=\"/settings\"")
        );
    }
    assert_eq!(app.count("select count(*) from invitation").await, 0);
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    assert_eq!(admin.get("/settings/users").await.status, StatusCode::OK);
    // Only the owner extends the trial.
    admin.get("/settings/licence").await;
    let r = admin.post_form("/settings/licence/extend-trial", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("所有者");
}

#[tokio::test]
async fn company_settings_save_and_a_stale_edit_answers_409() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    owner.get("/settings/company").await;
    admin.get("/settings/company").await;
    let fields = |name| {
        vec![
            ("name", name),
            ("time_zone", "Asia/Hong_Kong"),
            ("currency", "HKD"),
            ("default_locale", "en"),
            ("version", "1"),
        ]
    };
    let r = owner
        .post_form("/settings/company", &fields("Acme HK"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = owner.follow(&r).await;
    page.assert_contains("value=\"Acme HK\"");
    let r = admin
        .post_form("/settings/company", &fields("Acme Other"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Acme HK");
    assert_eq!(
        app.count("select count(*) from tenant where name = 'Acme HK' and currency = 'HKD'")
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from audit_log where summary = 'company settings'")
            .await,
        1
    );
    let r = owner
        .post_form(
            "/settings/company",
            &[
                ("name", ""),
                ("time_zone", "Mars/Base"),
                ("currency", "CNY"),
                ("default_locale", "zh-CN"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text(".field-error").contains("请从列表中选择"));
}

async fn invite(owner: &mut crate::support::TestClient, email: &str, role: &str) -> String {
    owner.get("/settings/users").await;
    let r = owner
        .post_form(
            "/settings/users/invite",
            &[("email", email), ("role", role)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.follow(&r).await;
    let link = page
        .html()
        .select(&scraper::Selector::parse("input.copy").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_owned();
    link[link.find("/invite/").unwrap()..].to_owned()
}

#[tokio::test]
async fn an_invited_colleague_accepts_and_signs_in_with_the_role_given() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let path = invite(&mut owner, "zhang@acme.cn", "finance").await;
    assert_eq!(app.state.mailer.sent().last().unwrap().to, "zhang@acme.cn");

    let mut guest = app.client();
    let form = guest.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("Acme");
    let r = guest
        .post_form(&path, &[("name", ""), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = guest
        .post_form(&path, &[("name", "张三"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.location(), "/dashboard");
    let dash = guest.get("/dashboard").await;
    dash.assert_contains("张三 · 成本财务");
    // The link is used up.
    assert_eq!(app.client().get(&path).await.status, StatusCode::GONE);
    let users = owner.get("/settings/users").await;
    users.assert_contains("zhang@acme.cn");
    assert!(
        owner
            .get("/dashboard")
            .await
            .body
            .contains("class=\"done\"")
    );
}

#[tokio::test]
async fn a_revoked_or_expired_invitation_is_dead() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let revoked = invite(&mut owner, "a@acme.cn", "viewer").await;
    let id = app
        .count("select id from invitation where email = 'a@acme.cn'")
        .await;
    owner.get("/settings/users").await;
    let r = owner
        .post_form(&format!("/settings/invitations/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.client().get(&revoked).await.status, StatusCode::GONE);
    let expired = invite(&mut owner, "b@acme.cn", "viewer").await;
    app.exec(
        "update invitation set expires_at = now() - interval '1 second' where email = 'b@acme.cn'",
    )
    .await;
    assert_eq!(app.client().get(&expired).await.status, StatusCode::GONE);
}

#[tokio::test]
async fn active_users_never_exceed_the_seats() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let path = invite(&mut owner, "late@acme.cn", "viewer").await;
    app.user(tenant, "pm@acme.cn", "project_manager").await;
    // A licence for the two users there are now.
    app.exec(&format!("update tenant set plan = 'licensed', licence_seats = 2, licence_modules = '{{plans}}' where id = {tenant}")).await;

    let mut guest = app.client();
    guest.get(&path).await;
    let r = guest
        .post_form(&path, &[("name", "Late"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("席位已满");
    assert_eq!(app.count("select count(*) from app_user").await, 2);

    owner.get("/settings/users").await;
    let r = owner
        .post_form(
            "/settings/users/invite",
            &[("email", "more@acme.cn"), ("role", "viewer")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("席位已满");

    // Deactivate one, and the seat is free again; reactivating would exceed it.
    let pm = app
        .count("select id from app_user where email = 'pm@acme.cn'")
        .await;
    let r = owner
        .post_form(
            &format!("/settings/users/{pm}"),
            &[
                ("role", "project_manager"),
                ("active", "false"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = guest
        .post_form(&path, &[("name", "Late"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    owner.get("/settings/users").await;
    let r = owner
        .post_form(
            &format!("/settings/users/{pm}"),
            &[
                ("role", "project_manager"),
                ("active", "true"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("select count(*) from app_user where active")
            .await,
        2
    );
}

#[tokio::test]
async fn role_changes_are_audited_and_stale_ones_refused() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    app.user(tenant, "v@acme.cn", "viewer").await;
    let id = app
        .count("select id from app_user where email = 'v@acme.cn'")
        .await;
    owner.get("/settings/users").await;
    let r = owner
        .post_form(
            &format!("/settings/users/{id}"),
            &[("role", "finance"), ("active", "true"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = owner
        .post_form(
            &format!("/settings/users/{id}"),
            &[("role", "admin"), ("active", "true"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        app.count("select count(*) from app_user where role = 'finance'")
            .await,
        1
    );
    let audit = owner.get("/settings/audit?entity=user").await;
    audit.assert_contains("v@acme.cn");
    let owner_id = app
        .count("select id from app_user where role = 'owner'")
        .await;
    let r = owner
        .post_form(
            &format!("/settings/users/{owner_id}"),
            &[("role", "viewer"), ("active", "true"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

async fn probe(_tx: TenantTx<Cost>) -> &'static str {
    "cost module open"
}

async fn labour_probe(_tx: TenantTx<Labour>) -> &'static str {
    "labour module open"
}

#[tokio::test]
async fn a_module_switched_off_vanishes_and_its_urls_answer_404() {
    let app = TestApp::spawn().await;
    let app = app.with_routes(
        Router::new()
            .route("/cost-probe", get(probe))
            .route("/labour-probe", get(labour_probe)),
    );
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    assert_eq!(owner.get("/cost-probe").await.body, "cost module open");

    owner.get("/settings/modules").await;
    let on = ["plans", "progress", "funds", "labour", "changes"];
    let fields: Vec<(&str, &str)> = on.iter().map(|m| ("enabled", *m)).collect();
    let r = owner.post_form("/settings/modules", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = owner.get("/cost-probe").await;
    assert_not_found(&r);
    r.assert_contains("模块未启用");
    r.assert_contains("成本中心");
    assert!(
        !owner
            .get("/dashboard")
            .await
            .text(".card")
            .contains("成本中心")
    );
    assert_eq!(owner.get("/labour-probe").await.status, StatusCode::OK);

    // A role the module is not open to gets the same 404.
    let mut foreman = app.user(tenant, "f@acme.cn", "foreman").await;
    let r = owner
        .post_form(
            "/settings/modules",
            &[("enabled", "cost"), ("enabled", "labour")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_not_found(&foreman.get("/cost-probe").await);
    assert_eq!(foreman.get("/labour-probe").await.status, StatusCode::OK);
    assert_eq!(owner.get("/cost-probe").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_audit_log_filters_by_user_entity_and_date() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let page = owner.get("/settings/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("trial sign-up");
    let none = owner.get("/settings/audit?entity=invitation").await;
    assert!(!none.body.contains("trial sign-up"));
    none.assert_contains("没有符合条件的记录");
    let old = owner.get("/settings/audit?until=2020-01-01").await;
    assert!(!old.body.contains("trial sign-up"));
    let owner_id = app.count("select id from app_user").await;
    let mine = owner
        .get(&format!("/settings/audit?user={owner_id}&from=2020-01-01"))
        .await;
    mine.assert_contains("trial sign-up");
    let id = app.count("select min(id) from audit_log").await;
    let entry = owner.get(&format!("/settings/audit/{id}")).await;
    assert_eq!(entry.status, StatusCode::OK);
    assert!(
        entry.text("pre").contains("\"plan\": \"trial\""),
        "{}",
        entry.text("pre")
    );
}

#[tokio::test]
async fn the_audit_log_exports_what_is_filtered_as_csv_and_xlsx() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let mut viewer = app.user(tenant, "v@acme.cn", "viewer").await;
    let page = owner.get("/settings/audit?entity=tenant").await;
    page.assert_contains("/settings/audit/export?entity=tenant&#38;format=csv");

    let csv = owner
        .get("/settings/audit/export?entity=tenant&format=csv")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(
        csv.headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("audit-log.csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(
        lines[0].starts_with("\u{FEFF}时间,用户,操作,对象"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 2, "only the tenant row: {lines:?}");
    assert!(lines[1].contains("trial sign-up"));

    let xlsx = owner.get("/settings/audit/export?format=xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );

    assert_eq!(
        owner.get("/settings/audit/export").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        viewer.get("/settings/audit/export?format=csv").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_read_only_or_suspended_company_admits_no_one_new() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let path = invite(&mut owner, "late@acme.cn", "viewer").await;
    app.exec("update tenant set suspended_at = now()").await;
    assert_eq!(app.client().get(&path).await.status, StatusCode::GONE);
    app.exec("update tenant set suspended_at = null, trial_ends_at = now() - interval '30 days'")
        .await;
    let mut guest = app.client();
    assert_eq!(guest.get(&path).await.status, StatusCode::GONE);
    let r = guest
        .post_form(&path, &[("name", "Late"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::GONE);
    assert_eq!(app.count("select count(*) from app_user").await, 1);
}

#[tokio::test]
async fn the_company_step_is_done_by_saving_the_company_not_by_a_trial_extension() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let done = |r: &crate::support::TestResponse| {
        !r.text("li.done a[href='/settings/company']").is_empty()
    };
    assert!(!done(&owner.get("/dashboard").await));
    owner.get("/settings/licence").await;
    owner.post_form("/settings/licence/extend-trial", &[]).await;
    assert!(
        !done(&owner.get("/dashboard").await),
        "a trial extension is not company details"
    );
    owner.get("/settings/company").await;
    let version = app
        .count("select version::bigint from tenant")
        .await
        .to_string();
    let r = owner
        .post_form(
            "/settings/company",
            &[
                ("name", "Acme"),
                ("time_zone", "Asia/Shanghai"),
                ("currency", "CNY"),
                ("default_locale", "zh-CN"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(done(&owner.get("/dashboard").await));
}
