//! Day-labour tickets and summaries over HTTP: the foreman's fast entry, the flow through
//! submit, confirm, reject and reversal with its trail, the refusals (future days, negative
//! hours, 24 hours, projects and crews that are not the user's), roles, other tenants' ids,
//! exports read back, the dashboard panel, and summaries that equal the sum of the tickets.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chrono::{Datelike, Days, NaiveDate};
use girder::labour::domain::{CountUnit, PayRules, PayType};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;

use crate::support::builders::{Company, CompanyBuilder, add_member, create_project, user_id};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn days_ago(n: u64) -> NaiveDate {
    today().checked_sub_days(Days::new(n)).unwrap()
}

/// A company with a project, a foreman (member) leading a crew counted in hours with two
/// workers, and a project manager.
struct Site {
    app: TestApp,
    owner: TestClient,
    foreman: TestClient,
    manager: TestClient,
    tenant: i64,
    project: i64,
    crew: i64,
    zhang: i64,
    li: i64,
}

async fn crew(app: &TestApp, tenant: i64, name: &str, foreman: Option<i64>, unit: &str) -> i64 {
    let foreman = foreman.map_or("null".to_owned(), |f| f.to_string());
    app.count(&format!(
        "insert into crew (tenant_id, name, foreman_id, count_unit)
         values ({tenant}, '{name}', {foreman}, '{unit}') returning id"
    ))
    .await
}

async fn worker(
    app: &TestApp,
    tenant: i64,
    name: &str,
    id_number: &str,
    crew: i64,
    rate: &str,
) -> i64 {
    app.count(&format!(
        "insert into worker (tenant_id, name, id_number, trade_id, crew_id, day_rate)
         values ({tenant}, '{name}', '{id_number}',
                 (select id from trade where tenant_id = {tenant} and name_zh = '钢筋工'),
                 {crew}, {rate}) returning id"
    ))
    .await
}

async fn site() -> Site {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let foreman = app.user(tenant, "foreman@acme.cn", "foreman").await;
    let manager = app.user(tenant, "pm@acme.cn", "project_manager").await;
    let foreman_id = user_id(&app, "foreman@acme.cn").await;
    add_member(&mut owner, project, foreman_id, "foreman").await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "pm@acme.cn").await,
        "manager",
    )
    .await;
    let crew = crew(&app, tenant, "钢筋班组", Some(foreman_id), "hour").await;
    let zhang = worker(&app, tenant, "张三", "11010519491231002X", crew, "320").await;
    let li = worker(&app, tenant, "李四", "110101199003077758", crew, "280").await;
    Site {
        app,
        owner,
        foreman,
        manager,
        tenant,
        project,
        crew,
        zhang,
        li,
    }
}

/// One line of a posted ticket: a worker (ticked) or a head count of a trade.
#[derive(Clone, Debug)]
struct Line {
    worker: Option<i64>,
    trade: String,
    heads: String,
    pay: &'static str,
    quantity: String,
    rate: String,
}

fn named(worker: i64, quantity: &str) -> Line {
    Line {
        worker: Some(worker),
        trade: String::new(),
        heads: String::new(),
        pay: "regular",
        quantity: quantity.to_owned(),
        rate: String::new(),
    }
}

async fn post_ticket(
    c: &mut TestClient,
    path: &str,
    header: &[(&str, &str)],
    lines: &[Line],
    action: &str,
) -> TestResponse {
    c.get("/labour/tickets/new").await;
    let mut fields: Vec<(String, String)> = header
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    for (i, l) in lines.iter().enumerate() {
        fields.push((
            "worker".into(),
            l.worker.map(|w| w.to_string()).unwrap_or_default(),
        ));
        if l.worker.is_some() {
            fields.push(("pick".into(), i.to_string()));
        }
        fields.push(("trade".into(), l.trade.clone()));
        fields.push(("heads".into(), l.heads.clone()));
        fields.push(("pay_type".into(), l.pay.to_owned()));
        fields.push(("quantity".into(), l.quantity.clone()));
        fields.push(("rate".into(), l.rate.clone()));
    }
    fields.push(("action".into(), action.to_owned()));
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post_form(path, &borrowed).await
}

async fn enter(s: &mut Site, date: NaiveDate, lines: &[Line], action: &str) -> TestResponse {
    let (project, crew, date) = (s.project.to_string(), s.crew.to_string(), date.to_string());
    post_ticket(
        &mut s.foreman,
        "/labour/tickets",
        &[
            ("project", &project),
            ("crew", &crew),
            ("date", &date),
            ("count_unit", "hour"),
            ("reason", "基坑积水抽排"),
            ("work_content", "抽水、清淤"),
            ("version", "0"),
        ],
        lines,
        action,
    )
    .await
}

fn ticket_id(r: &TestResponse) -> i64 {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches("/labour/tickets/")
        .parse()
        .unwrap()
}

