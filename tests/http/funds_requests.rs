//! Funds › payment requests over HTTP: requests against a signed subcontract held to its
//! payable balance (and the override with a reason, audited), one- and two-step approval,
//! approver roles and limits, the requester and viewers refused, rejection with a reason,
//! cancelling, paying through the ledger (in full, open month, balance re-checked),
//! reimbursements, the list and its exports, Settings › Funds, other tenants' ids, and
//! committed cost falling as the contract is paid.

use axum::http::StatusCode;
use chrono::Datelike;

use crate::support::builders::{Company, CompanyBuilder, ContractBuilder, counterparty};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

/// A company with a project and a signed 113,000.00 subcontract at 13 % VAT, 3 % retention
/// (3,390.00) released on `release_on`; the contract's id beside it.
async fn company_with(release_on: &str) -> (Company, i64) {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    owner.get("/funds/counterparties").await;
    let party = counterparty(&mut owner, "杭州建工劳务有限公司", "subcontractor").await;
    let contract = ContractBuilder::new(project, party, "FB-001")
        .field("payment_terms", "按月进度付款")
        .field("retention_release_on", release_on)
        .create(&app, &mut owner)
        .await;
    assert_eq!(committed(&mut owner, project).await, "0.00");
    let r = owner
        .post_form(
            &format!("/funds/contracts/{contract}/sign"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Signing commits the amount without VAT.
    assert_eq!(committed(&mut owner, project).await, "100,000.00");
    (
        Company {
            app,
            owner,
            tenant,
            project,
            crews: Vec::new(),
        },
        contract,
    )
}

async fn company() -> (Company, i64) {
    company_with("2028-03-10").await
}

/// The committed total of the project's cost report.
async fn committed(c: &mut TestClient, project: i64) -> String {
    let r = c.get(&format!("/projects/{project}/cost")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.text("#cost-totals td.committed")
}

/// A user of `role`, a member of the project (finance and project managers see only theirs).
async fn member(app: &TestApp, tenant: i64, project: i64, email: &str, role: &str) -> TestClient {
    let mut c = app.user(tenant, email, role).await;
    app.exec(&format!(
        "insert into project_member (tenant_id, project_id, user_id, project_role)
         select {tenant}, {project}, id, 'engineer' from app_user where email = '{email}'"
    ))
    .await;
    c.get("/funds/requests").await;
    c
}

async fn request(
    c: &mut TestClient,
    contract: i64,
    kind: &str,
    amount: &str,
    extra: &[(&str, &str)],
) -> TestResponse {
    let r = c
        .get(&format!("/funds/requests/new?contract={contract}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let contract = contract.to_string();
    let mut fields = vec![
        ("contract_id", contract.as_str()),
        ("kind", kind),
        ("amount", amount),
        ("purpose", "3 月进度款"),
    ];
    fields.extend_from_slice(extra);
    c.post_form("/funds/requests", &fields).await
}

/// Makes a request and returns its id.
async fn requested(c: &mut TestClient, contract: i64, amount: &str) -> i64 {
    let r = request(c, contract, "contract", amount, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches("/funds/requests/")
        .parse()
        .unwrap()
}

async fn version(app: &TestApp, id: i64) -> String {
    app.count(&format!(
        "select version::bigint from payment_request where id = {id}"
    ))
    .await
    .to_string()
}

async fn status(app: &TestApp, id: i64) -> i64 {
    app.count(&format!(
        "select case status when 'requested' then 1 when 'approved' then 2 when 'rejected' then 3
                            when 'paid' then 4 else 5 end::bigint
         from payment_request where id = {id}"
    ))
    .await
}

const REQUESTED: i64 = 1;
const APPROVED: i64 = 2;
const REJECTED: i64 = 3;
const PAID: i64 = 4;
const CANCELLED: i64 = 5;

async fn act(c: &mut TestClient, app: &TestApp, id: i64, action: &str) -> TestResponse {
    c.get(&format!("/funds/requests/{id}")).await;
    let v = version(app, id).await;
    c.post_form(
        &format!("/funds/requests/{id}/{action}"),
        &[("version", &v)],
    )
    .await
}

async fn pay(
    c: &mut TestClient,
    app: &TestApp,
    id: i64,
    moved_on: &str,
    amount: &str,
) -> TestResponse {
    c.get(&format!("/funds/requests/{id}")).await;
    let v = version(app, id).await;
    c.post_form(
        &format!("/funds/requests/{id}/pay"),
        &[
            ("version", &v),
            ("moved_on", moved_on),
            ("amount", amount),
            ("method", "cash"),
            ("bank_account_id", ""),
            ("reference", "XJ-001"),
            ("note", ""),
        ],
    )
    .await
}

#[tokio::test]
async fn a_request_within_balance_is_approved_paid_and_committed_cost_falls() {
    let (
        Company {
            app,
            mut owner,
            tenant,
            project,
            ..
        },
        contract,
    ) = company().await;
    // Payable: 113,000.00 less 3,390.00 retention.
    let form = owner
        .get(&format!("/funds/requests/new?contract={contract}"))
        .await;
    assert_eq!(form.text("#payable"), "109,610.00");

    let id = requested(&mut owner, contract, "56,500.00").await;
    let page = owner.get(&format!("/funds/requests/{id}")).await;
    assert_eq!(page.text("#request-status"), "待审批");
    assert_eq!(page.text("#request-amount"), "56,500.00");
    assert_eq!(page.text("#approvals-needed"), "1");
    // The request under way lowers what the next may ask.
    let form = owner
        .get(&format!("/funds/requests/new?contract={contract}"))
        .await;
    assert_eq!(form.text("#payable"), "53,110.00");

    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    let r = act(&mut admin, &app, id, "approve").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, APPROVED);
    let page = admin.get(&format!("/funds/requests/{id}")).await;
    assert!(page.text("#approval-trail").contains("admin user"));

    // A partial payment is refused: payments are in full.
    let day = today().to_string();
    let r = pay(&mut owner, &app, id, &day, "50,000.00").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.field_error("amount"),
        "付款金额须等于申请金额（全额付款）。"
    );
    assert_eq!(app.count("select count(*) from fund_movement").await, 0);

    let r = pay(&mut owner, &app, id, &day, "56,500.00").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, PAID);
    let movement = app
        .count(&format!(
            "select id from fund_movement where payment_request_id = {id}
               and kind = 'contract_payment' and contract_id = {contract}
               and amount = 56500 and method = 'cash'"
        ))
        .await;
    let page = owner.get(&format!("/funds/requests/{id}")).await;
    assert_eq!(page.text("#request-status"), "已付款");
    assert!(
        page.body
            .contains(&format!("href=\"/funds/movements/{movement}\"")),
        "{}",
        page.body
    );
    // 56,500.00 paid is 50,000.00 without VAT: committed falls from 100,000.00.
    assert_eq!(committed(&mut owner, project).await, "50,000.00");
    // Paid, the payment counts against the balance instead of the request.
    let form = owner
        .get(&format!("/funds/requests/new?contract={contract}"))
        .await;
    assert_eq!(form.text("#payable"), "53,110.00");

    // The list, its totals and its exports.
    let list = owner.get("/funds/requests?status=paid").await;
    assert!(list.text("#requests").contains("FB-001"));
    assert_eq!(list.text("#request-totals td.total"), "56,500.00");
    let empty = owner.get("/funds/requests?status=rejected").await;
    assert!(!empty.text("#no-requests").is_empty());
    let csv = owner
        .get(&format!("/funds/requests?contract={contract}&format=csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("56500.00"), "{}", csv.body);
    let xlsx = owner.get("/funds/requests?format=xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"));
}

#[tokio::test]
async fn over_balance_is_refused_unless_overridden_with_a_reason_and_audited() {
    let (Company { app, mut owner, .. }, contract) = company().await;
    let r = request(&mut owner, contract, "contract", "120,000.00", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#notice").contains("109,610.00"), "{}", r.body);
    assert!(!r.field_error("amount").is_empty());
    assert_eq!(app.count("select count(*) from payment_request").await, 0);

    // Ticked without a reason: still refused.
    let r = request(
        &mut owner,
        contract,
        "contract",
        "120,000.00",
        &[("override_balance", "1"), ("override_reason", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("override_reason"), "超额申请须说明理由。");
    assert_eq!(app.count("select count(*) from payment_request").await, 0);

    let r = request(
        &mut owner,
        contract,
        "contract",
        "120,000.00",
        &[
            ("override_balance", "1"),
            ("override_reason", "变更签证已确认，合同补充协议待签"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(
            "select count(*) from payment_request where over_balance
               and override_reason = '变更签证已确认，合同补充协议待签'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_log where entity = 'payment_request'
               and summary = 'request_over_balance'"
        )
        .await,
        1
    );
    let page = owner.get(r.location()).await;
    assert!(page.text("#override-reason").contains("补充协议"));
    // Above 100,000.00 it needs two approvals.
    assert_eq!(page.text("#approvals-needed"), "2");

    // A retention release before its date is refused.
    let r = request(&mut owner, contract, "retention", "1,000.00", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("kind"), "未到质保金返还日期");
}

#[tokio::test]
async fn retention_is_released_after_its_date_up_to_what_is_held() {
    let (Company { app, mut owner, .. }, contract) = company_with("2026-04-01").await;
    let r = request(&mut owner, contract, "retention", "3,390.01", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#notice").contains("3,390.00"), "{}", r.body);
    let r = request(&mut owner, contract, "retention", "3,390.00", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count("select count(*) from payment_request where kind = 'retention'")
            .await,
        1
    );
}

#[tokio::test]
async fn above_the_threshold_two_different_approvers_approve_in_turn() {
    let (
        Company {
            app,
            mut owner,
            tenant,
            project,
            ..
        },
        contract,
    ) = company().await;
    let id = requested(&mut owner, contract, "105,000.00").await;
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    let r = act(&mut admin, &app, id, "approve").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, REQUESTED);
    let page = admin.get(&format!("/funds/requests/{id}")).await;
    assert_eq!(page.text("#request-status"), "待审批 · 已审批 1/2");

    // The same person twice is refused, and nothing is saved.
    let r = act(&mut admin, &app, id, "approve").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text("#notice").contains("第二审批人须为他人"));
    assert_eq!(
        app.count(&format!(
            "select count(*) from payment_approval where request_id = {id}"
        ))
        .await,
        1
    );

    let mut finance = member(&app, tenant, project, "fin@acme.cn", "finance").await;
    let mine = finance.get("/funds/requests?mine=1").await;
    assert!(mine.text("#requests").contains(&format!("#{id}")));
    let r = act(&mut finance, &app, id, "approve").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, APPROVED);
    let page = finance.get(&format!("/funds/requests/{id}")).await;
    let trail = page.text("#approval-trail");
    assert!(
        trail.contains("admin user") && trail.contains("finance user"),
        "{trail}"
    );
    // Nothing left for the finance user to approve.
    let mine = finance.get("/funds/requests?mine=1").await;
    assert!(!mine.text("#no-requests").is_empty());
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'payment_request'")
            .await,
        3
    );
}

#[tokio::test]
async fn limits_roles_the_requester_and_viewers_are_refused() {
    let (
        Company {
            app,
            mut owner,
            tenant,
            project,
            ..
        },
        contract,
    ) = company().await;
    let id = requested(&mut owner, contract, "50,000.00").await;

    // The requester cannot approve their own request.
    let r = act(&mut owner, &app, id, "approve").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text("#notice").contains("自己"));

    // An admin limited to 10,000.00 is refused with the limit named.
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    let admin_id = app
        .count("select id from app_user where email = 'admin@acme.cn'")
        .await
        .to_string();
    owner.get("/settings/funds").await;
    let r = owner
        .post_form(
            "/settings/funds/approvers",
            &[("user_id", &admin_id), ("amount_limit", "10,000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = act(&mut admin, &app, id, "approve").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#notice").contains("10,000.00"), "{}", r.body);
    assert_eq!(app.count("select count(*) from payment_approval").await, 0);
    assert_eq!(status(&app, id).await, REQUESTED);

    // A project manager is not an approver role by default.
    let mut pm = member(&app, tenant, project, "pm@acme.cn", "project_manager").await;
    let page = pm.get(&format!("/funds/requests/{id}")).await;
    assert!(page.text("#approve").is_empty());
    let r = act(&mut pm, &app, id, "approve").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A viewer reads but neither requests nor approves.
    let mut viewer = member(&app, tenant, project, "viewer@acme.cn", "viewer").await;
    let list = viewer.get("/funds/requests").await;
    assert!(list.text("#requests").contains(&format!("#{id}")));
    let r = act(&mut viewer, &app, id, "approve").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = viewer
        .post_form(
            "/funds/requests",
            &[
                ("contract_id", &contract.to_string()),
                ("kind", "contract"),
                ("amount", "1"),
                ("purpose", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        viewer.get("/funds/requests/new").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("select count(*) from payment_request").await, 1);

    // Raised to 50,000.00, the admin may approve it.
    admin.get("/funds/requests").await;
    let r = owner
        .post_form(
            "/settings/funds/approvers",
            &[("user_id", &admin_id), ("amount_limit", "50000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = act(&mut admin, &app, id, "approve").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, APPROVED);
    let page = admin.get(&format!("/funds/requests/{id}")).await;
    assert!(page.text("#approval-trail").contains("50,000.00"));
}

#[tokio::test]
async fn a_rejection_needs_a_reason_the_requester_sees_and_a_request_may_be_cancelled() {
    let (
        Company {
            app,
            mut owner,
            tenant,
            project,
            ..
        },
        contract,
    ) = company().await;
    let mut pm = member(&app, tenant, project, "pm@acme.cn", "project_manager").await;
    let id = requested(&mut pm, contract, "20,000.00").await;

    owner.get(&format!("/funds/requests/{id}")).await;
    let v = version(&app, id).await;
    let r = owner
        .post_form(
            &format!("/funds/requests/{id}/reject"),
            &[("version", &v), ("reason", "  ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("reason").is_empty());
    assert_eq!(status(&app, id).await, REQUESTED);

    let r = owner
        .post_form(
            &format!("/funds/requests/{id}/reject"),
            &[("version", &v), ("reason", "工程量未经监理确认")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, REJECTED);
    let page = pm.get(&format!("/funds/requests/{id}")).await;
    assert!(page.text("#rejected-reason").contains("工程量未经监理确认"));
    assert_eq!(page.text("#request-status"), "已驳回");

    // A stale version answers 409.
    let other = requested(&mut pm, contract, "10,000.00").await;
    let r = owner
        .post_form(
            &format!("/funds/requests/{other}/approve"),
            &[("version", "7")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Only the requester cancels, while it awaits approval.
    let r = act(&mut owner, &app, other, "cancel").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = act(&mut pm, &app, other, "cancel").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, other).await, CANCELLED);
    let r = act(&mut pm, &app, other, "cancel").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_approved_request_is_withdrawn_by_whoever_pays_and_a_closed_contract_is_not_paid() {
    let (
        Company {
            app,
            mut owner,
            tenant,
            project,
            ..
        },
        contract,
    ) = company().await;
    let mut pm = member(&app, tenant, project, "pm@acme.cn", "project_manager").await;
    let mut other_pm = member(&app, tenant, project, "pm2@acme.cn", "project_manager").await;
    let first = requested(&mut pm, contract, "20,000.00").await;
    let second = requested(&mut pm, contract, "10,000.00").await;
    for id in [first, second] {
        let r = act(&mut owner, &app, id, "approve").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(status(&app, id).await, APPROVED);
    }

    // Once approved, another project manager may not withdraw it; the owner (who records
    // payments) may, when the company decides not to pay.
    let r = act(&mut other_pm, &app, first, "cancel").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(status(&app, first).await, APPROVED);
    let page = owner.get(&format!("/funds/requests/{first}")).await;
    assert!(
        page.body
            .contains(&format!("/funds/requests/{first}/cancel"))
    );
    let r = act(&mut owner, &app, first, "cancel").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, first).await, CANCELLED);

    // A closed contract takes no more payments, even of a request approved before.
    app.exec(&format!(
        "update contract set status = 'closed' where id = {contract}"
    ))
    .await;
    let r = pay(&mut owner, &app, second, &today().to_string(), "10,000.00").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(status(&app, second).await, APPROVED);
    assert_eq!(
        app.count(&format!(
            "select count(*) from fund_movement where payment_request_id = {second}"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn a_variation_may_not_take_a_contract_below_what_was_requested_or_paid() {
    let (
        Company {
            app,
            mut owner,
            tenant,
            project,
            ..
        },
        contract,
    ) = company().await;
    let mut pm = member(&app, tenant, project, "pm@acme.cn", "project_manager").await;
    requested(&mut pm, contract, "100,000.00").await;
    let vary = |amount: &'static str| {
        [
            ("number", "BG-01"),
            ("title", "取消地下室防水"),
            ("amount", amount),
            ("approved_on", "2026-05-01"),
        ]
    };
    let version = app
        .count(&format!(
            "select version::bigint from contract where id = {contract}"
        ))
        .await
        .to_string();
    owner.get(&format!("/funds/contracts/{contract}")).await;
    // 113,000 − 20,000 = 93,000 is less than the 100,000 requested.
    let mut form = vary("-20,000.00").to_vec();
    form.push(("version", &version));
    let r = owner
        .post_form(&format!("/funds/contracts/{contract}/variations"), &form)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(!r.field_error("amount").is_empty());
    assert_eq!(
        app.count(&format!(
            "select count(*) from contract_variation where contract_id = {contract}"
        ))
        .await,
        0
    );
    // 113,000 − 13,000 = 100,000 still covers it.
    let mut form = vary("-13,000.00").to_vec();
    form.push(("version", &version));
    let r = owner
        .post_form(&format!("/funds/contracts/{contract}/variations"), &form)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn paying_in_a_closed_month_or_now_above_the_balance_is_refused() {
    let (
        Company {
            app,
            mut owner,
            tenant,
            ..
        },
        contract,
    ) = company().await;
    let id = requested(&mut owner, contract, "100,000.00").await;
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    assert_eq!(
        act(&mut admin, &app, id, "approve").await.status,
        StatusCode::SEE_OTHER
    );

    // Last month closed in the cost centre: no payment dated in it.
    let last = today().with_day(1).and_then(|d| d.pred_opt()).unwrap();
    owner.get("/cost/periods").await;
    let r = owner
        .post_form(
            &format!("/cost/periods/{}/close", last.format("%Y-%m")),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = pay(&mut owner, &app, id, &last.to_string(), "100,000.00").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("moved_on").is_empty(), "{}", r.body);
    assert_eq!(status(&app, id).await, APPROVED);

    // A variation lowers the contract below the request (recorded as an approved change
    // request would, the contract page itself refuses it): paying is refused, the new
    // balance named.
    app.exec(&format!(
        "insert into contract_variation (tenant_id, contract_id, number, title, amount,
                                         approved_on)
         values ({tenant}, {contract}, 'BG-01', '取消屋面工程', -20000, '2026-05-01')"
    ))
    .await;
    let r = pay(&mut owner, &app, id, &today().to_string(), "100,000.00").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // 93,000.00 less 2,790.00 retention.
    assert!(r.text("#notice").contains("90,210.00"), "{}", r.body);
    assert_eq!(app.count("select count(*) from fund_movement").await, 0);
    assert_eq!(status(&app, id).await, APPROVED);
}

#[tokio::test]
async fn a_reimbursement_pays_a_member_of_staff() {
    let (
        Company {
            app,
            mut owner,
            tenant,
            project,
            ..
        },
        _,
    ) = company().await;
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    let form = owner.get("/funds/requests/new?kind=reimbursement").await;
    assert_eq!(form.status, StatusCode::OK);
    let owner_id = app
        .count("select id from app_user where email = 'owner@acme.cn'")
        .await
        .to_string();
    let r = owner
        .post_form(
            "/funds/requests",
            &[
                ("kind", "reimbursement"),
                ("project_id", &project.to_string()),
                ("payee_user_id", &owner_id),
                ("category_id", ""),
                ("amount", "1,280.50"),
                ("purpose", "现场差旅费"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r
        .location()
        .trim_start_matches("/funds/requests/")
        .parse()
        .unwrap();
    assert_eq!(
        act(&mut admin, &app, id, "approve").await.status,
        StatusCode::SEE_OTHER
    );
    let r = pay(&mut owner, &app, id, &today().to_string(), "1280.50").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from fund_movement where payment_request_id = {id}
               and kind = 'reimbursement' and contract_id is null and project_id = {project}"
        ))
        .await,
        1
    );
    let page = owner.get(&format!("/funds/requests/{id}")).await;
    assert_eq!(page.text("#request-facts .payee"), "Owner");
}

#[tokio::test]
async fn another_tenants_request_is_not_found() {
    let (Company { app, mut owner, .. }, contract) = company().await;
    let id = requested(&mut owner, contract, "10,000.00").await;
    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    assert_not_found(&other.get(&format!("/funds/requests/{id}")).await);
    assert_not_found(
        &other
            .get(&format!("/funds/requests/new?contract={contract}"))
            .await,
    );
    other.get("/funds/requests").await;
    for action in ["approve", "reject", "cancel", "pay"] {
        let r = other
            .post_form(
                &format!("/funds/requests/{id}/{action}"),
                &[("version", "1"), ("reason", "x")],
            )
            .await;
        assert_not_found(&r);
    }
    let list = other.get("/funds/requests").await;
    assert!(!list.text("#no-requests").is_empty());
}

#[tokio::test]
async fn the_approval_settings_validate_and_save() {
    let (
        Company {
            app,
            mut owner,
            tenant,
            project,
            ..
        },
        contract,
    ) = company().await;
    let page = owner.get("/settings/funds").await;
    assert_eq!(page.text("#f-second_approval_above").len(), 0);
    assert!(page.body.contains("value=\"100000"), "{}", page.body);

    let r = owner
        .post_form(
            "/settings/funds/approval",
            &[
                ("approver_roles", "owner"),
                ("second_approval_above", "-1"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("second_approval_above").is_empty());
    let r = owner
        .post_form(
            "/settings/funds/approval",
            &[("second_approval_above", "5000"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("approver_roles"), "至少选择一个审批角色。");

    let r = owner
        .post_form(
            "/settings/funds/approval",
            &[
                ("approver_roles", "owner"),
                ("approver_roles", "project_manager"),
                ("second_approval_above", "5,000"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The same stale version again: 409.
    let r = owner
        .post_form(
            "/settings/funds/approval",
            &[
                ("approver_roles", "owner"),
                ("second_approval_above", "5000"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let page = owner.get("/settings/funds").await;
    assert!(page.body.contains("id=\"f-role-project_manager\" checked"));
    assert!(!page.body.contains("id=\"f-role-finance\" checked"));

    // Now a project manager approves, and 6,000.00 needs two approvers.
    let mut pm = member(&app, tenant, project, "pm@acme.cn", "project_manager").await;
    let id = requested(&mut owner, contract, "6,000.00").await;
    assert_eq!(
        app.count(&format!(
            "select approvals_needed::bigint from payment_request where id = {id}"
        ))
        .await,
        2
    );
    let r = act(&mut pm, &app, id, "approve").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Limits: only users of an approver role, amounts not negative; changed, then removed.
    let viewer_id = {
        app.user(tenant, "viewer@acme.cn", "viewer").await;
        app.count("select id from app_user where email = 'viewer@acme.cn'")
            .await
            .to_string()
    };
    let pm_id = app
        .count("select id from app_user where email = 'pm@acme.cn'")
        .await
        .to_string();
    owner.get("/settings/funds").await;
    let r = owner
        .post_form(
            "/settings/funds/approvers",
            &[("user_id", &viewer_id), ("amount_limit", "100")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("user_id").is_empty());
    let r = owner
        .post_form(
            "/settings/funds/approvers",
            &[("user_id", &pm_id), ("amount_limit", "-5")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("amount_limit").is_empty());
    for amount in ["8000", "9,000.50"] {
        let r = owner
            .post_form(
                "/settings/funds/approvers",
                &[("user_id", &pm_id), ("amount_limit", amount)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = owner.get("/settings/funds").await;
    assert!(page.text(&format!("#limit-{pm_id}")).contains("9,000.50"));
    let r = owner
        .post_form(&format!("/settings/funds/approvers/{pm_id}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("select count(*) from payment_approver").await, 0);
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'payment_approver'")
            .await,
        3
    );
    // Settings are the owner's and admins'.
    assert_eq!(
        pm.get("/settings/funds").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn only_signed_expense_contracts_take_requests() {
    let (
        Company {
            app,
            mut owner,
            project,
            ..
        },
        _,
    ) = company().await;
    let party = app.count("select id from counterparty").await.to_string();
    owner.get("/funds/contracts/new").await;
    let r = owner
        .post_form(
            "/funds/contracts",
            &[
                ("project_id", &project.to_string()),
                ("number", "FB-002"),
                ("title", "幕墙分包"),
                ("direction", "expense"),
                ("kind", "subcontract"),
                ("counterparty_id", &party),
                ("category_id", ""),
                ("amount", "50000"),
                ("tax_rate", "9"),
                ("signed_on", ""),
                ("payment_terms", ""),
                ("retention_percent", "0"),
                ("retention_release_on", ""),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let draft = app
        .count("select id from contract where number = 'FB-002'")
        .await;
    let page = owner
        .get(&format!("/funds/requests/new?contract={draft}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("#notice"), "只有已签订的支出合同可以申请付款。");
    assert!(page.text("#request-form").is_empty());
    let r = owner
        .post_form(
            "/funds/requests",
            &[
                ("contract_id", &draft.to_string()),
                ("kind", "contract"),
                ("amount", "1000"),
                ("purpose", "预付款"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("select count(*) from payment_request").await, 0);
    // The chooser lists only the signed one.
    let page = owner.get("/funds/requests/new").await;
    let picks = page.text("#contract-picks");
    assert!(
        picks.contains("FB-001") && !picks.contains("FB-002"),
        "{picks}"
    );
}
