//! Funds › cash flow over HTTP: a project's funds page (its figures from contracts,
//! applications, invoices, receipts and payments; months; plan against actual; the projected
//! negative-balance warning), the fund plan form (all or nothing, 422, 409), the company
//! overview and its export, aging by counterparty, the dashboard panel, roles, other tenants,
//! and the `fund_month` roll-up against the movements it sums.

use axum::http::StatusCode;
use chrono::{Datelike, Days, Months, NaiveDate, Utc};

use crate::support::builders::{Company, CompanyBuilder, create_project};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn days_ago(n: u64) -> NaiveDate {
    today().checked_sub_days(Days::new(n)).unwrap()
}

fn month_start(offset: i32) -> NaiveDate {
    let first = today().with_day(1).unwrap();
    if offset >= 0 {
        first
            .checked_add_months(Months::new(offset as u32))
            .unwrap()
    } else {
        first
            .checked_sub_months(Months::new(offset.unsigned_abs()))
            .unwrap()
    }
}

/// Adds a counterparty and returns its id.
async fn party(app: &TestApp, tenant: i64, name: &str, kind: &str) -> i64 {
    app.count(&format!(
        "insert into counterparty (tenant_id, name, kind) values ({tenant}, '{name}', '{kind}')
         returning id"
    ))
    .await
}

/// A signed contract; returns its id.
#[expect(
    clippy::too_many_arguments,
    reason = "a test helper naming each column it sets"
)]
async fn contract(
    app: &TestApp,
    tenant: i64,
    project: i64,
    party: i64,
    number: &str,
    income: bool,
    amount: &str,
    retention: &str,
    release: NaiveDate,
) -> i64 {
    let (direction, kind) = if income {
        ("income", "main")
    } else {
        ("expense", "subcontract")
    };
    app.count(&format!(
        "insert into contract (tenant_id, project_id, number, title, direction, kind,
                               counterparty_id, amount, tax_rate, signed_on, retention_percent,
                               retention_release_on, status)
         values ({tenant}, {project}, '{number}', '合同 {number}', '{direction}', '{kind}',
                 {party}, {amount}, 9, '2026-01-05', {retention}, '{release}', 'signed')
         returning id"
    ))
    .await
}

/// A certified application of `amount` (retention `retention`) certified on `on`.
async fn certified(
    app: &TestApp,
    tenant: i64,
    contract: i64,
    period: i32,
    on: NaiveDate,
    amount: &str,
    retention: &str,
) -> i64 {
    app.count(&format!(
        "insert into payment_application (tenant_id, contract_id, period_no, period_end,
                                          completed_value, payment_ratio, retention_amount,
                                          status, submitted_on, certified_on, certified_amount,
                                          due_on)
         values ({tenant}, {contract}, {period}, '{on}', {amount}, 80, {retention}, 'certified',
                 '{on}', '{on}', {amount}, '{on}'::date + 14)
         returning id"
    ))
    .await
}

/// A ledger movement paid in cash; `link` names what it pays or receives
/// (`application_id = 1`, `contract_id = 2`…). Returns its id.
async fn movement(
    app: &TestApp,
    tenant: i64,
    project: i64,
    kind: &str,
    on: NaiveDate,
    amount: &str,
    link: &str,
) -> i64 {
    let direction = if matches!(
        kind,
        "progress_receipt" | "retention_receipt" | "deposit_refund" | "other_in"
    ) {
        "in"
    } else {
        "out"
    };
    let (col, val) = link.split_once('=').unwrap_or(("note", "''"));
    // A receipt against an application names the application's contract too.
    let (col, val) = if col == "application_id" {
        (
            "application_id, contract_id".to_owned(),
            format!(
                "{val}, (select contract_id from payment_application
                         where tenant_id = {tenant} and id = {val})"
            ),
        )
    } else {
        (col.to_owned(), val.to_owned())
    };
    app.count(&format!(
        "insert into fund_movement (tenant_id, project_id, direction, kind, moved_on, amount,
                                    method, {col})
         values ({tenant}, {project}, '{direction}', '{kind}', '{on}', {amount}, 'cash', {val})
         returning id"
    ))
    .await
}

