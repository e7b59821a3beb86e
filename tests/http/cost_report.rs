//! The cost report over HTTP: a project's report by category with its alerts and margins,
//! the exports read back, estimates to complete (saved, cleared, refused, stale), actual cost
//! by month, the company overview, the dashboard panel and the project home's alert box,
//! labour cost equal to the confirmed tickets, roles, other tenants' ids, and report totals
//! that equal the sum of random entries.

use std::collections::BTreeMap;
use std::io::Cursor;

use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use chrono::{Days, NaiveDate};
use girder::labour::domain::{CountUnit, PayRules, PayType};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;

use crate::support::builders::{Company, CompanyBuilder, create_project, user_id};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

/// The id of the tenant's category with builtin key `builtin`.
async fn category(app: &TestApp, tenant: i64, builtin: &str) -> i64 {
    app.count(&format!(
        "select id from cost_category where tenant_id = {tenant} and builtin = '{builtin}'"
    ))
    .await
}

/// Adds a category under `parent` and returns its id.
async fn child_category(app: &TestApp, tenant: i64, parent: i64, code: &str, name: &str) -> i64 {
    app.count(&format!(
        "insert into cost_category (tenant_id, parent_id, code, name_zh, name_en, sort_order)
         values ({tenant}, {parent}, '{code}', '{name}', '', 1) returning id"
    ))
    .await
}

/// An approved budget (version 0) with one line per (category, amount).
async fn approve_budget(app: &TestApp, tenant: i64, project: i64, lines: &[(i64, &str)]) {
    let version = app
        .count(&format!(
            "insert into cost_budget_version (tenant_id, project_id, number, status, approved_at)
             values ({tenant}, {project}, 0, 'approved', now()) returning id"
        ))
        .await;
    for (category, amount) in lines {
        app.exec(&format!(
            "insert into cost_budget_line (tenant_id, budget_version_id, category_id, amount)
             values ({tenant}, {version}, {category}, {amount})"
        ))
        .await;
    }
}

/// A cost entry on `date`.
async fn entry(app: &TestApp, tenant: i64, project: i64, category: i64, date: &str, amount: &str) {
    app.exec(&format!(
        "insert into cost_entry (tenant_id, project_id, entry_date, category_id, description, amount)
         values ({tenant}, {project}, '{date}', {category}, '发票', {amount})"
    ))
    .await;
}

async fn member(app: &TestApp, tenant: i64, project: i64, email: &str, role: &str) {
    let user = user_id(app, email).await;
    app.exec(&format!(
        "insert into project_member (tenant_id, project_id, user_id, project_role)
         values ({tenant}, {project}, {user}, '{role}')"
    ))
    .await;
}

