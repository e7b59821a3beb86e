//! Tenancy: row-level security is the second wall behind `where tenant_id = …`. These tests
//! talk SQL to the database as the application role, around the app, on purpose.
#![expect(
    clippy::disallowed_methods,
    reason = "raw SQL as the app role is the point here"
)]

use axum::http::StatusCode;
use sqlx::{Connection, PgConnection};

use crate::support::{TestApp, assert_not_found};

pub(crate) async fn app_role_connection(app: &TestApp) -> PgConnection {
    let mut url = url::Url::parse(&app.superuser_url).expect("test database URL");
    url.set_username("girder_app").expect("user");
    url.set_password(Some("girdertestapp")).expect("password");
    PgConnection::connect(url.as_str())
        .await
        .expect("app role connection")
}

#[tokio::test]
async fn with_no_tenant_set_the_app_role_sees_no_rows() {
    let app = TestApp::spawn().await;
    app.signup("Acme", "owner@acme.cn").await;
    app.signup("Beta", "owner@beta.cn").await;
    let mut conn = app_role_connection(&app).await;
    for table in [
        "app_user",
        "audit_log",
        "tenant_module",
        "invitation",
        "licence",
        "password_reset",
    ] {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select count(*) from {table}")))
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert_eq!(n, 0, "{table} leaked rows without a tenant");
    }
    // With a tenant set, only that tenant's rows.
    let mut tx = conn.begin().await.unwrap();
    let acme: i64 =
        sqlx::query_scalar("select tenant_id from login_identity where email = 'owner@acme.cn'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    sqlx::query("select set_config('app.tenant_id', $1, true)")
        .bind(acme.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let seen: Vec<i64> = sqlx::query_scalar("select distinct tenant_id from app_user")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, vec![acme]);
    // An UPDATE aimed at the other tenant's row changes nothing.
    let done = sqlx::query("update app_user set name = 'pwned' where email = 'owner@beta.cn'")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 0);
    // And an INSERT for the other tenant is refused.
    let beta: i64 =
        sqlx::query_scalar("select tenant_id from login_identity where email = 'owner@beta.cn'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let insert = sqlx::query("insert into audit_log (tenant_id, actor_label, entity, action) values ($1, 'x', 'x', 'create')")
        .bind(beta).execute(&mut *tx).await;
    assert!(insert.is_err());
    tx.rollback().await.unwrap();
    assert_eq!(
        app.count("select count(*) from app_user where name = 'pwned'")
            .await,
        0
    );
    // The role is what DESIGN.md asks for.
    let (superuser, bypass): (bool, bool) =
        sqlx::query_as("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(!superuser && !bypass);
}

#[tokio::test]
async fn another_tenants_user_invitation_and_audit_row_answer_404() {
    let app = TestApp::spawn().await;
    let (mut acme, _) = app.signup("Acme", "owner@acme.cn").await;
    let (mut beta, beta_id) = app.signup("Beta", "owner@beta.cn").await;
    app.user(beta_id, "v@beta.cn", "viewer").await;
    beta.get("/settings/users").await;
    beta.post_form(
        "/settings/users/invite",
        &[("email", "new@beta.cn"), ("role", "viewer")],
    )
    .await;

    let user = app
        .count("select id from app_user where email = 'v@beta.cn'")
        .await;
    let invitation = app
        .count("select id from invitation where email = 'new@beta.cn'")
        .await;
    let audit = app
        .count(&format!(
            "select max(id) from audit_log where tenant_id = {beta_id}"
        ))
        .await;

    acme.get("/settings/users").await;
    let r = acme
        .post_form(
            &format!("/settings/users/{user}"),
            &[("role", "admin"), ("active", "true"), ("version", "1")],
        )
        .await;
    assert_not_found(&r);
    assert_not_found(
        &acme
            .post_form(&format!("/settings/invitations/{invitation}/revoke"), &[])
            .await,
    );
    assert_not_found(&acme.get(&format!("/settings/audit/{audit}")).await);
    // Exactly like ids that do not exist.
    assert_not_found(&acme.get("/settings/audit/987654321").await);
    assert_not_found(&acme.get("/settings/audit/not-a-number").await);
    assert_eq!(
        app.count("select count(*) from app_user where role = 'admin'")
            .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from invitation where revoked_at is not null")
            .await,
        0
    );
    // Beta's rows stay out of Acme's pages.
    let users = acme.get("/settings/users").await;
    assert!(!users.body.contains("v@beta.cn"));
    let log = acme.get("/settings/audit").await;
    assert!(!log.body.contains("new@beta.cn"));
    assert_eq!(beta.get("/settings/audit").await.status, StatusCode::OK);
}
