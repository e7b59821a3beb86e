//! Wages and settlements over HTTP: the wage sheet adds up confirmed and settled named lines
//! (never head counts), advances and payouts change what is unpaid, overpaying and future
//! dates are refused with nothing saved, "pay all", each role, other tenants' ids, a worker's
//! statement with its running balance, settlement statements that lock their tickets and
//! cancel back, and exports read back.
//!
//! Crews, workers and tickets are written straight into the database (the pages that enter
//! them belong to other parts of Labour); lines copy project, date, crew and status from
//! their ticket as the application does.

use axum::http::StatusCode;
use chrono::{Datelike, Months, NaiveDate};

use crate::support::builders::{
    Company, CompanyBuilder, CrewBuilder, WorkerBuilder, add_member, create_project, user_id,
};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

/// The tenant's today (Asia/Shanghai, the default time zone).
fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn first_of_month() -> NaiveDate {
    today().with_day(1).unwrap()
}

fn month() -> String {
    today().format("%Y-%m").to_string()
}

/// One line of a ticket: worker (none for a head count), heads, pay type, hours, 工日, amount.
struct Line {
    worker: Option<i64>,
    heads: i32,
    pay: &'static str,
    hours: &'static str,
    days: &'static str,
    amount: &'static str,
}

fn named(
    worker: i64,
    pay: &'static str,
    hours: &'static str,
    days: &'static str,
    amount: &'static str,
) -> Line {
    Line {
        worker: Some(worker),
        heads: 1,
        pay,
        hours,
        days,
        amount,
    }
}

/// A company with a project, two crews and three workers (two in crew A, one in crew B).
struct Fixture {
    app: TestApp,
    owner: TestClient,
    tenant: i64,
    project: i64,
    crew_a: i64,
    crew_b: i64,
    trade: i64,
    w1: i64,
    w2: i64,
    w3: i64,
}

async fn insert_id(app: &TestApp, sql: &str) -> i64 {
    app.count(sql).await
}

async fn crew(app: &TestApp, tenant: i64, name: &str) -> i64 {
    insert_id(
        app,
        &format!(
            "insert into crew (tenant_id, name, subcontractor) values ({tenant}, '{name}', '华建劳务有限公司') returning id"
        ),
    )
    .await
}

async fn worker(
    app: &TestApp,
    tenant: i64,
    trade: i64,
    crew: i64,
    name: &str,
    id_number: &str,
) -> i64 {
    insert_id(
        app,
        &format!(
            "insert into worker (tenant_id, name, id_number, trade_id, crew_id, day_rate, bank_name, bank_account)
             values ({tenant}, '{name}', '{id_number}', {trade}, {crew}, 300, '农业银行', '6228480012345678') returning id"
        ),
    )
    .await
}

/// Writes a ticket of `crew` on `date` in `status` with `lines`, and its totals.
async fn ticket(f: &Fixture, crew: i64, date: NaiveDate, status: &str, lines: &[Line]) -> i64 {
    let (tenant, project) = (f.tenant, f.project);
    let id = insert_id(
        &f.app,
        &format!(
            "insert into labour_ticket (tenant_id, project_id, ticket_date, crew_id, work_content, count_unit, status)
             values ({tenant}, {project}, '{date}', {crew}, '3# 楼清理', 'hour', '{status}') returning id"
        ),
    )
    .await;
    for (n, l) in lines.iter().enumerate() {
        let worker = l.worker.map_or("null".to_owned(), |w| w.to_string());
        f.app
            .exec(&format!(
                "insert into labour_ticket_line (tenant_id, ticket_id, line_no, project_id, ticket_date, crew_id,
                     status, worker_id, trade_id, head_count, pay_type, hours, days, rate, multiplier, amount)
                 select t.tenant_id, t.id, {n}, t.project_id, t.ticket_date, t.crew_id, t.status, {worker},
                        {trade}, {heads}, '{pay}', {hours}, {days}, 300, 1, {amount}
                 from labour_ticket t where t.id = {id}",
                n = n + 1,
                trade = f.trade,
                heads = l.heads,
                pay = l.pay,
                hours = l.hours,
                days = l.days,
                amount = l.amount,
            ))
            .await;
    }
    f.app
        .exec(&format!(
            "update labour_ticket t set total_hours = s.h, total_days = s.d, total_amount = s.a
             from (select coalesce(sum(hours), 0) h, coalesce(sum(days), 0) d, coalesce(sum(amount), 0) a
                   from labour_ticket_line where ticket_id = {id}) s
             where t.id = {id}"
        ))
        .await;
    id
}

