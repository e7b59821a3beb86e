//! Earned value over HTTP: PV, EV, AC and the indicators of a project and of a summary task,
//! computed by hand from a baseline, an approved budget on tasks, recorded progress, cost
//! entries and confirmed day labour; the page without a budget; who may read it; other
//! tenants' projects.
//!
//! The software-upgrade template's first phase (环境准备与原型) runs one task after another
//! from Monday 2 March 2026: 现状调研与需求确认 2–4 March, 测试环境搭建 5–10 March (four
//! working days), 原型开发 11–18 March; all leaves add up to 91 working days.

use axum::http::StatusCode;

use crate::progress::{
    PHASE_ONE, PROTOTYPE, SETUP, SURVEY, record, save_baseline, set_status_date,
};
use crate::support::builders::{add_member, create_project, task_id, user_id};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

fn path(project: i64) -> String {
    format!("/projects/{project}/cost/earned-value")
}

/// The value shown on the headline card of `abbr` (e.g. "pv").
fn card(r: &TestResponse, abbr: &str) -> String {
    r.text(&format!("#ev-{abbr} .ev-value"))
}

fn card_note(r: &TestResponse, abbr: &str) -> String {
    r.text(&format!("#ev-{abbr} .ev-note"))
}

/// The cells of the table row whose text contains `needle`.
fn row_cells(r: &TestResponse, table: &str, needle: &str) -> Vec<String> {
    let html = r.html();
    let rows = scraper::Selector::parse(&format!("{table} tbody tr")).unwrap();
    let cells = scraper::Selector::parse("th, td").unwrap();
    html.select(&rows)
        .find(|tr| tr.text().collect::<String>().contains(needle))
        .map(|tr| {
            tr.select(&cells)
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .collect()
        })
        .unwrap_or_else(|| panic!("no row with {needle} in {table}"))
}

/// An approved original budget: 30,000 on the survey, 40,000 on set-up, 60,000 on the
/// prototype and 20,000 without a task; plus a later draft that must not count.
async fn approved_budget(app: &TestApp, tenant: i64, project: i64) {
    let (survey, setup, prototype) = (
        task_id(app, project, SURVEY).await,
        task_id(app, project, SETUP).await,
        task_id(app, project, PROTOTYPE).await,
    );
    app.exec(&format!(
        "insert into cost_budget_version (tenant_id, project_id, number, status, approved_at)
         values ({tenant}, {project}, 0, 'approved', now());
         insert into cost_budget_version (tenant_id, project_id, number, status, reason)
         values ({tenant}, {project}, 1, 'draft', '待批');
         insert into cost_budget_line (tenant_id, budget_version_id, category_id, task_id, amount)
         select {tenant}, v.id, c.id, l.task_id, l.amount
         from cost_budget_version v,
              (values ({survey}, 30000.00, 'labour'), ({setup}, 40000.00, 'labour'),
                      ({prototype}, 60000.00, 'labour'), (null, 20000.00, 'materials'))
                as l(task_id, amount, builtin)
         join cost_category c on c.tenant_id = {tenant} and c.builtin = l.builtin
         where v.tenant_id = {tenant} and v.project_id = {project} and v.number = 0;
         insert into cost_budget_line (tenant_id, budget_version_id, category_id, task_id, amount)
         select {tenant}, v.id, c.id, null, 999999.00
         from cost_budget_version v
         join cost_category c on c.tenant_id = {tenant} and c.builtin = 'other'
         where v.tenant_id = {tenant} and v.project_id = {project} and v.number = 1;"
    ))
    .await;
}

/// Cost entries (28,000 on the survey on 3 March, 3,000 without a task on 5 March, 25,000 on
/// set-up on 9 March, 9,999 on set-up after the status date) and day labour on set-up on
/// 6 March: a confirmed 500 and a submitted 700 that does not count yet.
async fn actual_costs(app: &TestApp, tenant: i64, project: i64) {
    let (survey, setup) = (
        task_id(app, project, SURVEY).await,
        task_id(app, project, SETUP).await,
    );
    app.exec(&format!(
        "insert into cost_entry (tenant_id, project_id, entry_date, category_id, task_id,
                                 description, amount, tax_rate, tax_amount)
         select {tenant}, {project}, e.day::date, c.id, e.task_id, e.what, e.amount, 13, e.amount * 0.13
         from (values ('2026-03-03', {survey}, '调研差旅', 28000.00),
                      ('2026-03-05', null, '现场办公用品', 3000.00),
                      ('2026-03-09', {setup}, '测试服务器', 25000.00),
                      ('2026-03-12', {setup}, '状态日期之后', 9999.00))
                as e(day, task_id, what, amount)
         join cost_category c on c.tenant_id = {tenant} and c.builtin = 'materials';
         insert into trade (tenant_id, name_zh) values ({tenant}, '测试工种');
         insert into crew (tenant_id, name) values ({tenant}, '调试班');
         insert into labour_ticket (tenant_id, project_id, ticket_date, crew_id, task_id, count_unit, status)
         select {tenant}, {project}, '2026-03-06', id, {setup}, 'day', s
         from crew, (values ('confirmed'), ('submitted')) as st(s)
         where tenant_id = {tenant} and name = '调试班';
         insert into labour_ticket_line (tenant_id, ticket_id, line_no, project_id, ticket_date,
                                         crew_id, task_id, status, trade_id, hours, days, rate,
                                         multiplier, amount)
         select {tenant}, t.id, 1, {project}, t.ticket_date, t.crew_id, t.task_id, t.status,
                (select id from trade where tenant_id = {tenant} and name_zh = '测试工种'),
                8, 1, r.amount, 1, r.amount
         from labour_ticket t
         join (values ('confirmed', 500.00), ('submitted', 700.00)) as r(status, amount)
           on r.status = t.status
         where t.tenant_id = {tenant} and t.project_id = {project};"
    ))
    .await;
}

