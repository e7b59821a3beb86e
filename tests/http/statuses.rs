//! Statuses and kinds read from the database fail closed: a value the code does not know
//! answers an error page, never some default (an editable draft, an open risk).

use axum::http::StatusCode;

use crate::support::TestApp;
use crate::support::builders::create_project;

#[tokio::test]
async fn an_unknown_project_status_in_the_database_is_an_error_not_a_default() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("状态测试公司", "owner@status.test").await;
    let project = create_project(&mut owner, "ST-1", "").await;
    let page = format!("/projects/{project}");
    assert_eq!(owner.get(&page).await.status, StatusCode::OK);

    app.exec("alter table project drop constraint project_status_check")
        .await;
    app.exec(&format!(
        "update project set status = 'paused' where id = {project}"
    ))
    .await;

    let r = owner.get(&page).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
}