/// Reverses movement `id` on `on`.
async fn reverse(app: &TestApp, tenant: i64, id: i64, on: NaiveDate) {
    app.exec(&format!(
        "insert into fund_movement (tenant_id, project_id, direction, kind, moved_on, amount,
                                    method, contract_id, application_id, reverses_id)
         select tenant_id, project_id, direction, kind, '{on}', -amount, method, contract_id,
                application_id, id
         from fund_movement where tenant_id = {tenant} and id = {id}"
    ))
    .await;
}

/// An invoice of `amount` plus 9 % VAT booked against an expense contract on `on`.
async fn invoice(
    app: &TestApp,
    tenant: i64,
    project: i64,
    contract: i64,
    on: NaiveDate,
    amount: &str,
) {
    app.exec(&format!(
        "insert into cost_entry (tenant_id, project_id, entry_date, category_id, description,
                                 amount, tax_rate, tax_amount, contract_id)
         select {tenant}, {project}, '{on}', id, '分包发票', {amount}, 9,
                round({amount} * 0.09, 2), {contract}
         from cost_category where tenant_id = {tenant} and builtin = 'subcontract'"
    ))
    .await;
}

fn figure(r: &TestResponse, id: &str) -> String {
    r.text(&format!("#fig-{id}"))
}

#[tokio::test]
async fn the_project_page_shows_what_contracts_applications_and_movements_add_up_to() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let client = party(&app, tenant, "城投集团", "client").await;
    let sub = party(&app, tenant, "宏达劳务", "subcontractor").await;
    let release = today().checked_add_days(Days::new(30)).unwrap();
    let income = contract(
        &app, tenant, project, client, "SR-1", true, "1000000", "3", release,
    )
    .await;
    let expense = contract(
        &app, tenant, project, sub, "ZC-1", false, "113000", "3", release,
    )
    .await;
    let two_ago = month_start(-2).checked_add_days(Days::new(9)).unwrap();
    let last = month_start(-1).checked_add_days(Days::new(4)).unwrap();
    let app1 = certified(&app, tenant, income, 1, two_ago, "300000", "9000").await;
    movement(
        &app,
        tenant,
        project,
        "progress_receipt",
        two_ago,
        "200000",
        &format!("application_id={app1}"),
    )
    .await;
    let wrong = movement(
        &app,
        tenant,
        project,
        "progress_receipt",
        two_ago,
        "50000",
        &format!("application_id={app1}"),
    )
    .await;
    reverse(&app, tenant, wrong, last).await;
    movement(
        &app,
        tenant,
        project,
        "retention_receipt",
        last,
        "1000",
        &format!("contract_id={income}"),
    )
    .await;
    invoice(&app, tenant, project, expense, two_ago, "50000").await;
    movement(
        &app,
        tenant,
        project,
        "contract_payment",
        last,
        "30000",
        &format!("contract_id={expense}"),
    )
    .await;
    let owner_id = app
        .count("select id from app_user where email = 'owner@acme.cn'")
        .await;
    app.exec(&format!(
        "insert into payment_request (tenant_id, kind, project_id, contract_id, amount, purpose,
                                      requested_on, requested_by, status)
         values ({tenant}, 'contract', {project}, {expense}, 10000, '进度款', '{last}', {owner_id},
                 'approved')"
    ))
    .await;

    let r = owner.get(&format!("/projects/{project}/funds")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(figure(&r, "income-value"), "1,000,000.00");
    assert_eq!(figure(&r, "certified"), "300,000.00");
    assert_eq!(figure(&r, "received"), "200,000.00");
    assert_eq!(figure(&r, "receivable"), "100,000.00");
    assert_eq!(figure(&r, "expense-value"), "113,000.00");
    assert_eq!(figure(&r, "invoiced"), "54,500.00");
    assert_eq!(figure(&r, "paid"), "30,000.00");
    // Invoiced less paid, less the 3 % retention held on what was invoiced.
    assert_eq!(figure(&r, "payable"), "22,865.00");
    assert_eq!(figure(&r, "due-to-pay"), "10,000.00");
    assert_eq!(figure(&r, "retention-by-others"), "8,000.00");
    assert_eq!(figure(&r, "retention-from-others"), "1,635.00");
    assert_eq!(figure(&r, "cash-in"), "201,000.00");
    assert_eq!(figure(&r, "cash-out"), "30,000.00");
    assert_eq!(figure(&r, "cash-balance"), "171,000.00");
    // By month: the reversal lands in the month it was made.
    let m2 = month_start(-2).format("%Y-%m").to_string();
    let m1 = month_start(-1).format("%Y-%m").to_string();
    assert_eq!(r.text(&format!("#month-{m2} td.inflow")), "250,000.00");
    assert_eq!(r.text(&format!("#month-{m2} td.balance")), "250,000.00");
    assert_eq!(r.text(&format!("#month-{m1} td.inflow")), "-49,000.00");
    assert_eq!(r.text(&format!("#month-{m1} td.net")), "-79,000.00");
    assert_eq!(r.text(&format!("#month-{m1} td.balance")), "171,000.00");
    assert!(r.body.contains("<svg") && r.body.contains("class=\"flow-chart\""));
    assert_eq!(r.text(&format!("#contract-{income} td.open")), "100,000.00");
    assert!(
        !r.text(&format!("#contract-{expense} td.release-upcoming"))
            .is_empty(),
        "a release within 90 days is flagged"
    );
    // The roll-up the page reads equals the movements summed.
    assert_eq!(
        app.count(&format!(
            "select count(*) from (
               select project_id, month, inflow, outflow from fund_month
               where tenant_id = {tenant} and (inflow <> 0 or outflow <> 0)
               except
               select project_id, date_trunc('month', moved_on)::date,
                      coalesce(sum(amount) filter (where direction = 'in'), 0),
                      coalesce(sum(amount) filter (where direction = 'out'), 0)
               from fund_movement where tenant_id = {tenant}
               group by 1, 2) d"
        ))
        .await,
        0
    );
    assert_contract_money_matches(&app, tenant).await;
    // A status change takes the old share away.
    app.exec(&format!(
        "update payment_request set status = 'cancelled'
         where tenant_id = {tenant} and contract_id = {expense}"
    ))
    .await;
    assert_contract_money_matches(&app, tenant).await;
}