fn csv_rows(r: &TestResponse) -> Vec<Vec<String>> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(r.body.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn money(s: &str) -> Decimal {
    s.replace(',', "").parse().unwrap()
}

/// The report line of category `id`: the text of the cell with class `class`.
fn cell(r: &TestResponse, id: i64, class: &str) -> String {
    r.text(&format!("tr[data-category='{id}'] td.{class}"))
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[tokio::test]
async fn the_report_shows_each_category_against_its_budget_with_totals() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let labour = category(&app, tenant, "labour").await;
    let materials = category(&app, tenant, "materials").await;
    let steel = child_category(&app, tenant, materials, "0201", "钢材").await;
    approve_budget(
        &app,
        tenant,
        project,
        &[(labour, "5000"), (materials, "2000"), (steel, "8000")],
    )
    .await;
    entry(&app, tenant, project, steel, "2026-03-05", "3000").await;
    entry(&app, tenant, project, materials, "2026-04-05", "500.50").await;

    let r = owner.get(&format!("/projects/{project}/cost")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The parent sums itself and its child; the child is listed after it.
    assert_eq!(cell(&r, materials, "budget"), "10,000.00");
    assert_eq!(cell(&r, materials, "actual"), "3,500.50");
    assert_eq!(cell(&r, steel, "actual"), "3,000.00");
    assert_eq!(cell(&r, steel, "remaining"), "5,000.00");
    assert!(
        r.body.find(&format!("data-category=\"{materials}\""))
            < r.body.find(&format!("data-category=\"{steel}\""))
    );
    assert!(
        r.text(&format!("tr[data-category='{steel}']"))
            .contains("钢材")
    );
    assert!(
        r.html()
            .select(
                &scraper::Selector::parse(&format!("tr.depth-1[data-category='{steel}']")).unwrap()
            )
            .next()
            .is_some()
    );
    // Default estimate: the remaining budget, so the forecast is the budget.
    assert_eq!(cell(&r, materials, "forecast"), "10,000.00");
    assert!(cell(&r, materials, "estimate").starts_with("6,499.50"));
    assert!(
        r.text(&format!("tr[data-category='{materials}'] .etc-basis"))
            .contains("按剩余预算")
    );
    assert_eq!(cell(&r, materials, "used"), "35%");
    // Each actual links to the project's entries of its category.
    r.assert_contains(&format!(
        "href=\"/projects/{project}/cost/entries?category={materials}\""
    ));
    assert_eq!(r.text("#cost-totals td.budget"), "15,000.00");
    assert_eq!(r.text("#cost-totals td.actual"), "3,500.50");
    assert_eq!(r.text("#cost-totals td.variance"), "0.00");
    // Nothing is on alert yet.
    assert!(r.text("#cost-alerts").is_empty());
    // Margins: the contract against the forecast; billing and cash say there is none yet.
    assert_eq!(r.text("#margin-contract dd.amount"), "12,485,000.00");
    assert!(r.text("#margin-billed .none").contains("尚无开票记录"));
    assert!(r.text("#margin-collected .none").contains("尚无收款记录"));
}

#[tokio::test]
async fn spending_past_ninety_then_a_hundred_percent_raises_the_alerts_everywhere() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let materials = category(&app, tenant, "materials").await;
    let plant = category(&app, tenant, "plant").await;
    approve_budget(
        &app,
        tenant,
        project,
        &[(materials, "10000"), (plant, "10000")],
    )
    .await;
    let quiet = create_project(&mut owner, "P2", "").await;
    approve_budget(&app, tenant, quiet, &[(materials, "10000")]).await;
    entry(&app, tenant, project, materials, "2026-03-05", "8999").await;
    entry(&app, tenant, quiet, materials, "2026-03-05", "100").await;

    let r = owner.get(&format!("/projects/{project}/cost")).await;
    assert!(
        r.text(&format!("tr[data-category='{materials}'] td.alert"))
            .trim()
            .is_empty()
    );
    let home = owner.get(&format!("/projects/{project}")).await;
    assert!(home.text("#cost-alerts").is_empty());
    let dash = owner.get("/dashboard").await;
    assert!(
        dash.text("#cost-panel")
            .contains("所有项目的成本都在预算之内")
    );

    // 90 %: a warning.
    entry(&app, tenant, project, materials, "2026-03-06", "1").await;
    let r = owner.get(&format!("/projects/{project}/cost")).await;
    let row = format!("tr[data-category='{materials}']");
    assert_eq!(r.text(&format!("{row} td.alert .tag")), "预警");
    assert!(r.body.contains("alerted alert-warning"));
    assert!(r.text("#cost-alerts").contains("材料费"));
    assert!(
        r.text(&format!("tr[data-category='{plant}'] td.alert"))
            .trim()
            .is_empty()
    );
    let overview = owner.get("/cost").await;
    assert_eq!(overview.status, StatusCode::OK);
    let first = overview.text("#cost-overview tbody tr:first-child");
    assert!(
        first.contains("P1") && first.contains("预警") && first.contains("材料费"),
        "{first}"
    );
    assert!(
        overview
            .text(&format!("tr[data-project='{quiet}'] td.alert"))
            .trim()
            .is_empty()
    );
    let home = owner.get(&format!("/projects/{project}")).await;
    assert!(home.text("#cost-alerts").contains("预警"));
    assert!(home.text("#cost-alerts").contains("材料费"));
    let dash = owner.get("/dashboard").await;
    let panel = dash.text("#cost-panel");
    assert!(
        panel.contains("P1") && panel.contains("预警") && !panel.contains("P2"),
        "{panel}"
    );

    // 100 %: an overrun, and the project moves ahead of any warning.
    entry(&app, tenant, project, materials, "2026-03-07", "1000").await;
    entry(&app, tenant, quiet, materials, "2026-03-07", "9000").await;
    let r = owner.get(&format!("/projects/{project}/cost")).await;
    assert_eq!(r.text(&format!("{row} td.alert .tag")), "超支");
    assert_eq!(cell(&r, materials, "used"), "100%");
    let overview = owner.get("/cost").await;
    let rows = overview.text("#cost-overview tbody tr th");
    assert!(rows.find("P1") < rows.find("P2"), "{rows}");
    assert!(
        overview
            .text(&format!("tr[data-project='{project}'] td.alert"))
            .contains("超支")
    );
    assert!(
        overview
            .text(&format!("tr[data-project='{quiet}'] td.alert"))
            .contains("预警")
    );
    let by_code = owner.get("/cost?sort=code").await;
    assert!(
        by_code
            .text("#cost-overview tbody tr:first-child")
            .contains("P1")
    );
    let home = owner.get(&format!("/projects/{project}")).await;
    assert!(home.text("#cost-alerts").contains("超支"));
    assert!(
        home.body
            .contains(&format!("href=\"/projects/{project}/cost\""))
    );
    let dash = owner.get("/dashboard").await;
    let panel = dash.text("#cost-panel li");
    assert!(panel.find("P1") < panel.find("P2"), "{panel}");
    assert!(panel.contains("超支"));
    dash.assert_contains("href=\"/cost\"");
}

#[tokio::test]
async fn a_margin_below_the_floor_stands_out() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let materials = category(&app, tenant, "materials").await;
    // 12.5 million contract against a 12 million budget: a 4 % margin, under the 5 % floor.
    approve_budget(&app, tenant, project, &[(materials, "12000000")]).await;
    let r = owner.get(&format!("/projects/{project}/cost")).await;
    assert!(r.body.contains("margin below-floor"));
    assert!(r.text("#margin-contract").contains("毛利低于下限"));
    assert_eq!(r.text("#margin-contract dd.percent"), "4%");
    let overview = owner.get("/cost").await;
    assert!(
        overview
            .text(&format!("tr[data-project='{project}'] td.alert"))
            .contains("毛利低于下限")
    );
    let home = owner.get(&format!("/projects/{project}")).await;
    assert!(home.text("#cost-alerts").contains("毛利低于下限"));
    let dash = owner.get("/dashboard").await;
    assert!(dash.text("#cost-panel").contains("P1"));
}

