//! Funds › progress-payment applications over HTTP: the figures of the 进度款支付申请表 against
//! hand-worked ones, the retention cap across periods, the contract's amount as a ceiling,
//! drafts, submission freezing the figures, certification, receipts up to what is outstanding,
//! retention before its release date, closed months, roles, other tenants' ids, and billed
//! and collected in the cost centre.

use axum::http::StatusCode;

use crate::support::builders::{Company, CompanyBuilder, ContractBuilder};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

/// A company with a project and a client (城投集团); the client's id beside it.
async fn company() -> (Company, i64) {
    let mut company = CompanyBuilder::new("Acme").build().await;
    let client = counterparty(&mut company.owner, "城投集团", "client").await;
    (company, client)
}

async fn counterparty(c: &mut TestClient, name: &str, kind: &str) -> i64 {
    let r = c
        .post_form("/funds/counterparties", &[("name", name), ("kind", kind)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches("/funds/counterparties#counterparty-")
        .parse()
        .unwrap()
}

async fn post(c: &mut TestClient, path: &str, f: &[(&str, String)]) -> TestResponse {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form(path, &pairs).await
}

fn id_from(r: &TestResponse, prefix: &str) -> i64 {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().trim_start_matches(prefix).parse().unwrap()
}

/// A signed contract with `amount`, `retention` %, payment ratio 80 % and `advance`.
#[expect(clippy::too_many_arguments, reason = "a contract has that many terms")]
async fn contract(
    c: &mut TestClient,
    app: &TestApp,
    project: i64,
    party: i64,
    number: &str,
    direction: &str,
    amount: &str,
    retention: &str,
    advance: &str,
) -> i64 {
    let (kind, ratio) = if direction == "income" {
        ("main", "80")
    } else {
        ("subcontract", "")
    };
    ContractBuilder::new(project, party, number)
        .field("title", "主体工程施工总承包")
        .field("direction", direction)
        .field("kind", kind)
        .field("amount", amount)
        .field("tax_rate", "9")
        .field("payment_terms", "")
        .field("retention_percent", retention)
        .field("payment_ratio", ratio)
        .field("advance_amount", advance)
        .signed()
        .create(app, c)
        .await
}

/// An application form with the given figures (advance, owner materials, others empty).
fn figures(
    contract: i64,
    completed: &str,
    variation: &str,
    day_labour: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("contract_id", contract.to_string()),
        ("period_end", "2026-04-30".to_owned()),
        ("completed_value", completed.to_owned()),
        ("variation_value", variation.to_owned()),
        ("day_labour_value", day_labour.to_owned()),
        ("advance_recovered", String::new()),
        ("owner_materials", String::new()),
        ("other_deductions", String::new()),
        ("payment_ratio", "80".to_owned()),
        ("note", String::new()),
        ("version", "0".to_owned()),
    ]
}

fn with(
    mut f: Vec<(&'static str, String)>,
    name: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    for (k, v) in f.iter_mut() {
        if *k == name {
            *v = value.to_owned();
        }
    }
    f
}

async fn version(app: &TestApp, id: i64) -> String {
    app.count(&format!(
        "select version::bigint from payment_application where id = {id}"
    ))
    .await
    .to_string()
}

/// Today in the tenant's time zone, `YYYY-MM-DD`.
async fn today(app: &TestApp) -> String {
    let n = app
        .count("select to_char((now() at time zone 'Asia/Shanghai')::date, 'YYYYMMDD')::bigint")
        .await
        .to_string();
    format!("{}-{}-{}", &n[..4], &n[4..6], &n[6..])
}

async fn submit(c: &mut TestClient, app: &TestApp, id: i64) {
    let v = version(app, id).await;
    let r = c
        .post_form(
            &format!("/funds/applications/{id}/submit"),
            &[("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

async fn certify(c: &mut TestClient, app: &TestApp, id: i64, amount: &str) -> TestResponse {
    let v = version(app, id).await;
    let on = today(app).await;
    c.post_form(
        &format!("/funds/applications/{id}/certify"),
        &[
            ("certified_amount", amount),
            ("certified_on", &on),
            ("due_on", ""),
            ("version", &v),
        ],
    )
    .await
}

async fn receipt(c: &mut TestClient, path: &str, on: &str, amount: &str) -> TestResponse {
    c.post_form(
        path,
        &[
            ("moved_on", on),
            ("amount", amount),
            ("method", "cash"),
            ("bank_account_id", ""),
            ("reference", "HD-001"),
            ("note", ""),
        ],
    )
    .await
}

#[tokio::test]
async fn an_application_shows_hand_worked_figures_freezes_on_submit_and_is_certified_and_received()
{
    let (
        Company {
            app,
            mut owner,
            project,
            ..
        },
        client,
    ) = company().await;
    let k = contract(
        &mut owner,
        &app,
        project,
        client,
        "ZB-001",
        "income",
        "1,000,000.00",
        "3",
        "100,000",
    )
    .await;

    // The contract shows its new terms.
    let r = owner.get(&format!("/funds/contracts/{k}")).await;
    assert_eq!(r.text("#payment-ratio"), "80 %");
    assert_eq!(r.text("#advance-amount"), "100,000.00");

    let r = owner
        .get(&format!("/funds/applications/new?contract={k}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("value=\"80\""));

    // 200,000 + 15,000 + 5,000 = 220,000; at 80 % 176,000; retention 3 % = 6,600;
    // deductions 6,600 + 20,000 + 10,000 + 1,000 = 37,600; due 138,400.
    let f = figures(k, "200,000.00", "15,000", "5,000");
    let f = with(f, "advance_recovered", "20000");
    let f = with(f, "owner_materials", "10000");
    let f = with(f, "other_deductions", "1000");
    let id = id_from(
        &post(&mut owner, "/funds/applications", &f).await,
        "/funds/applications/",
    );
    let r = owner.get(&format!("/funds/applications/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text("#period-value"), "220,000.00");
    assert_eq!(r.text("#cumulative-value"), "220,000.00");
    assert_eq!(r.text("#at-ratio"), "176,000.00");
    assert_eq!(r.text("#retention"), "6,600.00");
    assert_eq!(r.text("#deductions"), "37,600.00");
    assert_eq!(r.text("#net-payable"), "138,400.00");
    assert_eq!(r.text("#application-status"), "草稿");

    // One open draft per contract: a new one opens the draft.
    let r = owner
        .get(&format!("/funds/applications/new?contract={k}"))
        .await;
    assert_eq!(r.location(), format!("/funds/applications/{id}"));
    let r = post(&mut owner, "/funds/applications", &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("select count(*) from payment_application").await,
        1
    );

    // The draft is edited; a stale edit answers 409 and changes nothing.
    let edit = with(with(f.clone(), "other_deductions", "2000"), "version", "1");
    let r = post(&mut owner, &format!("/funds/applications/{id}"), &edit).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let stale = with(edit.clone(), "other_deductions", "9000");
    let r = post(&mut owner, &format!("/funds/applications/{id}"), &stale).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = owner.get(&format!("/funds/applications/{id}")).await;
    assert_eq!(r.text("#net-payable"), "137,400.00");

    // A negative amount due is refused beside the deductions, nothing saved.
    let bad = with(
        with(edit.clone(), "owner_materials", "200000"),
        "version",
        "2",
    );
    let r = post(&mut owner, &format!("/funds/applications/{id}"), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("other_deductions").is_empty());
    assert!(
        r.text("#notice").contains("-52,600.00"),
        "{}",
        r.text("#notice")
    );
    assert_eq!(version(&app, id).await, "2");

    // Submitting freezes the figures: no more edits.
    submit(&mut owner, &app, id).await;
    assert_eq!(
        app.count(&format!(
            "select (net_payable * 100)::bigint from payment_application
             where id = {id} and status = 'submitted' and retention_amount = 6600"
        ))
        .await,
        13_740_000
    );
    let r = post(
        &mut owner,
        &format!("/funds/applications/{id}"),
        &with(edit, "version", "3"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The client certifies at most the amount due; due 14 days later by default.
    let r = certify(&mut owner, &app, id, "137,400.01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#notice").contains("137,400.00"));
    let r = certify(&mut owner, &app, id, "130,000.00").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let due = app
        .count(&format!(
            "select (due_on - certified_on)::bigint from payment_application where id = {id}"
        ))
        .await;
    assert_eq!(due, 14);
    let r = owner.get(&format!("/funds/applications/{id}")).await;
    assert_eq!(r.text("#certified-amount"), "130,000.00");
    assert_eq!(r.text("#outstanding"), "130,000.00");

    // A receipt lowers what is outstanding; one above it is refused with the amount named.
    let on = today(&app).await;
    let path = format!("/funds/applications/{id}/receipts");
    let r = receipt(&mut owner, &path, &on, "50,000.00").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner.get(&format!("/funds/applications/{id}")).await;
    assert_eq!(r.text("#received"), "50,000.00");
    assert_eq!(r.text("#outstanding"), "80,000.00");
    let mid = app.count("select max(id) from fund_movement").await;
    assert!(r.body.contains(&format!("href=\"/funds/movements/{mid}\"")));
    let r = receipt(&mut owner, &path, &on, "80,000.01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#notice").contains("80,000.00"));
    assert!(!r.field_error("amount").is_empty());
    assert_eq!(
        r.html()
            .select(&scraper::Selector::parse("#f-amount[value=\"80,000.01\"]").unwrap())
            .count(),
        1
    );
    assert_eq!(app.count("select count(*) from fund_movement").await, 1);
    assert_eq!(
        app.count(&format!(
            "select count(*) from fund_movement where application_id = {id}
             and kind = 'progress_receipt' and direction = 'in' and contract_id = {k}
             and counterparty_id = {client} and project_id = {project}"
        ))
        .await,
        1
    );

    // The list shows it with totals, and exports the same.
    let r = owner
        .get(&format!("/funds/applications?contract={k}"))
        .await;
    assert_eq!(
        r.text(&format!("#application-{id} td.outstanding")),
        "80,000.00"
    );
    assert_eq!(r.text("#application-totals td.certified"), "130,000.00");
    assert_eq!(r.text("#application-totals td.received"), "50,000.00");
    let r = owner.get("/funds/applications?format=csv").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("ZB-001"));
    assert!(r.body.contains("130000.00"));
    let r = owner.get("/funds/applications?format=xlsx").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.bytes.starts_with(b"PK"));

    // The cost centre reads billed and collected.
    let r = owner
        .get(&format!("/projects/{project}/cost/revenue"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Billed is the certified amount with the 6,600.00 retention the client withheld.
    assert_eq!(r.text("#billed"), "136,600.00");
    assert_eq!(r.text("#collected"), "50,000.00");
}

#[tokio::test]
async fn retention_stops_at_the_cap_across_periods_and_the_contract_amount_is_a_ceiling() {
    let (
        Company {
            app,
            mut owner,
            project,
            ..
        },
        client,
    ) = company().await;
    let k = contract(
        &mut owner,
        &app,
        project,
        client,
        "ZB-002",
        "income",
        "100,000.00",
        "3",
        "0",
    )
    .await;

    // 3 % of 99,999.50 is 2,999.985: 2,999.99 to the fen.
    let first = id_from(
        &post(
            &mut owner,
            "/funds/applications",
            &figures(k, "99,999.50", "", ""),
        )
        .await,
        "/funds/applications/",
    );
    let r = owner.get(&format!("/funds/applications/{first}")).await;
    assert_eq!(r.text("#retention"), "2,999.99");
    submit(&mut owner, &app, first).await;

    // A period must end after the previous one.
    let r = post(
        &mut owner,
        "/funds/applications",
        &figures(k, "0.50", "", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("period_end").is_empty());

    // More than is left of the contract is refused, naming what is left and the variation route.
    let may = |f| with(f, "period_end", "2026-05-31");
    let r = post(
        &mut owner,
        "/funds/applications",
        &may(figures(k, "1.00", "", "")),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#notice").contains("0.50"));
    assert!(r.text("#notice").contains("变更"));
    assert!(!r.field_error("completed_value").is_empty());
    assert_eq!(
        app.count("select count(*) from payment_application").await,
        1
    );

    // 3 % of 0.50 is 0.02 but the cap of 3,000.00 leaves 0.01.
    let second = id_from(
        &post(
            &mut owner,
            "/funds/applications",
            &may(figures(k, "0.50", "", "")),
        )
        .await,
        "/funds/applications/",
    );
    let r = owner.get(&format!("/funds/applications/{second}")).await;
    assert_eq!(r.text("#retention"), "0.01");
    assert_eq!(r.text("#cumulative-retention"), "3,000.00");
    assert_eq!(r.text("#cumulative-value"), "100,000.00");
    assert_eq!(r.text("#earlier-value"), "99,999.50");
    // 0.50 × 80 % = 0.40, less 0.01.
    assert_eq!(r.text("#net-payable"), "0.39");
    assert_eq!(
        app.count(&format!(
            "select period_no::bigint from payment_application where id = {second}"
        ))
        .await,
        2
    );

    // A withdrawn period no longer counts: its value is free again.
    let v = version(&app, first).await;
    let r = owner
        .post_form(
            &format!("/funds/applications/{first}/withdraw"),
            &[("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner.get(&format!("/funds/applications/{second}")).await;
    assert_eq!(r.text("#cumulative-value"), "0.50");
    assert_eq!(r.text("#retention"), "0.02");
}

#[tokio::test]
async fn refusals_closed_months_roles_and_other_tenants() {
    let (
        Company {
            app,
            mut owner,
            tenant,
            project,
            ..
        },
        client,
    ) = company().await;
    let k = contract(
        &mut owner,
        &app,
        project,
        client,
        "ZB-003",
        "income",
        "500,000.00",
        "3",
        "50,000",
    )
    .await;
    let sub = counterparty(&mut owner, "劳务公司", "subcontractor").await;
    let expense = contract(
        &mut owner,
        &app,
        project,
        sub,
        "FB-001",
        "expense",
        "100,000.00",
        "3",
        "0",
    )
    .await;

    // The payment ratio is required on an income contract and kept within 60–90 %.
    let f = [
        ("project_id", project.to_string()),
        ("number", "ZB-009".to_owned()),
        ("title", "x".to_owned()),
        ("direction", "income".to_owned()),
        ("kind", "main".to_owned()),
        ("counterparty_id", client.to_string()),
        ("amount", "1000".to_owned()),
        ("tax_rate", "9".to_owned()),
        ("retention_percent", "0".to_owned()),
        ("payment_ratio", "95".to_owned()),
        ("advance_amount", "2000".to_owned()),
        ("version", "0".to_owned()),
    ];
    let r = post(&mut owner, "/funds/contracts", &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("payment_ratio").contains("GB 50500-2013"));
    assert!(!r.field_error("advance_amount").is_empty());

    // An expense contract takes no application.
    let r = owner
        .get(&format!("/funds/applications/new?contract={expense}"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.text("#notice").is_empty());
    let r = post(
        &mut owner,
        "/funds/applications",
        &figures(expense, "1000", "", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("select count(*) from payment_application").await,
        0
    );

    // Advance recovered beyond the contract's advance is refused.
    let r = post(
        &mut owner,
        "/funds/applications",
        &with(
            figures(k, "100,000", "", ""),
            "advance_recovered",
            "50,000.01",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#notice").contains("50,000.00"));

    let id = id_from(
        &post(
            &mut owner,
            "/funds/applications",
            &figures(k, "100,000", "", ""),
        )
        .await,
        "/funds/applications/",
    );

    // Roles: a viewer reads only; a project manager drafts and certifies but records nothing.
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    for email in ["viewer@acme.cn", "pm@acme.cn"] {
        let uid = app
            .count(&format!("select id from app_user where email = '{email}'"))
            .await;
        app.exec(&format!(
            "insert into project_member (tenant_id, project_id, user_id, project_role)
             values ({tenant}, {project}, {uid}, 'viewer')"
        ))
        .await;
    }
    let r = viewer.get(&format!("/funds/applications/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text("#submit-application").is_empty());
    assert_eq!(
        viewer
            .get(&format!("/funds/applications/new?contract={k}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let v = version(&app, id).await;
    let r = viewer
        .post_form(
            &format!("/funds/applications/{id}/submit"),
            &[("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = pm.get(&format!("/funds/applications/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text("#submit-application").is_empty());
    submit(&mut pm, &app, id).await;
    let r = certify(&mut pm, &app, id, "77,000").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let on = today(&app).await;
    let path = format!("/funds/applications/{id}/receipts");
    let r = pm.get(&format!("/funds/applications/{id}")).await;
    assert!(r.text("#receipt-form").is_empty());
    let r = receipt(&mut pm, &path, &on, "1000").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("403"));
    let r = receipt(&mut viewer, &path, &on, "1000").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("select count(*) from fund_movement").await, 0);

    // A receipt dated in a closed month is refused.
    let month = app
        .count(
            "select to_char(date_trunc('month', (now() at time zone 'Asia/Shanghai')::date)
                            - interval '1 month', 'YYYYMM')::bigint",
        )
        .await
        .to_string();
    let (y, m) = month.split_at(4);
    let r = owner
        .post_form(&format!("/cost/periods/{y}-{m}/close"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = receipt(&mut owner, &path, &format!("{y}-{m}-15"), "1000").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("moved_on").is_empty());
    assert_eq!(app.count("select count(*) from fund_movement").await, 0);

    // Retention before the release date is refused with the date named.
    let rpath = format!("/funds/contracts/{k}/retention-receipt");
    let r = owner.get(&rpath).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text("#withheld"), "3,000.00");
    let r = receipt(&mut owner, &rpath, &on, "100").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#notice").contains("2028-03-10"));
    assert_eq!(app.count("select count(*) from fund_movement").await, 0);
    // An expense contract has no such page.
    assert_not_found(
        &owner
            .get(&format!("/funds/contracts/{expense}/retention-receipt"))
            .await,
    );

    // Other tenants' ids answer 404.
    let (mut other, _) = app.signup("Beta", "owner@beta.cn").await;
    assert_not_found(&other.get(&format!("/funds/applications/{id}")).await);
    assert_not_found(
        &other
            .get(&format!("/funds/applications/new?contract={k}"))
            .await,
    );
    assert_not_found(&other.get(&rpath).await);
    assert_not_found(&receipt(&mut other, &path, &on, "1").await);
    assert_not_found(&certify(&mut other, &app, id, "1").await);
    assert_not_found(
        &post(
            &mut other,
            "/funds/applications",
            &figures(k, "1000", "", ""),
        )
        .await,
    );
    let r = other.get("/funds/applications").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("ZB-003"));
    assert_eq!(app.count("select count(*) from fund_movement").await, 0);

    // Once the defects liability period has ended, the retention withheld is received, and
    // no more than that.
    app.exec(&format!(
        "update contract set retention_release_on = '2026-06-01' where id = {k}"
    ))
    .await;
    owner.get(&rpath).await;
    let r = receipt(&mut owner, &rpath, &on, "3,000.01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#notice").contains("3,000.00"));
    let r = receipt(&mut owner, &rpath, &on, "3,000.00").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner.get(&rpath).await;
    assert_eq!(r.text("#retention-received"), "3,000.00");
    assert_eq!(r.text("#retention-left"), "0.00");
    assert_eq!(
        app.count(&format!(
            "select count(*) from fund_movement where kind = 'retention_receipt'
             and contract_id = {k} and application_id is null and amount = 3000"
        ))
        .await,
        1
    );
    let r = owner
        .get(&format!("/projects/{project}/cost/revenue"))
        .await;
    assert_eq!(r.text("#billed"), "80,000.00");
    assert_eq!(r.text("#collected"), "3,000.00");
}