/// Each contract's one row of money (migration 0014's row triggers) equals its sources added up.
async fn assert_contract_money_matches(app: &TestApp, tenant: i64) {
    let mismatched = app
        .count(&format!(
            "with s as (
               select k.id,
                      coalesce((select sum(amount) from contract_variation v
                                where v.contract_id = k.id), 0) as variations,
                      coalesce((select sum(certified_amount) from payment_application a
                                where a.contract_id = k.id and a.status = 'certified'), 0)
                          as certified,
                      coalesce((select sum(retention_amount) from payment_application a
                                where a.contract_id = k.id and a.status = 'certified'), 0)
                          as retention_certified,
                      coalesce((select sum(amount) from cost_entry e
                                where e.contract_id = k.id), 0) as invoiced_net,
                      coalesce((select sum(amount + tax_amount) from cost_entry e
                                where e.contract_id = k.id), 0) as invoiced,
                      coalesce((select sum(amount) from payment_request q
                                where q.contract_id = k.id and q.status = 'approved'), 0)
                          as due_to_pay,
                      coalesce((select sum(amount) from fund_movement f
                                where f.contract_id = k.id and f.kind = 'progress_receipt'), 0)
                          as received,
                      coalesce((select sum(amount) from fund_movement f
                                where f.contract_id = k.id and f.kind = 'contract_payment'), 0)
                          as paid
               from contract k where k.tenant_id = {tenant})
             select count(*) from s
             left join contract_money m on m.tenant_id = {tenant} and m.contract_id = s.id
             where (s.variations, s.certified, s.retention_certified, s.invoiced_net,
                    s.invoiced, s.due_to_pay, s.received, s.paid)
                   is distinct from
                   (coalesce(m.variations, 0), coalesce(m.certified, 0),
                    coalesce(m.retention_certified, 0), coalesce(m.invoiced_net, 0),
                    coalesce(m.invoiced, 0), coalesce(m.due_to_pay, 0),
                    coalesce(m.received, 0), coalesce(m.paid, 0))"
        ))
        .await;
    assert_eq!(mismatched, 0, "contract_money differs from its sources");
    // Committed cost by project and category: the signed expense contracts' amounts without
    // VAT less the larger of invoiced and paid (without VAT), never below zero.
    let committed = app
        .count(&format!(
            "with s as (
               select k.project_id,
                      coalesce(k.category_id,
                               (select id from cost_category g
                                where g.tenant_id = k.tenant_id and g.builtin = 'subcontract'))
                          as category_id,
                      sum(greatest(
                        round((k.amount + coalesce((select sum(amount) from contract_variation v
                                                     where v.contract_id = k.id), 0))
                              / (1 + k.tax_rate / 100), 2)
                        - greatest(
                            coalesce((select sum(amount) from cost_entry e
                                      where e.contract_id = k.id), 0),
                            round(coalesce((select sum(amount) from fund_movement f
                                            where f.contract_id = k.id
                                              and f.kind in ('contract_payment',
                                                             'retention_payment')), 0)
                                  / (1 + k.tax_rate / 100), 2)),
                        0)) as amount
               from contract k
               where k.tenant_id = {tenant} and k.direction = 'expense' and k.status = 'signed'
               group by 1, 2)
             select count(*) from s
             full join (select * from cost_committed_total
                        where tenant_id = {tenant} and amount <> 0) t
               on t.project_id = s.project_id and t.category_id = s.category_id
             where coalesce(s.amount, 0) is distinct from coalesce(t.amount, 0)"
        ))
        .await;
    assert_eq!(
        committed, 0,
        "cost_committed_total differs from the contracts"
    );
    // 应收, 应付 and retention held, worked out again from each contract's money and terms.
    let figures = app
        .count(&format!(
            "with f as (
               select m.receivable, m.payable, m.retention_held,
                      case when k.direction = 'income'
                           then greatest(m.certified - m.received, 0) else 0 end as r,
                      case when k.direction = 'income'
                           then greatest(m.retention_certified - m.retention_received, 0)
                           else greatest(round(least(m.invoiced, k.amount + m.variations)
                                               * k.retention_percent / 100, 2)
                                         - m.retention_paid, 0) end as h,
                      k.direction, m.invoiced, m.paid, m.retention_paid
               from contract k
               join contract_money m on m.tenant_id = k.tenant_id and m.contract_id = k.id
               where k.tenant_id = {tenant})
             select count(*) from f
             where (receivable, retention_held, payable) is distinct from
                   (r, h, case when direction = 'expense'
                               then greatest(invoiced - paid - retention_paid - h, 0)
                               else 0 end)"
        ))
        .await;
    assert_eq!(figures, 0, "contract_money's figures differ from the rules");
}

