//! Change requests over HTTP: the project's list, the form (refusals beside the fields, nothing
//! saved), the request's page, each step (submit, withdraw, vote, apply again) with stale
//! versions, roles, self-approval, too few votes, other tenants' ids, attachments, and the
//! three effects of approval — a budget revision, a variation on the income contract and
//! the revenue side, new task durations with the project rescheduled — undone together when
//! one part fails.

use axum::http::StatusCode;

use crate::support::builders::{ContractBuilder, add_member, create_project, task_id, user_id};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

struct Site {
    app: TestApp,
    owner: TestClient,
    pm: TestClient,
    finance: TestClient,
    tenant: i64,
    project: i64,
    contract: i64,
    excavation: i64,
    materials: i64,
    labour: i64,
}

async fn category(app: &TestApp, tenant: i64, code: &str) -> i64 {
    app.count(&format!(
        "select id from cost_category where tenant_id = {tenant} and code = '{code}'"
    ))
    .await
}

fn owned(fields: &[(&str, String)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

async fn post(c: &mut TestClient, path: &str, fields: &[(String, String)]) -> TestResponse {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post_form(path, &pairs).await
}

/// A budget version of the project approved with `amounts` per category (every other
/// category blank), through the budget pages.
async fn approve_budget(app: &TestApp, c: &mut TestClient, project: i64, amounts: &[(i64, &str)]) {
    let budget = format!("/projects/{project}/cost/budget");
    c.get(&budget).await;
    let r = c.post_form(&format!("{budget}/versions"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let draft: i64 = r
        .location()
        .trim_start_matches(&format!("{budget}/"))
        .trim_end_matches("/edit")
        .parse()
        .unwrap();
    let version = || async {
        app.count(&format!(
            "select version::bigint from cost_budget_version where id = {draft}"
        ))
        .await
        .to_string()
    };
    let path = format!("{budget}/{draft}/edit");
    let page = c.get(&path).await;
    let sel = scraper::Selector::parse("input[name=cat]").unwrap();
    let cats: Vec<String> = page
        .html()
        .select(&sel)
        .filter_map(|e| e.value().attr("value").map(str::to_owned))
        .collect();
    let mut fields = vec![
        ("version".to_owned(), version().await),
        ("reason".to_owned(), "调整预算".to_owned()),
    ];
    for cat in &cats {
        let amount = amounts
            .iter()
            .find(|(id, _)| id.to_string() == *cat)
            .map(|(_, a)| (*a).to_owned())
            .unwrap_or_default();
        fields.push(("cat".into(), cat.clone()));
        fields.push(("amount".into(), amount));
    }
    let r = post(c, &path, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    c.get(&budget).await;
    let r = c
        .post_form(
            &format!("{budget}/{draft}/approve"),
            &[("version", &version().await), ("reason", "调整预算")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// A signed income contract of 1,130,000.00 with the client, through the funds pages.
async fn income_contract(app: &TestApp, c: &mut TestClient, project: i64, number: &str) -> i64 {
    c.get("/funds/counterparties").await;
    let r = c
        .post_form(
            "/funds/counterparties",
            &[
                ("name", &format!("城投集团 {number}")),
                ("kind", "client"),
                ("credit_code", ""),
                ("contact", "王工"),
                ("phone", "13800000000"),
                ("bank_name", "工商银行杭州分行"),
                ("bank_account", "1202020209000012345"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let party: i64 = r
        .location()
        .trim_start_matches("/funds/counterparties#counterparty-")
        .parse()
        .unwrap();
    ContractBuilder::new(project, party, number)
        .field("title", "施工总承包合同")
        .field("direction", "income")
        .field("kind", "main")
        .field("amount", "1,130,000.00")
        .field("signed_on", "2026-03-01")
        .field("payment_terms", "按月进度 80%")
        .field("retention_percent", "0")
        .field("retention_release_on", "")
        .field("payment_ratio", "80")
        .signed()
        .create(app, c)
        .await
}

/// A company with a scheduled project, an approved budget (materials 1,000,000, labour
/// 500,000), a signed income contract, a PM who raises changes, and a board of the owner,
/// the finance user and the PM needing two approvals.
async fn site() -> Site {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let project = create_project(&mut owner, "HZ-01", "builtin:building").await;
    let pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    let finance = app.user(tenant, "fin@acme.cn", "finance").await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "pm@acme.cn").await,
        "manager",
    )
    .await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "fin@acme.cn").await,
        "engineer",
    )
    .await;
    let materials = category(&app, tenant, "02").await;
    let labour = category(&app, tenant, "01").await;
    approve_budget(
        &app,
        &mut owner,
        project,
        &[(materials, "1,000,000"), (labour, "500,000")],
    )
    .await;
    let contract = income_contract(&app, &mut owner, project, "ZB-001").await;
    let excavation = task_id(&app, project, "土方开挖").await;
    let members: Vec<String> = [
        user_id(&app, "owner@acme.cn").await,
        user_id(&app, "fin@acme.cn").await,
        user_id(&app, "pm@acme.cn").await,
    ]
    .iter()
    .map(|u| format!("({tenant}, {u})"))
    .collect();
    app.exec(&format!(
        "insert into changes_settings (tenant_id, approvals_needed) values ({tenant}, 2);
         insert into change_board_member (tenant_id, user_id) values {};",
        members.join(", ")
    ))
    .await;
    Site {
        app,
        owner,
        pm,
        finance,
        tenant,
        project,
        contract,
        excavation,
        materials,
        labour,
    }
}

fn base(project: i64) -> String {
    format!("/projects/{project}/changes")
}

/// The request form's fields.
fn request_fields(
    title: &str,
    revenue: &str,
    contract: &str,
    tasks: &[(String, &str)],
    costs: &[(String, &str)],
    version: &str,
) -> Vec<(String, String)> {
    let mut f = owned(&[
        ("kind", "change".to_owned()),
        ("title", title.to_owned()),
        (
            "reason",
            "设计院第 03 号变更通知：地下室底板加厚".to_owned(),
        ),
        ("revenue_amount", revenue.to_owned()),
        ("contract_id", contract.to_owned()),
        ("version", version.to_owned()),
    ]);
    for (t, d) in tasks {
        f.push(("task".into(), t.clone()));
        f.push(("days".into(), (*d).to_owned()));
    }
    for (c, a) in costs {
        f.push(("category".into(), c.clone()));
        f.push(("amount".into(), (*a).to_owned()));
    }
    f
}

async fn request_version(app: &TestApp, id: i64) -> String {
    app.count(&format!(
        "select version::bigint from change_request where id = {id}"
    ))
    .await
    .to_string()
}

async fn status(app: &TestApp, id: i64) -> String {
    let n = app
        .count(&format!(
            "select case status when 'draft' then 0 when 'submitted' then 1
                    when 'under_review' then 2 when 'approved' then 3 else 4 end::bigint
             from change_request where id = {id}"
        ))
        .await;
    ["draft", "submitted", "under_review", "approved", "rejected"][n as usize].to_owned()
}

/// Raises a request through the form and returns its id.
async fn raise(c: &mut TestClient, project: i64, fields: &[(String, String)]) -> i64 {
    let page = c.get(&format!("{}/new", base(project))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let r = post(c, &base(project), fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches(&format!("{}/", base(project)))
        .parse()
        .unwrap()
}

async fn step(
    c: &mut TestClient,
    app: &TestApp,
    project: i64,
    id: i64,
    action: &str,
) -> TestResponse {
    c.get(&format!("{}/{id}", base(project))).await;
    let v = request_version(app, id).await;
    c.post_form(
        &format!("{}/{id}/{action}", base(project)),
        &[("version", &v)],
    )
    .await
}

async fn vote(
    c: &mut TestClient,
    app: &TestApp,
    project: i64,
    id: i64,
    decision: &str,
    comment: &str,
) -> TestResponse {
    c.get(&format!("{}/{id}", base(project))).await;
    let v = request_version(app, id).await;
    c.post_form(
        &format!("{}/{id}/vote", base(project)),
        &[
            ("version", &v),
            ("decision", decision),
            ("comment", comment),
        ],
    )
    .await
}

async fn duration(app: &TestApp, task: i64) -> i64 {
    app.count(&format!(
        "select duration_days::bigint from task where id = {task}"
    ))
    .await
}

async fn finish(app: &TestApp, project: i64) -> i64 {
    app.count(&format!(
        "select (scheduled_finish - date '2026-01-01')::bigint from project where id = {project}"
    ))
    .await
}

#[tokio::test]
async fn a_change_raised_and_approved_by_two_moves_budget_contract_and_schedule() {
    let Site {
        app,
        mut owner,
        mut pm,
        mut finance,
        project,
        contract,
        excavation,
        materials,
        labour,
        ..
    } = site().await;
    let list = pm.get(&base(project)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(!list.text("#no-requests").is_empty());
    assert!(list.body.contains(&format!("{}/log", base(project))));
    // The form offers the leaf tasks, the active categories and preselects the one contract.
    let form = pm.get(&format!("{}/new", base(project))).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text("#f-task_0").contains("土方开挖"));
    assert!(
        !form.text("#f-task_0").contains("基础工程"),
        "a summary is offered"
    );
    assert!(form.text("#f-category_0").contains("材料费"));
    assert!(
        form.body
            .contains(&format!("<option value=\"{contract}\" selected>"))
    );
    assert_eq!(
        form.html()
            .select(&scraper::Selector::parse("select[name=task]").unwrap())
            .count(),
        3
    );

    let before_duration = duration(&app, excavation).await;
    let before_finish = finish(&app, project).await;
    let fields = request_fields(
        "地下室底板加厚",
        "50,000",
        &contract.to_string(),
        &[(excavation.to_string(), "+5")],
        &[
            (materials.to_string(), "20,000"),
            (labour.to_string(), "-10000"),
        ],
        "0",
    );
    let id = raise(&mut pm, project, &fields).await;
    let page = pm.get(&format!("{}/{id}", base(project))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("#request-number"), "BG-001");
    assert_eq!(page.text("#request-status"), "草稿");
    assert_eq!(page.text("#cost-total"), "10,000.00");
    assert!(page.text("#revenue-impact").contains("50,000.00"));
    assert!(page.text("#revenue-impact").contains("ZB-001"));
    let proposed = page.text("#impact-tasks td.to");
    assert_eq!(proposed, (before_duration + 5).to_string());
    assert!(page.body.contains("id=\"submit-request\""));
    // The list shows it with its totals.
    let list = pm.get(&base(project)).await;
    assert!(list.text("#requests tbody").contains("BG-001"));
    assert_eq!(list.text("#requests tbody td.cost"), "10,000.00");
    assert_eq!(list.text("#requests tbody td.revenue"), "50,000.00");
    assert_eq!(list.text("#requests tbody td.added"), "+5");
    let filtered = pm.get(&format!("{}?status=approved", base(project))).await;
    assert!(!filtered.text("#no-requests").is_empty());

    // Editing a draft replaces its lines; a stale save conflicts.
    let edit = format!("{}/{id}/edit", base(project));
    let page = pm.get(&edit).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"+5\"") || page.body.contains("value=\"5\""));
    let mut fields = request_fields(
        "地下室底板加厚（修订）",
        "50,000",
        &contract.to_string(),
        &[(excavation.to_string(), "5")],
        &[
            (materials.to_string(), "20,000"),
            (labour.to_string(), "-10000"),
        ],
        "1",
    );
    let r = post(&mut pm, &edit, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = post(&mut pm, &edit, &fields).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(!r.text("#refusal").is_empty());
    fields.retain(|(k, _)| k != "version");
    assert_eq!(
        app.count(&format!(
            "select count(*) from change_request where title = '地下室底板加厚（修订）' and id = {id}"
        ))
        .await,
        1
    );

    // Submit; a stale submit conflicts.
    let r = pm
        .post_form(
            &format!("{}/{id}/submit", base(project)),
            &[("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = step(&mut pm, &app, project, id, "submit").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, "submitted");
    assert_eq!(
        app.count(&format!(
            "select round::bigint from change_request where id = {id}"
        ))
        .await,
        1
    );
    // Editing is over.
    let r = post(
        &mut pm,
        &edit,
        &[
            fields.clone(),
            owned(&[("version", request_version(&app, id).await)]),
        ]
        .concat(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The requester sits on the board but cannot approve their own request.
    let r = vote(&mut pm, &app, project, id, "approve", "同意").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text("#refusal").contains("申请人不能审批"));
    assert_eq!(app.count("select count(*) from change_vote").await, 0);
    // A vote needs a comment.
    let r = vote(&mut owner, &app, project, id, "approve", "  ").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("comment").is_empty());
    // A stale vote conflicts.
    owner.get(&format!("{}/{id}", base(project))).await;
    let r = owner
        .post_form(
            &format!("{}/{id}/vote", base(project)),
            &[
                ("version", "1"),
                ("decision", "approve"),
                ("comment", "同意"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // One approval of two: under review, and nothing applied yet.
    let r = vote(&mut owner, &app, project, id, "approve", "同意，按图施工").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, "under_review");
    let page = owner.get(&format!("{}/{id}", base(project))).await;
    assert!(
        page.text("#approvals").contains("1 / 2"),
        "{}",
        page.text("#approvals")
    );
    assert!(page.text("#votes").contains("同意，按图施工"));
    assert!(!page.body.contains("id=\"vote-form\""));
    assert_eq!(duration(&app, excavation).await, before_duration);
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_budget_version where change_request_id = {id}"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from contract_variation").await,
        0
    );
    assert_eq!(app.count("select count(*) from revenue_variation").await, 0);
    // A second vote in the same round conflicts.
    let v = request_version(&app, id).await;
    let r = owner
        .post_form(
            &format!("{}/{id}/vote", base(project)),
            &[
                ("version", &v),
                ("decision", "approve"),
                ("comment", "再次"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text("#refusal").contains("本轮已经表决"));

    // The second approval applies the change.
    let r = vote(&mut finance, &app, project, id, "approve", "成本已复核").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, "approved");
    let page = finance.follow(&r).await;
    assert_eq!(page.text("#request-status"), "已批准");
    assert_eq!(page.text("#budget-before"), "1,500,000.00");
    assert_eq!(page.text("#budget-after"), "1,510,000.00");
    assert!(page.text("#apply-error").is_empty());
    assert_eq!(
        page.text("#impact-tasks td.from"),
        before_duration.to_string()
    );
    assert_eq!(
        page.text("#impact-tasks td.to"),
        (before_duration + 5).to_string()
    );
    // 1. The budget: a new approved version with the cost lines.
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_budget_version where change_request_id = {id} and status = 'approved'"
        ))
        .await,
        1
    );
    let budget = owner.get(&format!("/projects/{project}/cost/budget")).await;
    assert_eq!(budget.text("#budget-total"), "1,510,000.00");
    // 2. The income contract and the revenue side.
    let k = owner.get(&format!("/funds/contracts/{contract}")).await;
    assert_eq!(k.text("#current-amount"), "1,180,000.00");
    // The variation is the change's record: tagged, and offered for no deletion.
    let variations = k.text("#variation-list");
    assert!(variations.contains("来自变更"), "{variations}");
    assert!(
        !k.body
            .contains(&format!("/funds/contracts/{contract}/variations/"))
    );
    assert!(k.text("#variations").contains("BG-001"));
    let revenue = owner
        .get(&format!("/projects/{project}/cost/revenue"))
        .await;
    assert_eq!(revenue.text("#contract-value"), "12,550,000.00");
    // 3. The schedule.
    assert_eq!(duration(&app, excavation).await, before_duration + 5);
    assert!(finish(&app, project).await > before_finish);
    assert!(!page.text("#finish-after").contains('—'));
    // The list shows the decision; every step left an audit row.
    let list = owner.get(&base(project)).await;
    assert!(list.text("#requests tbody").contains("已批准"));
    assert!(
        app.count(
            "select count(*) from audit_log where entity in ('change_request', 'change_vote')"
        )
        .await
            >= 6
    );
}

#[tokio::test]
async fn bad_requests_are_refused_beside_their_fields_and_nothing_is_saved() {
    let Site {
        app,
        mut owner,
        mut pm,
        project,
        contract,
        excavation,
        materials,
        ..
    } = site().await;
    let other = create_project(&mut owner, "HZ-02", "builtin:building").await;
    let foreign = task_id(&app, other, "土方开挖").await;
    let summary = task_id(&app, project, "基础工程").await;
    pm.get(&format!("{}/new", base(project))).await;
    let t = excavation.to_string();
    let m = materials.to_string();
    let k = contract.to_string();
    let cases: Vec<(Vec<(String, String)>, &str)> = vec![
        (
            request_fields("", "", "", &[(t.clone(), "1")], &[], "0"),
            "title",
        ),
        (
            request_fields("标题", "", "", &[(t.clone(), "0")], &[], "0"),
            "days_0",
        ),
        (
            request_fields(
                "标题",
                "",
                "",
                &[(t.clone(), "1"), (t.clone(), "2")],
                &[],
                "0",
            ),
            "task_1",
        ),
        (
            request_fields("标题", "", "", &[(foreign.to_string(), "1")], &[], "0"),
            "task_0",
        ),
        (
            request_fields("标题", "", "", &[(summary.to_string(), "1")], &[], "0"),
            "task_0",
        ),
        (
            request_fields("标题", "", "", &[(t.clone(), "abc")], &[], "0"),
            "days_0",
        ),
        (
            request_fields("标题", "1000", "", &[], &[], "0"),
            "contract_id",
        ),
        (
            request_fields("标题", "1.234", &k, &[], &[], "0"),
            "revenue_amount",
        ),
        (
            request_fields("标题", "1e20", &k, &[], &[], "0"),
            "revenue_amount",
        ),
        (
            request_fields("标题", "", "", &[], &[(m.clone(), "0")], "0"),
            "amount_0",
        ),
        (
            request_fields(
                "标题",
                "",
                "",
                &[],
                &[(m.clone(), "1"), (m.clone(), "2")],
                "0",
            ),
            "category_1",
        ),
        (
            request_fields("标题", "", "", &[], &[(m.clone(), "12.345")], "0"),
            "amount_0",
        ),
        (
            request_fields("标题", "", "", &[], &[("999999".into(), "100")], "0"),
            "category_0",
        ),
    ];
    for (fields, field) in &cases {
        let r = post(&mut pm, &base(project), fields).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.body
        );
        assert!(!r.field_error(field).is_empty(), "{field}");
    }
    // The input is kept.
    let r = post(&mut pm, &base(project), &cases[1].0).await;
    assert!(r.body.contains("value=\"标题\""));
    let mut no_reason = request_fields("标题", "", "", &[(t.clone(), "1")], &[], "0");
    for (k, v) in no_reason.iter_mut() {
        if k == "reason" {
            v.clear();
        }
    }
    let r = post(&mut pm, &base(project), &no_reason).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("reason").is_empty());
    assert_eq!(app.count("select count(*) from change_request").await, 0);

    // A request without any impact is saved as a draft but cannot be submitted.
    let id = raise(
        &mut pm,
        project,
        &request_fields("仅记录", "", "", &[], &[], "0"),
    )
    .await;
    let r = step(&mut pm, &app, project, id, "submit").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#refusal").contains("没有任何影响"));
    assert_eq!(status(&app, id).await, "draft");
    // Numbers follow; a draft is deleted.
    let second = raise(
        &mut pm,
        project,
        &request_fields("第二项", "", "", &[(t.clone(), "2")], &[], "0"),
    )
    .await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from change_request where id = {second} and number = 'BG-002'"
        ))
        .await,
        1
    );
    let r = pm
        .post_form(
            &format!("{}/{id}/delete", base(project)),
            &[("version", "9")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = step(&mut pm, &app, project, id, "delete").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from change_request where id = {id}"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_log where entity = 'change_request' and action = 'delete'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn roles_withdrawal_rejection_and_rounds() {
    let Site {
        app,
        mut owner,
        mut pm,
        mut finance,
        tenant,
        project,
        excavation,
        ..
    } = site().await;
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    let mut foreman = app.user(tenant, "foreman@acme.cn", "foreman").await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "viewer@acme.cn").await,
        "viewer",
    )
    .await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "foreman@acme.cn").await,
        "foreman",
    )
    .await;
    let fields = request_fields(
        "工期顺延",
        "",
        "",
        &[(excavation.to_string(), "3")],
        &[],
        "0",
    );
    let id = raise(&mut pm, project, &fields).await;

    // Viewers and finance read but neither raise nor submit.
    for c in [&mut viewer, &mut finance] {
        let r = c.get(&base(project)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.body.contains("id=\"new-request\""));
        let r = c.get(&format!("{}/{id}", base(project))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.body.contains("id=\"submit-request\""));
        let r = c.get(&format!("{}/new", base(project))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post(c, &base(project), &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = step(c, &app, project, id, "submit").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.count("select count(*) from change_request").await, 1);
    // A foreman cannot open the module.
    for path in [base(project), format!("{}/{id}", base(project))] {
        let r = foreman.get(&path).await;
        assert!(
            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{path}: {}",
            r.status
        );
    }
    // Nobody votes on a draft.
    let r = vote(&mut owner, &app, project, id, "approve", "同意").await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    let r = step(&mut pm, &app, project, id, "submit").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A viewer is not on the board.
    let r = vote(&mut viewer, &app, project, id, "approve", "同意").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text("#refusal").contains("不是变更审核委员会成员"));
    // Only the requester (or an owner or admin) withdraws.
    let r = step(&mut finance, &app, project, id, "withdraw").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = vote(&mut owner, &app, project, id, "approve", "第一轮同意").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = step(&mut pm, &app, project, id, "withdraw").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, "draft");
    assert_eq!(app.count("select count(*) from change_vote").await, 1);
    let page = pm.get(&format!("{}/{id}", base(project))).await;
    assert!(page.text("#round-1").contains("第一轮同意"));
    // Submitted again: a new round, the earlier vote kept as history and not counted.
    let r = step(&mut pm, &app, project, id, "submit").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = owner.get(&format!("{}/{id}", base(project))).await;
    assert!(page.text("#approvals").contains("0 / 2"));
    assert!(page.body.contains("id=\"vote-form\""));
    // One rejection rejects.
    let r = vote(&mut finance, &app, project, id, "reject", "工期依据不足").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(status(&app, id).await, "rejected");
    assert_eq!(
        app.count(&format!(
            "select count(*) from change_request where id = {id} and decided_at is not null and round = 2"
        ))
        .await,
        1
    );
    let page = owner.get(&format!("{}/{id}", base(project))).await;
    assert_eq!(page.text("#request-status"), "已驳回");
    assert!(page.text("#round-2").contains("工期依据不足"));
    assert!(page.text("#round-1").contains("第一轮同意"));
    let r = vote(&mut owner, &app, project, id, "approve", "晚了").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = step(&mut pm, &app, project, id, "withdraw").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_failed_part_undoes_the_whole_approval_until_applied_again() {
    let Site {
        app,
        mut owner,
        mut pm,
        mut finance,
        project,
        contract,
        excavation,
        labour,
        materials,
        ..
    } = site().await;
    let before_duration = duration(&app, excavation).await;
    let before_finish = finish(&app, project).await;
    // Labour's budget is 500,000: taking 600,000 off it is refused on approval.
    let fields = request_fields(
        "取消外墙保温",
        "30,000",
        &contract.to_string(),
        &[(excavation.to_string(), "4")],
        &[(labour.to_string(), "-600,000")],
        "0",
    );
    let id = raise(&mut pm, project, &fields).await;
    step(&mut pm, &app, project, id, "submit").await;
    let r = vote(&mut owner, &app, project, id, "approve", "同意").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = vote(&mut finance, &app, project, id, "approve", "同意").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, "under_review");
    let page = finance.follow(&r).await;
    assert!(
        page.text("#apply-error")
            .contains("成本类别 01 的预算将变为负数"),
        "{}",
        page.text("#apply-error")
    );
    assert!(page.body.contains("id=\"apply-again\""));
    // Nothing of it is left; the votes stay.
    assert_eq!(duration(&app, excavation).await, before_duration);
    assert_eq!(finish(&app, project).await, before_finish);
    assert_eq!(
        app.count("select count(*) from cost_budget_version where change_request_id is not null")
            .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from contract_variation").await,
        0
    );
    assert_eq!(app.count("select count(*) from revenue_variation").await, 0);
    assert_eq!(app.count("select count(*) from change_vote").await, 2);
    let budget = owner.get(&format!("/projects/{project}/cost/budget")).await;
    assert_eq!(budget.text("#budget-total"), "1,500,000.00");
    // Applying again before the cause is fixed fails the same way, and leaves nothing.
    let r = step(&mut pm, &app, project, id, "apply").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, "under_review");
    assert_eq!(duration(&app, excavation).await, before_duration);
    let r = vote(&mut owner, &app, project, id, "approve", "再次同意").await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Labour's budget raised to 700,000: applying again succeeds.
    approve_budget(
        &app,
        &mut owner,
        project,
        &[(materials, "1,000,000"), (labour, "700,000")],
    )
    .await;
    let r = owner
        .post_form(
            &format!("{}/{id}/apply", base(project)),
            &[("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "stale");
    let r = step(&mut owner, &app, project, id, "apply").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, "approved");
    let page = owner.follow(&r).await;
    assert!(page.text("#apply-error").is_empty());
    assert_eq!(page.text("#budget-after"), "1,100,000.00");
    assert_eq!(duration(&app, excavation).await, before_duration + 4);
    let k = owner.get(&format!("/funds/contracts/{contract}")).await;
    assert_eq!(k.text("#current-amount"), "1,160,000.00");
    assert_eq!(app.count("select count(*) from revenue_variation").await, 1);
    let r = step(&mut owner, &app, project, id, "apply").await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The last part refused after the schedule and the budget were written: the income
    // contract is closed. Both are undone with it.
    let fields = request_fields(
        "增加雨棚",
        "5,000",
        &contract.to_string(),
        &[(excavation.to_string(), "2")],
        &[(materials.to_string(), "10,000")],
        "0",
    );
    let second = raise(&mut pm, project, &fields).await;
    // Only the requester edits or submits it: the owner, a board member, cannot.
    owner.get(&format!("{}/{second}", base(project))).await;
    let r = owner
        .post_form(
            &format!("{}/{second}/edit", base(project)),
            &[("title", "改写"), ("reason", "改写"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = step(&mut owner, &app, project, second, "submit").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    step(&mut pm, &app, project, second, "submit").await;
    let version = app
        .count(&format!(
            "select version::bigint from contract where id = {contract}"
        ))
        .await;
    owner.get(&format!("/funds/contracts/{contract}")).await;
    let r = owner
        .post_form(
            &format!("/funds/contracts/{contract}/close"),
            &[("version", &version.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let versions = app.count("select count(*) from cost_budget_version").await;
    let finish_before = finish(&app, project).await;
    vote(&mut owner, &app, project, second, "approve", "同意").await;
    let r = vote(&mut finance, &app, project, second, "approve", "同意").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, second).await, "under_review");
    let page = finance.follow(&r).await;
    assert!(
        page.text("#apply-error").contains("不是已签订状态"),
        "{}",
        page.text("#apply-error")
    );
    assert_eq!(duration(&app, excavation).await, before_duration + 4);
    assert_eq!(finish(&app, project).await, finish_before);
    assert_eq!(
        app.count("select count(*) from cost_budget_version").await,
        versions
    );
    let budget = owner.get(&format!("/projects/{project}/cost/budget")).await;
    assert_eq!(budget.text("#budget-total"), "1,100,000.00");
    assert_eq!(
        app.count("select count(*) from contract_variation").await,
        1
    );
}

#[tokio::test]
async fn attachments_are_added_downloaded_and_removed_until_approval() {
    let Site {
        app,
        mut pm,
        mut finance,
        project,
        excavation,
        ..
    } = site().await;
    let fields = request_fields("签证", "", "", &[(excavation.to_string(), "1")], &[], "0");
    let id = raise(&mut pm, project, &fields).await;
    let path = format!("{}/{id}/attachments", base(project));
    pm.get(&format!("{}/{id}", base(project))).await;
    let pdf = b"%PDF-1.4\n% change notice\n".to_vec();
    let r = pm
        .post_multipart(
            &path,
            &[],
            &[("photo", "变更通知单.pdf", "application/pdf", pdf.clone())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = pm.get(&format!("{}/{id}", base(project))).await;
    assert!(page.text("#attachments").contains("变更通知单.pdf"));
    let file = app
        .count("select id from change_attachment order by id desc limit 1")
        .await;
    let r = finance.get(&format!("{path}/{file}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, pdf);
    // Not a PDF, JPEG or PNG.
    pm.get(&format!("{}/{id}", base(project))).await;
    let r = pm
        .post_multipart(
            &path,
            &[],
            &[("photo", "notes.pdf", "application/pdf", b"hello".to_vec())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.text("#e-photo").is_empty());
    // Finance reads but does not attach.
    finance.get(&format!("{}/{id}", base(project))).await;
    let r = finance
        .post_form(&format!("{path}/{file}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = pm.post_form(&format!("{path}/{file}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from change_attachment").await, 0);
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'change_attachment'")
            .await,
        2
    );
}

#[tokio::test]
async fn other_tenants_and_other_projects_ids_answer_404() {
    let Site {
        app,
        mut owner,
        mut pm,
        project,
        excavation,
        ..
    } = site().await;
    let fields = request_fields("签证", "", "", &[(excavation.to_string(), "1")], &[], "0");
    let id = raise(&mut pm, project, &fields).await;
    pm.get(&format!("{}/{id}", base(project))).await;
    let r = pm
        .post_multipart(
            &format!("{}/{id}/attachments", base(project)),
            &[],
            &[("photo", "a.pdf", "application/pdf", b"%PDF-1.4\n".to_vec())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let file = app.count("select id from change_attachment").await;
    let other_project = create_project(&mut owner, "HZ-02", "").await;

    let (mut rival, _) = app.signup("Rival", "owner@rival.cn").await;
    let own = create_project(&mut rival, "R1", "").await;
    for path in [
        base(project),
        format!("{}/new", base(project)),
        format!("{}/{id}", base(project)),
        format!("{}/{id}/edit", base(project)),
        format!("{}/{id}/attachments/{file}", base(project)),
        format!("{}/{id}", base(own)),
    ] {
        assert_not_found(&rival.get(&path).await);
    }
    rival.get(&base(own)).await;
    for action in ["submit", "withdraw", "vote", "apply", "delete", "edit"] {
        let r = rival
            .post_form(
                &format!("{}/{id}/{action}", base(project)),
                &[("version", "1"), ("decision", "approve"), ("comment", "x")],
            )
            .await;
        assert_not_found(&r);
        let r = rival
            .post_form(
                &format!("{}/{id}/{action}", base(own)),
                &[("version", "1"), ("decision", "approve"), ("comment", "x")],
            )
            .await;
        assert_not_found(&r);
    }
    assert_not_found(
        &rival
            .post_form(
                &format!("{}/{id}/attachments/{file}/delete", base(own)),
                &[],
            )
            .await,
    );
    // The request under another project of the same company is not found either.
    assert_not_found(&owner.get(&format!("{}/{id}", base(other_project))).await);
    assert_not_found(
        &owner
            .get(&format!("{}/{id}/attachments/{file}", base(other_project)))
            .await,
    );
    assert_eq!(status(&app, id).await, "draft");
    assert_eq!(app.count("select count(*) from change_attachment").await, 1);
}

#[tokio::test]
async fn a_submitted_requests_files_are_kept_and_more_may_be_added() {
    let Site {
        app,
        mut pm,
        project,
        excavation,
        ..
    } = site().await;
    let fields = request_fields("签证", "", "", &[(excavation.to_string(), "1")], &[], "0");
    let id = raise(&mut pm, project, &fields).await;
    let path = format!("{}/{id}/attachments", base(project));
    pm.get(&format!("{}/{id}", base(project))).await;
    let pdf = b"%PDF-1.4\n% site instruction\n".to_vec();
    let r = pm
        .post_multipart(&path, &[], &[("photo", "指令.pdf", "application/pdf", pdf)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let file = app.count("select id from change_attachment").await;
    let r = step(&mut pm, &app, project, id, "submit").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Removing is refused beside the files, with the page drawn again.
    pm.get(&format!("{}/{id}", base(project))).await;
    let r = pm.post_form(&format!("{path}/{file}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.text("#e-photo"),
        "变更申请提交审核后，附件只能增加，不能删除。"
    );
    assert!(r.text("#attachments").contains("指令.pdf"));
    // Adding still works while the board has it.
    let more = b"%PDF-1.4\n% photo sheet\n".to_vec();
    let r = pm
        .post_multipart(
            &path,
            &[],
            &[("photo", "现场.pdf", "application/pdf", more)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("select count(*) from change_attachment").await, 2);
}
