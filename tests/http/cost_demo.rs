//! The demo project's cost: a trial user sees the cost centre working on day one, with figures
//! that agree with the other modules' demo records.

use axum::http::StatusCode;

use crate::support::TestApp;

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

    // The revised budget is current; actual cost is the invoices plus the confirmed labour.
    let report = owner.get(&format!("/projects/{project}/cost")).await;
    assert_eq!(report.text("#cost-totals .budget"), "42,530,000.00");
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
    assert!(ev.text("#ev-bac").contains("42,530,000.00"));
    let dash = owner.get("/dashboard").await;
    assert!(dash.text("#cost-panel").contains("DEMO-01"));
}
