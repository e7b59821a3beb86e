//! Company scale: a company's reads write nothing and wait on nothing. Activity (the
//! session's idle expiry, the company's last activity) is recorded at most every five minutes
//! per session, in its own statement, never inside a request's transaction.

use std::time::Duration;

use axum::http::StatusCode;
use sqlx::Connection;

use crate::support::TestApp;

#[tokio::test]
async fn reads_record_activity_outside_their_transaction_and_never_wait_on_the_company_row() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("甲建设", "owner@example.com").await;
    app.exec(&format!(
        "update tenant set last_active_at = null where id = {tenant}"
    ))
    .await;
    // The next read records that the company is active, though the read itself commits
    // nothing (a GET's transaction rolls back).
    let first = owner.get("/dashboard").await;
    assert_eq!(first.status, StatusCode::OK);
    let active =
        format!("select count(*) from tenant where id = {tenant} and last_active_at is not null");
    assert_eq!(app.count(&active).await, 1);

    // Another transaction holds the company's row, as a seat check does while it works.
    let mut holder = app.superuser().await;
    let mut held = holder.begin().await.unwrap();
    #[expect(clippy::disallowed_methods, reason = "a test's own SQL")]
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "select id from tenant where id = {tenant} for update"
    )))
    .execute(&mut *held)
    .await
    .unwrap();
    // Reads go on: nothing in them waits for that row.
    for path in ["/dashboard", "/projects", "/dashboard"] {
        let r = tokio::time::timeout(Duration::from_secs(10), owner.get(path))
            .await
            .unwrap_or_else(|_| panic!("{path} waited on the company's row"));
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    held.rollback().await.unwrap();
}