async fn version(app: &TestApp, ticket: i64) -> String {
    app.count(&format!(
        "select version::bigint from labour_ticket where id = {ticket}"
    ))
    .await
    .to_string()
}

async fn act(
    c: &mut TestClient,
    app: &TestApp,
    ticket: i64,
    action: &str,
    reason: &str,
) -> TestResponse {
    let v = version(app, ticket).await;
    c.get(&format!("/labour/tickets/{ticket}")).await;
    c.post_form(
        &format!("/labour/tickets/{ticket}/{action}"),
        &[("version", &v), ("reason", reason)],
    )
    .await
}

#[tokio::test]
async fn a_foreman_enters_the_crew_for_a_day_and_the_manager_confirms() {
    let mut s = site().await;
    let (zhang, li) = (s.zhang, s.li);
    let path = format!(
        "/labour/tickets/new?project={}&crew={}&date={}",
        s.project,
        s.crew,
        today()
    );
    let form = s.foreman.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    // Both workers ticked for a standard day of 8 hours.
    form.assert_contains("张三");
    form.assert_contains("李四");
    let html = form.html();
    let ticked = html
        .select(&scraper::Selector::parse("input[name=pick][checked]").unwrap())
        .count();
    assert_eq!(ticked, 2);
    let eights = html
        .select(&scraper::Selector::parse("input[name=quantity][value='8']").unwrap())
        .count();
    assert_eq!(eights, 2);

    let mut overtime = named(zhang, "2");
    overtime.pay = "overtime";
    let r = enter(
        &mut s,
        today(),
        &[named(zhang, "8"), named(li, "4"), overtime],
        "submit",
    )
    .await;
    let id = ticket_id(&r);
    let page = s.foreman.get(&format!("/labour/tickets/{id}")).await;
    // 320 + 280 / 2 + 320 / 8 × 2 × 1.5 = 320 + 140 + 120.
    assert_eq!(page.text("#total-amount"), "580.00");
    assert_eq!(page.text("#total-hours"), "14");
    assert_eq!(page.text("#total-days"), "1.75");
    assert!(page.text("#status").contains("已提交"));
    // The foreman cannot confirm.
    let r = act(&mut s.foreman, &s.app, id, "confirm", "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = act(&mut s.manager, &s.app, id, "confirm", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = s.manager.get(&format!("/labour/tickets/{id}")).await;
    assert!(page.text("#status").contains("已确认"));
    let trail = page.text("#trail");
    assert!(
        trail.contains("已提交") && trail.contains("已确认"),
        "{trail}"
    );
    assert_eq!(
        s.app
            .count(&format!(
                "select count(*) from labour_ticket_event where ticket_id = {id}"
            ))
            .await,
        2
    );
    // Confirmed is locked: no edit, no delete, no second confirmation.
    let r = act(&mut s.foreman, &s.app, id, "delete", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = act(&mut s.manager, &s.app, id, "confirm", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let date = today().to_string();
    let r = post_ticket(
        &mut s.foreman,
        &format!("/labour/tickets/{id}/edit"),
        &[
            ("crew", &s.crew.to_string()),
            ("date", &date),
            ("count_unit", "hour"),
            ("version", "2"),
        ],
        &[named(zhang, "1")],
        "draft",
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        s.app
            .count(&format!(
                "select count(*) from labour_ticket_line where ticket_id = {id}"
            ))
            .await,
        3
    );
    // The labour cost view reads it for the cost centre.
    let cost = s
        .app
        .count(&format!(
            "select (sum(amount) * 100)::bigint from labour_cost where project_id = {}",
            s.project
        ))
        .await;
    assert_eq!(cost, 58_000);
    // The dashboard's panel shows this month's labour of the project.
    let dash = s.owner.get("/dashboard").await;
    let panel = dash.text("#labour-panel");
    assert!(panel.contains("P1") && panel.contains("580.00"), "{panel}");
}

#[tokio::test]
async fn refused_tickets_say_why_and_save_nothing() {
    let mut s = site().await;
    let (zhang, li) = (s.zhang, s.li);
    let future = today().checked_add_days(Days::new(1)).unwrap();
    let r = enter(&mut s, future, &[named(zhang, "8")], "submit").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不能录入今天以后的点工"), "{}", r.body);

    let r = enter(&mut s, today(), &[named(zhang, "-8")], "submit").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.text("#e-quantity-0"), "不能为负数");

    let mut bad_rate = named(li, "8");
    bad_rate.rate = "-100".into();
    let r = enter(&mut s, today(), &[bad_rate], "submit").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.text("#e-rate-0"), "不能为负数");

    let r = enter(&mut s, today(), &[named(zhang, "25")], "submit").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // 16 hours on one ticket, then 10 more on another: past 24 hours in the day.
    let mut ot = named(zhang, "8");
    ot.pay = "overtime";
    ticket_id(&enter(&mut s, days_ago(1), &[named(zhang, "8"), ot], "draft").await);
    let r = enter(&mut s, days_ago(1), &[named(zhang, "10")], "draft").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.text("#e-quantity-0"), "一名工人一天不能超过 24 小时");

    // No lines at all.
    let r = enter(&mut s, today(), &[], "submit").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("至少要有一名工人或一行人数"));

    // A project the foreman is not a member of.
    let other = create_project(&mut s.owner, "P2", "").await;
    let (other, crew, date) = (other.to_string(), s.crew.to_string(), today().to_string());
    let r = post_ticket(
        &mut s.foreman,
        "/labour/tickets",
        &[
            ("project", &other),
            ("crew", &crew),
            ("date", &date),
            ("count_unit", "hour"),
        ],
        &[named(zhang, "8")],
        "submit",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("您不是这个项目的成员"), "{}", r.body);

    // Another foreman's crew.
    let other_crew = crew_of_other_foreman(&s).await;
    let (project, other_crew) = (s.project.to_string(), other_crew.to_string());
    let r = post_ticket(
        &mut s.foreman,
        "/labour/tickets",
        &[
            ("project", &project),
            ("crew", &other_crew),
            ("date", &date),
            ("count_unit", "hour"),
        ],
        &[named(zhang, "8")],
        "submit",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("您只能处理自己班组的点工单"));

    assert_eq!(s.app.count("select count(*) from labour_ticket").await, 1);
    assert_eq!(
        s.app.count("select count(*) from labour_ticket_line").await,
        2
    );
}

