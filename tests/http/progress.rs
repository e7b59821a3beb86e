//! Progress over HTTP: the status date, recording progress with its history and roll-up, the
//! rules an update must meet, delay warnings (预警) and their thresholds, the S-curve, who may
//! do what, and other tenants' ids.
//!
//! Most tests use the software-upgrade template, whose tasks run one after another from
//! Monday 2 March 2026: 现状调研与需求确认 (3 days, 2–4 March), 测试环境搭建 (4, 5–10 March),
//! 原型开发 (6, 11–18 March), 试点用户评审 (2, 19–20 March), 原型确认 (milestone), then the
//! other two phases. Leaf durations add up to 91 working days.

use axum::http::StatusCode;

use crate::support::builders::{add_member, create_project, task_id, user_id};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

pub const SURVEY: &str = "现状调研与需求确认";
pub const SETUP: &str = "测试环境搭建";
pub const PROTOTYPE: &str = "原型开发";
pub const REVIEW: &str = "试点用户评审";
pub const PHASE_ONE: &str = "环境准备与原型";

/// Sets the project's status date through the progress page's form.
pub async fn set_status_date(c: &mut TestClient, project: i64, date: &str) -> TestResponse {
    c.get(&format!("/projects/{project}/progress")).await;
    c.post_form(
        &format!("/projects/{project}/status-date"),
        &[("status_date", date)],
    )
    .await
}

/// Records progress on a task through its page's form.
pub async fn record(
    c: &mut TestClient,
    project: i64,
    task: i64,
    start: &str,
    finish: &str,
    percent: &str,
    comment: &str,
) -> TestResponse {
    c.get(&format!("/projects/{project}/tasks/{task}")).await;
    c.post_form(
        &format!("/projects/{project}/tasks/{task}/progress"),
        &[
            ("actual_start", start),
            ("actual_finish", finish),
            ("percent_complete", percent),
            ("remaining_days", ""),
            ("comment", comment),
        ],
    )
    .await
}

/// Edits a task's duration and deadline, with its current version read from the database.
pub async fn edit_task(
    app: &TestApp,
    c: &mut TestClient,
    project: i64,
    task: i64,
    name: &str,
    days: &str,
    deadline: &str,
) -> TestResponse {
    c.get(&format!("/projects/{project}/tasks/{task}")).await;
    let version = app
        .count(&format!(
            "select version::bigint from task where id = {task}"
        ))
        .await
        .to_string();
    c.post_form(
        &format!("/projects/{project}/tasks/{task}"),
        &[
            ("name", name),
            ("duration_days", days),
            ("start_no_earlier_than", ""),
            ("deadline", deadline),
            ("responsible_id", ""),
            ("weight", ""),
            ("notes", ""),
            ("version", &version),
        ],
    )
    .await
}

pub async fn save_baseline(c: &mut TestClient, project: i64, name: &str) {
    c.get(&format!("/projects/{project}/baselines")).await;
    let r = c
        .post_form(&format!("/projects/{project}/baselines"), &[("name", name)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// A task's date column as YYYYMMDD.
pub async fn day(app: &TestApp, task: i64, column: &str) -> i64 {
    app.count(&format!(
        "select to_char({column}, 'YYYYMMDD')::bigint from task where id = {task}"
    ))
    .await
}

/// A percent column in hundredths (33.33% is 3333).
async fn hundredths(app: &TestApp, table: &str, id: i64) -> i64 {
    app.count(&format!(
        "select (percent_complete * 100)::bigint from {table} where id = {id}"
    ))
    .await
}

/// The `value` attribute of the first element matching `selector` ("" when none).
pub fn value_of(r: &TestResponse, selector: &str) -> String {
    let sel = scraper::Selector::parse(selector).unwrap();
    r.html()
        .select(&sel)
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_owned))
        .unwrap_or_default()
}

/// How many elements match `selector`.
pub fn count_of(r: &TestResponse, selector: &str) -> usize {
    let sel = scraper::Selector::parse(selector).unwrap();
    r.html().select(&sel).count()
}

/// One row of the warnings table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Warning {
    /// minor, major or critical (from the row's class).
    severity: String,
    severity_label: String,
    task: String,
    kind: String,
    days: i64,
    detail: String,
}

