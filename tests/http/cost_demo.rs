//! The demo project's cost: a trial user sees the cost centre working on day one, with figures
//! that agree with the other modules' demo records.

use axum::http::StatusCode;

use crate::support::TestApp;
use crate::support::builders::{Project, ProjectBuilder};

#[tokio::test]
async fn the_demo_project_brings_budgets_costs_alerts_and_earned_value() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    owner.get("/dashboard").await;
    let r = owner.post_form("/projects/demo", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let project = app
        .count("select id from project where code = 'DEMO-01'")
        .await;

    // The latest revision is current (the changes demo's approved BG-002 adds 422,000 to the
    // waterproofing revision's 42,530,000); actual cost is the invoices plus the confirmed
    // labour.
    let report = owner.get(&format!("/projects/{project}/cost")).await;
    assert_eq!(report.text("#cost-totals .budget"), "42,952,000.00");
    let cents = app
        .count(
            "select (100 * ((select sum(amount) from cost_entry)
                          + (select sum(amount) from labour_ticket_line
                             where status in ('confirmed', 'settled'))))::bigint",
        )
        .await;
    assert!(cents > 0);
    let actual = report.text("#cost-totals .actual").replace(',', "");
    assert_eq!(actual, format!("{}.{:02}", cents / 100, cents % 100));
    // Steel went up: materials are forecast over budget.
    assert!(report.text("#cost-alerts").contains("材料费"));

    let revenue = owner
        .get(&format!("/projects/{project}/cost/revenue"))
        .await;
    revenue.assert_contains("QZ-001");
    let budget = owner.get(&format!("/projects/{project}/cost/budget")).await;
    budget.assert_contains("BG-003");
    let snapshots = owner
        .get(&format!("/projects/{project}/cost/snapshots"))
        .await;
    snapshots.assert_contains("月末成本快照");
    assert!(
        app.count("select count(*) from cost_period").await >= 2,
        "months before last are closed"
    );
    let ev = owner
        .get(&format!("/projects/{project}/cost/earned-value"))
        .await;
    assert!(ev.text("#ev-bac").contains("42,952,000.00"));
    let dash = owner.get("/dashboard").await;
    assert!(dash.text("#cost-panel").contains("DEMO-01"));
}

/// A task with a budget line is not deleted (approved budgets are frozen); one with only cost
/// entries is, and its cost stays on the project.
#[tokio::test]
async fn a_budgeted_task_is_kept_and_an_unbudgeted_one_leaves_its_cost_on_the_project() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let Project { id: project, tasks } = ProjectBuilder::new("P1")
        .with_task("基础", "5")
        .with_task("主体", "5")
        .create(&mut owner)
        .await;
    let (budgeted, spent) = (tasks[0], tasks[1]);
    app.exec(&format!(
        "insert into cost_budget_version (tenant_id, project_id, number, status, approved_at)
           values ({tenant}, {project}, 0, 'approved', now());
         insert into cost_budget_line (tenant_id, budget_version_id, category_id, task_id, amount)
           select {tenant}, v.id, c.id, {budgeted}, 1000
           from cost_budget_version v, cost_category c
           where c.tenant_id = {tenant} and c.builtin = 'materials';
         insert into cost_entry (tenant_id, project_id, entry_date, category_id, task_id,
                                 description, amount)
           select {tenant}, {project}, current_date, id, {spent}, '钢筋', 500
           from cost_category where tenant_id = {tenant} and builtin = 'materials';"
    ))
    .await;
    owner.get(&format!("/projects/{project}/tasks")).await;
    let r = owner
        .post_form(&format!("/projects/{project}/tasks/{budgeted}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    r.assert_contains("目标成本");
    assert_eq!(
        app.count(&format!("select count(*) from task where id = {budgeted}"))
            .await,
        1
    );
    let r = owner
        .post_form(&format!("/projects/{project}/tasks/{spent}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count("select count(*) from cost_entry where task_id is null and amount = 500")
            .await,
        1
    );
}