async fn crew_of_other_foreman(s: &Site) -> i64 {
    let other = s.app.user(s.tenant, "foreman2@acme.cn", "foreman").await;
    drop(other);
    let id = user_id(&s.app, "foreman2@acme.cn").await;
    crew(&s.app, s.tenant, "木工班组", Some(id), "day").await
}

#[tokio::test]
async fn a_rejected_ticket_is_corrected_and_a_confirmed_one_reversed() {
    let mut s = site().await;
    let zhang = s.zhang;
    let id = ticket_id(&enter(&mut s, days_ago(2), &[named(zhang, "8")], "submit").await);
    // A rejection needs a reason.
    let r = act(&mut s.manager, &s.app, id, "reject", "  ").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = act(&mut s.manager, &s.app, id, "reject", "工时与考勤不符").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = s.foreman.get(&format!("/labour/tickets/{id}")).await;
    assert!(page.text("#reject-reason").contains("工时与考勤不符"));
    // The foreman corrects the hours and submits again.
    let edit = s.foreman.get(&format!("/labour/tickets/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    let v = version(&s.app, id).await;
    let date = days_ago(2).to_string();
    let r = post_ticket(
        &mut s.foreman,
        &format!("/labour/tickets/{id}/edit"),
        &[
            ("crew", &s.crew.to_string()),
            ("date", &date),
            ("count_unit", "hour"),
            ("version", &v),
        ],
        &[named(zhang, "6")],
        "submit",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = act(&mut s.manager, &s.app, id, "confirm", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = s.manager.get(&format!("/labour/tickets/{id}")).await;
    assert_eq!(page.text("#total-amount"), "240.00");

    // A reversal needs a reason, then negates every line; both tickets stay.
    let r = act(&mut s.manager, &s.app, id, "reverse", "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = act(&mut s.manager, &s.app, id, "reverse", "重复计工").await;
    let reversal = ticket_id(&r);
    assert_ne!(reversal, id);
    let page = s.manager.get(&format!("/labour/tickets/{reversal}")).await;
    assert_eq!(page.text("#total-amount"), "-240.00");
    assert!(page.text("#reverses").contains(&format!("DG-{id}")));
    let page = s.manager.get(&format!("/labour/tickets/{id}")).await;
    assert!(
        page.text("#reversed-by")
            .contains(&format!("DG-{reversal}"))
    );
    // Reversed once only.
    let r = act(&mut s.manager, &s.app, id, "reverse", "again").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // The summary nets them out.
    let summary = s.manager.get("/labour?by=crew").await;
    assert_eq!(summary.text("#total-amount"), "0.00");
    // The trail: submitted, rejected, submitted, confirmed.
    assert_eq!(
        s.app
            .count(&format!(
                "select count(*) from labour_ticket_event where ticket_id = {id}"
            ))
            .await,
        4
    );
}

/// Once finance closes a month in the cost centre, its tickets are no longer confirmed (one by
/// one or in bulk), and a reversal of a confirmed one lands today, in an open month.
#[tokio::test]
async fn a_closed_cost_month_takes_no_confirmations_and_reversals_land_today() {
    let mut s = site().await;
    let zhang = s.zhang;
    let li = s.li;
    let last_month = today().with_day(1).unwrap().pred_opt().unwrap();
    let confirmed = ticket_id(&enter(&mut s, last_month, &[named(zhang, "8")], "submit").await);
    let r = act(&mut s.manager, &s.app, confirmed, "confirm", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let waiting = ticket_id(&enter(&mut s, last_month, &[named(li, "4")], "submit").await);
    s.app
        .exec(&format!(
            "insert into cost_period (tenant_id, month) values ({}, '{}')",
            s.tenant,
            last_month.with_day(1).unwrap()
        ))
        .await;

    let r = act(&mut s.manager, &s.app, waiting, "confirm", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("成本中心结账");
    s.manager.get("/labour/tickets").await;
    s.manager
        .post_form("/labour/tickets/confirm", &[("ids", &waiting.to_string())])
        .await;
    let status = |id: i64| {
        format!("select count(*) from labour_ticket where id = {id} and status = 'submitted'")
    };
    assert_eq!(s.app.count(&status(waiting)).await, 1);

    let r = act(&mut s.manager, &s.app, confirmed, "reverse", "重复计工").await;
    let reversal = ticket_id(&r);
    assert_eq!(
        s.app
            .count(&format!(
                "select count(*) from labour_ticket where id = {reversal} and ticket_date = '{}'",
                today()
            ))
            .await,
        1
    );
    // The closed month's labour cost stands; the correction is this month's.
    let cost = |month: NaiveDate| {
        format!(
            "select coalesce(sum(amount), 0)::bigint from cost_actual_month
             where category_id = 0 and month = '{}'",
            month.with_day(1).unwrap()
        )
    };
    assert_eq!(s.app.count(&cost(last_month)).await, 320);
    assert_eq!(s.app.count(&cost(today())).await, -320);
}

#[tokio::test]
async fn a_second_ticket_naming_the_same_worker_is_flagged_and_copy_yesterday_fills_the_form() {
    let mut s = site().await;
    let (zhang, li) = (s.zhang, s.li);
    let first = ticket_id(
        &enter(
            &mut s,
            days_ago(1),
            &[named(zhang, "4"), named(li, "8")],
            "submit",
        )
        .await,
    );
    let second = ticket_id(&enter(&mut s, days_ago(1), &[named(zhang, "4")], "submit").await);
    let page = s.manager.get(&format!("/labour/tickets/{second}")).await;
    let flag = page.text("#double-booked");
    assert!(
        flag.contains("张三") && flag.contains(&format!("DG-{first}")),
        "{flag}"
    );

    let copy = s
        .foreman
        .get(&format!(
            "/labour/tickets/new?project={}&crew={}&date={}&copy=1",
            s.project,
            s.crew,
            today()
        ))
        .await;
    assert_eq!(copy.status, StatusCode::OK);
    assert!(copy.text("#copied-from").contains(&format!("DG-{second}")));
    let html = copy.html();
    let ticked: Vec<String> = html
        .select(&scraper::Selector::parse("input[name=pick][checked]").unwrap())
        .map(|e| e.value().attr("value").unwrap().to_owned())
        .collect();
    // Only Zhang was on the last ticket; Li is offered unticked.
    assert_eq!(ticked.len(), 1);
    assert!(copy.body.contains("基坑积水抽排"));
    // Nothing is saved by copying.
    assert_eq!(s.app.count("select count(*) from labour_ticket").await, 2);
}

#[tokio::test]
async fn roles_and_other_tenants() {
    let mut s = site().await;
    let zhang = s.zhang;
    let id = ticket_id(&enter(&mut s, today(), &[named(zhang, "8")], "draft").await);
    let mut viewer = s.app.user(s.tenant, "viewer@acme.cn", "viewer").await;
    assert_eq!(
        viewer.get("/labour/tickets/new").await.status,
        StatusCode::FORBIDDEN
    );
    let mut finance = s.app.user(s.tenant, "finance@acme.cn", "finance").await;
    // Not a member of the project: the ticket is not there for them.
    assert_not_found(&finance.get(&format!("/labour/tickets/{id}")).await);
    add_member(
        &mut s.owner,
        s.project,
        user_id(&s.app, "finance@acme.cn").await,
        "viewer",
    )
    .await;
    assert_eq!(
        finance.get(&format!("/labour/tickets/{id}")).await.status,
        StatusCode::OK
    );
    let r = act(&mut finance, &s.app, id, "submit", "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A foreman of another crew does not see this crew's tickets.
    let _ = crew_of_other_foreman(&s).await;
    let mut other_foreman = s.app.client();
    other_foreman
        .login("foreman2@acme.cn", crate::support::PASSWORD)
        .await;
    assert_not_found(&other_foreman.get(&format!("/labour/tickets/{id}")).await);
    let list = other_foreman.get("/labour/tickets").await;
    assert!(!list.body.contains(&format!("DG-{id}")));
    // The draft's own foreman submits; the owner confirms in bulk from the list.
    let r = act(&mut s.foreman, &s.app, id, "submit", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    s.owner.get("/labour/tickets").await;
    let r = s
        .owner
        .post_form(
            "/labour/tickets/confirm",
            &[("ids", &id.to_string()), ("back", "/labour/tickets")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        s.app
            .count(&format!(
                "select count(*) from labour_ticket where id = {id} and status = 'confirmed'"
            ))
            .await,
        1
    );

    // Another company sees none of it.
    let (mut rival, _) = s.app.signup("Rival", "owner@rival.cn").await;
    assert_not_found(&rival.get(&format!("/labour/tickets/{id}")).await);
    rival.get("/labour/tickets").await;
    let r = rival
        .post_form(
            &format!("/labour/tickets/{id}/reverse"),
            &[("version", "3"), ("reason", "x")],
        )
        .await;
    assert_not_found(&r);
    let r = rival
        .post_form("/labour/tickets/confirm", &[("ids", &id.to_string())])
        .await;
    assert_not_found(&r);
    let rival_project = create_project(&mut rival, "R1", "").await;
    // Rival posting our crew and workers onto their project is refused.
    let (rp, crew, date) = (
        rival_project.to_string(),
        s.crew.to_string(),
        today().to_string(),
    );
    let r = post_ticket(
        &mut rival,
        "/labour/tickets",
        &[
            ("project", &rp),
            ("crew", &crew),
            ("date", &date),
            ("count_unit", "hour"),
        ],
        &[named(zhang, "8")],
        "submit",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(s.app.count("select count(*) from labour_ticket").await, 1);
}

#[tokio::test]
async fn the_ticket_list_filters_totals_and_exports() {
    let mut s = site().await;
    let (zhang, li) = (s.zhang, s.li);
    let a = ticket_id(&enter(&mut s, days_ago(3), &[named(zhang, "8")], "submit").await);
    let mut heads = named(0, "8");
    heads.worker = None;
    heads.trade = s
        .app
        .count(&format!(
            "select id from trade where tenant_id = {} and name_zh = '普工'",
            s.tenant
        ))
        .await
        .to_string();
    heads.heads = "3".into();
    heads.rate = "200".into();
    ticket_id(&enter(&mut s, days_ago(2), &[named(li, "8"), heads], "draft").await);
    act(&mut s.manager, &s.app, a, "confirm", "").await;

    // Unfiltered, the list leaves the company-wide totals to the summary.
    let list = s.manager.get("/labour/tickets").await;
    assert!(
        list.html()
            .select(&scraper::Selector::parse("#sum-amount").unwrap())
            .next()
            .is_none()
    );
    list.assert_contains("选择项目、班组或起始日期后显示合计");
    let project = s.project;
    let list = s
        .manager
        .get(&format!("/labour/tickets?project={project}"))
        .await;
    assert_eq!(list.text("#sum-amount"), "1,200.00");
    let list = s
        .manager
        .get(&format!(
            "/labour/tickets?project={project}&status=confirmed"
        ))
        .await;
    assert_eq!(list.text("#sum-amount"), "320.00");
    let by_worker = s
        .manager
        .get(&format!("/labour/tickets?worker={}", s.li))
        .await;
    assert_eq!(by_worker.text("#sum-amount"), "280.00");

    let csv = s.manager.get("/labour/tickets?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.body.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let total = rows.last().unwrap();
    assert_eq!(&total[0], "合计");
    assert_eq!(&total[10], "1200.00");
    let xlsx = s.manager.get("/labour/tickets?format=xlsx").await;
    assert!(xlsx.body.as_bytes().starts_with(b"PK"));
    // The summary by worker names the unnamed head count apart.
    let summary = s.manager.get("/labour?by=worker&status=any").await;
    summary.assert_contains("未登记姓名的工人");
    assert_eq!(summary.text("#total-amount"), "1,200.00");
}

/// One random ticket: a day back, and hours per worker (0 = not on it), a pay type, and
/// whether the manager confirms it.
#[derive(Clone, Debug)]
struct RandomTicket {
    day: u64,
    hours: [u8; 2],
    pay: usize,
    confirm: bool,
}

fn random_ticket() -> impl Strategy<Value = RandomTicket> {
    (0u64..70, [0u8..=10, 0u8..=10], 0usize..4, any::<bool>()).prop_map(
        |(day, hours, pay, confirm)| RandomTicket {
            day,
            hours,
            pay,
            confirm,
        },
    )
}

#[tokio::test]
async fn summaries_equal_the_sum_of_random_tickets() {
    let mut runner = TestRunner::new(Config {
        cases: 1,
        ..Config::default()
    });
    let tickets = proptest::collection::vec(random_ticket(), 16..24)
        .new_tree(&mut runner)
        .unwrap()
        .current();
    let mut s = site().await;
    let rules = PayRules::default();
    let rates = [Decimal::from(320), Decimal::from(280)];
    let workers = [s.zhang, s.li];
    let pays = [
        PayType::Regular,
        PayType::Overtime,
        PayType::RestDay,
        PayType::Holiday,
    ];
    // Expected confirmed amounts by worker and by month.
    let mut by_worker: BTreeMap<i64, Decimal> = BTreeMap::new();
    // And by worker from 60 days back to yesterday: whole months read from each worker's
    // month, the edges from the lines.
    let (from, to) = (days_ago(60), days_ago(1));
    let mut by_worker_range: BTreeMap<i64, Decimal> = BTreeMap::new();
    let mut by_month: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut total = Decimal::ZERO;
    let mut hours_per_day: BTreeMap<(u64, usize), u8> = BTreeMap::new();
    for t in &tickets {
        let mut lines = Vec::new();
        let mut amounts = Vec::new();
        for (i, h) in t.hours.iter().enumerate() {
            let booked = hours_per_day.entry((t.day, i)).or_default();
            if *h == 0 || *booked + h > 24 {
                continue;
            }
            *booked += h;
            let mut l = named(workers[i], &h.to_string());
            l.pay = pays[t.pay].as_str();
            lines.push(l);
            let f = rules.figures(CountUnit::Hour, Decimal::from(*h), 1, rates[i], pays[t.pay]);
            amounts.push((workers[i], f.amount));
        }
        if lines.is_empty() {
            continue;
        }
        let date = days_ago(t.day);
        let id = ticket_id(&enter(&mut s, date, &lines, "submit").await);
        if t.confirm {
            let r = act(&mut s.manager, &s.app, id, "confirm", "").await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
            for (w, a) in amounts {
                if (from..=to).contains(&date) {
                    *by_worker_range.entry(w).or_default() += a;
                }
                *by_worker.entry(w).or_default() += a;
                *by_month
                    .entry(date.format("%Y-%m").to_string())
                    .or_default() += a;
                total += a;
            }
        }
    }
    let csv = |body: &str| -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .map(Result::unwrap)
            .collect()
    };
    let money = |s: &str| s.parse::<Decimal>().unwrap();

    let rows = csv(&s.manager.get("/labour?by=worker&format=csv").await.body);
    for (w, name) in [(s.zhang, "张三"), (s.li, "李四")] {
        let got = rows
            .iter()
            .find(|r| &r[0] == name)
            .map_or(Decimal::ZERO, |r| money(&r[5]));
        assert_eq!(
            got,
            by_worker.get(&w).copied().unwrap_or_default(),
            "{name}"
        );
    }
    assert_eq!(money(&rows.last().unwrap()[5]), total);

    let rows = csv(&s
        .manager
        .get(&format!("/labour?by=worker&from={from}&to={to}&format=csv"))
        .await
        .body);
    for (w, name) in [(s.zhang, "张三"), (s.li, "李四")] {
        let got = rows
            .iter()
            .find(|r| &r[0] == name)
            .map_or(Decimal::ZERO, |r| money(&r[5]));
        assert_eq!(
            got,
            by_worker_range.get(&w).copied().unwrap_or_default(),
            "{name}"
        );
    }

    let rows = csv(&s.manager.get("/labour?by=month&format=csv").await.body);
    for (month, amount) in &by_month {
        let got = rows.iter().find(|r| &r[0] == month).map(|r| money(&r[5]));
        assert_eq!(got, Some(*amount), "{month}");
    }
    // Crew by month (a column per month, the amount last) adds up to the same total, and so
    // do the tickets in the list.
    let rows = csv(&s
        .manager
        .get("/labour?by=crew&then=month&format=csv")
        .await
        .body);
    let totals = rows.last().unwrap();
    assert_eq!(money(&totals[totals.len() - 1]), total);
    let list = csv(&s
        .manager
        .get("/labour/tickets?status=cost&format=csv")
        .await
        .body);
    assert_eq!(money(&list.last().unwrap()[10]), total);
}

/// The first day of the month `n` months before this one.
fn months_back(n: u32) -> NaiveDate {
    let mut month = today().with_day(1).unwrap();
    for _ in 0..n {
        month = month.pred_opt().unwrap().with_day(1).unwrap();
    }
    month
}

/// Tickets of both workers and of unnamed head counts over six months — before a range, at
/// its first edge, in its two whole months, at its last edge and after it — some confirmed.
/// Returns the range: the 10th four months back to the 15th of last month.
async fn months_of_tickets(s: &mut Site) -> (NaiveDate, NaiveDate) {
    let trade = s
        .app
        .count(&format!(
            "select id from trade where tenant_id = {} and name_zh = '普工'",
            s.tenant
        ))
        .await
        .to_string();
    let days = [
        (5, 15),
        (4, 5),
        (4, 20),
        (3, 12),
        (2, 3),
        (2, 28),
        (1, 10),
        (1, 25),
    ];
    for (i, (back, day)) in days.into_iter().enumerate() {
        let date = months_back(back).with_day(day).unwrap();
        let mut lines = vec![named(s.zhang, &(i + 1).to_string())];
        if i % 2 == 0 {
            lines.push(named(s.li, "8"));
        }
        if i % 3 != 1 {
            let mut heads = named(0, "4");
            heads.worker = None;
            heads.trade.clone_from(&trade);
            heads.heads = (i + 2).to_string();
            heads.rate = "200".into();
            lines.push(heads);
        }
        let id = ticket_id(&enter(s, date, &lines, "submit").await);
        if i % 2 == 1 {
            let r = act(&mut s.manager, &s.app, id, "confirm", "").await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
    }
    (
        months_back(4).with_day(10).unwrap(),
        months_back(1).with_day(15).unwrap(),
    )
}

fn csv_rows(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn cells(r: &TestResponse, selector: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(selector).unwrap();
    r.html()
        .select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// Worker by month is a table of a row per worker and a column per month of the range, with
/// each month's total and the grand totals; pages of it keep the totals of every worker.
#[tokio::test]
async fn worker_by_month_is_a_table_of_months_in_pages_with_totals_of_every_worker() {
    let mut s = site().await;
    let (from, to) = months_of_tickets(&mut s).await;
    let path = format!("/labour?by=worker&then=month&status=any&from={from}&to={to}");
    let page = s.owner.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let months: Vec<String> = (1..=4)
        .rev()
        .map(|n| months_back(n).format("%Y-%m").to_string())
        .collect();
    assert_eq!(cells(&page, "#summary th.month"), months);
    assert_eq!(
        cells(&page, "#summary tbody td.key"),
        vec!["张三", "李四", "未登记姓名的工人"]
    );
    // Every row has a cell per month, and no pager for three rows.
    assert_eq!(cells(&page, "#summary tbody td").len(), 3 * (1 + 4 + 2));
    assert!(cells(&page, "nav.pager").is_empty());
    // The month totals add up to the grand total, which is the lines' (by project).
    let money = |s: &str| s.replace(',', "").parse::<Decimal>().unwrap();
    let month_totals: Decimal = cells(&page, "#summary td.month-total")
        .iter()
        .map(|a| money(a))
        .sum();
    let total = page.text("#total-amount");
    assert_eq!(month_totals, money(&total));
    let by_project = s
        .owner
        .get(&format!("/labour?status=any&from={from}&to={to}"))
        .await;
    assert_eq!(by_project.text("#total-amount"), total);
    assert_eq!(by_project.text("#total-days"), page.text("#total-days"));
    // A month drills down to the worker's tickets of the days added up: the first month
    // starts at the range's first day.
    let first = page
        .html()
        .select(&scraper::Selector::parse("#summary tbody tr td.n a").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let first_end = months_back(3).pred_opt().unwrap();
    assert!(first.contains(&format!("worker={}", s.zhang)), "{first}");
    assert!(
        first.contains(&format!("from={from}&to={first_end}")),
        "{first}"
    );

    // Two workers a page: the pager, and the same totals on every page.
    let page1 = s.owner.get(&format!("{path}&per=2")).await;
    assert_eq!(cells(&page1, "#summary tbody td.key"), vec!["张三", "李四"]);
    assert!(page1.text("nav.pager").contains("第 1/2 页"));
    assert_eq!(page1.text("#total-amount"), total);
    let next = page1
        .html()
        .select(&scraper::Selector::parse("nav.pager a[rel=next]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert!(next.contains("per=2") && next.contains("page=2"), "{next}");
    let page2 = s.owner.get(&next).await;
    assert_eq!(
        cells(&page2, "#summary tbody td.key"),
        vec!["未登记姓名的工人"]
    );
    assert_eq!(page2.text("#total-amount"), total);
    assert_eq!(
        cells(&page2, "#summary td.month-total"),
        cells(&page, "#summary td.month-total")
    );
    // More than a page's worth a page is a page's worth.
    let capped = s.owner.get(&format!("{path}&per=1000")).await;
    assert!(cells(&capped, "nav.pager").is_empty());

    // A list (not by month) is in pages too, its totals every group's.
    let list = s
        .owner
        .get(&format!(
            "/labour?by=worker&then=project&status=any&from={from}&to={to}&per=1&page=3"
        ))
        .await;
    assert_eq!(cells(&list, "#summary tbody tr").len(), 1);
    assert!(list.text("#summary tbody").contains("未登记姓名的工人"));
    assert_eq!(list.text("#total-amount"), total);

    // The export is every row, a column per month, in English too.
    let export = csv_rows(&s.owner.get(&format!("{path}&per=1&format=csv")).await.body);
    assert_eq!(export.len(), 1 + 3 + 1);
    assert_eq!(export[0][1..5], months[..]);
    assert_eq!(export[4][0], "合计");
    assert_eq!(money(&export[4][6]), money(&total));
}

/// A company's worker summaries read whole months from each worker's month and only the
/// edge days (and unnamed head counts) from the lines; they equal the lines' sums exactly. The
/// owner sees the whole company (the roll-up); the project manager's summary is narrowed to
/// the project (the lines), which here holds every ticket.
#[tokio::test]
async fn worker_summaries_from_the_roll_up_equal_those_from_the_lines() {
    let mut s = site().await;
    let (from, to) = months_of_tickets(&mut s).await;
    for query in [
        format!("by=worker&then=month&from={from}&to={to}"),
        format!("by=worker&then=month&status=any&from={from}&to={to}"),
        format!("by=worker&from={from}&to={to}"),
        format!("by=worker&status=any&from={from}&to={to}"),
        format!("by=worker&then=month&from={from}"),
        format!("by=worker&to={to}"),
        "by=worker".to_owned(),
        "by=worker&then=month&status=any".to_owned(),
        "by=worker&status=submitted".to_owned(),
    ] {
        let path = format!("/labour?{query}&format=csv");
        let roll_up = csv_rows(&s.owner.get(&path).await.body);
        let lines = csv_rows(&s.manager.get(&path).await.body);
        assert_eq!(roll_up, lines, "{query}");
        // Unnamed head counts are in both.
        assert!(
            roll_up.iter().any(|r| r[0] == "未登记姓名的工人"),
            "{query}: {roll_up:?}"
        );
    }
}

#[tokio::test]
async fn the_demo_project_brings_crews_workers_and_tickets_in_every_state() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    owner.get("/dashboard").await;
    let r = owner.post_form("/projects/demo", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let by_status =
        |status: &str| format!("select count(*) from labour_ticket where status = '{status}'");
    assert!(app.count(&by_status("confirmed")).await > 10);
    assert!(app.count(&by_status("submitted")).await > 0);
    assert_eq!(app.count(&by_status("rejected")).await, 1);
    assert_eq!(app.count("select count(*) from worker").await, 10);
    // Every demo ticket's total is the sum of its lines.
    assert_eq!(
        app.count(
            "select count(*) from labour_ticket t where total_amount <>
               (select sum(amount) from labour_ticket_line l where l.ticket_id = t.id)"
        )
        .await,
        0
    );
    let summary = owner.get("/labour?by=crew").await;
    summary.assert_contains("钢筋班组（滨江花园）");
    let dash = owner.get("/dashboard").await;
    assert!(dash.text("#labour-panel").contains("DEMO-01"));
}

fn small_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(40, 30, |x, y| {
        image::Rgb([(x * 6) as u8, (y * 8) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn photos_go_on_a_ticket_until_it_is_confirmed() {
    let mut s = site().await;
    let zhang = s.zhang;
    let id = ticket_id(&enter(&mut s, today(), &[named(zhang, "8")], "submit").await);
    s.foreman.get(&format!("/labour/tickets/{id}")).await;
    let path = format!("/labour/tickets/{id}/photos");
    let r = s
        .foreman
        .post_multipart(
            &path,
            &[],
            &[("photo", "签字单.png", "image/png", small_png())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Not an image, whatever its name says: refused, nothing stored.
    let r = s
        .foreman
        .post_multipart(
            &path,
            &[],
            &[("photo", "fake.jpg", "image/jpeg", b"not a photo".to_vec())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#refusal").contains("JPEG"), "{}", r.body);
    let photo = s.app.count("select id from labour_ticket_photo").await;
    let page = s.manager.get(&format!("/labour/tickets/{id}")).await;
    assert!(page.text("#photos").contains("签字单.png"));
    let thumb = s.manager.get(&format!("{path}/{photo}/thumb")).await;
    assert_eq!(thumb.status, StatusCode::OK);
    assert_eq!(thumb.headers["content-type"], "image/jpeg");

    // Other companies see nothing of it.
    let (mut rival, _) = s.app.signup("Rival", "owner@rival.cn").await;
    assert_not_found(&rival.get(&format!("{path}/{photo}")).await);

    // Once confirmed, the photos stay as they are.
    act(&mut s.manager, &s.app, id, "confirm", "").await;
    s.foreman.get(&format!("/labour/tickets/{id}")).await;
    let r = s
        .foreman
        .post_form(&format!("{path}/{photo}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = s
        .foreman
        .post_multipart(&path, &[], &[("photo", "b.png", "image/png", small_png())])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        s.app
            .count("select count(*) from labour_ticket_photo")
            .await,
        1
    );
}