/// The plan form's fields for 12 months from `from`, each month's values from `values`
/// (month index, in, out), versions as read from the database.
async fn plan_fields(
    app: &TestApp,
    project: i64,
    from: NaiveDate,
    values: &[(u32, &str, &str)],
) -> Vec<(&'static str, String)> {
    let mut f = vec![("from", from.format("%Y-%m").to_string())];
    for k in 0..12u32 {
        let m = from.checked_add_months(Months::new(k)).unwrap();
        let v = app
            .count(&format!(
                "select coalesce((select version from fund_plan
                                  where project_id = {project} and month = '{m}'), 0)::bigint"
            ))
            .await;
        let (pin, pout) = values
            .iter()
            .find(|(i, _, _)| *i == k)
            .map_or(("", ""), |(_, a, b)| (*a, *b));
        f.push(("month", m.to_string()));
        f.push(("planned_in", pin.to_owned()));
        f.push(("planned_out", pout.to_owned()));
        f.push(("note", String::new()));
        f.push(("version", v.to_string()));
    }
    f
}

async fn post(c: &mut TestClient, path: &str, f: &[(&'static str, String)]) -> TestResponse {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form(path, &pairs).await
}

#[tokio::test]
async fn the_plan_saves_all_months_refuses_a_stale_version_and_shows_the_projection() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let path = format!("/projects/{project}/funds/plan");
    let from = month_start(0);
    let r = owner
        .get(&format!("{path}?from={}", from.format("%Y-%m")))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.html()
            .select(&scraper::Selector::parse("input[name=planned_in]").unwrap())
            .count(),
        12
    );
    // 100,000 in hand, then a month paying out more than comes in.
    let client = party(&app, tenant, "城投集团", "client").await;
    let k = contract(
        &app, tenant, project, client, "SR-1", true, "1000000", "0", from,
    )
    .await;
    let a = certified(&app, tenant, k, 1, month_start(-1), "100000", "0").await;
    movement(
        &app,
        tenant,
        project,
        "progress_receipt",
        month_start(-1),
        "100000",
        &format!("application_id={a}"),
    )
    .await;
    let f = plan_fields(
        &app,
        project,
        from,
        &[(1, "50,000", "20000"), (2, "0", "200000.5")],
    )
    .await;
    let r = post(&mut owner, &path, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from fund_plan where project_id = {project}"
        ))
        .await,
        2
    );
    assert_eq!(
        app.count(&format!("select (planned_out * 10)::bigint from fund_plan where project_id = {project} and month = '{}'", month_start(2))).await,
        2_000_005
    );
    let r = owner.get(&format!("/projects/{project}/funds")).await;
    let m1 = month_start(1).format("%Y-%m").to_string();
    let m2 = month_start(2).format("%Y-%m").to_string();
    assert_eq!(r.text(&format!("#month-{m1} td.planned-in")), "50,000.00");
    assert_eq!(r.text(&format!("#month-{m1} td.balance")), "130,000.00");
    assert_eq!(r.text(&format!("#month-{m2} td.balance")), "-70,000.50");
    let warning = r.text("#negative-warning");
    assert!(warning.contains(&m2), "{warning}");

    // A form read before that save is stale: 409, nothing changes.
    let mut stale = plan_fields(&app, project, from, &[(1, "1", "1")]).await;
    for (k, v) in stale.iter_mut() {
        if *k == "version" {
            *v = "0".to_owned();
        }
    }
    let r = post(&mut owner, &path, &stale).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(!r.text("#notice").is_empty());
    assert_eq!(
        app.count(&format!("select planned_in::bigint from fund_plan where project_id = {project} and month = '{}'", month_start(1))).await,
        50_000
    );
    // Saved again with the current versions: the versions move, an audit entry is written.
    let f = plan_fields(&app, project, from, &[(1, "60000", "20000"), (2, "0", "0")]).await;
    let r = post(&mut owner, &path, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select version::bigint from fund_plan where project_id = {project} and month = '{}'",
            month_start(1)
        ))
        .await,
        2
    );
    assert!(
        app.count(&format!(
            "select count(*) from audit_log where tenant_id = {tenant} and entity = 'fund_plan'"
        ))
        .await
            >= 2
    );
    let r = owner.get(&format!("/projects/{project}/funds")).await;
    assert!(r.text("#negative-warning").is_empty());
}

