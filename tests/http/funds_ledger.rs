//! Funds › ledger over HTTP: bank accounts and their balances, other receipts and payments
//! with every refusal, reversal (twice refused, a paid request approved again), attachments,
//! the ledger's filters, totals and exports with labour wages as outflows, tender deposits,
//! roles, other tenants' ids, the demo, and a property test that balances and the month
//! roll-up equal the movements.

use axum::http::StatusCode;
use chrono::{Datelike, Days, Months, NaiveDate};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;

use crate::support::builders::{Company, CompanyBuilder};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn last_month_day() -> NaiveDate {
    today()
        .with_day(1)
        .unwrap()
        .checked_sub_months(Months::new(1))
        .unwrap()
        .checked_add_days(Days::new(9))
        .unwrap()
}

/// The company, on the bank accounts page.
async fn company() -> Company {
    let mut company = CompanyBuilder::new("Acme").build().await;
    company.owner.get("/funds/accounts").await;
    company
}

/// Adds a bank account through the form and returns its id.
async fn account(c: &mut TestClient, name: &str, opening: &str) -> i64 {
    c.get("/funds/accounts").await;
    let r = c
        .post_form(
            "/funds/accounts",
            &[
                ("name", name),
                ("bank_name", "建设银行杭州分行"),
                ("account_number", "6222 0212 3456 7890"),
                ("opening_balance", opening),
                ("opened_on", "2025-01-01"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches("/funds/accounts#account-")
        .parse()
        .unwrap()
}

fn other(
    kind: &str,
    on: NaiveDate,
    amount: &str,
    method: &str,
    account: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("kind", kind.to_owned()),
        ("project_id", String::new()),
        ("counterparty_id", String::new()),
        ("moved_on", on.to_string()),
        ("amount", amount.to_owned()),
        ("method", method.to_owned()),
        ("bank_account_id", account.to_owned()),
        ("reference", "HD-001".to_owned()),
        ("note", "银行利息".to_owned()),
    ]
}

fn with(
    mut f: Vec<(&'static str, String)>,
    name: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    for field in &mut f {
        if field.0 == name {
            field.1 = value.to_owned();
        }
    }
    f
}

async fn post(c: &mut TestClient, path: &str, f: &[(&'static str, String)]) -> TestResponse {
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form(path, &fields).await
}

/// Records another movement and returns its id.
async fn record(c: &mut TestClient, f: &[(&'static str, String)]) -> i64 {
    c.get("/funds/movements/new").await;
    let r = post(c, "/funds/movements", f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches("/funds/movements/")
        .parse()
        .unwrap()
}

async fn reverse(c: &mut TestClient, id: i64, reason: &str) -> TestResponse {
    c.get(&format!("/funds/movements/{id}")).await;
    c.post_form(
        &format!("/funds/movements/{id}/reverse"),
        &[("reason", reason), ("moved_on", "")],
    )
    .await
}

fn plain(s: &str) -> String {
    s.trim().replace(',', "")
}

#[tokio::test]
async fn accounts_are_added_edited_deactivated_and_show_their_balance() {
    let Company {
        app,
        mut owner,
        tenant,
        ..
    } = company().await;
    let basic = account(&mut owner, "基本户", "100,000.00").await;

    // Duplicate names, future dates, bad amounts are refused beside their fields.
    let before = app.count("select count(*) from bank_account").await;
    let future = today().checked_add_days(Days::new(30)).unwrap().to_string();
    let r = owner
        .post_form(
            "/funds/accounts",
            &[
                ("name", "基本户"),
                ("opening_balance", "1.005"),
                ("opened_on", &future),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("name").contains("同名"), "{}", r.body);
    assert!(r.field_error("opened_on").contains("今天"));
    assert!(r.field_error("opening_balance").contains("小数位数"));
    assert!(
        r.body.contains(&format!("value=\"{future}\"")),
        "input kept"
    );
    assert_eq!(app.count("select count(*) from bank_account").await, before);

    // A payment through it lowers the balance; the month's outflow shows it.
    let id = record(
        &mut owner,
        &other("other_out", today(), "2,500.50", "bank", &basic.to_string()),
    )
    .await;
    assert!(id > 0);
    let list = owner.get("/funds/accounts").await;
    assert_eq!(
        plain(&list.text(&format!("#account-{basic} .balance"))),
        "97499.50"
    );
    assert_eq!(
        plain(&list.text(&format!("#account-{basic} .month-out"))),
        "2500.50"
    );
    assert!(
        list.text(&format!("#account-{basic} .number"))
            .contains("6222 0212 3456 7890")
    );

    // Edit, then a stale edit conflicts.
    let edit = owner.get(&format!("/funds/accounts/{basic}")).await;
    assert_eq!(edit.status, StatusCode::OK);
    let fields = [
        ("name", "基本户（建行）"),
        ("bank_name", "建设银行"),
        ("account_number", "6222021234567890"),
        ("opening_balance", "100000"),
        ("opened_on", "2025-01-01"),
        ("version", "1"),
    ];
    let r = owner
        .post_form(&format!("/funds/accounts/{basic}"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner
        .post_form(&format!("/funds/accounts/{basic}"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // A viewer sees the last four digits only, and may change nothing.
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    let list = viewer.get("/funds/accounts").await;
    assert_eq!(list.status, StatusCode::OK);
    let number = list.text(&format!("#account-{basic} .number"));
    assert!(
        number.contains("7890") && !number.contains("62220212"),
        "{number}"
    );
    assert!(!list.body.contains("id=\"new-account\""));
    let r = viewer
        .post_form(
            "/funds/accounts",
            &[("name", "一般户"), ("opened_on", "2025-01-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = viewer
        .post_form(
            &format!("/funds/accounts/{basic}/active"),
            &[("active", "0"), ("version", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Deactivated, it is no longer offered for new movements.
    owner.get("/funds/accounts").await;
    let r = owner
        .post_form(
            &format!("/funds/accounts/{basic}/active"),
            &[("active", "0"), ("version", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let form = owner.get("/funds/movements/new").await;
    assert!(!form.text("#f-bank_account_id").contains("基本户"));
    let r = post(
        &mut owner,
        "/funds/movements",
        &other("other_out", today(), "10", "bank", &basic.to_string()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("bank_account_id").is_empty());
}

#[tokio::test]
async fn other_movements_are_recorded_and_bad_ones_refused_beside_their_fields() {
    let Company {
        app,
        mut owner,
        project,
        ..
    } = company().await;
    let basic = account(&mut owner, "基本户", "0").await;
    let count = || async { app.count("select count(*) from fund_movement").await };

    let id = record(
        &mut owner,
        &with(
            other("other_in", today(), "1,000", "cash", ""),
            "project_id",
            &project.to_string(),
        ),
    )
    .await;
    let page = owner.get(&format!("/funds/movements/{id}")).await;
    assert_eq!(plain(&page.text("#amount")), "1000.00");
    assert!(page.text("#note").contains("银行利息"));
    assert!(page.text("#project").contains("P1"));

    owner.get("/funds/movements/new").await;
    // A bank transfer needs an account.
    let r = post(
        &mut owner,
        "/funds/movements",
        &other("other_out", today(), "10", "bank", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.field_error("bank_account_id").contains("银行账户"),
        "{}",
        r.body
    );
    // Not in the future.
    let tomorrow = today().succ_opt().unwrap();
    let r = post(
        &mut owner,
        "/funds/movements",
        &other("other_out", tomorrow, "10", "cash", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("moved_on").contains("今天"));
    // The note says what it was; the kind is one of the two others; the amount is positive.
    let r = post(
        &mut owner,
        "/funds/movements",
        &with(
            with(
                other("progress_receipt", today(), "-5", "cash", ""),
                "note",
                " ",
            ),
            "reference",
            "X",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("note").is_empty());
    assert!(!r.field_error("kind").is_empty());
    assert!(!r.field_error("amount").is_empty());
    assert_eq!(count().await, 1);

    // A closed month takes nothing.
    let last = last_month_day();
    let label = last.format("%Y-%m").to_string();
    owner.get("/cost/periods").await;
    let r = owner
        .post_form(&format!("/cost/periods/{label}/close"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    owner.get("/funds/movements/new").await;
    let r = post(
        &mut owner,
        "/funds/movements",
        &other("other_out", last, "10", "bank", &basic.to_string()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("moved_on").contains("结账"), "{}", r.body);
    assert_eq!(count().await, 1);
}

#[tokio::test]
async fn a_movement_is_reversed_once_and_a_paid_request_can_be_paid_again() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = company().await;
    let basic = account(&mut owner, "基本户", "5000").await;
    let id = record(
        &mut owner,
        &other("other_out", today(), "1200", "bank", &basic.to_string()),
    )
    .await;
    let r = reverse(&mut owner, id, "重复记账").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let reversal: i64 = r
        .location()
        .trim_start_matches("/funds/movements/")
        .parse()
        .unwrap();
    assert_eq!(
        app.count(&format!("select (amount * 100)::bigint from fund_movement where id = {reversal} and reverses_id = {id} and kind = 'other_out'")).await,
        -120_000
    );
    let page = owner.get(&format!("/funds/movements/{id}")).await;
    assert!(page.text("#reversed-by").contains(&reversal.to_string()));
    assert!(!page.body.contains("id=\"reverse\""));
    // Twice, or the reversal itself: 409.
    assert_eq!(
        reverse(&mut owner, id, "再次").await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        reverse(&mut owner, reversal, "冲销冲销").await.status,
        StatusCode::CONFLICT
    );
    // A reason is required.
    let other_id = record(&mut owner, &other("other_in", today(), "10", "cash", "")).await;
    let r = reverse(&mut owner, other_id, " ").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("reason").is_empty());
    let list = owner.get("/funds/accounts").await;
    assert_eq!(
        plain(&list.text(&format!("#account-{basic} .balance"))),
        "5000.00"
    );

    // A paid payment request: reversing its payment approves it again.
    app.exec(&format!(
        "insert into counterparty (tenant_id, name, kind) values ({tenant}, '华信防水', 'subcontractor');
         insert into contract (tenant_id, project_id, number, title, direction, kind, counterparty_id, amount, signed_on, status)
           select {tenant}, {project}, 'FB-1', '防水分包', 'expense', 'subcontract', id, 100000, current_date, 'signed'
           from counterparty where tenant_id = {tenant} and name = '华信防水';
         insert into payment_request (tenant_id, kind, project_id, contract_id, amount, purpose, requested_on, requested_by, status)
           select {tenant}, 'contract', {project}, k.id, 3000, '进度款', current_date, u.id, 'paid'
           from contract k, app_user u where k.tenant_id = {tenant} and u.tenant_id = {tenant};
         insert into fund_movement (tenant_id, project_id, direction, kind, moved_on, amount, method, bank_account_id, contract_id, payment_request_id)
           select {tenant}, {project}, 'out', 'contract_payment', current_date, 3000, 'bank', {basic}, contract_id, id
           from payment_request where tenant_id = {tenant};"
    ))
    .await;
    let paid = app
        .count("select id from fund_movement where kind = 'contract_payment'")
        .await;
    let request = app.count("select id from payment_request").await;
    let page = owner.get(&format!("/funds/movements/{paid}")).await;
    assert!(page.body.contains(&format!("/funds/requests/{request}")));
    assert!(page.text("#contract").contains("FB-1"));
    let r = reverse(&mut owner, paid, "退票").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count("select count(*) from payment_request where status = 'approved'")
            .await,
        1
    );
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF".to_vec()
}

#[tokio::test]
async fn attachments_are_added_downloaded_removed_and_refused_when_wrong() {
    let Company { app, mut owner, .. } = company().await;
    let last = last_month_day();
    let id = record(&mut owner, &other("other_out", last, "88", "cash", "")).await;
    owner.get(&format!("/funds/movements/{id}")).await;
    let r = owner
        .post_multipart(
            &format!("/funds/movements/{id}/attachments"),
            &[],
            &[("photo", "回单.pdf", "application/pdf", pdf())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.follow(&r).await;
    assert!(page.text("#attachments").contains("回单.pdf"));
    let aid = app.count("select id from fund_movement_attachment").await;
    let file = owner
        .get(&format!("/funds/movements/{id}/attachments/{aid}"))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.bytes, pdf());
    assert_eq!(file.headers["content-type"], "application/pdf");

    // Text is not a PDF whatever its name says.
    let r = owner
        .post_multipart(
            &format!("/funds/movements/{id}/attachments"),
            &[],
            &[("photo", "x.pdf", "application/pdf", b"hello".to_vec())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#e-photo").contains("PDF"));
    // At most five.
    for n in 0..4 {
        let r = owner
            .post_multipart(
                &format!("/funds/movements/{id}/attachments"),
                &[],
                &[("photo", &format!("{n}.pdf"), "application/pdf", pdf())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    owner.get(&format!("/funds/movements/{id}")).await;
    let r = owner
        .post_multipart(
            &format!("/funds/movements/{id}/attachments"),
            &[],
            &[("photo", "6.pdf", "application/pdf", pdf())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("select count(*) from fund_movement_attachment")
            .await,
        5
    );

    // Deleted while the month is open.
    let r = owner
        .post_form(
            &format!("/funds/movements/{id}/attachments/{aid}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_not_found(
        &owner
            .get(&format!("/funds/movements/{id}/attachments/{aid}"))
            .await,
    );

    // Once the month is closed, nothing is added or removed.
    let label = last.format("%Y-%m").to_string();
    owner.get("/cost/periods").await;
    let r = owner
        .post_form(&format!("/cost/periods/{label}/close"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let other_aid = app
        .count("select min(id) from fund_movement_attachment")
        .await;
    owner.get(&format!("/funds/movements/{id}")).await;
    let r = owner
        .post_form(
            &format!("/funds/movements/{id}/attachments/{other_aid}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("select count(*) from fund_movement_attachment")
            .await,
        4
    );
}

#[tokio::test]
async fn the_ledger_filters_totals_exports_and_shows_labour_wages_as_outflows() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = company().await;
    let basic = account(&mut owner, "基本户", "0").await;
    let on = today();
    let a = record(
        &mut owner,
        &with(
            other("other_in", on, "5000", "bank", &basic.to_string()),
            "project_id",
            &project.to_string(),
        ),
    )
    .await;
    let b = record(&mut owner, &other("other_out", on, "700", "cash", "")).await;
    let trade = app
        .count(&format!(
            "insert into trade (tenant_id, name_zh) values ({tenant}, '测试工种') returning id"
        ))
        .await;
    let worker = app
        .count(&format!(
            "insert into worker (tenant_id, name, id_number, trade_id, day_rate) values ({tenant}, '张三', '11010519491231002X', {trade}, 300) returning id"
        ))
        .await;
    let payout = app
        .count(&format!(
            "insert into labour_payout (tenant_id, project_id, worker_id, period, paid_on, amount, method)
             values ({tenant}, {project}, {worker}, date_trunc('month', current_date)::date, '{on}', 3000, 'bank') returning id"
        ))
        .await;

    let all = owner.get("/funds/movements").await;
    assert_eq!(all.status, StatusCode::OK);
    let row = all.text(&format!("#labour_payout-{payout}"));
    assert!(
        row.contains("工资发放") && row.contains("张三") && row.contains("3,000.00"),
        "{row}"
    );
    assert!(
        all.text(&format!("#labour_payout-{payout} .out"))
            .contains("3,000.00")
    );
    assert!(
        all.body
            .contains(&format!("/labour/workers/{worker}/statement"))
    );
    assert_eq!(plain(&all.text("#ledger-totals .inflow")), "5000.00");
    assert_eq!(plain(&all.text("#ledger-totals .outflow")), "3700.00");

    let outs = owner.get("/funds/movements?direction=out").await;
    assert!(!outs.body.contains(&format!("movement-{a}\"")));
    assert!(outs.body.contains(&format!("movement-{b}\"")));
    let labour = owner.get("/funds/movements?kind=labour_payout").await;
    assert_eq!(plain(&labour.text("#ledger-totals .outflow")), "3000.00");
    assert!(!labour.body.contains(&format!("movement-{b}\"")));
    let by_account = owner
        .get(&format!("/funds/movements?account={basic}"))
        .await;
    assert_eq!(plain(&by_account.text("#ledger-totals .count")), "1");
    let month = on.format("%Y-%m").to_string();
    let earlier = on
        .checked_sub_months(Months::new(3))
        .unwrap()
        .format("%Y-%m")
        .to_string();
    let range = owner
        .get(&format!("/funds/movements?from={earlier}&to={earlier}"))
        .await;
    assert!(!range.text("#no-movements").is_empty());
    let this = owner
        .get(&format!(
            "/funds/movements?from={month}&to={month}&project={project}"
        ))
        .await;
    assert_eq!(plain(&this.text("#ledger-totals .count")), "2");

    let csv = owner.get("/funds/movements?direction=out&format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains("工资发放")
            && csv.body.contains("3000.00")
            && csv.body.contains("700.00"),
        "{}",
        csv.body
    );
    assert!(!csv.body.contains("5000.00"));
    let xlsx = owner.get("/funds/movements?format=xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert!(xlsx.bytes.starts_with(b"PK"));

    // Someone who sees only their projects sees only their projects' rows.
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    let mine = pm.get("/funds/movements").await;
    assert!(
        !mine.body.contains(&format!("movement-{a}\"")),
        "not a member yet"
    );
    assert!(!mine.body.contains(&format!("movement-{b}\"")));
    assert_not_found(&pm.get(&format!("/funds/movements/{b}")).await);
}

#[tokio::test]
async fn tender_deposits_are_paid_refunded_or_converted_once() {
    let Company {
        app,
        mut owner,
        tenant,
        ..
    } = company().await;
    let basic = account(&mut owner, "基本户", "0").await;
    app.exec(&format!(
        "insert into counterparty (tenant_id, name, kind) values ({tenant}, '滨江城建', 'client'), ({tenant}, '钢材公司', 'supplier')"
    ))
    .await;
    let client = app
        .count("select id from counterparty where name = '滨江城建'")
        .await;
    let supplier = app
        .count("select id from counterparty where name = '钢材公司'")
        .await;
    let paid_on = today().checked_sub_days(Days::new(10)).unwrap();
    let due = today().checked_sub_days(Days::new(1)).unwrap();
    let deposit_fields = |party: i64, amount: &str| {
        vec![
            ("tender_name", "滨江学校投标".to_owned()),
            ("counterparty_id", party.to_string()),
            ("project_id", String::new()),
            ("due_back_on", due.to_string()),
            ("moved_on", paid_on.to_string()),
            ("amount", amount.to_owned()),
            ("method", "bank".to_owned()),
            ("bank_account_id", basic.to_string()),
            ("reference", String::new()),
            ("note", String::new()),
        ]
    };
    owner.get("/funds/deposits").await;
    let r = post(
        &mut owner,
        "/funds/deposits",
        &deposit_fields(supplier, "50000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("counterparty_id").is_empty());
    let r = post(
        &mut owner,
        "/funds/deposits",
        &deposit_fields(client, "50000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let first: i64 = r
        .location()
        .trim_start_matches("/funds/deposits/")
        .parse()
        .unwrap();
    let list = owner.get("/funds/deposits").await;
    assert!(
        list.body.contains(&format!(
            "id=\"deposit-{first}\" class=\"status-paid overdue\""
        )),
        "{}",
        list.body
    );
    assert_eq!(
        app.count(&format!("select count(*) from fund_movement where deposit_id = {first} and kind = 'deposit_paid' and amount = 50000")).await,
        1
    );

    // The refund is the whole deposit.
    let refund = |amount: &str| {
        vec![
            ("moved_on", today().to_string()),
            ("amount", amount.to_owned()),
            ("method", "bank".to_owned()),
            ("bank_account_id", basic.to_string()),
            ("reference", String::new()),
            ("note", String::new()),
        ]
    };
    owner.get(&format!("/funds/deposits/{first}")).await;
    let r = post(
        &mut owner,
        &format!("/funds/deposits/{first}/refund"),
        &refund("40000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("amount").contains("等于"));
    let r = post(
        &mut owner,
        &format!("/funds/deposits/{first}/refund"),
        &refund("50000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.follow(&r).await;
    assert!(page.text("#status").contains("已退回"));
    let r = post(
        &mut owner,
        &format!("/funds/deposits/{first}/refund"),
        &refund("50000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Reversing the refund makes it paid again.
    let refund_id = app
        .count(&format!(
            "select id from fund_movement where deposit_id = {first} and kind = 'deposit_refund'"
        ))
        .await;
    assert_eq!(
        reverse(&mut owner, refund_id, "退款退回").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from tender_deposit where id = {first} and status = 'paid'"
        ))
        .await,
        1
    );

    // Converted: no cash; a refund afterwards is refused.
    owner.get("/funds/deposits").await;
    let r = post(
        &mut owner,
        "/funds/deposits",
        &deposit_fields(client, "80000"),
    )
    .await;
    let second: i64 = r
        .location()
        .trim_start_matches("/funds/deposits/")
        .parse()
        .unwrap();
    owner.get(&format!("/funds/deposits/{second}")).await;
    let movements = app.count("select count(*) from fund_movement").await;
    let r = owner
        .post_form(
            &format!("/funds/deposits/{second}/convert"),
            &[
                ("settled_on", &today().to_string()),
                ("reason", "转为履约保证金"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count("select count(*) from fund_movement").await,
        movements
    );
    let r = post(
        &mut owner,
        &format!("/funds/deposits/{second}/refund"),
        &refund("80000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = owner
        .post_form(
            &format!("/funds/deposits/{second}/convert"),
            &[("settled_on", &today().to_string()), ("reason", "again")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let list = owner.get("/funds/deposits").await;
    assert!(list.text(&format!("#deposit-{second}")).contains("已转换"));

    // A viewer reads and may do nothing.
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    assert_eq!(viewer.get("/funds/deposits").await.status, StatusCode::OK);
    let r = post(
        &mut viewer,
        &format!("/funds/deposits/{first}/refund"),
        &refund("50000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(&mut viewer, "/funds/deposits", &deposit_fields(client, "1")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &mut viewer,
        "/funds/movements",
        &other("other_in", today(), "1", "cash", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = reverse(&mut viewer, refund_id, "x").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        viewer.get("/funds/movements/new").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn other_tenants_ids_answer_404() {
    let Company { app, mut owner, .. } = company().await;
    let basic = account(&mut owner, "基本户", "0").await;
    let movement = record(
        &mut owner,
        &other("other_out", today(), "10", "bank", &basic.to_string()),
    )
    .await;
    owner.get(&format!("/funds/movements/{movement}")).await;
    let r = owner
        .post_multipart(
            &format!("/funds/movements/{movement}/attachments"),
            &[],
            &[("photo", "a.pdf", "application/pdf", pdf())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let aid = app.count("select id from fund_movement_attachment").await;
    let tenant = app.count("select tenant_id from bank_account").await;
    app.exec(&format!(
        "insert into counterparty (tenant_id, name, kind) values ({tenant}, '甲方', 'client');
         insert into tender_deposit (tenant_id, tender_name, counterparty_id, amount, paid_on)
           select {tenant}, '投标', id, 100, current_date from counterparty where tenant_id = {tenant};"
    ))
    .await;
    let deposit = app.count("select id from tender_deposit").await;

    let (mut rival, _) = app.signup("Rival", "owner@rival.cn").await;
    rival.get("/funds/accounts").await;
    assert_not_found(&rival.get(&format!("/funds/movements/{movement}")).await);
    assert_not_found(
        &rival
            .get(&format!("/funds/movements/{movement}/attachments/{aid}"))
            .await,
    );
    assert_not_found(&rival.get(&format!("/funds/accounts/{basic}")).await);
    assert_not_found(&rival.get(&format!("/funds/deposits/{deposit}")).await);
    assert_not_found(
        &rival
            .post_form(
                &format!("/funds/movements/{movement}/reverse"),
                &[("reason", "x")],
            )
            .await,
    );
    assert_not_found(
        &rival
            .post_form(
                &format!("/funds/movements/{movement}/attachments/{aid}/delete"),
                &[],
            )
            .await,
    );
    assert_not_found(
        &rival
            .post_form(
                &format!("/funds/accounts/{basic}/active"),
                &[("active", "0"), ("version", "1")],
            )
            .await,
    );
    assert_not_found(
        &rival
            .post_form(
                &format!("/funds/deposits/{deposit}/convert"),
                &[("settled_on", "2026-01-01"), ("reason", "x")],
            )
            .await,
    );
    assert_eq!(app.count("select count(*) from fund_movement").await, 1);
    // The rival's ledger is empty.
    let ledger = rival.get("/funds/movements").await;
    assert!(!ledger.text("#no-movements").is_empty());
}

#[tokio::test]
async fn the_demo_brings_accounts_receipts_payments_deposits_and_a_plan() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    // Colleagues in finance and administration approve what the owner requests (two of them
    // above the 100,000 threshold).
    app.user(tenant, "finance@acme.cn", "finance").await;
    app.user(tenant, "admin@acme.cn", "admin").await;
    owner.get("/dashboard").await;
    let r = owner.post_form("/projects/demo", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let accounts = owner.get("/funds/accounts").await;
    assert!(accounts.text("#accounts").contains("基本户"));
    assert!(accounts.text("#accounts").contains("农民工工资专用账户"));
    let ledger = owner.get("/funds/movements").await;
    assert_eq!(ledger.status, StatusCode::OK);
    let body = ledger.text("#movements");
    assert!(
        body.contains("进度款收款") && body.contains("合同付款") && body.contains("保证金支付"),
        "{body}"
    );
    let deposits = owner.get("/funds/deposits").await;
    assert!(deposits.text("#deposits").contains("已退回"));
    assert!(deposits.text("#deposits").contains("已支付"));

    // The applications are consistent: retention 3 %, net = 80 % − retention.
    assert_eq!(
        app.count(
            "select count(*) from payment_application where status = 'certified'
                   and retention_amount = round(completed_value * 0.03, 2)
                   and net_payable = round(completed_value * 0.8, 2) - retention_amount"
        )
        .await,
        3
    );
    let contract = app
        .count("select (amount)::bigint from contract where direction = 'income'")
        .await;
    assert_eq!(
        contract,
        app.count("select contract_amount::bigint from project where code = 'DEMO-01'")
            .await
    );
    // One application is overdue and partly received.
    assert!(
        app.count("select count(*) from payment_application a where due_on < current_date
                   and certified_amount > (select coalesce(sum(amount), 0) from fund_movement m where m.application_id = a.id)").await
            >= 1
    );
    for status in ["paid", "approved", "requested"] {
        assert_eq!(
            app.count(&format!(
                "select count(*) from payment_request where status = '{status}'"
            ))
            .await,
            1
        );
    }
    // Nobody approves their own request.
    assert_eq!(
        app.count(
            "select count(*) from payment_approval a
             join payment_request q on q.tenant_id = a.tenant_id and q.id = a.request_id
             where a.approver_id = q.requested_by"
        )
        .await,
        0
    );
    assert_eq!(app.count("select count(*) from fund_plan").await, 6);
    assert!(
        app.count("select count(*) from fund_plan where planned_in < planned_out")
            .await
            >= 1
    );
    // Invoices from the contracted suppliers book against their contracts.
    assert!(
        app.count("select count(*) from cost_entry where contract_id is not null")
            .await
            > 0
    );
    // The month roll-up agrees with the ledger and the wages.
    assert_eq!(roll_up_mismatches(&app).await, 0);
}

/// Rows where `fund_month` differs from the movements and wages grouped by project and month.
async fn roll_up_mismatches(app: &TestApp) -> i64 {
    app.count(
        "with g as (
             select tenant_id, coalesce(project_id, 0) as project_id,
                    date_trunc('month', moved_on)::date as month,
                    sum(case when direction = 'in' then amount else 0 end) as inflow,
                    sum(case when direction = 'out' then amount else 0 end) as outflow
             from (select tenant_id, project_id, moved_on, direction, amount from fund_movement
                   union all
                   select tenant_id, project_id, paid_on, 'out', amount from labour_payout
                   union all
                   select tenant_id, project_id, paid_on, 'out', amount from labour_advance) x
             group by 1, 2, 3),
         f as (select tenant_id, project_id, month, inflow, outflow from fund_month
               where inflow <> 0 or outflow <> 0 or movements <> 0)
         select count(*) from ((select * from g except select * from f)
                               union all (select * from f except select * from g)) d",
    )
    .await
}

#[derive(Debug, Clone)]
struct RandomMovement {
    account: usize,
    incoming: bool,
    cents: i64,
    days_back: u64,
    reversed: bool,
}

fn random_movement() -> impl Strategy<Value = RandomMovement> {
    (
        0usize..2,
        any::<bool>(),
        1i64..=100_000_000,
        0u64..70,
        proptest::bool::weighted(0.3),
    )
        .prop_map(
            |(account, incoming, cents, days_back, reversed)| RandomMovement {
                account,
                incoming,
                cents,
                days_back,
                reversed,
            },
        )
}

/// For random movements on two accounts (some reversed), each account's balance shown is its
/// opening balance plus its movements, and the month roll-up equals the grouped movements.
#[tokio::test]
async fn balances_and_the_month_roll_up_equal_random_movements() {
    let mut runner = TestRunner::new(Config {
        cases: 8,
        ..Config::default()
    });
    let cases: Vec<Vec<RandomMovement>> = (0..8)
        .map(|_| {
            proptest::collection::vec(random_movement(), 1..6)
                .new_tree(&mut runner)
                .unwrap()
                .current()
        })
        .collect();
    let Company {
        app,
        mut owner,
        project,
        ..
    } = company().await;
    let accounts = [
        account(&mut owner, "基本户", "1000.00").await,
        account(&mut owner, "一般户", "-250.75").await,
    ];
    let mut balances = [Decimal::new(100_000, 2), Decimal::new(-25_075, 2)];
    for movements in &cases {
        for m in movements {
            let amount = Decimal::new(m.cents, 2);
            let on = today().checked_sub_days(Days::new(m.days_back)).unwrap();
            let kind = if m.incoming { "other_in" } else { "other_out" };
            let id = record(
                &mut owner,
                &with(
                    other(
                        kind,
                        on,
                        &amount.to_string(),
                        "bank",
                        &accounts[m.account].to_string(),
                    ),
                    "project_id",
                    &if m.cents % 2 == 0 {
                        project.to_string()
                    } else {
                        String::new()
                    },
                ),
            )
            .await;
            let signed = if m.incoming { amount } else { -amount };
            balances[m.account] += signed;
            if m.reversed {
                let r = reverse(&mut owner, id, "随机冲销").await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
                balances[m.account] -= signed;
            }
        }
        let list = owner.get("/funds/accounts").await;
        for (k, id) in accounts.iter().enumerate() {
            assert_eq!(
                plain(&list.text(&format!("#account-{id} .balance"))),
                format!("{:.2}", balances[k]),
                "{movements:?}"
            );
        }
        assert_eq!(roll_up_mismatches(&app).await, 0, "{movements:?}");
    }
}
