//! A project's long lists page: the task list, the Gantt, progress, warnings, the baseline
//! comparison and the earned-value summaries show a window of the outline, in outline order,
//! with links to the other pages; no page of a 20,000-task project is over 2 MB.

use std::time::Instant;

use axum::http::StatusCode;

use crate::support::builders::{add_task, create_project};
use crate::support::{TestApp, TestClient, TestResponse};

/// Adds `phases` top-level summaries of `children` tasks each, in SQL (fast), then one task
/// through the form so the project is rescheduled. Returns the added task's redirect.
async fn big_project(
    app: &TestApp,
    c: &mut TestClient,
    tenant: i64,
    project: i64,
    phases: u32,
    children: u32,
) -> TestResponse {
    app.exec(&format!(
        "insert into task (tenant_id, project_id, sort_order, name, duration_days, is_summary)
         select {tenant}, {project}, g, '阶段 ' || g, 1, true from generate_series(1, {phases}) g;
         insert into task (tenant_id, project_id, parent_id, sort_order, name, duration_days)
         select {tenant}, {project}, s.id, g, '任务 ' || s.sort_order || '.' || g, 2
         from task s cross join generate_series(1, {children}) g
         where s.project_id = {project} and s.parent_id is null;"
    ))
    .await;
    let r = add_task(c, project, "收尾验收", "3").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r
}

/// The outline numbers of a task list page, in order.
fn outlines(r: &TestResponse) -> Vec<String> {
    let sel = scraper::Selector::parse("table.wbs tbody tr td:first-child").expect("selector");
    r.html()
        .select(&sel)
        .map(|td| td.text().collect::<String>().trim().to_owned())
        .collect()
}

fn link(r: &TestResponse, rel: &str) -> Option<String> {
    let sel = scraper::Selector::parse(&format!("nav.pager a[rel={rel}]")).expect("selector");
    r.html()
        .select(&sel)
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_owned))
}