#[tokio::test]
async fn invalid_plan_values_are_refused_with_messages_and_nothing_is_saved() {
    let Company {
        app,
        mut owner,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let path = format!("/projects/{project}/funds/plan");
    let f = plan_fields(
        &app,
        project,
        month_start(0),
        &[(0, "-5", "10"), (1, "100", "1.234"), (2, "300", "")],
    )
    .await;
    let r = post(&mut owner, &path, &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(!r.text("#e-in-0").is_empty());
    assert!(!r.text("#e-out-1").is_empty());
    assert!(r.text("#e-in-2").is_empty());
    assert!(r.body.contains("value=\"1.234\""), "input kept");
    assert_eq!(
        app.count(&format!(
            "select count(*) from fund_plan where project_id = {project}"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn the_overview_totals_are_the_sum_of_the_projects_and_export() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let p2 = create_project(&mut owner, "P2", "").await;
    let on = month_start(-1).checked_add_days(Days::new(2)).unwrap();
    movement(&app, tenant, project, "other_in", on, "1000.50", "").await;
    movement(&app, tenant, p2, "other_in", on, "2000", "").await;
    movement(&app, tenant, p2, "other_out", month_start(-3), "500", "").await;
    let id = movement(&app, tenant, project, "other_out", on, "99", "").await;
    reverse(&app, tenant, id, on).await;
    let r = owner.get("/funds").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.text("#month-totals .inflow"), "3,000.50");
    assert_eq!(r.text("#month-totals .outflow"), "500.00");
    assert_eq!(
        r.text(&format!("#project-{project} td.balance")),
        "1,000.50"
    );
    assert_eq!(r.text(&format!("#project-{p2} td.balance")), "1,500.00");
    let m = month_start(-1).format("%Y-%m").to_string();
    assert_eq!(r.text(&format!("#month-{m} td.inflow")), "3,000.50");
    assert_eq!(r.text(&format!("#month-{m} td.balance")), "2,500.50");
    assert!(r.body.contains("aria-current=\"page\">"));
    let csv = owner.get("/funds?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains(&format!("{m},3000.50,0.00,3000.50")),
        "{}",
        csv.body
    );
    assert!(
        csv.body
            .lines()
            .last()
            .unwrap_or("")
            .contains("3000.50,500.00,2500.50"),
        "{}",
        csv.body
    );
    let xlsx = owner.get("/funds?format=xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"));
}

#[tokio::test]
async fn aging_puts_open_amounts_in_buckets_first_in_first_out() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let client = party(&app, tenant, "城投集团", "client").await;
    let sub = party(&app, tenant, "宏达劳务", "subcontractor").await;
    let far = today().checked_add_days(Days::new(400)).unwrap();
    let k = contract(
        &app, tenant, project, client, "SR-1", true, "1000000", "0", far,
    )
    .await;
    let mut apps = Vec::new();
    for (i, (ago, amount)) in [(5, "100"), (45, "200"), (75, "300"), (120, "400")]
        .iter()
        .enumerate()
    {
        apps.push(certified(&app, tenant, k, i as i32 + 1, days_ago(*ago), amount, "0").await);
    }
    // 450 received: the 400 of 120 days and 50 of the 300 of 75 days.
    movement(
        &app,
        tenant,
        project,
        "progress_receipt",
        days_ago(5),
        "450",
        &format!("application_id={}", apps[0]),
    )
    .await;
    let e = contract(
        &app, tenant, project, sub, "ZC-1", false, "100000", "0", far,
    )
    .await;
    invoice(&app, tenant, project, e, days_ago(100), "1000").await;
    invoice(&app, tenant, project, e, days_ago(20), "2000").await;
    // 1,090 (the first invoice with VAT) paid, so 2,180 of 20 days stays.
    movement(
        &app,
        tenant,
        project,
        "contract_payment",
        days_ago(3),
        "1090",
        &format!("contract_id={e}"),
    )
    .await;
    let r = owner.get("/funds/aging").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.text(&format!("#aging-receivables-{client} td")),
        "城投集团 | 100.00 | 200.00 | 250.00 | 0.00 | 550.00"
    );
    assert_eq!(
        r.text(&format!("#aging-payables-{sub} td")),
        "宏达劳务 | 2,180.00 | 0.00 | 0.00 | 0.00 | 2,180.00"
    );
    assert!(r.text("#aging-receivables tfoot").contains("550.00"));
    let csv = owner.get("/funds/aging?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .contains("城投集团,100.00,200.00,250.00,0.00,550.00"),
        "{}",
        csv.body
    );
    // The dashboard panel: the receivable, and what is past its due date (all but 100).
    let d = owner.get("/dashboard").await;
    assert_eq!(
        d.text("#panel-receivable")
            .split_whitespace()
            .next()
            .unwrap_or(""),
        "550.00"
    );
    assert!(
        d.text("#panel-overdue").contains("450.00"),
        "{}",
        d.text("#funds-panel")
    );
    assert_eq!(d.text("#panel-payable"), "2,180.00");
}

#[tokio::test]
async fn roles_and_tenants() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let path = format!("/projects/{project}/funds/plan");
    // A viewer member reads the page but not the plan form, and cannot save.
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    let uid = app
        .count("select id from app_user where email = 'viewer@acme.cn'")
        .await;
    app.exec(&format!(
        "insert into project_member (tenant_id, project_id, user_id, project_role)
         values ({tenant}, {project}, {uid}, 'viewer')"
    ))
    .await;
    let r = viewer.get(&format!("/projects/{project}/funds")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.text("#edit-plan").is_empty());
    assert_eq!(viewer.get(&path).await.status, StatusCode::FORBIDDEN);
    viewer.get(&format!("/projects/{project}/funds")).await;
    let f = plan_fields(&app, project, month_start(0), &[(0, "1", "1")]).await;
    assert_eq!(
        post(&mut viewer, &path, &f).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("select count(*) from fund_plan").await, 0);
    assert_eq!(viewer.get("/funds").await.status, StatusCode::OK);
    // The owner's dashboard has the panel.
    let d = owner.get("/dashboard").await;
    assert!(!d.text("#funds-panel").is_empty());
    // A foreman does not open Funds, and the dashboard shows no panel.
    let mut foreman = app.user(tenant, "foreman@acme.cn", "foreman").await;
    assert_ne!(
        foreman
            .get(&format!("/projects/{project}/funds"))
            .await
            .status,
        StatusCode::OK
    );
    assert_ne!(foreman.get("/funds").await.status, StatusCode::OK);
    assert_ne!(foreman.get("/funds/aging").await.status, StatusCode::OK);
    let d = foreman.get("/dashboard").await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(d.text("#funds-panel").is_empty());
    // Another company's owner: 404.
    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    assert_not_found(&other.get(&format!("/projects/{project}/funds")).await);
    assert_not_found(&other.get(&path).await);
    other.get("/funds").await;
    assert_not_found(&post(&mut other, &path, &f).await);
}