fn warnings(r: &TestResponse) -> Vec<Warning> {
    let rows = scraper::Selector::parse("table.warnings-table tbody tr").unwrap();
    let cells = scraper::Selector::parse("td").unwrap();
    r.html()
        .select(&rows)
        .map(|row| {
            let td: Vec<String> = row
                .select(&cells)
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .collect();
            Warning {
                severity: row
                    .value()
                    .attr("class")
                    .unwrap_or("")
                    .trim_start_matches("sev-")
                    .to_owned(),
                severity_label: td[0].clone(),
                task: td[2].clone(),
                kind: td[3].clone(),
                days: td[4].parse().unwrap(),
                detail: td[5].clone(),
            }
        })
        .collect()
}

fn warnings_of(r: &TestResponse, task: &str, kind: &str) -> Vec<Warning> {
    warnings(r)
        .into_iter()
        .filter(|w| w.task == task && w.kind == kind)
        .collect()
}

#[tokio::test]
async fn the_status_date_is_checked_and_moves_unstarted_work_after_it() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "P1", "builtin:software_upgrade").await;
    let survey = task_id(&app, id, SURVEY).await;
    assert_eq!(day(&app, survey, "early_start").await, 20260302);
    let finish_before = app
        .count(&format!(
            "select to_char(scheduled_finish, 'YYYYMMDD')::bigint from project where id = {id}"
        ))
        .await;

    // Not a date: the form comes back with the message and what was typed.
    let r = set_status_date(&mut owner, id, "2026-02-30").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.field_error("status_date"),
        "请按 YYYY-MM-DD 格式填写日期。"
    );
    assert_eq!(value_of(&r, "#f-status_date"), "2026-02-30");
    assert_eq!(
        app.count(&format!(
            "select count(*) from project where id = {id} and status_date is null"
        ))
        .await,
        1,
        "nothing saved"
    );

    let r = set_status_date(&mut owner, id, "2026-03-10").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/projects/{id}/progress"));
    let page = owner.follow(&r).await;
    page.assert_contains("状态日期已保存并重新排程。");
    assert_eq!(value_of(&page, "#f-status_date"), "2026-03-10");

    // Nothing has started, so all of it now starts the working day after the status date.
    assert_eq!(day(&app, survey, "early_start").await, 20260311);
    assert_eq!(
        app.count(&format!(
            "select count(*) from task where project_id = {id} and early_start <= '2026-03-10'"
        ))
        .await,
        0
    );
    let finish_after = app
        .count(&format!(
            "select to_char(scheduled_finish, 'YYYYMMDD')::bigint from project where id = {id}"
        ))
        .await;
    assert!(
        finish_after > finish_before,
        "{finish_before} → {finish_after}"
    );
    // The project page shows the status date too.
    let home = owner.get(&format!("/projects/{id}")).await;
    home.assert_contains("2026-03-10");
}

