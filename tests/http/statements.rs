//! Company scale: a page sends the same number of statements whether the company has one
//! project or twenty — no query per project, task or row. Counted by the app itself
//! (`X-Db-Statements`, every use of the request's tenant transaction).

use axum::http::StatusCode;

use crate::support::builders::ProjectBuilder;
use crate::support::{TestApp, TestClient};

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

/// The statements a page sent, as its `X-Db-Statements` header says (it must answer 200).
async fn statements_of(client: &mut TestClient, path: &str) -> String {
    let r = client.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.headers
        .get("x-db-statements")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("missing")
        .to_owned()
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
        let n = statements_of(&mut owner, &path).await;
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

/// The labour summaries' statement counts in a company of `workers` workers, each with a
/// confirmed day in each of the last four months (lines inserted as rows: the triggers keep
/// each worker's month as the app's writes do).
async fn summary_statements(workers: usize) -> Vec<(String, String)> {
    let app = TestApp::spawn_with(|c| c.statement_header = true).await;
    let (mut owner, tenant) = app.signup("规模", "owner@scale.cn").await;
    let project = ProjectBuilder::new("P0").create(&mut owner).await.id;
    let crew = app
        .count(&format!(
            "insert into crew (tenant_id, name, count_unit) values ({tenant}, '班组', 'day')
             returning id"
        ))
        .await;
    app.exec(&format!(
        "insert into worker (tenant_id, name, id_number, trade_id, crew_id, day_rate)
         select {tenant}, '工人' || n, lpad(n::text, 18, '0'),
                (select min(id) from trade where tenant_id = {tenant}), {crew}, 300
         from generate_series(1, {workers}) n;
         with t as (
           insert into labour_ticket (tenant_id, project_id, ticket_date, crew_id, count_unit,
                                      status)
           select {tenant}, {project},
                  (date_trunc('month', current_date) - make_interval(months => m))::date + 9,
                  {crew}, 'day', 'confirmed'
           from generate_series(1, 4) m
           returning id, ticket_date)
         insert into labour_ticket_line (tenant_id, ticket_id, line_no, project_id, ticket_date,
                                         crew_id, status, worker_id, trade_id, hours, days,
                                         rate, multiplier, amount)
         select {tenant}, t.id, w.n::smallint, {project}, t.ticket_date, {crew}, 'confirmed',
                w.id, w.trade_id, 8, 1, 300, 1, 300
         from t cross join (select id, trade_id, row_number() over (order by id) n
                            from worker where tenant_id = {tenant}) w;"
    ))
    .await;
    let from = chrono::Utc::now().date_naive() - chrono::Days::new(100);
    let mut counts = Vec::new();
    for path in [
        format!("/labour?by=worker&then=month&from={from}"),
        format!("/labour?by=worker&then=month&from={from}&per=2&page=2"),
        "/labour?by=worker".to_owned(),
        "/labour?by=crew&then=month".to_owned(),
        "/labour?by=month&then=worker&per=3".to_owned(),
    ] {
        let n = statements_of(&mut owner, &path).await;
        counts.push((path, n));
    }
    counts
}

#[tokio::test]
async fn labour_summaries_send_as_many_statements_for_more_workers() {
    let few = summary_statements(2).await;
    let many = summary_statements(30).await;
    assert_eq!(
        few, many,
        "statements per summary with 2 and with 30 workers"
    );
}