#[tokio::test]
async fn the_report_exports_to_csv_and_xlsx_with_numbers_and_totals() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let labour = category(&app, tenant, "labour").await;
    let materials = category(&app, tenant, "materials").await;
    approve_budget(
        &app,
        tenant,
        project,
        &[(labour, "1000"), (materials, "2000.50")],
    )
    .await;
    entry(&app, tenant, project, materials, "2026-03-05", "1200.25").await;
    entry(&app, tenant, project, labour, "2026-03-05", "300").await;

    let rows = csv_rows(
        &owner
            .get(&format!("/projects/{project}/cost/report.csv"))
            .await,
    );
    assert_eq!(rows[0][1], "成本科目");
    let m = rows.iter().find(|r| r[1] == "材料费").unwrap();
    assert_eq!((m[2].as_str(), m[3].as_str()), ("2000.50", "1200.25"));
    let total = rows.last().unwrap();
    assert_eq!(total[1], "合计");
    assert_eq!(money(&total[2]), dec("3000.50"));
    assert_eq!(money(&total[3]), dec("1500.25"));
    assert_eq!(money(&total[8]), dec("3000.50"));
    // The same through ?format=.
    let again = csv_rows(
        &owner
            .get(&format!("/projects/{project}/cost?format=csv"))
            .await,
    );
    assert_eq!(again, rows);

    let x = owner
        .get(&format!("/projects/{project}/cost/report.xlsx"))
        .await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(
        x.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(x.bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let sheet: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    let last = sheet.last().unwrap();
    assert_eq!(last[1], Data::String("合计".into()));
    assert_eq!(last[2], Data::Float(3000.5));
    assert_eq!(last[3], Data::Float(1500.25));
    let m = sheet
        .iter()
        .find(|r| r[1] == Data::String("材料费".into()))
        .unwrap();
    assert_eq!(m[3], Data::Float(1200.25));
}

/// Posts the estimates form with `amounts` by category (others left as they are shown).
async fn post_estimates(
    c: &mut TestClient,
    project: i64,
    rows: &[(i64, &str, &str, &str)],
) -> TestResponse {
    c.get(&format!("/projects/{project}/cost/estimates")).await;
    let mut fields: Vec<(String, String)> = Vec::new();
    for (category, amount, note, version) in rows {
        fields.push(("category".into(), category.to_string()));
        fields.push(("version".into(), (*version).to_owned()));
        fields.push(("amount".into(), (*amount).to_owned()));
        fields.push(("note".into(), (*note).to_owned()));
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post_form(&format!("/projects/{project}/cost/estimates"), &borrowed)
        .await
}

#[tokio::test]
async fn finance_enters_estimates_to_complete_that_drive_the_forecast() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let materials = category(&app, tenant, "materials").await;
    let plant = category(&app, tenant, "plant").await;
    approve_budget(
        &app,
        tenant,
        project,
        &[(materials, "10000"), (plant, "500")],
    )
    .await;
    entry(&app, tenant, project, materials, "2026-03-05", "4000").await;
    let mut finance = app.user(tenant, "finance@acme.cn", "finance").await;
    member(&app, tenant, project, "finance@acme.cn", "viewer").await;

    let form = finance
        .get(&format!("/projects/{project}/cost/estimates"))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    // The default stands as the placeholder: the remaining budget.
    form.assert_contains("placeholder=\"6,000.00\"");
    let r = post_estimates(
        &mut finance,
        project,
        &[
            (materials, "8,000.5", "钢筋涨价", "0"),
            (plant, "", "", "0"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/projects/{project}/cost"));
    let report = finance.follow(&r).await;
    report.assert_contains("预计尚需成本已保存");
    assert_eq!(cell(&report, materials, "forecast"), "12,000.50");
    assert_eq!(cell(&report, materials, "variance"), "-2,000.50");
    assert!(
        report
            .text(&format!("tr[data-category='{materials}'] .etc-basis"))
            .contains("已填写")
    );
    // Forecast above budget: a warning before the money is spent.
    assert_eq!(
        report.text(&format!("tr[data-category='{materials}'] td.alert .tag")),
        "预警"
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_estimate where project_id = {project} and note = '钢筋涨价' and amount = 8000.50"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_log where entity = 'cost_estimate' and entity_id = {project}"
        ))
        .await,
        1
    );
    // The form shows what was saved; a blank amount removes it again.
    let form = finance
        .get(&format!("/projects/{project}/cost/estimates"))
        .await;
    form.assert_contains("value=\"8000.50\"");
    let r = post_estimates(&mut finance, project, &[(materials, "", "", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_estimate where project_id = {project}"
        ))
        .await,
        0
    );
    let report = finance.get(&format!("/projects/{project}/cost")).await;
    assert_eq!(cell(&report, materials, "forecast"), "10,000.00");
    // Saving nothing new writes no audit row.
    let r = post_estimates(&mut finance, project, &[(materials, "", "", "0")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'cost_estimate'")
            .await,
        2
    );
    // The owner may too.
    let r = post_estimates(&mut owner, project, &[(plant, "0", "", "0")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn bad_estimates_are_refused_with_their_messages_and_nothing_is_saved() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let materials = category(&app, tenant, "materials").await;
    let plant = category(&app, tenant, "plant").await;
    let fees = category(&app, tenant, "fees").await;
    let other = category(&app, tenant, "other").await;
    for (amount, message) in [
        ("-1", "不能为负数"),
        ("1.234", "最多保留两位小数"),
        ("100000000000", "金额过大"),
        ("十万", "请输入数字"),
    ] {
        let r = post_estimates(
            &mut owner,
            project,
            &[(plant, "500", "", "0"), (materials, amount, "", "0")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{amount}");
        let shown = r.text(&format!("#e-amount-{materials}"));
        assert!(
            shown.contains(message) || (message == "请输入数字" && !shown.is_empty()),
            "{amount}: {shown}"
        );
        // The input is kept.
        r.assert_contains(&format!("value=\"{amount}\""));
    }
    // A note without an amount, a note too long.
    let r = post_estimates(&mut owner, project, &[(fees, "", "说明", "0")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text(&format!("#e-note-{fees}")).contains("只填说明"));
    let long = "长".repeat(501);
    let r = post_estimates(&mut owner, project, &[(fees, "1", &long, "0")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.text(&format!("#e-note-{fees}")).is_empty());
    // A category that is not the tenant's.
    let r = post_estimates(
        &mut owner,
        project,
        &[(other, "1", "", "0"), (999_999, "1", "", "0")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#refusal").contains("没有这个成本科目"));
    assert_eq!(app.count("select count(*) from cost_estimate").await, 0);
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'cost_estimate'")
            .await,
        0
    );

    // A stale version: 409, their figure shown, nothing overwritten.
    let r = post_estimates(&mut owner, project, &[(materials, "100", "", "0")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = post_estimates(&mut owner, project, &[(materials, "200", "", "0")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text(&format!("#theirs-{materials}")).contains("100.00"));
    r.assert_contains("value=\"200\"");
    assert_eq!(
        app.count("select amount::bigint from cost_estimate").await,
        100
    );
}

#[tokio::test]
async fn roles_decide_who_reads_and_who_saves_estimates() {
    let Company {
        app,
        owner: _owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let materials = category(&app, tenant, "materials").await;
    approve_budget(&app, tenant, project, &[(materials, "100")]).await;
    entry(&app, tenant, project, materials, "2026-03-05", "95").await;
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    let mut foreman = app.user(tenant, "foreman@acme.cn", "foreman").await;
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    for (email, role) in [
        ("viewer@acme.cn", "viewer"),
        ("foreman@acme.cn", "foreman"),
        ("pm@acme.cn", "manager"),
    ] {
        member(&app, tenant, project, email, role).await;
    }

    // The viewer reads every page and export, and cannot save estimates.
    for path in [
        format!("/projects/{project}/cost"),
        format!("/projects/{project}/cost/months"),
        format!("/projects/{project}/cost/report.csv"),
        format!("/projects/{project}/cost/months.xlsx"),
        "/cost".to_owned(),
    ] {
        assert_eq!(viewer.get(&path).await.status, StatusCode::OK, "{path}");
    }
    let report = viewer.get(&format!("/projects/{project}/cost")).await;
    assert!(!report.body.contains("/cost/estimates\""));
    assert_eq!(
        viewer
            .get(&format!("/projects/{project}/cost/estimates"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    viewer.get(&format!("/projects/{project}/cost")).await;
    let r = viewer
        .post_form(
            &format!("/projects/{project}/cost/estimates"),
            &[
                ("category", &materials.to_string()),
                ("version", "0"),
                ("amount", "5"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("select count(*) from cost_estimate").await, 0);
    // The viewer sees the alert on the project home too.
    assert!(
        viewer
            .get(&format!("/projects/{project}"))
            .await
            .text("#cost-alerts")
            .contains("预警")
    );

    // Foremen cannot open the cost centre at all: its pages answer as a module that is off,
    // and neither the project home nor the dashboard shows cost.
    for path in [
        format!("/projects/{project}/cost"),
        format!("/projects/{project}/cost/estimates"),
        format!("/projects/{project}/cost/months"),
        format!("/projects/{project}/cost/report.xlsx"),
        "/cost".to_owned(),
    ] {
        let r = foreman.get(&path).await;
        assert_not_found(&r);
        r.assert_contains("模块未启用");
    }
    let home = foreman.get(&format!("/projects/{project}")).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text("#cost-alerts").is_empty());
    assert!(
        foreman
            .get("/dashboard")
            .await
            .text("#cost-panel")
            .is_empty()
    );

    // A project manager saves estimates.
    let r = post_estimates(&mut pm, project, &[(materials, "10", "", "0")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn projects_a_user_may_not_see_and_other_tenants_ids_are_not_found() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let materials = category(&app, tenant, "materials").await;
    let (mut other, other_tenant) = app.signup("Other", "owner@other.cn").await;
    let theirs = create_project(&mut other, "X1", "").await;
    let their_materials = category(&app, other_tenant, "materials").await;
    entry(
        &app,
        other_tenant,
        theirs,
        their_materials,
        "2026-03-05",
        "777",
    )
    .await;

    for path in [
        format!("/projects/{theirs}/cost"),
        format!("/projects/{theirs}/cost/report.csv"),
        format!("/projects/{theirs}/cost/report.xlsx"),
        format!("/projects/{theirs}/cost/estimates"),
        format!("/projects/{theirs}/cost/months"),
        format!("/projects/{theirs}/cost/months.csv"),
        format!("/projects/{theirs}/cost?format=csv"),
    ] {
        assert_not_found(&owner.get(&path).await);
    }
    owner.get(&format!("/projects/{project}/cost")).await;
    let r = owner
        .post_form(
            &format!("/projects/{theirs}/cost/estimates"),
            &[
                ("category", &their_materials.to_string()),
                ("version", "0"),
                ("amount", "5"),
                ("note", ""),
            ],
        )
        .await;
    assert_not_found(&r);
    // Another tenant's category on my own project is unknown here.
    let r = post_estimates(&mut owner, project, &[(their_materials, "5", "", "0")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("select count(*) from cost_estimate").await, 0);
    // The overview lists only the tenant's own projects.
    let overview = owner.get("/cost").await;
    assert!(!overview.body.contains("X1"));
    assert!(
        overview
            .body
            .contains(&format!("data-project=\"{project}\""))
    );

    // A member of another project of the same tenant does not see this one.
    let hidden = create_project(&mut owner, "P9", "").await;
    entry(&app, tenant, hidden, materials, "2026-03-05", "1").await;
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    member(&app, tenant, project, "viewer@acme.cn", "viewer").await;
    assert_not_found(&viewer.get(&format!("/projects/{hidden}/cost")).await);
    let overview = viewer.get("/cost").await;
    assert!(
        overview
            .body
            .contains(&format!("data-project=\"{project}\""))
    );
    assert!(
        !overview
            .body
            .contains(&format!("data-project=\"{hidden}\""))
    );
    // Archived projects leave the overview.
    app.exec(&format!(
        "update project set archived_at = now() where id = {project}"
    ))
    .await;
    assert!(
        !owner
            .get("/cost")
            .await
            .body
            .contains(&format!("data-project=\"{project}\""))
    );
}

#[tokio::test]
async fn actual_cost_by_month_pivots_categories_with_a_running_total() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let materials = category(&app, tenant, "materials").await;
    let plant = category(&app, tenant, "plant").await;
    let steel = child_category(&app, tenant, materials, "0201", "钢材").await;
    entry(&app, tenant, project, steel, "2025-12-20", "100").await;
    entry(&app, tenant, project, materials, "2026-01-03", "50").await;
    entry(&app, tenant, project, steel, "2026-01-31", "25.50").await;
    entry(&app, tenant, project, plant, "2026-03-01", "10").await;

    let r = owner.get(&format!("/projects/{project}/cost/months")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let headers = r.text("#cost-months thead th");
    assert!(
        headers.contains("材料费") && !headers.contains("钢材"),
        "{headers}"
    );
    assert_eq!(r.text("tr[data-month='2026-01'] td.month-total"), "75.50");
    assert_eq!(r.text("tr[data-month='2026-01'] td.cumulative"), "175.50");
    assert_eq!(r.text("tr[data-month='2026-03'] td.cumulative"), "185.50");
    assert_eq!(r.text("#months-totals td.month-total"), "185.50");
    assert!(r.text("tr[data-month='2026-02']").is_empty());

    // A year keeps its months; the running total still counts the year before.
    let r = owner
        .get(&format!("/projects/{project}/cost/months?year=2026"))
        .await;
    assert!(r.text("tr[data-month='2025-12']").is_empty());
    assert_eq!(r.text("tr[data-month='2026-01'] td.cumulative"), "175.50");
    assert_eq!(r.text("#months-totals td.month-total"), "85.50");

    let rows = csv_rows(
        &owner
            .get(&format!("/projects/{project}/cost/months.csv"))
            .await,
    );
    let materials_col = rows[0].iter().position(|h| h == "材料费").unwrap();
    let jan = rows.iter().find(|r| r[0] == "2026-01").unwrap();
    assert_eq!(jan[materials_col], "75.50");
    let total = rows.last().unwrap();
    assert_eq!(total[0], "合计");
    assert_eq!(money(&total[materials_col]), dec("175.50"));
    assert_eq!(money(&total[total.len() - 1]), dec("185.50"));
    let x = owner
        .get(&format!(
            "/projects/{project}/cost/months?year=2026&format=xlsx"
        ))
        .await;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(x.bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let last: Vec<Data> = range.rows().next_back().unwrap().to_vec();
    assert_eq!(last[last.len() - 2], Data::Float(85.5));

    // An empty project says so.
    let empty = create_project(&mut owner, "P2", "").await;
    let r = owner.get(&format!("/projects/{empty}/cost/months")).await;
    assert!(!r.text("#no-months").is_empty());
}

/// A crew counted in hours, led by a foreman who is a member, with two workers, and a PM.
struct Site {
    app: TestApp,
    owner: TestClient,
    foreman: TestClient,
    manager: TestClient,
    tenant: i64,
    project: i64,
    crew: i64,
    workers: [(i64, Decimal); 2],
}

async fn site() -> Site {
    let Company {
        app,
        owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let foreman = app.user(tenant, "foreman@acme.cn", "foreman").await;
    let manager = app.user(tenant, "pm@acme.cn", "project_manager").await;
    member(&app, tenant, project, "foreman@acme.cn", "foreman").await;
    member(&app, tenant, project, "pm@acme.cn", "manager").await;
    let foreman_id = user_id(&app, "foreman@acme.cn").await;
    let crew = app
        .count(&format!(
            "insert into crew (tenant_id, name, foreman_id, count_unit)
             values ({tenant}, '钢筋班组', {foreman_id}, 'hour') returning id"
        ))
        .await;
    let mut workers = [(0, Decimal::ZERO); 2];
    for (i, (name, id_number, rate)) in [
        ("张三", "11010519491231002X", 320),
        ("李四", "110101199003077758", 280),
    ]
    .into_iter()
    .enumerate()
    {
        let id = app
            .count(&format!(
                "insert into worker (tenant_id, name, id_number, trade_id, crew_id, day_rate)
                 values ({tenant}, '{name}', '{id_number}',
                         (select id from trade where tenant_id = {tenant} and name_zh = '钢筋工'),
                         {crew}, {rate}) returning id"
            ))
            .await;
        workers[i] = (id, Decimal::from(rate));
    }
    Site {
        app,
        owner,
        foreman,
        manager,
        tenant,
        project,
        crew,
        workers,
    }
}

fn days_ago(n: u64) -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .checked_sub_days(Days::new(n))
        .unwrap()
}

/// The foreman submits a ticket of `hours` per worker (0: not on it) on `date`.
async fn submit_ticket(s: &mut Site, date: NaiveDate, hours: [u32; 2]) -> i64 {
    s.foreman.get("/labour/tickets/new").await;
    let mut fields: Vec<(String, String)> = [
        ("project", s.project.to_string()),
        ("crew", s.crew.to_string()),
        ("date", date.to_string()),
        ("count_unit", "hour".to_owned()),
        ("reason", "基坑积水抽排".to_owned()),
        ("work_content", "抽水".to_owned()),
        ("version", "0".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut i = 0;
    for ((worker, _), h) in s.workers.iter().zip(hours) {
        if h == 0 {
            continue;
        }
        for (k, v) in [
            ("worker", worker.to_string()),
            ("pick", i.to_string()),
            ("trade", String::new()),
            ("heads", String::new()),
            ("pay_type", "regular".to_owned()),
            ("quantity", h.to_string()),
            ("rate", String::new()),
        ] {
            fields.push((k.to_owned(), v));
        }
        i += 1;
    }
    fields.push(("action".into(), "submit".into()));
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = s.foreman.post_form("/labour/tickets", &borrowed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches("/labour/tickets/")
        .parse()
        .unwrap()
}

async fn confirm(s: &mut Site, ticket: i64) {
    let version = s
        .app
        .count(&format!(
            "select version::bigint from labour_ticket where id = {ticket}"
        ))
        .await;
    s.manager.get(&format!("/labour/tickets/{ticket}")).await;
    let r = s
        .manager
        .post_form(
            &format!("/labour/tickets/{ticket}/confirm"),
            &[("version", &version.to_string()), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn labour_cost_equals_the_confirmed_tickets() {
    let mut s = site().await;
    let labour = category(&s.app, s.tenant, "labour").await;
    approve_budget(&s.app, s.tenant, s.project, &[(labour, "100000")]).await;
    entry(&s.app, s.tenant, s.project, labour, "2026-03-05", "1000").await;
    let rules = PayRules::default();
    let amount = |hours: [u32; 2], workers: &[(i64, Decimal); 2]| -> Decimal {
        hours
            .iter()
            .zip(workers)
            .filter(|(h, _)| **h > 0)
            .map(|(h, (_, rate))| {
                rules
                    .figures(
                        CountUnit::Hour,
                        Decimal::from(*h),
                        1,
                        *rate,
                        PayType::Regular,
                    )
                    .amount
            })
            .sum()
    };
    let mut confirmed = Decimal::ZERO;
    for (day, hours, confirm_it) in [
        (3, [8, 8], true),
        (2, [4, 0], true),
        (40, [6, 10], true),
        (1, [8, 8], false),
    ] {
        let id = submit_ticket(&mut s, days_ago(day), hours).await;
        if confirm_it {
            confirm(&mut s, id).await;
            confirmed += amount(hours, &s.workers);
        }
    }
    assert!(confirmed > Decimal::ZERO);
    let r = s.owner.get(&format!("/projects/{}/cost", s.project)).await;
    let drill = r.text(&format!("tr[data-category='{labour}'] .labour-drill"));
    assert_eq!(money(&drill), confirmed);
    assert_eq!(money(&cell(&r, labour, "actual")), confirmed + dec("1000"));
    assert_eq!(
        money(&r.text("#cost-totals td.actual")),
        confirmed + dec("1000")
    );
    // The figure links to the project's confirmed and settled tickets.
    let link = format!("/labour/tickets?project={}&status=cost", s.project);
    r.assert_contains(&link.replace('&', "&amp;"));
    let tickets = s.owner.get(&link).await;
    assert_eq!(tickets.status, StatusCode::OK);
    // The by-month view puts day labour on the labour category.
    let rows = csv_rows(
        &s.owner
            .get(&format!("/projects/{}/cost/months.csv", s.project))
            .await,
    );
    let col = rows[0].iter().position(|h| h == "人工费").unwrap();
    assert_eq!(money(&rows.last().unwrap()[col]), confirmed + dec("1000"));
}

/// One random cost entry: which category (of five, one a child), which month, how much.
#[derive(Clone, Debug)]
struct RandomEntry {
    category: usize,
    month: u32,
    cents: i64,
}

fn random_entry() -> impl Strategy<Value = RandomEntry> {
    (0usize..5, 0u32..18, 1i64..=50_000_000).prop_map(|(category, month, cents)| RandomEntry {
        category,
        month,
        cents,
    })
}

#[tokio::test]
async fn report_totals_equal_the_sum_of_random_entries() {
    let mut runner = TestRunner::new(Config {
        cases: 3,
        ..Config::default()
    });
    let cases: Vec<Vec<RandomEntry>> = (0..3)
        .map(|_| {
            proptest::collection::vec(random_entry(), 1..40)
                .new_tree(&mut runner)
                .unwrap()
                .current()
        })
        .collect();
    let Company {
        app,
        mut owner,
        tenant,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let labour = category(&app, tenant, "labour").await;
    let materials = category(&app, tenant, "materials").await;
    let plant = category(&app, tenant, "plant").await;
    let other = category(&app, tenant, "other").await;
    let steel = child_category(&app, tenant, materials, "0201", "钢材").await;
    let ids = [labour, materials, steel, plant, other];
    let top = |id: i64| if id == steel { materials } else { id };
    for (n, entries) in cases.iter().enumerate() {
        let project = create_project(&mut owner, &format!("R{n}"), "").await;
        approve_budget(
            &app,
            tenant,
            project,
            &[(materials, "1000000"), (steel, "5000")],
        )
        .await;
        let mut own: BTreeMap<i64, Decimal> = BTreeMap::new();
        let mut rolled: BTreeMap<i64, Decimal> = BTreeMap::new();
        let mut total = Decimal::ZERO;
        let mut values = Vec::new();
        for e in entries {
            let id = ids[e.category];
            let amount = Decimal::new(e.cents, 2);
            let date = NaiveDate::from_ymd_opt(
                2025 + (e.month / 12) as i32,
                e.month % 12 + 1,
                1 + (e.cents % 28) as u32,
            )
            .unwrap();
            values.push(format!(
                "({tenant}, {project}, '{date}', {id}, '随机', {amount})"
            ));
            *own.entry(id).or_default() += amount;
            *rolled.entry(top(id)).or_default() += amount;
            total += amount;
        }
        app.exec(&format!(
            "insert into cost_entry (tenant_id, project_id, entry_date, category_id, description, amount)
             values {}",
            values.join(", ")
        ))
        .await;

        let rows = csv_rows(
            &owner
                .get(&format!("/projects/{project}/cost/report.csv"))
                .await,
        );
        let actual_of = |code: &str| -> Decimal {
            rows.iter()
                .find(|r| r[0] == code)
                .map_or(Decimal::ZERO, |r| money(&r[3]))
        };
        let code_of = |id: i64| -> &'static str {
            match id {
                x if x == labour => "01",
                x if x == materials => "02",
                x if x == plant => "03",
                x if x == other => "09",
                _ => "0201",
            }
        };
        for id in [labour, materials, plant, other] {
            assert_eq!(
                actual_of(code_of(id)),
                rolled.get(&id).copied().unwrap_or_default(),
                "case {n}, category {id}: {entries:?}"
            );
        }
        assert_eq!(
            actual_of("0201"),
            own.get(&steel).copied().unwrap_or_default()
        );
        let totals = rows.last().unwrap();
        assert_eq!(totals[1], "合计");
        assert_eq!(money(&totals[3]), total, "case {n}");
        // The page's totals row says the same.
        let page = owner.get(&format!("/projects/{project}/cost")).await;
        assert_eq!(money(&page.text("#cost-totals td.actual")), total);
        // And so does the by-month view's total to date.
        let months = csv_rows(
            &owner
                .get(&format!("/projects/{project}/cost/months.csv"))
                .await,
        );
        let last_month = &months[months.len() - 2];
        assert_eq!(money(&last_month[last_month.len() - 1]), total, "case {n}");
        assert_eq!(money(&months.last().unwrap()[months[0].len() - 2]), total);
    }
}
