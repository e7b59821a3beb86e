//! Project visibility: the one rule in the database (`visible_project_ids`, migration 0012),
//! fed by the tenant transaction's `app.user_id` and `app.sees_all_projects`, and what it keeps
//! a member of one project from listing or reading of another.
#![expect(
    clippy::disallowed_methods,
    reason = "the SQL function is tested as the app role, with raw SQL"
)]

use axum::http::StatusCode;
use sqlx::{Connection, PgConnection};

use crate::changes_risks::create_risk;
use crate::isolation::app_role_connection;
use crate::support::builders::create_project;
use crate::support::{TestApp, TestClient, assert_not_found};

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.count(&format!("select id from app_user where email = '{email}'"))
        .await
}

async fn add_member(owner: &mut TestClient, project: i64, user: i64) {
    owner.get(&format!("/projects/{project}")).await;
    let r = owner
        .post_form(
            &format!("/projects/{project}/members"),
            &[
                ("user_id", &user.to_string()),
                ("project_role", "planner"),
                ("action", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// The projects `visible_project_ids` yields in a transaction of `tenant` whose settings are
/// `user` and `all` (empty: not set), and what `sees_all_projects()` says there.
async fn visible(conn: &mut PgConnection, tenant: i64, user: &str, all: &str) -> (Vec<i64>, bool) {
    let mut tx = conn.begin().await.unwrap();
    sqlx::query(
        "select set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true),
                set_config('app.sees_all_projects', $3, true)",
    )
    .bind(tenant.to_string())
    .bind(user)
    .bind(all)
    .execute(&mut *tx)
    .await
    .unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("select id from visible_project_ids($1) id order by id")
        .bind(tenant)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    let sees_all: bool = sqlx::query_scalar("select sees_all_projects()")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    (ids, sees_all)
}

#[tokio::test]
async fn a_member_sees_their_projects_a_non_member_none_and_sees_all_every_one() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let a = create_project(&mut owner, "PA", "").await;
    let b = create_project(&mut owner, "PB", "").await;
    app.user(tenant, "pm@acme.cn", "project_manager").await;
    app.user(tenant, "viewer@acme.cn", "viewer").await;
    let pm = user_id(&app, "pm@acme.cn").await.to_string();
    let viewer = user_id(&app, "viewer@acme.cn").await.to_string();
    add_member(&mut owner, a, pm.parse().unwrap()).await;
    // Another company's project is never visible, whatever the settings say.
    let (mut other, _) = app.signup("Beta", "owner@beta.cn").await;
    create_project(&mut other, "PX", "").await;

    let mut conn = app_role_connection(&app).await;
    assert_eq!(
        visible(&mut conn, tenant, &pm, "off").await,
        (vec![a], false)
    );
    assert_eq!(
        visible(&mut conn, tenant, &viewer, "off").await,
        (vec![], false)
    );
    assert_eq!(
        visible(&mut conn, tenant, &viewer, "on").await,
        (vec![a, b], true)
    );
    assert_eq!(
        visible(&mut conn, tenant, "", "on").await,
        (vec![a, b], true)
    );
    // A transaction that acts for nobody sees no project.
    assert_eq!(visible(&mut conn, tenant, "", "").await, (vec![], false));
}

#[tokio::test]
async fn a_member_of_one_project_cannot_list_or_read_anothers_data() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let a = create_project(&mut owner, "PA", "").await;
    let b = create_project(&mut owner, "PB", "").await;
    let risk_a = create_risk(&mut owner, a, &[("title", "甲项目塔吊风险")]).await;
    let risk_b = create_risk(&mut owner, b, &[("title", "乙项目基坑风险")]).await;
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    add_member(&mut owner, a, user_id(&app, "pm@acme.cn").await).await;

    // Lists: the projects list and the company's risk register hold project A's alone.
    let r = pm.get("/projects").await;
    assert!(r.body.contains("PA 项目") && !r.body.contains("PB 项目"));
    let r = pm.get("/risks").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("甲项目塔吊风险") && !r.body.contains("乙项目基坑风险"));
    // Reads: project B, its risks, and its risk through project A's address are not there.
    assert_not_found(&pm.get(&format!("/projects/{b}")).await);
    assert_not_found(&pm.get(&format!("/projects/{b}/risks")).await);
    assert_not_found(&pm.get(&format!("/projects/{b}/risks/{risk_b}")).await);
    assert_not_found(&pm.get(&format!("/projects/{a}/risks/{risk_b}")).await);
    assert_eq!(
        pm.get(&format!("/projects/{a}/risks/{risk_a}"))
            .await
            .status,
        StatusCode::OK
    );
    // An admin, a member of neither, sees every project (Permission::SeeAllProjects).
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    let r = admin.get("/risks").await;
    assert!(r.body.contains("甲项目塔吊风险") && r.body.contains("乙项目基坑风险"));
}