async fn setup() -> Fixture {
    let worker = |name: &str, id_number: &str| {
        WorkerBuilder::in_trade(name, id_number, "普工").bank("农业银行", "6228480012345678")
    };
    let Company {
        app,
        owner,
        tenant,
        project,
        crews,
    } = CompanyBuilder::new("Acme")
        .with_crew(
            CrewBuilder::new("钢筋班组")
                .subcontractor("华建劳务有限公司")
                .with_worker(worker("张三", "11010519491231002X"))
                .with_worker(worker("李四", "110105199001011232")),
        )
        .with_crew(
            CrewBuilder::new("木工班组")
                .subcontractor("华建劳务有限公司")
                .with_worker(worker("王五", "110105198501015673")),
        )
        .build()
        .await;
    let trade = app
        .count(&format!(
            "select id from trade where tenant_id = {tenant} and name_zh = '普工'"
        ))
        .await;
    let [a, b] = &crews[..] else {
        panic!("two crews")
    };
    Fixture {
        app,
        owner,
        tenant,
        project,
        crew_a: a.id,
        crew_b: b.id,
        trade,
        w1: a.workers[0],
        w2: a.workers[1],
        w3: b.workers[0],
    }
}

/// The month's tickets: crew A confirmed (张三 300 + overtime 112.50, 李四 280, a head count of
/// three 840), settled (张三 150) and draft (李四 200, not wages).
async fn month_tickets(f: &Fixture) -> (i64, i64, i64) {
    let confirmed = ticket(
        f,
        f.crew_a,
        first_of_month(),
        "confirmed",
        &[
            named(f.w1, "regular", "8", "1", "300"),
            named(f.w1, "overtime", "2", "0.25", "112.50"),
            named(f.w2, "regular", "8", "1", "280"),
            Line {
                worker: None,
                heads: 3,
                pay: "regular",
                hours: "24",
                days: "3",
                amount: "840",
            },
        ],
    )
    .await;
    let settled = ticket(
        f,
        f.crew_a,
        today(),
        "settled",
        &[named(f.w1, "regular", "4", "0.5", "150")],
    )
    .await;
    let draft = ticket(
        f,
        f.crew_a,
        today(),
        "draft",
        &[named(f.w2, "regular", "8", "1", "200")],
    )
    .await;
    (confirmed, settled, draft)
}

fn sheet_path(f: &Fixture, crew: Option<i64>) -> String {
    format!(
        "/labour/wages?project={}&crew={}&month={}",
        f.project,
        crew.map(|c| c.to_string()).unwrap_or_default(),
        month()
    )
}

/// A figure of a worker's row on the sheet.
fn cell(r: &TestResponse, worker: i64, class: &str) -> String {
    r.text(&format!("tr[data-worker=\"{worker}\"] td.{class}"))
}

fn total(r: &TestResponse, class: &str) -> String {
    r.text(&format!("tr.totals td.{class}"))
}

async fn post_advance(
    c: &mut TestClient,
    project: i64,
    worker: i64,
    date: &str,
    amount: &str,
) -> TestResponse {
    c.get(&format!("/labour/wages?project={project}")).await;
    c.post_form(
        "/labour/advances",
        &[
            ("project", &project.to_string()),
            ("crew", ""),
            ("month", &month()),
            ("adv_worker", &worker.to_string()),
            ("adv_paid_on", date),
            ("adv_amount", amount),
            ("adv_method", "cash"),
            ("adv_note", "生活费"),
        ],
    )
    .await
}