/// A project with a baseline, a budget, costs, and progress recorded at two status dates:
/// the survey finished (status date 6 March), set-up half done (status date 10 March).
async fn measured_project(app: &TestApp, owner: &mut TestClient, tenant: i64) -> i64 {
    let id = create_project(owner, "EV-1", "builtin:software_upgrade").await;
    save_baseline(owner, id, "合同计划").await;
    approved_budget(app, tenant, id).await;
    actual_costs(app, tenant, id).await;
    let (survey, setup) = (
        task_id(app, id, SURVEY).await,
        task_id(app, id, SETUP).await,
    );
    let r = set_status_date(owner, id, "2026-03-06").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = record(owner, id, survey, "2026-03-02", "2026-03-04", "", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = set_status_date(owner, id, "2026-03-10").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = record(owner, id, setup, "2026-03-05", "", "50", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id
}

#[tokio::test]
async fn earned_value_of_the_project_and_a_summary_task_as_of_the_status_date() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let id = measured_project(&app, &mut owner, tenant).await;
    // The project rolls up to (3 × 100 + 4 × 50) / 91 = 5.49 %.
    assert_eq!(
        app.count(&format!(
            "select (percent_complete * 100)::bigint from project where id = {id}"
        ))
        .await,
        549
    );

    let r = owner.get(&path(id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.assert_contains("截至状态日期 2026-03-10。");
    r.assert_contains("对照第 0 版预算");
    r.assert_contains("计划值按最新基线的日期分摊到工作日。");
    r.assert_contains("20,000.00");

    // BAC: the approved version only (the draft's 999,999 does not count).
    assert_eq!(card(&r, "bac"), "150,000.00");
    // PV: the survey 30,000 and set-up 40,000 are both due by 10 March; the prototype starts
    // on the 11th; the unassigned 20,000 over 91 working days, 7 of them gone: 1,538.46.
    assert_eq!(card(&r, "pv"), "71,538.46");
    // EV: 30,000 + 50 % of 40,000 + 5.49 % of the unassigned 20,000 (1,098.00).
    assert_eq!(card(&r, "ev"), "51,098.00");
    // AC: 28,000 + 3,000 + 25,000 + confirmed labour 500; not the entry after the status
    // date, not the submitted ticket.
    assert_eq!(card(&r, "ac"), "56,500.00");
    assert_eq!(card(&r, "sv"), "-20,440.46");
    assert_eq!(card(&r, "cv"), "-5,402.00");
    // 51,098 / 71,538.46 = 0.714; 51,098 / 56,500 = 0.904.
    assert_eq!(card(&r, "spi"), "0.71");
    assert_eq!(card_note(&r, "spi"), "▼ 进度落后");
    assert_eq!(card(&r, "cpi"), "0.90");
    assert_eq!(card_note(&r, "cpi"), "▼ 超支");
    // EAC = 150,000 × 56,500 / 51,098; ETC = EAC − AC; VAC = BAC − EAC.
    assert_eq!(card(&r, "eac"), "165,857.76");
    assert_eq!(card(&r, "etc"), "109,357.76");
    assert_eq!(card(&r, "vac"), "-15,857.76");
    // TCPI = (150,000 − 51,098) / (150,000 − 56,500) = 1.058.
    assert_eq!(card(&r, "tcpi"), "1.06");
    r.assert_contains("EV ÷ PV；小于 1 表示进度落后。");

    // The phase: BAC 130,000, PV 70,000, EV 50,000, AC 53,500 (the cost without a task stays
    // with the project).
    let phase = row_cells(&r, ".ev-table", PHASE_ONE);
    assert_eq!(
        &phase[..8],
        &[
            "1",
            PHASE_ONE,
            "130,000.00",
            "70,000.00",
            "50,000.00",
            "53,500.00",
            "-20,000.00",
            "-3,500.00"
        ]
    );
    assert!(
        phase[8].starts_with("0.71") && phase[8].contains("进度落后"),
        "{phase:?}"
    );
    assert!(
        phase[9].starts_with("0.93") && phase[9].contains("超支"),
        "{phase:?}"
    );
    // EAC = 130,000 × 53,500 / 50,000; TCPI = 80,000 / 76,500.
    assert_eq!(&phase[10..13], &["139,100.00", "85,600.00", "-9,100.00"]);
    assert!(phase[13].starts_with("1.05"), "{phase:?}");
    // Every summary task is listed, the unstarted ones with nothing earned yet.
    let third = row_cells(&r, ".ev-table", "全面上线与调优");
    assert_eq!(&third[2..6], &["0.00", "0.00", "0.00", "0.00"]);

    // The chart has the three series, and its data table the history: on 9 March the survey
    // was done (recorded at the 6 March status date) but set-up not yet recorded, so EV is
    // 30,000 + 3.30 % of 20,000; PV 30,000 + 3 of set-up's 4 days + 6/91 of 20,000.
    for class in ["pv", "ev", "ac"] {
        assert!(
            r.body
                .contains(&format!(r#"<g class="{class}"><polyline points=""#)),
            "{class}"
        );
    }
    r.assert_contains(r#"<title id="ev-chart-title">挣值曲线</title>"#);
    assert_eq!(
        row_cells(&r, ".ev-samples", "2026-03-09"),
        ["2026-03-09", "61,318.68", "30,660.00", "56,500.00"]
    );
    assert_eq!(
        row_cells(&r, ".ev-samples", "2026-03-10"),
        ["2026-03-10", "71,538.46", "51,098.00", "56,500.00"]
    );
    // After the status date only PV goes on, up to BAC.
    assert_eq!(row_cells(&r, ".ev-samples", "2026-03-16")[2..], ["", ""]);
    let last = r.text(".ev-samples tbody tr:last-child td");
    assert!(last.starts_with("150,000.00"), "{last}");
}

#[tokio::test]
async fn without_a_budget_the_page_says_one_is_needed() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "EV-2", "builtin:software_upgrade").await;
    let r = owner.get(&path(id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.assert_contains("需要先有预算");
    r.assert_contains(&format!(r#"href="/projects/{id}/cost/budget""#));
    assert!(!r.body.contains("ev-cards"));
    // No status date: the page says it measures as of today.
    r.assert_contains("项目尚未设置状态日期");
    r.assert_contains(&format!(r#"href="/projects/{id}/progress""#));

    // A draft is not a budget yet.
    app.exec(&format!(
        "insert into cost_budget_version (tenant_id, project_id, number, status)
         values ({tenant}, {id}, 0, 'draft')"
    ))
    .await;
    owner.get(&path(id)).await.assert_contains("需要先有预算");
}

#[tokio::test]
async fn a_budget_without_tasks_is_earned_by_project_progress_and_english_reads_well() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "EV-3", "builtin:software_upgrade").await;
    app.exec(&format!(
        "insert into cost_budget_version (tenant_id, project_id, number, status, approved_at)
         values ({tenant}, {id}, 0, 'approved', now());
         insert into cost_budget_line (tenant_id, budget_version_id, category_id, amount)
         select {tenant}, v.id, c.id, 91000.00
         from cost_budget_version v join cost_category c on c.tenant_id = v.tenant_id
         where v.project_id = {id} and c.builtin = 'materials';"
    ))
    .await;
    owner.get("/dashboard").await;
    let r = owner
        .post_form("/locale", &[("locale", "en"), ("next", "/dashboard")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner.get(&path(id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.assert_contains("no status date");
    r.assert_contains("The project has no baseline");
    assert_eq!(card(&r, "bac"), "91,000.00");
    // Nothing done, nothing spent: EAC is the budget, CPI has no value yet.
    assert_eq!(card(&r, "ev"), "0.00");
    assert_eq!(card(&r, "cpi"), "—");
    assert_eq!(card_note(&r, "cpi"), "No actual cost yet");
    assert_eq!(card(&r, "eac"), "91,000.00");
    assert_eq!(card(&r, "tcpi"), "1.00");
    r.assert_contains("Earned value chart");
}

#[tokio::test]
async fn viewers_read_foremen_cannot_open_the_module_and_other_tenants_get_404() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let id = measured_project(&app, &mut owner, tenant).await;
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    let mut foreman = app.user(tenant, "foreman@acme.cn", "foreman").await;
    let mut finance = app.user(tenant, "finance@acme.cn", "finance").await;

    // Not a member yet: the project is not there for them.
    assert_not_found(&viewer.get(&path(id)).await);
    for (email, role) in [
        ("viewer@acme.cn", "viewer"),
        ("foreman@acme.cn", "foreman"),
        ("finance@acme.cn", "viewer"),
    ] {
        let user = user_id(&app, email).await;
        add_member(&mut owner, id, user, role).await;
    }
    for c in [&mut viewer, &mut finance] {
        let r = c.get(&path(id)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(card(&r, "ev"), "51,098.00");
    }
    // Foremen cannot use the cost module at all: it answers as a module that is off.
    let r = foreman.get(&path(id)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    r.assert_contains("模块未启用");
    assert!(!r.body.contains("51,098.00"));

    // Another company's owner gets 404 for this project, and this owner for theirs.
    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    assert_not_found(&other.get(&path(id)).await);
    let theirs = create_project(&mut other, "OT-1", "builtin:software_upgrade").await;
    assert_eq!(other.get(&path(theirs)).await.status, StatusCode::OK);
    assert_not_found(&owner.get(&path(theirs)).await);
}