#[tokio::test]
async fn recorded_progress_keeps_its_history_and_rolls_up() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "P1", "builtin:software_upgrade").await;
    let (survey, setup, prototype) = (
        task_id(&app, id, SURVEY).await,
        task_id(&app, id, SETUP).await,
        task_id(&app, id, PROTOTYPE).await,
    );
    let phase = task_id(&app, id, PHASE_ONE).await;
    assert_eq!(
        set_status_date(&mut owner, id, "2026-03-10").await.status,
        StatusCode::SEE_OTHER
    );

    // The survey finished a day late; a finish date alone makes it 100%.
    let r = record(
        &mut owner,
        id,
        survey,
        "2026-03-02",
        "2026-03-05",
        "",
        "需求已确认",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/projects/{id}/tasks/{survey}"));
    let page = owner.follow(&r).await;
    page.assert_contains("进度已填报并重新排程。");
    let history = page.text("section[aria-labelledby=progress-h] tbody tr");
    for expected in [
        "Owner",
        "2026-03-10",
        "2026-03-02",
        "2026-03-05",
        "100",
        "需求已确认",
    ] {
        assert!(history.contains(expected), "{expected} in {history}");
    }
    // Its actual dates stand, although the status date is later and unstarted work moved.
    assert_eq!(day(&app, survey, "early_start").await, 20260302);
    assert_eq!(day(&app, survey, "early_finish").await, 20260305);
    assert_eq!(hundredths(&app, "task", survey).await, 10000);

    // Set-up is half done: two of its four days are left after the status date.
    let r = record(&mut owner, id, setup, "2026-03-06", "", "50", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select remaining_days::bigint from task where id = {setup}"
        ))
        .await,
        2
    );
    assert_eq!(day(&app, setup, "early_finish").await, 20260312);
    assert_eq!(day(&app, prototype, "early_start").await, 20260313);

    // Roll-up weighted by duration: phase one (3 + 4 + 6 + 2 days) is (300 + 200) / 15 %,
    // the project (91 days) is 500 / 91 %.
    assert_eq!(hundredths(&app, "task", phase).await, 3333);
    assert_eq!(hundredths(&app, "project", id).await, 549);
    let home = owner.get(&format!("/projects/{id}")).await;
    home.assert_contains("5.5%");
    let progress = owner.get(&format!("/projects/{id}/progress")).await;
    let row = progress.text("tbody tr:nth-child(3)");
    assert!(
        row.contains(SETUP) && row.contains("2026-03-06") && row.contains("50"),
        "{row}"
    );

    // A later status date moves the work left, never the finished task.
    assert_eq!(
        set_status_date(&mut owner, id, "2026-03-20").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(day(&app, survey, "early_finish").await, 20260305);
    assert_eq!(day(&app, setup, "early_finish").await, 20260324);

    // A second update on the same task adds to its history, newest first.
    let r = record(
        &mut owner,
        id,
        setup,
        "2026-03-06",
        "2026-03-20",
        "",
        "完成",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.follow(&r).await;
    let rows = page.text("section[aria-labelledby=progress-h] tbody tr:first-child");
    assert!(
        rows.contains("完成") && rows.contains("2026-03-20"),
        "{rows}"
    );
    assert_eq!(
        count_of(&page, "section[aria-labelledby=progress-h] tbody tr"),
        2
    );
}

#[tokio::test]
async fn progress_rules_refuse_with_messages_and_save_nothing() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "P1", "builtin:software_upgrade").await;
    let survey = task_id(&app, id, SURVEY).await;
    set_status_date(&mut owner, id, "2026-03-10").await;

    // (start, finish, percent) → (field, message)
    let cases = [
        (("", "", "120"), ("percent_complete", "数值超出范围。")),
        (
            ("", "", "30"),
            ("actual_start", "已有进度，请填写实际开始日期。"),
        ),
        (
            ("2026-03-11", "", "10"),
            ("actual_start", "该日期晚于状态日期。"),
        ),
        (
            ("2026-03-02", "2026-03-11", ""),
            ("actual_finish", "该日期晚于状态日期。"),
        ),
        (
            ("2026-03-02", "", "100"),
            ("actual_finish", "完成 100% 的任务需填写实际完成日期。"),
        ),
        (
            ("2026-03-05", "2026-03-03", ""),
            ("actual_finish", "完成日期早于开始日期。"),
        ),
    ];
    for ((start, finish, percent), (field, message)) in cases {
        let r = record(&mut owner, id, survey, start, finish, percent, "试填").await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{start} {finish} {percent}: {}",
            r.body
        );
        assert_eq!(r.field_error(field), message, "{start} {finish} {percent}");
        // What was typed stays in the form.
        assert_eq!(value_of(&r, "#f-percent_complete"), percent);
    }
    assert_eq!(
        app.count(&format!(
            "select count(*) from progress_update where task_id = {survey}"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from task where id = {survey} and actual_start is null
             and actual_finish is null and percent_complete = 0"
        ))
        .await,
        1
    );

    // A summary's progress comes from its children.
    let phase = task_id(&app, id, PHASE_ONE).await;
    let r = record(&mut owner, id, phase, "2026-03-02", "", "50", "").await;
    assert!(r.status.is_client_error(), "{}: {}", r.status, r.body);
    r.assert_contains("摘要任务的进度由子任务汇总。");
    assert_eq!(
        app.count(&format!(
            "select count(*) from progress_update where project_id = {id}"
        ))
        .await,
        0
    );
    assert_eq!(hundredths(&app, "task", phase).await, 0);
    assert_eq!(
        app.count(&format!(
            "select count(*) from task where id = {phase} and actual_start is null"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn foremen_record_viewers_may_not_and_finance_may_look() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "P1", "builtin:software_upgrade").await;
    let survey = task_id(&app, id, SURVEY).await;
    set_status_date(&mut owner, id, "2026-03-10").await;
    let mut foreman = app.user(tenant, "foreman@acme.cn", "foreman").await;
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    let mut finance = app.user(tenant, "finance@acme.cn", "finance").await;

    // Not yet a member: the project does not exist for the foreman.
    assert_not_found(&foreman.get(&format!("/projects/{id}/progress")).await);
    for (email, role) in [
        ("foreman@acme.cn", "foreman"),
        ("viewer@acme.cn", "viewer"),
        ("finance@acme.cn", "viewer"),
    ] {
        let user = user_id(&app, email).await;
        add_member(&mut owner, id, user, role).await;
    }

    // The foreman sees the status date form and records progress under their own name.
    let page = foreman.get(&format!("/projects/{id}/progress")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(count_of(&page, "form[action$='/status-date']"), 1);
    let r = record(
        &mut foreman,
        id,
        survey,
        "2026-03-02",
        "",
        "40",
        "基坑已开挖",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = foreman.follow(&r).await;
    let history = page.text("section[aria-labelledby=progress-h] tbody tr");
    assert!(
        history.contains("foreman user") && history.contains("基坑已开挖"),
        "{history}"
    );

    // A viewer may look but neither record nor move the status date.
    let page = viewer.get(&format!("/projects/{id}/progress")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(count_of(&page, "form[action$='/status-date']"), 0);
    page.assert_contains("2026-03-10");
    let r = record(&mut viewer, id, survey, "2026-03-02", "", "90", "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = viewer
        .post_form(
            &format!("/projects/{id}/status-date"),
            &[("status_date", "2026-03-12")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from progress_update where task_id = {survey}"
        ))
        .await,
        1
    );
    assert_eq!(hundredths(&app, "task", survey).await, 4000);
    assert_eq!(
        app.count(&format!(
            "select count(*) from project where id = {id} and status_date = '2026-03-10'"
        ))
        .await,
        1
    );

    // Finance opens every progress page, read-only.
    for path in [
        format!("/projects/{id}/progress"),
        format!("/projects/{id}/warnings"),
        format!("/projects/{id}/s-curve"),
    ] {
        let r = finance.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    let page = finance.get(&format!("/projects/{id}/progress")).await;
    page.assert_contains(SURVEY);
    assert_eq!(count_of(&page, "form[action$='/status-date']"), 0);
    let r = record(&mut finance, id, survey, "2026-03-02", "", "90", "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn warnings_follow_the_baseline_deadlines_and_thresholds() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "P1", "builtin:software_upgrade").await;
    let (prototype, review) = (
        task_id(&app, id, PROTOTYPE).await,
        task_id(&app, id, REVIEW).await,
    );
    let r = owner.get(&format!("/projects/{id}/warnings")).await;
    r.assert_contains("暂无延误预警。");
    assert!(warnings(&r).is_empty());

    // Lengthen the prototype (critical) from 6 to 9 days after the baseline: it finishes on
    // 23 March instead of 18 March, three working days late.
    save_baseline(&mut owner, id, "合同计划").await;
    let r = edit_task(&app, &mut owner, id, prototype, PROTOTYPE, "9", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner.get(&format!("/projects/{id}/warnings")).await;
    let late = warnings_of(&r, PROTOTYPE, "预计晚于基线完成");
    assert_eq!(
        late,
        vec![Warning {
            severity: "minor".into(),
            severity_label: "一般".into(),
            task: PROTOTYPE.into(),
            kind: "预计晚于基线完成".into(),
            days: 3,
            detail: "对比 2026-03-18".into(),
        }],
        "{}",
        r.body
    );

    // A deadline of 18 March on the review, now forecast for 25 March: five days, major.
    let r = edit_task(&app, &mut owner, id, review, REVIEW, "2", "2026-03-18").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner.get(&format!("/projects/{id}/warnings")).await;
    let past = warnings_of(&r, REVIEW, "预计超过期限");
    assert_eq!(past.len(), 1, "{}", r.body);
    assert_eq!(past[0].days, 5);
    assert_eq!(past[0].severity, "major");
    assert_eq!(past[0].detail, "对比 2026-03-18");
    // Worst first.
    assert_eq!(warnings(&r)[0].kind, "预计超过期限");
    // The project page lists them too.
    let home = owner.get(&format!("/projects/{id}")).await;
    let listed = home.text("ul.warnings");
    assert!(
        listed.contains(REVIEW) && listed.contains("预计超过期限"),
        "{listed}"
    );

    // Thresholds: 1 / 2 / 3 days make both critical.
    let form = owner.get("/settings/warnings").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(value_of(&form, "#f-minor_days"), "1");
    assert_eq!(value_of(&form, "#f-major_days"), "5");
    assert_eq!(value_of(&form, "#f-critical_days"), "10");
    let version = value_of(&form, "input[name=version]");
    let r = owner
        .post_form(
            "/settings/warnings",
            &[
                ("minor_days", "1"),
                ("major_days", "2"),
                ("critical_days", "3"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner.get(&format!("/projects/{id}/warnings")).await;
    let late = warnings_of(&r, PROTOTYPE, "预计晚于基线完成");
    assert_eq!(late[0].severity, "critical");
    assert_eq!(late[0].severity_label, "严重");
    assert_eq!(
        warnings_of(&r, REVIEW, "预计超过期限")[0].severity,
        "critical"
    );

    // Out of order: refused beside the field, nothing saved.
    let form = owner.get("/settings/warnings").await;
    assert_eq!(value_of(&form, "#f-critical_days"), "3");
    let version = value_of(&form, "input[name=version]");
    let r = owner
        .post_form(
            "/settings/warnings",
            &[
                ("minor_days", "5"),
                ("major_days", "2"),
                ("critical_days", "10"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.field_error("critical_days"),
        "须满足 一般 ≤ 较重 ≤ 严重。"
    );
    // A missing value is named too.
    let r = owner
        .post_form(
            "/settings/warnings",
            &[
                ("minor_days", ""),
                ("major_days", "2"),
                ("critical_days", "3"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.field_error("minor_days"), "此项必填。");
    assert_eq!(
        app.count(&format!(
            "select count(*) from warning_threshold where tenant_id = {tenant}
             and (minor_days, major_days, critical_days) = (1, 2, 3)"
        ))
        .await,
        1
    );
    // A save from a form read before the last save (version 0) is a conflict.
    let r = owner
        .post_form(
            "/settings/warnings",
            &[
                ("minor_days", "2"),
                ("major_days", "4"),
                ("critical_days", "6"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    r.assert_contains("其他人已先保存");
    assert_eq!(value_of(&r, "#f-critical_days"), "3");

    // Only owners and admins change thresholds.
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    assert_eq!(
        pm.get("/settings/warnings").await.status,
        StatusCode::FORBIDDEN
    );
    pm.get("/dashboard").await;
    let r = pm
        .post_form(
            "/settings/warnings",
            &[
                ("minor_days", "7"),
                ("major_days", "8"),
                ("critical_days", "9"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    assert_eq!(admin.get("/settings/warnings").await.status, StatusCode::OK);
    assert_eq!(
        app.count(&format!(
            "select minor_days::bigint from warning_threshold where tenant_id = {tenant}"
        ))
        .await,
        1
    );

    // The owner's dashboard shows the worst of them.
    let dash = owner.get("/dashboard").await;
    assert_eq!(count_of(&dash, "#warnings-h"), 1, "{}", dash.body);
    let panel = dash.text("ul.warnings");
    for expected in ["P1", REVIEW, "预计超过期限", "严重"] {
        assert!(panel.contains(expected), "{expected} in {panel}");
    }
    // A project manager who is not on the project does not see them.
    let dash = pm.get("/dashboard").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert_eq!(count_of(&dash, "#warnings-h"), 0, "{}", dash.body);
}

#[tokio::test]
async fn the_s_curve_draws_planned_and_actual_progress() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "P1", "builtin:software_upgrade").await;
    let r = owner.get(&format!("/projects/{id}/s-curve")).await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("<svg");
    r.assert_contains("尚无基线：计划曲线取自当前进度计划。");
    assert_eq!(count_of(&r, "svg g.planned polyline"), 1, "{}", r.body);
    // Nothing recorded yet: no actual line.
    assert_eq!(count_of(&r, "svg g.actual polyline"), 0);

    save_baseline(&mut owner, id, "合同计划").await;
    set_status_date(&mut owner, id, "2026-03-10").await;
    let survey = task_id(&app, id, SURVEY).await;
    let setup = task_id(&app, id, SETUP).await;
    record(&mut owner, id, survey, "2026-03-02", "2026-03-05", "", "").await;
    record(&mut owner, id, setup, "2026-03-06", "", "50", "").await;

    let r = owner.get(&format!("/projects/{id}/s-curve")).await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("计划曲线取自最新基线");
    assert_eq!(count_of(&r, "svg g.planned polyline"), 1, "{}", r.body);
    assert_eq!(count_of(&r, "svg g.actual polyline"), 1, "{}", r.body);
    // The actual point at the status date is (3 × 100 + 4 × 50) / 91 = 5.5%.
    let actual = r.text("svg g.actual title");
    assert!(actual.contains("2026-03-10 实际: 5.5%"), "{actual}");
    // And the status date is marked.
    assert_eq!(count_of(&r, "svg line.status"), 1);
}

#[tokio::test]
async fn other_tenants_get_404_on_every_progress_route() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "P1", "builtin:software_upgrade").await;
    let survey = task_id(&app, id, SURVEY).await;

    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    for path in [
        format!("/projects/{id}/progress"),
        format!("/projects/{id}/warnings"),
        format!("/projects/{id}/s-curve"),
        format!("/projects/{id}/tasks/{survey}"),
    ] {
        assert_not_found(&other.get(&path).await);
    }
    other.get("/dashboard").await;
    let r = other
        .post_form(
            &format!("/projects/{id}/status-date"),
            &[("status_date", "2026-03-10")],
        )
        .await;
    assert_not_found(&r);
    let fields = [
        ("actual_start", "2026-03-02"),
        ("actual_finish", ""),
        ("percent_complete", "50"),
        ("remaining_days", ""),
        ("comment", "x"),
    ];
    let r = other
        .post_form(&format!("/projects/{id}/tasks/{survey}/progress"), &fields)
        .await;
    assert_not_found(&r);
    // Their own project with our task id: still 404.
    let own = create_project(&mut other, "O1", "").await;
    other.get(&format!("/projects/{own}/progress")).await;
    let r = other
        .post_form(&format!("/projects/{own}/tasks/{survey}/progress"), &fields)
        .await;
    assert_not_found(&r);

    assert_eq!(
        app.count(&format!(
            "select count(*) from project where id = {id} and status_date is null"
        ))
        .await,
        1
    );
    assert_eq!(app.count("select count(*) from progress_update").await, 0);
    assert_eq!(hundredths(&app, "task", survey).await, 0);
}
