//! Company scale: a page sends the same number of statements whether the company has one
//! project or twenty — no query per project, task or row. Counted by the app itself
//! (`X-Db-Statements`, every use of the request's tenant transaction).

use axum::http::StatusCode;

use crate::support::TestApp;
use crate::support::builders::ProjectBuilder;

/// The key pages, on the company's first project where a page is a project's.
fn pages(project: i64) -> Vec<String> {
    [
        "/dashboard",
        "/projects",
        "/projects/{p}",
        "/projects/{p}/tasks",
        "/projects/{p}/gantt",
        "/projects/{p}/progress",
        "/projects/{p}/cost",
        "/projects/{p}/funds",
        "/cost",
        "/funds",
        "/labour",
        "/labour/tickets",
        "/risks",
    ]
    .into_iter()
    .map(|p| p.replace("{p}", &project.to_string()))
    .collect()
}

/// Each page's statement count in a company of `projects` projects from the building
/// template.
async fn statements_per_page(projects: usize) -> Vec<(String, String)> {
    let app = TestApp::spawn_with(|c| c.statement_header = true).await;
    let (mut owner, _) = app.signup("规模", "owner@scale.cn").await;
    let mut first = None;
    for n in 0..projects {
        let p = ProjectBuilder::new(&format!("P{n}"))
            .template("builtin:building")
            .create(&mut owner)
            .await;
        first.get_or_insert(p.id);
    }
    let mut counts = Vec::new();
    for path in pages(first.unwrap_or_default()) {
        let r = owner.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let n = r
            .headers
            .get("x-db-statements")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("missing")
            .to_owned();
        counts.push((
            path.replace(&first.unwrap_or_default().to_string(), "{p}"),
            n,
        ));
    }
    counts
}

#[tokio::test]
async fn no_page_sends_more_statements_for_more_projects() {
    let one = statements_per_page(1).await;
    let twenty = statements_per_page(20).await;
    assert_eq!(
        one, twenty,
        "statements per page with 1 and with 20 projects"
    );
}