async fn post_payout(
    c: &mut TestClient,
    project: i64,
    worker: i64,
    date: &str,
    amount: &str,
) -> TestResponse {
    c.get(&format!("/labour/wages?project={project}")).await;
    c.post_form(
        "/labour/payouts",
        &[
            ("project", &project.to_string()),
            ("crew", ""),
            ("month", &month()),
            ("pay_worker", &worker.to_string()),
            ("pay_period", &month()),
            ("pay_paid_on", date),
            ("pay_amount", amount),
            ("pay_method", "bank"),
            ("pay_reference", "BK-001"),
        ],
    )
    .await
}

/// Rows of a CSV download (without its byte-order mark).
fn csv_rows(r: &TestResponse) -> Vec<Vec<String>> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
        .trim_start_matches('\u{FEFF}')
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn the_wage_sheet_adds_up_named_lines_and_leaves_head_counts_out() {
    let mut f = setup().await;
    month_tickets(&f).await;

    let r = f.owner.get(&sheet_path(&f, Some(f.crew_a))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // 张三: 300 + 112.50 confirmed + 150 settled; the draft does not count.
    assert_eq!(cell(&r, f.w1, "gross"), "562.50");
    assert_eq!(cell(&r, f.w1, "days"), "1.75");
    assert_eq!(cell(&r, f.w1, "regular"), "12");
    assert_eq!(cell(&r, f.w1, "overtime"), "2");
    assert_eq!(cell(&r, f.w1, "unpaid"), "562.50");
    assert_eq!(cell(&r, f.w2, "gross"), "280.00");
    // Crew B's worker has no wages this month, and the head count is no one's row.
    assert_eq!(cell(&r, f.w3, "gross"), "");
    assert_eq!(r.text("tbody tr[data-worker]").matches("张三").count(), 1);
    assert_eq!(
        r.html()
            .select(&scraper::Selector::parse("tbody tr[data-worker]").unwrap())
            .count(),
        2
    );
    assert_eq!(total(&r, "gross"), "842.50");
    assert_eq!(total(&r, "days"), "2.75");
    r.assert_contains("/labour/workers/");
    assert!(
        r.text("#unnamed").contains("840.00"),
        "{}",
        r.text("#unnamed")
    );

    // The totals equal the sum of the named wage lines in the database.
    let named_sum = f
        .app
        .count(&format!(
            "select (sum(amount) * 100)::bigint from labour_ticket_line
             where tenant_id = {} and worker_id is not null and status in ('confirmed', 'settled')",
            f.tenant
        ))
        .await;
    assert_eq!(named_sum, 84250);

    // Without a crew the sheet shows the same workers; another month shows none.
    let all = f.owner.get(&sheet_path(&f, None)).await;
    assert_eq!(total(&all, "gross"), "842.50");
    let earlier = first_of_month().checked_sub_months(Months::new(1)).unwrap();
    let r = f
        .owner
        .get(&format!(
            "/labour/wages?project={}&month={}",
            f.project,
            earlier.format("%Y-%m")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("本月没有已确认的点工");
}

#[tokio::test]
async fn advances_and_payouts_change_what_is_unpaid_and_overpaying_is_refused() {
    let mut f = setup().await;
    month_tickets(&f).await;
    let first = first_of_month().to_string();
    let now = today().to_string();

    let r = post_advance(&mut f.owner, f.project, f.w1, &first, "100").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = f.owner.follow(&r).await;
    r.assert_contains("借支已登记");
    assert_eq!(cell(&r, f.w1, "advances"), "100.00");
    assert_eq!(cell(&r, f.w1, "unpaid"), "462.50");

    // More than is unpaid: refused with the figure, nothing saved.
    let r = post_payout(&mut f.owner, f.project, f.w1, &now, "500").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("pay_amount").contains("超过未发工资"));
    assert!(
        r.text("#refusal").contains("462.50"),
        "{}",
        r.text("#refusal")
    );
    r.assert_contains("value=\"500\"");
    assert_eq!(f.app.count("select count(*) from labour_payout").await, 0);

    // Exactly what is unpaid is fine.
    let r = post_payout(&mut f.owner, f.project, f.w1, &now, "462.50").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = f.owner.follow(&r).await;
    assert_eq!(cell(&r, f.w1, "paid"), "462.50");
    assert_eq!(cell(&r, f.w1, "unpaid"), "0.00");
    // Now even a fen more is too much.
    let r = post_payout(&mut f.owner, f.project, f.w1, &now, "0.01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Future dates, zero, negative and huge amounts are refused; nothing is saved.
    let tomorrow = today().succ_opt().unwrap().to_string();
    let r = post_advance(&mut f.owner, f.project, f.w2, &tomorrow, "50").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("adv_paid_on").contains("不能晚于今天"));
    for bad in ["0", "-5", "10000000.01", "abc"] {
        let r = post_advance(&mut f.owner, f.project, f.w2, &first, bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(!r.field_error("adv_amount").is_empty(), "{bad}");
    }
    let r = post_payout(&mut f.owner, f.project, f.w2, &tomorrow, "10").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("pay_paid_on").is_empty());
    assert_eq!(f.app.count("select count(*) from labour_advance").await, 1);
    assert_eq!(f.app.count("select count(*) from labour_payout").await, 1);
    // Every write is audited.
    assert_eq!(
        f.app
            .count(
                "select count(*) from audit_log where entity in ('labour_advance', 'labour_payout')"
            )
            .await,
        2
    );

    // The lists show them.
    let r = f.owner.get("/labour/advances").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text("#sum"), "100.00");
    r.assert_contains("张三");
    let r = f
        .owner
        .get(&format!("/labour/payouts?worker={}", f.w1))
        .await;
    assert_eq!(r.text("#sum"), "462.50");
    let r = f
        .owner
        .get(&format!("/labour/payouts?worker={}", f.w2))
        .await;
    assert_eq!(r.text("#sum"), "");
}

#[tokio::test]
async fn pay_all_pays_each_unpaid_worker_once() {
    let mut f = setup().await;
    month_tickets(&f).await;
    let r = post_advance(
        &mut f.owner,
        f.project,
        f.w1,
        &first_of_month().to_string(),
        "62.50",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    f.owner.get(&sheet_path(&f, Some(f.crew_a))).await;
    let fields = [
        ("project", f.project.to_string()),
        ("crew", f.crew_a.to_string()),
        ("month", month()),
        ("all_paid_on", today().to_string()),
        ("all_method", "bank".to_owned()),
        ("all_reference", "代发 2026".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = f.owner.post_form("/labour/wages/pay-all", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = f.owner.follow(&r).await;
    assert_eq!(cell(&r, f.w1, "paid"), "500.00");
    assert_eq!(cell(&r, f.w2, "paid"), "280.00");
    assert_eq!(total(&r, "unpaid"), "0.00");
    assert_eq!(f.app.count("select count(*) from labour_payout").await, 2);
    assert_eq!(
        f.app
            .count("select (sum(amount) * 100)::bigint from labour_payout")
            .await,
        78000
    );

    // Nothing left: a second "pay all" is refused and saves nothing.
    let r = f.owner.post_form("/labour/wages/pay-all", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("没有未发工资");
    assert_eq!(f.app.count("select count(*) from labour_payout").await, 2);
}

#[tokio::test]
async fn finance_pays_while_foremen_and_viewers_only_read() {
    let mut f = setup().await;
    month_tickets(&f).await;
    let mut finance = f.app.user(f.tenant, "cw@acme.cn", "finance").await;
    let mut foreman = f.app.user(f.tenant, "bz@acme.cn", "foreman").await;
    let mut viewer = f.app.user(f.tenant, "ck@acme.cn", "viewer").await;
    let first = first_of_month().to_string();

    // Not a member of the project yet: it is not theirs to see.
    assert_not_found(&finance.get(&sheet_path(&f, None)).await);
    for (email, role) in [
        ("cw@acme.cn", "viewer"),
        ("bz@acme.cn", "foreman"),
        ("ck@acme.cn", "viewer"),
    ] {
        let id = user_id(&f.app, email).await;
        add_member(&mut f.owner, f.project, id, role).await;
    }

    let r = finance.get(&sheet_path(&f, None)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(cell(&r, f.w1, "gross"), "562.50");
    assert!(r.body.contains("id=\"advance\""), "finance sees the forms");
    let r = post_advance(&mut finance, f.project, f.w1, &first, "100").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    for c in [&mut foreman, &mut viewer] {
        let r = c.get(&sheet_path(&f, None)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            !r.body.contains("id=\"advance\""),
            "no forms for those who cannot pay"
        );
        let r = post_advance(c, f.project, f.w1, &first, "100").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post_payout(c, f.project, f.w1, &first, "100").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = c
            .post_form(
                "/labour/settlements",
                &[
                    ("project", &f.project.to_string()),
                    ("crew", &f.crew_a.to_string()),
                    ("from", &first),
                    ("to", &today().to_string()),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(f.app.count("select count(*) from labour_advance").await, 1);
    assert_eq!(
        f.app.count("select count(*) from labour_settlement").await,
        0
    );
}

#[tokio::test]
async fn other_tenants_ids_are_not_found() {
    let mut f = setup().await;
    month_tickets(&f).await;
    let (mut other, other_tenant) = f.app.signup("Rival", "owner@rival.cn").await;
    let other_project = create_project(&mut other, "R1", "").await;
    let other_trade = f
        .app
        .count(&format!(
            "select id from trade where tenant_id = {other_tenant} and name_zh = '普工'"
        ))
        .await;
    let other_crew = crew(&f.app, other_tenant, "外单位班组").await;
    let other_worker = worker(
        &f.app,
        other_tenant,
        other_trade,
        other_crew,
        "赵六",
        "110105197001011111",
    )
    .await;
    let other_settlement = insert_id(
        &f.app,
        &format!(
            "insert into labour_settlement (tenant_id, project_id, crew_id, period_start, period_end)
             values ({other_tenant}, {other_project}, {other_crew}, '2026-01-01', '2026-01-31') returning id"
        ),
    )
    .await;
    let first = first_of_month().to_string();
    let m = month();

    let c = &mut f.owner;
    assert_not_found(
        &c.get(&format!("/labour/wages?project={other_project}&month={m}"))
            .await,
    );
    assert_not_found(
        &c.get(&format!(
            "/labour/wages?project={}&crew={other_crew}",
            f.project
        ))
        .await,
    );
    assert_not_found(
        &c.get(&format!(
            "/labour/wages/export?project={other_project}&format=csv"
        ))
        .await,
    );
    assert_not_found(
        &c.get(&format!("/labour/workers/{other_worker}/statement"))
            .await,
    );
    assert_not_found(
        &c.get(&format!(
            "/labour/workers/{other_worker}/statement/export?format=csv"
        ))
        .await,
    );
    assert_not_found(
        &c.get(&format!("/labour/settlements/{other_settlement}"))
            .await,
    );
    assert_not_found(
        &c.get(&format!(
            "/labour/settlements/{other_settlement}/export?format=csv"
        ))
        .await,
    );
    assert_not_found(
        &c.get(&format!(
            "/labour/settlements/new?project={other_project}&crew={other_crew}"
        ))
        .await,
    );
    c.get("/labour/settlements").await;
    assert_not_found(
        &c.post_form(
            &format!("/labour/settlements/{other_settlement}/cancel"),
            &[],
        )
        .await,
    );
    // Payments naming another tenant's worker or project.
    assert_not_found(&post_advance(c, f.project, other_worker, &first, "10").await);
    let r = c
        .post_form(
            "/labour/advances",
            &[
                ("project", &other_project.to_string()),
                ("crew", ""),
                ("month", &m),
                ("adv_worker", &f.w1.to_string()),
                ("adv_paid_on", &first),
                ("adv_amount", "10"),
                ("adv_method", "cash"),
                ("adv_note", ""),
            ],
        )
        .await;
    assert_not_found(&r);
    assert_not_found(&post_payout(c, f.project, other_worker, &first, "10").await);
    let r = c
        .post_form(
            "/labour/settlements",
            &[
                ("project", &other_project.to_string()),
                ("crew", &other_crew.to_string()),
                ("from", "2026-01-01"),
                ("to", "2026-01-31"),
                ("note", ""),
            ],
        )
        .await;
    assert_not_found(&r);
    assert_eq!(f.app.count("select count(*) from labour_advance").await, 0);
    assert_eq!(f.app.count("select count(*) from labour_payout").await, 0);
    assert_eq!(
        f.app
            .count("select count(*) from labour_settlement where status = 'settled'")
            .await,
        1
    );
    // The other company's settlement is not in this one's list.
    let r = f.owner.get("/labour/settlements").await;
    assert!(
        !r.body
            .contains(&format!("/labour/settlements/{other_settlement}\""))
    );
}

#[tokio::test]
async fn a_workers_statement_runs_a_balance() {
    let mut f = setup().await;
    month_tickets(&f).await;
    // Last month: 50 earned before the statement's period opens.
    let last_month = first_of_month().checked_sub_months(Months::new(1)).unwrap();
    ticket(
        &f,
        f.crew_a,
        last_month,
        "confirmed",
        &[named(f.w1, "regular", "1", "0.13", "50")],
    )
    .await;
    let first = first_of_month().to_string();
    let now = today().to_string();
    assert_eq!(
        post_advance(&mut f.owner, f.project, f.w1, &first, "100")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        post_payout(&mut f.owner, f.project, f.w1, &now, "200")
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    let path = format!("/labour/workers/{}/statement?from={first}&to={now}", f.w1);
    let r = f.owner.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.text("tr.opening td.balance"), "50.00");
    // Three wage lines, the advance and the payout; the draft is not there.
    assert_eq!(
        r.html()
            .select(&scraper::Selector::parse("tr.entry").unwrap())
            .count(),
        5
    );
    assert_eq!(r.text("#total-earned"), "562.50");
    assert_eq!(r.text("#total-advances"), "100.00");
    assert_eq!(r.text("#total-payouts"), "200.00");
    // 50 + 562.50 − 100 − 200.
    assert_eq!(r.text("#closing"), "312.50");
    let balances: Vec<String> = r
        .html()
        .select(&scraper::Selector::parse("tr.entry td.balance").unwrap())
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(balances.last().map(String::as_str), Some("312.50"));
    r.assert_contains("/labour/tickets/");
    // The owner sees the full identity number.
    r.assert_contains("11010519491231002X");

    // Exported, the statement reads back with the same balance.
    let csv = csv_rows(
        &f.owner
            .get(&format!(
                "/labour/workers/{}/statement/export?from={first}&to={now}&format=csv",
                f.w1
            ))
            .await,
    );
    assert_eq!(csv[0][0], "日期");
    assert_eq!(csv[1][11], "50.00");
    assert_eq!(csv.len(), 1 + 1 + 5 + 1);
    let totals = csv.last().unwrap();
    assert_eq!(totals[1], "合计");
    assert_eq!(totals[9], "562.50");
    assert_eq!(totals[10], "300.00");
    assert_eq!(totals[11], "312.50");
}

#[tokio::test]
async fn a_settlement_locks_its_tickets_and_cancelling_frees_them() {
    let mut f = setup().await;
    let (confirmed, settled_before, draft) = month_tickets(&f).await;
    let later = ticket(
        &f,
        f.crew_a,
        today(),
        "confirmed",
        &[named(f.w2, "regular", "8", "1", "280")],
    )
    .await;
    let other_crew = ticket(
        &f,
        f.crew_b,
        today(),
        "confirmed",
        &[named(f.w3, "regular", "8", "1", "300")],
    )
    .await;
    let (from, to) = (first_of_month().to_string(), today().to_string());
    let (project, crew) = (f.project.to_string(), f.crew_a.to_string());

    // The preview gathers crew A's confirmed tickets: 1,532.50 + 280.
    let r = f
        .owner
        .get(&format!(
            "/labour/settlements/new?project={project}&crew={crew}&from={from}&to={to}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.text("#total-amount"), "1,812.50");
    assert_eq!(r.text("#total-days"), "6.25");
    r.assert_contains(&format!("/labour/tickets/{confirmed}\""));
    assert!(!r.body.contains(&format!("/labour/tickets/{other_crew}\"")));
    assert!(
        !r.body
            .contains(&format!("/labour/tickets/{settled_before}\""))
    );

    let form = [
        ("project", project.as_str()),
        ("crew", crew.as_str()),
        ("from", from.as_str()),
        ("to", to.as_str()),
        ("note", "十一月点工"),
    ];
    let r = f.owner.post_form("/labour/settlements", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    let ids = format!("{confirmed}, {later}");
    let count = |sql: String| {
        let app = &f.app;
        async move { app.count(&sql).await }
    };
    assert_eq!(
        count(format!(
            "select count(*) from labour_ticket where id in ({ids}) and status = 'settled' and settlement_id = {id}"
        ))
        .await,
        2
    );
    assert_eq!(
        count(format!(
            "select count(*) from labour_ticket_line where ticket_id in ({ids}) and status <> 'settled'"
        ))
        .await,
        0
    );
    assert_eq!(
        count(format!(
            "select count(*) from labour_ticket_event where ticket_id in ({ids}) and from_status = 'confirmed' and to_status = 'settled'"
        ))
        .await,
        2
    );
    assert_eq!(
        count(format!(
            "select count(*) from labour_ticket where id in ({other_crew}, {draft}) and settlement_id is not null"
        ))
        .await,
        0
    );
    assert_eq!(
        count(format!(
            "select (total_amount * 100)::bigint from labour_settlement where id = {id}"
        ))
        .await,
        181250
    );

    // The printable statement: totals in figures and in words, and the signature lines.
    let r = f.owner.follow(&r).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text("#total-amount"), "1,812.50");
    assert_eq!(r.text("#capital"), "壹仟捌佰壹拾贰元伍角");
    for who in ["班组长", "劳务公司", "项目经理", "财务"] {
        assert!(r.text(".signatures").contains(who), "{who}");
    }
    r.assert_contains("华建劳务有限公司");
    r.assert_contains("Acme");
    let list = f
        .owner
        .get(&format!(
            "/labour/settlements?project={project}&status=settled"
        ))
        .await;
    assert!(list.body.contains(&format!("/labour/settlements/{id}\"")));
    // Settled tickets are still wages.
    let sheet = f.owner.get(&sheet_path(&f, Some(f.crew_a))).await;
    assert_eq!(cell(&sheet, f.w2, "gross"), "560.00");

    // The same period again has nothing left to settle.
    let r = f.owner.post_form("/labour/settlements", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#refusal").contains("没有已确认"));
    // A period without tickets is refused too.
    let empty = [
        ("project", project.as_str()),
        ("crew", crew.as_str()),
        ("from", "2020-01-01"),
        ("to", "2020-01-31"),
        ("note", ""),
    ];
    let r = f.owner.post_form("/labour/settlements", &empty).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        count("select count(*) from labour_settlement".to_owned()).await,
        1
    );

    // A foreman may not cancel it.
    let mut foreman = f.app.user(f.tenant, "bz@acme.cn", "foreman").await;
    foreman.get("/labour/settlements").await;
    let r = foreman
        .post_form(&format!("/labour/settlements/{id}/cancel"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Cancelled, the tickets go back to confirmed and may be settled again.
    f.owner.get(&format!("/labour/settlements/{id}")).await;
    let r = f
        .owner
        .post_form(&format!("/labour/settlements/{id}/cancel"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = f.owner.follow(&r).await;
    assert_eq!(page.text("#status"), "已作废");
    assert_eq!(
        count(format!(
            "select count(*) from labour_ticket where id in ({ids}) and status = 'confirmed' and settlement_id is null"
        ))
        .await,
        2
    );
    assert_eq!(
        count(format!(
            "select count(*) from labour_ticket_line where ticket_id in ({ids}) and status <> 'confirmed'"
        ))
        .await,
        0
    );
    assert_eq!(
        count(format!(
            "select count(*) from labour_ticket_event where ticket_id in ({ids}) and from_status = 'settled' and to_status = 'confirmed'"
        ))
        .await,
        2
    );
    let r = f
        .owner
        .post_form(&format!("/labour/settlements/{id}/cancel"), &[])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = f.owner.post_form("/labour/settlements", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        count("select count(*) from audit_log where entity = 'labour_settlement'".to_owned()).await,
        3
    );
}

#[tokio::test]
async fn exports_read_back() {
    let mut f = setup().await;
    month_tickets(&f).await;
    let first = first_of_month().to_string();
    post_advance(&mut f.owner, f.project, f.w1, &first, "100").await;
    let q = format!("project={}&crew={}&month={}", f.project, f.crew_a, month());

    let csv = csv_rows(
        &f.owner
            .get(&format!("/labour/wages/export?{q}&format=csv"))
            .await,
    );
    assert_eq!(csv[0][0], "工人");
    assert_eq!(csv[0][7], "应发");
    let zhang = csv.iter().find(|r| r[0] == "张三").unwrap();
    assert_eq!(zhang[1], "1.75");
    assert_eq!(zhang[7], "562.50");
    assert_eq!(zhang[8], "100.00");
    assert_eq!(zhang[10], "462.50");
    let totals = csv.last().unwrap();
    assert_eq!(totals[0], "合计");
    assert_eq!(totals[7], "842.50");
    assert_eq!(csv.len(), 4);

    let xlsx = f
        .owner
        .get(&format!("/labour/wages/export?{q}&format=xlsx"))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with("PK"));
    assert!(
        xlsx.headers["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with(".xlsx\"")
    );

    // The payout list: what each worker is owed, with full ID numbers for the owner...
    let list = csv_rows(
        &f.owner
            .get(&format!("/labour/wages/payout-list?{q}&format=csv"))
            .await,
    );
    assert_eq!(
        list[0],
        ["工人", "身份证号", "开户银行", "银行账号", "应付金额"]
    );
    let zhang = list.iter().find(|r| r[0] == "张三").unwrap();
    assert_eq!(zhang[1], "11010519491231002X");
    assert_eq!(zhang[3], "6228480012345678");
    assert_eq!(zhang[4], "462.50");
    assert_eq!(list.last().unwrap()[4], "742.50");
    // ...and masked for finance.
    let mut finance = f.app.user(f.tenant, "cw@acme.cn", "finance").await;
    let id = user_id(&f.app, "cw@acme.cn").await;
    add_member(&mut f.owner, f.project, id, "viewer").await;
    let list = csv_rows(
        &finance
            .get(&format!("/labour/wages/payout-list?{q}&format=csv"))
            .await,
    );
    let zhang = list.iter().find(|r| r[0] == "张三").unwrap();
    assert_eq!(zhang[1], "**************002X");
    let xlsx = finance
        .get(&format!("/labour/wages/payout-list?{q}&format=xlsx"))
        .await;
    assert!(xlsx.body.starts_with("PK"));

    // A settlement exports its tickets and totals.
    f.owner.get("/labour/settlements/new").await;
    let r = f
        .owner
        .post_form(
            "/labour/settlements",
            &[
                ("project", &f.project.to_string()),
                ("crew", &f.crew_a.to_string()),
                ("from", &first),
                ("to", &today().to_string()),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let csv = csv_rows(
        &f.owner
            .get(&format!("{}/export?format=csv", r.location()))
            .await,
    );
    assert_eq!(csv.len(), 3);
    assert_eq!(csv[2][2], "壹仟伍佰叁拾贰元伍角");
    assert_eq!(csv[2][5], "1532.50");
    let xlsx = f
        .owner
        .get(&format!("{}/export?format=xlsx", r.location()))
        .await;
    assert!(xlsx.body.starts_with("PK"));
}