#[tokio::test]
async fn a_long_task_list_pages_in_outline_order() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let project = create_project(&mut owner, "BIG", "").await;
    // 10 phases of 64 tasks, plus the one added: 651 rows, pages of 200.
    let added = big_project(&app, &mut owner, tenant, project, 10, 64).await;
    let task = app
        .count(&format!(
            "select id from task where project_id = {project} and name = '收尾验收'"
        ))
        .await;
    assert_eq!(
        added.location(),
        format!("/projects/{project}/tasks?at={task}#task-{task}")
    );

    let mut expected = Vec::new();
    for phase in 1..=10 {
        expected.push(phase.to_string());
        for child in 1..=64 {
            expected.push(format!("{phase}.{child}"));
        }
    }
    expected.push("11".to_owned());

    // Page 1: 200 rows, a next link, the phase bold and its tasks indented.
    let first = owner.get(&format!("/projects/{project}/tasks")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(outlines(&first), expected[..200]);
    assert_eq!(
        link(&first, "next").as_deref(),
        Some(format!("/projects/{project}/tasks?page=2").as_str())
    );
    assert_eq!(link(&first, "prev"), None);
    assert!(
        first.text("nav.pager").contains("1/4"),
        "{}",
        first.text("nav.pager")
    );
    let html = first.html();
    let indented = scraper::Selector::parse("tr td.indent-1").expect("selector");
    assert_eq!(
        html.select(&indented).count(),
        196,
        "phases 1–4 are at the top"
    );
    // The add form offers this page's tasks only.
    let options = scraper::Selector::parse("#f-after_id option").expect("selector");
    assert_eq!(
        html.select(&options).count(),
        201,
        "200 tasks and the blank"
    );

    // Every page in turn: the whole outline once, in order; the last page holds the rest.
    let mut all = outlines(&first);
    let mut next = link(&first, "next");
    let mut last = first;
    while let Some(href) = next {
        last = owner.get(&href).await;
        all.extend(outlines(&last));
        next = link(&last, "next");
    }
    assert_eq!(all, expected);
    assert_eq!(outlines(&last).len(), 51);
    assert!(link(&last, "prev").is_some());

    // Following the redirect after an edit lands on the page holding the task.
    let at = owner.get(added.location()).await;
    assert_eq!(outlines(&at).last().map(String::as_str), Some("11"));
    // A stale page number shows the last page.
    let stale = owner
        .get(&format!("/projects/{project}/tasks?page=99"))
        .await;
    assert_eq!(outlines(&stale), expected[600..]);

    // Progress and the baseline comparison page the same way.
    let progress = owner.get(&format!("/projects/{project}/progress")).await;
    let rows = scraper::Selector::parse("tbody tr").expect("selector");
    assert_eq!(progress.html().select(&rows).count(), 200);
    assert!(link(&progress, "next").is_some());
    let progress = owner
        .get(&format!("/projects/{project}/progress?page=4"))
        .await;
    assert_eq!(progress.html().select(&rows).count(), 51);
    let r = owner
        .post_form(
            &format!("/projects/{project}/baselines"),
            &[("name", "合同基线")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let compare = owner.get(r.location()).await;
    let variance = scraper::Selector::parse("table.variance tbody tr").expect("selector");
    assert_eq!(compare.html().select(&variance).count(), 200);
    let next = link(&compare, "next").expect("next link");
    assert!(next.contains("baseline=0"), "{next}");

    // The Gantt draws 300 rows a page, the timescale with them.
    let gantt = owner.get(&format!("/projects/{project}/gantt")).await;
    assert_eq!(gantt.status, StatusCode::OK);
    let names = gantt.body.matches("/tasks/").count();
    assert!(names >= 300, "{names} task links");
    let last_page = link(&gantt, "last").expect("last link");
    assert!(last_page.contains("page=3"), "{last_page}");
    let end = owner.get(&last_page).await;
    assert!(end.body.contains("收尾验收"));
    assert!(!end.body.contains(">阶段 1<"));
}

/// MS Project's import limit is 20,000 tasks: every page of such a project stays under 2 MB.
#[tokio::test]
async fn a_twenty_thousand_task_project_has_no_page_over_two_megabytes() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let project = create_project(&mut owner, "HUGE", "").await;
    big_project(&app, &mut owner, tenant, project, 200, 99).await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from task where project_id = {project}"
        ))
        .await,
        20_001
    );
    let child = app
        .count(&format!(
            "select id from task where project_id = {project} and name = '任务 100.50'"
        ))
        .await;
    let r = owner
        .post_form(
            &format!("/projects/{project}/baselines"),
            &[("name", "合同基线")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    owner.get(&format!("/projects/{project}/cost/budget")).await;
    let r = owner
        .post_form(&format!("/projects/{project}/cost/budget/versions"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let budget_edit = r.location().to_owned();
    for path in [
        format!("/projects/{project}/cost/budget"),
        format!("/projects/{project}/cost/entries/new"),
        format!("/labour/tickets/new?project={project}"),
        format!("/projects/{project}/changes/new"),
        format!("/projects/{project}"),
        format!("/projects/{project}/tasks"),
        format!("/projects/{project}/tasks?page=101"),
        format!("/projects/{project}/tasks/{child}"),
        format!("/projects/{project}/gantt"),
        format!("/projects/{project}/gantt?zoom=month&page=34"),
        format!("/projects/{project}/progress"),
        format!("/projects/{project}/warnings"),
        format!("/projects/{project}/baselines"),
        format!("/projects/{project}/s-curve"),
        format!("/projects/{project}/cost/earned-value"),
        budget_edit,
    ] {
        let started = Instant::now();
        let r = owner.get(&path).await;
        eprintln!(
            "{path}: {} bytes in {} ms",
            r.bytes.len(),
            started.elapsed().as_millis()
        );
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            r.bytes.len() < 2 * 1024 * 1024,
            "{path} is {} bytes",
            r.bytes.len()
        );
    }
}