#[tokio::test]
async fn fund_month_equals_the_grouped_movements_after_random_inserts_and_reversals() {
    let Company {
        app,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    // A small linear congruential generator: the same sequence on every run.
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let mut ids = Vec::new();
    for _ in 0..60 {
        let kind = if next(2) == 0 {
            "other_in"
        } else {
            "other_out"
        };
        let on = NaiveDate::from_ymd_opt(2025, 1 + next(12) as u32, 1 + next(28) as u32).unwrap();
        let amount = format!("{}.{:02}", 1 + next(100_000), next(100));
        let id = movement(&app, tenant, project, kind, on, &amount, "").await;
        ids.push((id, on));
        if next(4) == 0 {
            let (target, day) = ids[next(ids.len() as u64) as usize];
            let reversed = app
                .count(&format!(
                    "select count(*) from fund_movement where reverses_id = {target}"
                ))
                .await;
            if reversed == 0 {
                let later = day.checked_add_days(Days::new(next(60))).unwrap();
                reverse(&app, tenant, target, later).await;
            }
        }
    }
    let mismatched = app
        .count(&format!(
            "with g as (select project_id, date_trunc('month', moved_on)::date as month,
                               coalesce(sum(amount) filter (where direction = 'in'), 0) as i,
                               coalesce(sum(amount) filter (where direction = 'out'), 0) as o
                        from fund_movement where tenant_id = {tenant} group by 1, 2)
             select count(*) from g full join fund_month f
                 on f.tenant_id = {tenant} and f.project_id = g.project_id and f.month = g.month
             where (f.tenant_id is null or f.tenant_id = {tenant})
               and (coalesce(f.inflow, 0) <> coalesce(g.i, 0)
                    or coalesce(f.outflow, 0) <> coalesce(g.o, 0))"
        ))
        .await;
    assert_eq!(mismatched, 0);
    let balance = app
        .count(&format!(
            "select (sum(inflow - outflow) * 100)::bigint from fund_month where tenant_id = {tenant}"
        ))
        .await;
    let plain = app
        .count(&format!(
            "select (sum(case when direction = 'in' then amount else -amount end) * 100)::bigint
             from fund_movement where tenant_id = {tenant}"
        ))
        .await;
    assert_eq!(balance, plain);
}
