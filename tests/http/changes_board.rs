//! Risks and changes over HTTP, the board's side: Settings › Changes (approvals and board
//! members), the company overview with "awaiting my vote", the project's change log with its
//! totals and exports, and the demo project's risks and changes.

use axum::http::StatusCode;

use crate::support::builders::{
    Company, CompanyBuilder, Project, ProjectBuilder, add_task, create_project, task_id, user_id,
};
use crate::support::{TestApp, TestClient, assert_not_found};

/// A change request straight into the database; returns its id.
#[expect(
    clippy::too_many_arguments,
    reason = "a test seed, read at the call site"
)]
async fn seed_request(
    app: &TestApp,
    tenant: i64,
    project: i64,
    number: &str,
    title: &str,
    status: &str,
    requester: i64,
    round: i32,
    extra: &str,
) -> i64 {
    let submitted = if status == "draft" {
        "null"
    } else {
        "now() - interval '3 days'"
    };
    let decided = if matches!(status, "approved" | "rejected") {
        "now()"
    } else {
        "null"
    };
    app.exec(&format!(
        "insert into change_request (tenant_id, project_id, number, title, reason, requester_id,
                                     status, round, submitted_at, decided_at)
         values ({tenant}, {project}, '{number}', '{title}', '理由', {requester}, '{status}',
                 {round}, {submitted}, {decided})"
    ))
    .await;
    let id = app
        .count(&format!(
            "select id from change_request where project_id = {project} and number = '{number}'"
        ))
        .await;
    if !extra.is_empty() {
        app.exec(&extra.replace("{id}", &id.to_string())).await;
    }
    id
}

async fn category(app: &TestApp, tenant: i64, builtin: &str) -> i64 {
    app.count(&format!(
        "select id from cost_category where tenant_id = {tenant} and builtin = '{builtin}'"
    ))
    .await
}

fn options(r: &crate::support::TestResponse, selector: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(selector).unwrap();
    r.html()
        .select(&sel)
        .filter_map(|o| o.value().attr("value").map(str::to_owned))
        .filter(|v| !v.is_empty())
        .collect()
}

#[tokio::test]
async fn settings_name_the_board_and_refuse_what_it_cannot_give() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let page = owner.get("/settings/changes").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("no-members");
    assert!(page.text("#default-reviewers").contains("Owner"));
    assert_eq!(page.text("#capacity strong"), "1");

    // One owner and no admin: two approvals are more than the board can give.
    let r = owner
        .post_form(
            "/settings/changes",
            &[("approvals_needed", "2"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("approvals_needed").contains("所有者和管理员"));
    for bad in ["0", "21", "abc", ""] {
        let r = owner
            .post_form(
                "/settings/changes",
                &[("approvals_needed", bad), ("version", "0")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(!r.field_error("approvals_needed").is_empty(), "{bad}");
    }
    assert_eq!(app.count("select count(*) from changes_settings").await, 0);

    let mut finance = app.user(tenant, "finance@acme.cn", "finance").await;
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    app.user(tenant, "admin@acme.cn", "admin").await;
    app.user(tenant, "foreman@acme.cn", "foreman").await;
    let finance_id = user_id(&app, "finance@acme.cn").await;
    let admin_id = user_id(&app, "admin@acme.cn").await;
    let foreman_id = user_id(&app, "foreman@acme.cn").await;
    let (_, other_tenant) = app.signup("Other", "owner@other.cn").await;
    app.user(other_tenant, "finance@other.cn", "finance").await;
    let stranger = user_id(&app, "finance@other.cn").await;

    let page = owner.get("/settings/changes").await;
    let candidates = options(&page, "#f-user_id option");
    assert!(candidates.contains(&finance_id.to_string()));
    assert!(candidates.contains(&admin_id.to_string()));
    assert!(
        !candidates.contains(&foreman_id.to_string()),
        "foremen cannot use the module"
    );
    for refused in [foreman_id.to_string(), stranger.to_string(), "x".to_owned()] {
        let r = owner
            .post_form("/settings/changes/members", &[("user_id", &refused)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(!r.field_error("user_id").is_empty());
    }
    assert_eq!(
        app.count("select count(*) from change_board_member").await,
        0
    );

    for id in [finance_id, admin_id] {
        let r = owner
            .post_form("/settings/changes/members", &[("user_id", &id.to_string())])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let r = owner
        .post_form(
            "/settings/changes/members",
            &[("user_id", &finance_id.to_string())],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "already a member"
    );
    let page = owner.get("/settings/changes").await;
    let members = page.text("#member-list");
    assert!(
        members.contains("finance user") && members.contains("财务"),
        "{members}"
    );
    assert!(members.contains("admin user"));
    assert_eq!(page.text("#capacity strong"), "2");

    let r = owner
        .post_form(
            "/settings/changes",
            &[("approvals_needed", "2"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count("select approvals_needed::bigint * 10 + version from changes_settings")
            .await,
        21
    );
    // Saved from a page read before: stale.
    let r = owner
        .post_form(
            "/settings/changes",
            &[("approvals_needed", "1"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("id=\"notice\"");
    let r = owner
        .post_form(
            "/settings/changes",
            &[("approvals_needed", "3"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("approvals_needed").contains("委员会成员"));

    // Two approvals from two members: neither may leave.
    owner.get("/settings/changes").await;
    let r = owner
        .post_form(
            &format!("/settings/changes/members/{finance_id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let refusal = r.text("#removal-refused");
    assert!(
        refusal.contains("finance user") && refusal.contains('2'),
        "{refusal}"
    );
    assert_eq!(
        app.count("select count(*) from change_board_member").await,
        2
    );

    let r = owner
        .post_form(
            "/settings/changes",
            &[("approvals_needed", "1"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    owner.get("/settings/changes").await;
    let r = owner
        .post_form(
            &format!("/settings/changes/members/{finance_id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count("select count(*) from change_board_member").await,
        1
    );
    let r = owner
        .post_form(
            &format!("/settings/changes/members/{finance_id}/delete"),
            &[],
        )
        .await;
    assert_not_found(&r);
    let r = owner
        .post_form(&format!("/settings/changes/members/{stranger}/delete"), &[])
        .await;
    assert_not_found(&r);
    assert_eq!(
        app.count(
            "select count(*) from audit_log
             where entity in ('changes_settings', 'change_board_member')"
        )
        .await,
        5
    );

    // Finance reads the module but does not set the board; a PM neither.
    assert_eq!(
        finance.get("/settings/changes").await.status,
        StatusCode::FORBIDDEN
    );
    pm.get("/changes").await;
    let r = pm
        .post_form(
            "/settings/changes",
            &[("approvals_needed", "1"), ("version", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = pm
        .post_form(
            "/settings/changes/members",
            &[("user_id", &finance_id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

struct Overview {
    app: TestApp,
    owner: TestClient,
    pm: TestClient,
    finance: TestClient,
    p1: i64,
    p2: i64,
    in_review: i64,
}

/// P1 (the PM's) and P2 (not the PM's), requests in every state; a board of the owner and
/// finance.
async fn overview_setup() -> Overview {
    let Company {
        app,
        mut owner,
        tenant,
        project: p1,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let p2 = create_project(&mut owner, "P2", "").await;
    add_task(&mut owner, p1, "基础", "5").await;
    let task = task_id(&app, p1, "基础").await;
    let pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    let finance = app.user(tenant, "finance@acme.cn", "finance").await;
    let owner_id = user_id(&app, "owner@acme.cn").await;
    let pm_id = user_id(&app, "pm@acme.cn").await;
    let finance_id = user_id(&app, "finance@acme.cn").await;
    let materials = category(&app, tenant, "materials").await;
    let labour = category(&app, tenant, "labour").await;
    app.exec(&format!(
        "insert into project_member (tenant_id, project_id, user_id, project_role)
           values ({tenant}, {p1}, {pm_id}, 'manager'), ({tenant}, {p1}, {finance_id}, 'viewer'),
                  ({tenant}, {p2}, {finance_id}, 'viewer');
         insert into changes_settings (tenant_id, approvals_needed) values ({tenant}, 1);
         insert into change_board_member (tenant_id, user_id)
           values ({tenant}, {owner_id}), ({tenant}, {finance_id});
         insert into counterparty (tenant_id, name, kind) values ({tenant}, '城投集团', 'client');
         insert into contract (tenant_id, project_id, number, title, direction, kind,
                               counterparty_id, amount, tax_rate, status, signed_on)
           select {tenant}, {p1}, 'ZB-1', '总包合同', 'income', 'main', id, 1000000, 9, 'signed',
                  current_date
           from counterparty where tenant_id = {tenant};"
    ))
    .await;
    let contract = app
        .count(&format!(
            "select id from contract where tenant_id = {tenant}"
        ))
        .await;
    seed_request(
        &app,
        tenant,
        p1,
        "BG-001",
        "底板加厚",
        "approved",
        pm_id,
        1,
        &format!(
            "update change_request set revenue_amount = 8000, contract_id = {contract}
               where id = {{id}};
             insert into change_request_cost (tenant_id, change_request_id, category_id, amount)
               values ({tenant}, {{id}}, {materials}, 5000), ({tenant}, {{id}}, {labour}, 1234.50);
             insert into change_request_task (tenant_id, change_request_id, task_id, days)
               values ({tenant}, {{id}}, {task}, 3);"
        ),
    )
    .await;
    // In its second round; finance voted in the first, which does not count now.
    let in_review = seed_request(
        &app,
        tenant,
        p1,
        "BG-002",
        "雨季停工签证",
        "submitted",
        pm_id,
        2,
        &format!(
            "insert into change_vote (tenant_id, change_request_id, round, voter_id, decision, comment)
               values ({tenant}, {{id}}, 1, {finance_id}, 'approve', '同意');"
        ),
    )
    .await;
    seed_request(
        &app,
        tenant,
        p2,
        "BG-001",
        "外墙保温变更",
        "under_review",
        owner_id,
        1,
        &format!(
            "insert into change_vote (tenant_id, change_request_id, round, voter_id, decision, comment)
               values ({tenant}, {{id}}, 1, {finance_id}, 'approve', '同意');
             insert into change_request_cost (tenant_id, change_request_id, category_id, amount)
               values ({tenant}, {{id}}, {materials}, 777);"
        ),
    )
    .await;
    seed_request(
        &app,
        tenant,
        p2,
        "BG-002",
        "门窗变更草稿",
        "draft",
        owner_id,
        0,
        "",
    )
    .await;
    seed_request(
        &app,
        tenant,
        p2,
        "BG-003",
        "电梯变更",
        "rejected",
        owner_id,
        1,
        "",
    )
    .await;
    Overview {
        app,
        owner,
        pm,
        finance,
        p1,
        p2,
        in_review,
    }
}

#[tokio::test]
async fn the_overview_shows_what_each_user_sees_and_what_awaits_their_vote() {
    let Overview {
        app,
        mut owner,
        mut pm,
        mut finance,
        p1,
        p2,
        in_review,
    } = overview_setup().await;

    // The owner sees every project's requests, with their sums, and the approved totals.
    let page = owner.get("/changes").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let list = page.text("#requests");
    for title in [
        "底板加厚",
        "雨季停工签证",
        "外墙保温变更",
        "门窗变更草稿",
        "电梯变更",
    ] {
        assert!(list.contains(title), "{title} in {list}");
    }
    let approved_row = page.text("#requests tbody tr:last-child");
    assert!(
        approved_row.contains("底板加厚"),
        "oldest last: {approved_row}"
    );
    assert!(approved_row.contains("6,234.50") && approved_row.contains("8,000.00"));
    assert!(approved_row.contains("+3"), "{approved_row}");
    assert_eq!(page.text("#approved-cost"), "6,234.50");
    assert_eq!(page.text("#approved-revenue"), "8,000.00");
    assert!(
        page.body
            .contains(&format!("/projects/{p1}/changes/{in_review}"))
    );
    // The owner raised P2's in-review request, so only P1's awaits them.
    let awaiting = page.text("#awaiting-list");
    assert!(
        awaiting.contains("雨季停工签证") && !awaiting.contains("外墙保温变更"),
        "{awaiting}"
    );

    // Finance voted on P2's this round, and on P1's only in the last round.
    let page = finance.get("/changes?awaiting=me").await;
    let awaiting = page.text("#awaiting-list");
    assert!(
        awaiting.contains("雨季停工签证") && !awaiting.contains("外墙保温变更"),
        "{awaiting}"
    );
    let list = page.text("#requests");
    assert!(
        list.contains("雨季停工签证") && !list.contains("底板加厚"),
        "{list}"
    );
    assert_eq!(page.text("#approved-cost"), "0.00");

    // The PM sees P1 only, is not on the board, and cannot filter their way into P2.
    let page = pm.get("/changes").await;
    let list = page.text("#requests");
    assert!(
        list.contains("底板加厚") && list.contains("雨季停工签证"),
        "{list}"
    );
    assert!(
        !list.contains("外墙保温变更") && !list.contains("电梯变更"),
        "{list}"
    );
    assert_eq!(page.text("#awaiting"), "");
    assert_eq!(page.text("#approved-cost"), "6,234.50");
    let page = pm.get(&format!("/changes?project={p2}")).await;
    assert!(!page.text("#requests").contains("外墙保温变更"));
    let page = pm.get("/changes?awaiting=me").await;
    page.assert_contains("no-requests");
    let csv = pm.get("/changes?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(
        csv.body.contains("底板加厚,已批准,6234.50,8000.00,3,"),
        "{}",
        csv.body
    );
    assert!(!csv.body.contains("外墙保温变更"));

    // Filters: a project and a status.
    let page = owner
        .get(&format!("/changes?project={p2}&status=draft"))
        .await;
    let list = page.text("#requests");
    assert!(
        list.contains("门窗变更草稿") && !list.contains("电梯变更"),
        "{list}"
    );
    assert_eq!(page.text("#approved-cost"), "0.00");
    let page = owner.get("/changes?status=approved").await;
    assert_eq!(page.text("#requests tbody tr").matches("BG-").count(), 1);

    // Another company sees none of it.
    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    let page = other.get("/changes").await;
    page.assert_contains("no-requests");
    assert_eq!(page.text("#approved-cost"), "0.00");
    let page = other.get(&format!("/changes?project={p1}")).await;
    page.assert_contains("no-requests");
}

#[tokio::test]
async fn the_overview_pages_past_fifty() {
    let Company {
        app,
        mut owner,
        tenant,
        project: p,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let me = user_id(&app, "owner@acme.cn").await;
    app.exec(&format!(
        "insert into change_request (tenant_id, project_id, number, title, reason, requester_id)
         select {tenant}, {p}, 'BG-' || lpad(n::text, 3, '0'), '变更 ' || n, '理由', {me}
         from generate_series(1, 53) n"
    ))
    .await;
    let page = owner.get("/changes").await;
    assert_eq!(page.text("#requests tbody tr").matches("BG-").count(), 50);
    let next = owner.get("/changes?page=2").await;
    assert_eq!(next.text("#requests tbody tr").matches("BG-").count(), 3);
    page.assert_contains("id=\"next-page\"");
}

#[tokio::test]
async fn the_change_log_totals_against_the_original_and_exports() {
    let Company {
        app,
        mut owner,
        tenant,
        project: p,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let me = user_id(&app, "owner@acme.cn").await;
    let materials = category(&app, tenant, "materials").await;
    app.exec(&format!(
        "insert into cost_budget_version (tenant_id, project_id, number, status, approved_at)
           values ({tenant}, {p}, 0, 'approved', now());
         insert into cost_budget_line (tenant_id, budget_version_id, category_id, amount)
           select {tenant}, id, {materials}, 101000 from cost_budget_version where project_id = {p};
         update project set scheduled_finish = '2026-07-09' where id = {p};"
    ))
    .await;
    let empty = owner.get(&format!("/projects/{p}/changes/log")).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    empty.assert_contains("no-decided");
    assert_eq!(empty.text("#t-original-budget"), "101,000.00");
    assert_eq!(empty.text("#t-days-moved"), "0");

    let rejected = seed_request(
        &app, tenant, p, "BG-001", "电梯变更", "rejected", me, 1,
        &format!(
            "update change_request set decided_at = now() - interval '9 days' where id = {{id}};
             insert into change_request_cost (tenant_id, change_request_id, category_id, amount)
               values ({tenant}, {{id}}, {materials}, 99999);
             insert into change_vote (tenant_id, change_request_id, round, voter_id, decision, comment)
               values ({tenant}, {{id}}, 1, {me}, 'reject', '造价过高，建设单位不认可');"
        ),
    )
    .await;
    let first = seed_request(
        &app,
        tenant,
        p,
        "BG-002",
        "底板加厚",
        "approved",
        me,
        1,
        &format!(
            "update change_request set decided_at = now() - interval '5 days',
                    budget_before = 100000, budget_after = 101500,
                    finish_before = '2026-06-30', finish_after = '2026-07-07' where id = {{id}};
             insert into change_request_cost (tenant_id, change_request_id, category_id, amount)
               values ({tenant}, {{id}}, {materials}, 1500);"
        ),
    )
    .await;
    seed_request(
        &app,
        tenant,
        p,
        "BG-003",
        "取消局部吊顶",
        "approved",
        me,
        1,
        &format!(
            "update change_request set decided_at = now() - interval '1 day',
                    budget_before = 101500, budget_after = 101000,
                    finish_before = '2026-07-07', finish_after = '2026-07-09' where id = {{id}};
             insert into change_request_cost (tenant_id, change_request_id, category_id, amount)
               values ({tenant}, {{id}}, {materials}, -500);"
        ),
    )
    .await;
    // Not decided: not in the log.
    seed_request(
        &app,
        tenant,
        p,
        "BG-004",
        "在审变更",
        "submitted",
        me,
        1,
        "",
    )
    .await;

    let log = owner.get(&format!("/projects/{p}/changes/log")).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let rows = log.text("#change-log tbody");
    assert!(!rows.contains("在审变更"));
    let order: Vec<usize> = ["BG-001", "BG-002", "BG-003"]
        .iter()
        .map(|n| rows.find(n).unwrap())
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "in order of decision"
    );
    assert!(
        log.text(&format!("#entry-{rejected}"))
            .contains("造价过高，建设单位不认可")
    );
    let first_row = log.text(&format!("#entry-{first}"));
    assert!(first_row.contains("100,000.00 → 101,500.00"), "{first_row}");
    assert!(first_row.contains("2026-06-30 → 2026-07-07"), "{first_row}");
    assert_eq!(log.text(&format!("#entry-{first} .moved")), "+7");
    assert_eq!(log.text("#t-counts"), "2 / 1");
    assert_eq!(log.text("#t-original-budget"), "100,000.00");
    assert_eq!(log.text("#t-approved-cost"), "1,000.00");
    assert_eq!(log.text("#t-current-budget"), "101,000.00");
    assert_eq!(log.text("#t-budget-change"), "+1.0%");
    assert_eq!(log.text("#t-original-finish"), "2026-06-30");
    assert_eq!(log.text("#t-current-finish"), "2026-07-09");
    assert_eq!(log.text("#t-days-moved"), "+9");

    let csv = owner
        .get(&format!("/projects/{p}/changes/log?format=csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 5, "{}", csv.body);
    assert!(lines[0].contains("编号") && lines[0].contains("驳回意见"));
    assert!(
        lines[1].contains("BG-001")
            && lines[1].contains("99999.00")
            && lines[1].contains("造价过高")
    );
    assert!(
        lines[2].contains("BG-002,底板加厚")
            && lines[2].contains("1500.00,0.00,0,100000.00,101500.00,2026-06-30,2026-07-07,7"),
        "{}",
        lines[2]
    );
    assert!(
        lines[4].contains("1000.00") && lines[4].ends_with(",9,"),
        "{}",
        lines[4]
    );
    let xlsx = owner
        .get(&format!("/projects/{p}/changes/log?format=xlsx"))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"), "a zip container");
    assert!(
        xlsx.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );

    // Another company, or a foreman, does not open it.
    let (mut other, other_tenant) = app.signup("Other", "owner@other.cn").await;
    assert_not_found(&other.get(&format!("/projects/{p}/changes/log")).await);
    assert_not_found(
        &other
            .get(&format!("/projects/{p}/changes/log?format=csv"))
            .await,
    );
    let mut foreman = app.user(tenant, "foreman@acme.cn", "foreman").await;
    assert_eq!(
        foreman
            .get(&format!("/projects/{p}/changes/log"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A PM who is not on the project does not see it either.
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    assert_not_found(&pm.get(&format!("/projects/{p}/changes/log")).await);
    let _ = other_tenant;
}

#[tokio::test]
async fn the_demo_project_brings_risks_a_board_and_changes_that_agree_with_the_other_modules() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    owner.get("/dashboard").await;
    let r = owner.post_form("/projects/demo", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let project = app
        .count("select id from project where code = 'DEMO-01'")
        .await;

    // Risks over the four built-in categories, one review overdue, one closed with history.
    assert_eq!(app.count("select count(*) from risk").await, 6);
    assert_eq!(
        app.count("select count(distinct category) from risk").await,
        4
    );
    assert_eq!(
        app.count(
            "select count(*) from risk where status <> 'closed' and next_review_on < current_date"
        )
        .await,
        1
    );
    assert!(
        app.count(
            "select count(*) from risk_review v join risk r on r.id = v.risk_id
             where r.status = 'closed'"
        )
        .await
            >= 2
    );
    assert!(app.count("select count(distinct score) from risk").await >= 4);

    // A company of one gets two deactivated colleagues to request and review.
    assert_eq!(
        app.count("select count(*) from app_user where not active")
            .await,
        2
    );
    // The company's review board is its own business: the demo leaves it as it was.
    assert_eq!(
        app.count("select count(*) from change_board_member").await,
        0
    );
    assert_eq!(app.count("select count(*) from changes_settings").await, 0);
    for (status, n) in [
        ("approved", 2),
        ("submitted", 1),
        ("draft", 1),
        ("rejected", 1),
    ] {
        assert_eq!(
            app.count(&format!(
                "select count(*) from change_request where status = '{status}'"
            ))
            .await,
            n,
            "{status}"
        );
    }
    // Nobody voted on their own request.
    assert_eq!(
        app.count(
            "select count(*) from change_vote v join change_request r on r.id = v.change_request_id
             where v.voter_id = r.requester_id"
        )
        .await,
        0
    );
    assert_eq!(
        app.count(
            "select count(*) from change_vote v join change_request r on r.id = v.change_request_id
             where r.status = 'rejected' and v.decision = 'reject' and length(v.comment) > 10"
        )
        .await,
        1
    );

    // BG-002 was applied: its budget revision, variations and task durations agree.
    let bg2 = app
        .count("select id from change_request where number = 'BG-002' and status = 'approved'")
        .await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_budget_version v join change_request r
               on r.budget_version_id = v.id
             where r.id = {bg2} and v.change_request_id = {bg2} and v.status = 'approved'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select amount::bigint from contract_variation where change_request_id = {bg2}"
        ))
        .await,
        465_000
    );
    assert_eq!(
        app.count(&format!(
            "select amount::bigint from revenue_variation where change_request_id = {bg2}"
        ))
        .await,
        465_000
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from change_request_task l join task t on t.id = l.task_id
             where l.change_request_id = {bg2}
               and t.duration_days = l.duration_after and l.duration_after = l.duration_before + 6"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select (budget_after - budget_before)::bigint from change_request where id = {bg2}"
        ))
        .await,
        422_000
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from change_request where id = {bg2} and finish_after > finish_before"
        ))
        .await,
        1
    );
    // BG-003 is the waterproofing change the cost centre's revision already named.
    assert_eq!(
        app.count(
            "select count(*) from cost_budget_version v join change_request r
               on r.id = v.change_request_id
             where r.number = 'BG-003' and v.reason like '%BG-003%'"
        )
        .await,
        1
    );

    // The log: original budget before BG-003, both approved changes' cost, the contract.
    let log = owner.get(&format!("/projects/{project}/changes/log")).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    assert_eq!(log.text("#t-counts"), "2 / 1");
    assert_eq!(log.text("#t-approved-cost"), "872,000.00");
    assert_eq!(log.text("#t-original-budget"), "42,080,000.00");
    assert_eq!(log.text("#t-current-budget"), "42,952,000.00");
    assert_eq!(log.text("#t-approved-revenue"), "985,000.00");
    assert_eq!(log.text("#t-contract-before"), "48,600,000.00");
    assert_eq!(log.text("#t-contract-now"), "49,585,000.00");
    assert!(log.text("#t-days-moved").starts_with('+'));
    log.assert_contains("不予变更");

    // The rain-stoppage instruction awaits the owner's deciding vote.
    let overview = owner.get("/changes").await;
    assert!(overview.text("#awaiting-list").contains("雨季停工现场签证"));
    assert_eq!(overview.text("#approved-cost"), "872,000.00");
    // The demo names no board: owners and admins review.
    let settings = owner.get("/settings/changes").await;
    assert!(settings.body.contains("id=\"no-members\""));

    // Loading it again changes nothing.
    let r = owner.post_form("/projects/demo", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from change_request").await, 5);
}

#[tokio::test]
async fn the_demo_uses_the_companys_own_colleagues_when_it_has_them() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    app.user(tenant, "pm@acme.cn", "project_manager").await;
    app.user(tenant, "admin@acme.cn", "admin").await;
    owner.get("/dashboard").await;
    let r = owner.post_form("/projects/demo", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count("select count(*) from app_user where not active")
            .await,
        0
    );
    let pm = user_id(&app, "pm@acme.cn").await;
    let admin = user_id(&app, "admin@acme.cn").await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from change_request where requester_id <> {pm}"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from change_vote where voter_id = {admin}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from change_board_member").await,
        0
    );
}

/// `girder demo-data`: the demo company's own project manager requests, its admin reviews.
#[tokio::test]
async fn the_demo_company_gets_the_changes_with_its_own_people() {
    let app = TestApp::spawn().await;
    let login = girder::fixtures::demo::ensure(&app.state.db)
        .await
        .expect("demo data");
    // Run again: nothing doubles.
    girder::fixtures::demo::ensure(&app.state.db)
        .await
        .expect("demo data again");
    assert_eq!(app.count("select count(*) from change_request").await, 5);
    assert_eq!(app.count("select count(*) from risk").await, 6);
    assert_eq!(
        app.count("select count(*) from app_user where not active")
            .await,
        0
    );
    assert_eq!(
        app.count(
            "select count(*) from change_request r join app_user u on u.id = r.requester_id
             where u.email = 'pm@girder.local'"
        )
        .await,
        5
    );
    let mut owner = app.client();
    owner.login(&login.email, &login.password).await;
    let settings = owner.get("/settings/changes").await;
    assert!(settings.body.contains("id=\"no-members\""));
    let overview = owner.get("/changes").await;
    assert!(overview.text("#awaiting-list").contains("雨季停工现场签证"));
}

/// A scratch tenant holding the demo project is deleted whole, changes and risks included.
#[tokio::test]
async fn a_scratch_tenant_with_risks_and_changes_is_deleted_whole() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Scratch", "owner@scratch.cn").await;
    let Project { id: p, tasks } = ProjectBuilder::new("P1")
        .with_task("基础", "5")
        .create(&mut owner)
        .await;
    let me = user_id(&app, "owner@scratch.cn").await;
    let materials = category(&app, tenant, "materials").await;
    let task = tasks[0];
    let id = seed_request(
        &app, tenant, p, "BG-001", "底板加厚", "approved", me, 1,
        &format!(
            "insert into change_request_cost (tenant_id, change_request_id, category_id, amount)
               values ({tenant}, {{id}}, {materials}, 100);
             insert into change_request_task (tenant_id, change_request_id, task_id, days)
               values ({tenant}, {{id}}, {task}, 2);
             insert into change_vote (tenant_id, change_request_id, round, voter_id, decision, comment)
               values ({tenant}, {{id}}, 1, {me}, 'approve', '同意');
             insert into cost_budget_version (tenant_id, project_id, number, status, approved_at,
                                              change_request_id)
               values ({tenant}, {p}, 0, 'approved', now(), {{id}});
             update change_request set budget_version_id =
               (select id from cost_budget_version where project_id = {p}) where id = {{id}};
             insert into changes_settings (tenant_id) values ({tenant});
             insert into change_board_member (tenant_id, user_id) values ({tenant}, {me});
             insert into risk_category (tenant_id, name) values ({tenant}, '合同');
             insert into risk (tenant_id, project_id, number, category, title, probability, impact)
               values ({tenant}, {p}, 'R-001', 'technical', '基坑', 3, 4);
             insert into risk_review (tenant_id, risk_id, reviewed_on, probability, impact, status)
               select {tenant}, id, current_date, 3, 4, 'open' from risk where tenant_id = {tenant};"
        ),
    )
    .await;
    assert!(id > 0);
    // Scratch tenants are deleted by the bench tools, as the database's owner; they never
    // signed up through the web, so they have no audit trail nor trades.
    app.exec(&format!(
        "delete from audit_log where tenant_id = {tenant};
         delete from trade where tenant_id = {tenant};"
    ))
    .await;
    let owner_db = girder::db::Db::connect_lazy(&app.superuser_url).expect("pool");
    girder::db::cross_tenant::delete_scratch_tenant(&owner_db, girder::ids::TenantId(tenant))
        .await
        .expect("scratch tenant deleted");
    assert_eq!(
        app.count(&format!("select count(*) from tenant where id = {tenant}"))
            .await,
        0
    );
    assert_eq!(app.count("select count(*) from change_request").await, 0);
}
