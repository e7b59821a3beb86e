//! Plans over HTTP: projects, templates, the WBS, links, rescheduling, Gantt, baselines,
//! exports, roles, project membership and other tenants' ids.

use axum::http::StatusCode;

use crate::support::builders::{Company, CompanyBuilder, add_task, create_project, task_id};
use crate::support::{TestApp, TestClient, assert_not_found};

pub async fn link(
    c: &mut TestClient,
    project: i64,
    pred: i64,
    succ: i64,
    kind: &str,
    lag: &str,
) -> crate::support::TestResponse {
    c.get(&format!("/projects/{project}/tasks/{succ}")).await;
    c.post_form(
        &format!("/projects/{project}/tasks/{succ}/links"),
        &[
            ("pred_id", &pred.to_string()),
            ("kind", kind),
            ("lag_days", lag),
        ],
    )
    .await
}

#[tokio::test]
async fn a_project_from_the_building_template_is_scheduled_on_the_china_calendar() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "HZ-01", "builtin:building").await;
    let home = owner.get(&format!("/projects/{id}")).await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("HZ-01 项目");
    home.assert_contains("中国大陆 China mainland");
    let tasks = owner.get(&format!("/projects/{id}/tasks")).await;
    tasks.assert_contains("基础工程");
    tasks.assert_contains("竣工验收");
    // Excavation: 15 working days from Monday 2 March 2026.
    let excavation = task_id(&app, id, "土方开挖").await;
    let finish = app
        .count(&format!(
            "select to_char(early_finish, 'YYYYMMDD')::bigint from task where id = {excavation}"
        ))
        .await;
    assert_eq!(finish, 20260320);
    // Nothing is left unscheduled, and the project carries its forecast finish.
    assert_eq!(
        app.count(&format!(
            "select count(*) from task where project_id = {id} and early_start is null"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from project where id = {id} and scheduled_finish is not null"
        ))
        .await,
        1
    );
    // The summary rolls up its children.
    let foundation = task_id(&app, id, "基础工程").await;
    assert_eq!(app.count(&format!("select count(*) from task where id = {foundation} and is_summary and early_start = '2026-03-02'")).await, 1);
}

#[tokio::test]
async fn links_reschedule_and_bad_links_are_refused_naming_the_tasks() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project: id,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    for (name, days) in [("开挖", "5"), ("浇筑", "3"), ("养护", "2")] {
        let r = add_task(&mut owner, id, name, days).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let (a, b, c) = (
        task_id(&app, id, "开挖").await,
        task_id(&app, id, "浇筑").await,
        task_id(&app, id, "养护").await,
    );
    assert_eq!(
        link(&mut owner, id, a, b, "FS", "0").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        link(&mut owner, id, b, c, "FS", "1").await.status,
        StatusCode::SEE_OTHER
    );
    // 开挖 2–6 March, 浇筑 9–11 March, 养护 after a one-day lag: 13–16 March.
    let start = app
        .count(&format!(
            "select to_char(early_start, 'YYYYMMDD')::bigint from task where id = {c}"
        ))
        .await;
    assert_eq!(start, 20260313);

    let r = link(&mut owner, id, c, a, "FS", "0").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = r.text("#schedule-error");
    for name in ["开挖", "浇筑", "养护"] {
        assert!(message.contains(name), "{message}");
    }
    assert_eq!(
        app.count(&format!(
            "select count(*) from task_link where project_id = {id}"
        ))
        .await,
        2,
        "nothing saved"
    );
    let r = link(&mut owner, id, a, a, "FS", "0").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = link(&mut owner, id, b, a, "SS", "0").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#schedule-error").contains("开挖"));
    let r = link(&mut owner, id, a, c, "XX", "abc").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("kind").is_empty());
    assert!(!r.field_error("lag_days").is_empty());

    // Indenting 浇筑 under 开挖 would make a linked task a summary: refused, nothing moved.
    owner.get(&format!("/projects/{id}/tasks")).await;
    let r = owner
        .post_form(
            &format!("/projects/{id}/tasks/{b}/move"),
            &[("action", "indent")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("摘要任务");
    assert_eq!(
        app.count(&format!(
            "select count(*) from task where id = {b} and parent_id is null"
        ))
        .await,
        1
    );

    // Notes with a NUL byte are refused beside the field, not a database error.
    owner.get(&format!("/projects/{id}/tasks/{a}")).await;
    let version = app
        .count(&format!("select version::bigint from task where id = {a}"))
        .await
        .to_string();
    let r = owner
        .post_form(
            &format!("/projects/{id}/tasks/{a}"),
            &[
                ("name", "开挖"),
                ("duration_days", "5"),
                ("notes", "a\0b"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(!r.field_error("notes").is_empty());

    // Bad task input comes back with the messages beside the fields.
    let r = add_task(&mut owner, id, "", "-3").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("name").is_empty());
    assert!(!r.field_error("duration_days").is_empty());
}

#[tokio::test]
async fn outline_numbers_follow_indent_outdent_and_moves() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project: id,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    for name in ["A", "B", "C"] {
        add_task(&mut owner, id, name, "2").await;
    }
    let b = task_id(&app, id, "B").await;
    let c = task_id(&app, id, "C").await;
    let mv =
        |task: i64, action: &'static str| (format!("/projects/{id}/tasks/{task}/move"), action);
    let (path, action) = mv(b, "indent");
    owner.get(&format!("/projects/{id}/tasks")).await;
    assert_eq!(
        owner.post_form(&path, &[("action", action)]).await.status,
        StatusCode::SEE_OTHER
    );
    let page = owner.get(&format!("/projects/{id}/tasks")).await;
    assert!(
        page.text(&format!("#task-{b} td:first-child"))
            .contains("1.1")
    );
    assert!(
        page.text(&format!("#task-{c} td:first-child"))
            .contains('2')
    );
    let (path, action) = mv(c, "up");
    assert_eq!(
        owner.post_form(&path, &[("action", action)]).await.status,
        StatusCode::SEE_OTHER
    );
    let page = owner.get(&format!("/projects/{id}/tasks")).await;
    assert_eq!(page.text(&format!("#task-{c} td:first-child")), "1");
    let (path, action) = mv(c, "up");
    let r = owner.post_form(&path, &[("action", action)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Insert below B (1.1 under A, now numbered 2.1): the new task is 2.2.
    let a = task_id(&app, id, "A").await;
    let form = owner.get(&format!("/projects/{id}/tasks?after={b}")).await;
    assert!(
        form.body
            .contains(&format!("<option value=\"{b}\" selected>"))
    );
    let r = owner
        .post_form(
            &format!("/projects/{id}/tasks"),
            &[
                ("name", "B2"),
                ("duration_days", "1"),
                ("after_id", &b.to_string()),
                ("parent_id", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b2 = task_id(&app, id, "B2").await;
    let page = owner.get(&format!("/projects/{id}/tasks")).await;
    assert_eq!(page.text(&format!("#task-{a} td:first-child")), "2");
    assert_eq!(page.text(&format!("#task-{b} td:first-child")), "2.1");
    assert_eq!(page.text(&format!("#task-{b2} td:first-child")), "2.2");
    let r = owner
        .post_form(
            &format!("/projects/{id}/tasks"),
            &[
                ("name", "X"),
                ("duration_days", "1"),
                ("after_id", "999999"),
                ("parent_id", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("after_id").is_empty());
}

#[tokio::test]
async fn members_see_their_projects_and_others_get_404() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "P1", "builtin:software_upgrade").await;
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    assert_not_found(&pm.get(&format!("/projects/{id}")).await);
    assert!(!pm.get("/projects").await.body.contains("P1 项目"));
    let pm_id = app
        .count("select id from app_user where email = 'pm@acme.cn'")
        .await;
    owner.get(&format!("/projects/{id}")).await;
    let r = owner
        .post_form(
            &format!("/projects/{id}/members"),
            &[
                ("user_id", &pm_id.to_string()),
                ("project_role", "planner"),
                ("action", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        pm.get(&format!("/projects/{id}")).await.status,
        StatusCode::OK
    );
    assert!(pm.get("/projects").await.body.contains("P1 项目"));
    // A viewer member may look but not change.
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    let viewer_id = app
        .count("select id from app_user where email = 'viewer@acme.cn'")
        .await;
    owner
        .post_form(
            &format!("/projects/{id}/members"),
            &[
                ("user_id", &viewer_id.to_string()),
                ("project_role", "viewer"),
                ("action", ""),
            ],
        )
        .await;
    assert_eq!(
        viewer.get(&format!("/projects/{id}/gantt")).await.status,
        StatusCode::OK
    );
    let r = add_task(&mut viewer, id, "X", "1").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Another company's ids are 404 everywhere.
    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    let task = app
        .count(&format!("select min(id) from task where project_id = {id}"))
        .await;
    for path in [
        format!("/projects/{id}"),
        format!("/projects/{id}/tasks"),
        format!("/projects/{id}/tasks/{task}"),
        format!("/projects/{id}/gantt"),
        format!("/projects/{id}/baselines"),
        format!("/projects/{id}/warnings"),
        format!("/projects/{id}/s-curve"),
        format!("/projects/{id}/progress"),
        format!("/projects/{id}/tasks/export?format=csv"),
    ] {
        assert_not_found(&other.get(&path).await);
    }
    other.get("/projects").await;
    let r = other
        .post_form(
            &format!("/projects/{id}/tasks"),
            &[("name", "x"), ("duration_days", "1")],
        )
        .await;
    assert_not_found(&r);
    let own = create_project(&mut other, "O1", "").await;
    let r = other.get(&format!("/projects/{own}/tasks/{task}")).await;
    assert_not_found(&r);
}

#[tokio::test]
async fn gantt_baselines_and_exports() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "P1", "builtin:software_upgrade").await;
    for zoom in ["week", "month", "quarter"] {
        let g = owner
            .get(&format!("/projects/{id}/gantt?zoom={zoom}"))
            .await;
        assert_eq!(g.status, StatusCode::OK);
        g.assert_contains("<svg");
        g.assert_contains("原型开发");
    }
    owner.get(&format!("/projects/{id}/baselines")).await;
    let r = owner
        .post_form(
            &format!("/projects/{id}/baselines"),
            &[("name", "合同计划")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Lengthen a task: the comparison shows the slip in working days.
    let task = task_id(&app, id, "原型开发").await;
    let page = owner.get(&format!("/projects/{id}/tasks/{task}")).await;
    let version = app
        .count(&format!(
            "select version::bigint from task where id = {task}"
        ))
        .await
        .to_string();
    let r = owner
        .post_form(
            &format!("/projects/{id}/tasks/{task}"),
            &[
                ("name", "原型开发"),
                ("duration_days", "9"),
                ("start_no_earlier_than", ""),
                ("deadline", ""),
                ("responsible_id", ""),
                ("weight", ""),
                ("notes", ""),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", page.body);
    let cmp = owner
        .get(&format!("/projects/{id}/baselines?baseline=0"))
        .await;
    cmp.assert_contains("合同计划");
    assert!(
        cmp.body.contains("<td class=\"late\">3</td>"),
        "{}",
        cmp.body
    );
    let g = owner.get(&format!("/projects/{id}/gantt?baseline=0")).await;
    g.assert_contains("baseline");
    // A stale edit answers 409 and saves nothing.
    let r = owner
        .post_form(
            &format!("/projects/{id}/tasks/{task}"),
            &[
                ("name", "旧名"),
                ("duration_days", "2"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        app.count(&format!(
            "select duration_days::bigint from task where id = {task}"
        ))
        .await,
        9
    );

    let csv = owner
        .get(&format!("/projects/{id}/tasks/export?format=csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    csv.assert_contains("原型开发");
    let xlsx = owner
        .get(&format!("/projects/{id}/tasks/export?format=xlsx"))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
}

#[tokio::test]
async fn a_tight_deadline_is_a_deadline_warning_not_a_start_before_the_project_began() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project: id,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    add_task(&mut owner, id, "基坑支护", "10").await;
    let task = task_id(&app, id, "基坑支护").await;
    let version = app
        .count(&format!(
            "select version::bigint from task where id = {task}"
        ))
        .await
        .to_string();
    owner.get(&format!("/projects/{id}/tasks/{task}")).await;
    let r = owner
        .post_form(
            &format!("/projects/{id}/tasks/{task}"),
            &[
                ("name", "基坑支护"),
                ("duration_days", "10"),
                ("deadline", "2026-03-06"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    owner.get(&format!("/projects/{id}/progress")).await;
    owner
        .post_form(
            &format!("/projects/{id}/status-date"),
            &[("status_date", "2026-03-02")],
        )
        .await;
    let w = owner.get(&format!("/projects/{id}/warnings")).await;
    w.assert_contains("预计超过期限");
    // The deadline pulls the late start before 2 March, when the project had not begun.
    assert!(!w.body.contains("应开工未开工"), "{}", w.body);
}

#[tokio::test]
async fn deleting_links_and_tasks_reschedules_and_other_tenants_get_404() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project: id,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    for (name, days) in [("基础", "5"), ("主体", "10"), ("装修", "4")] {
        add_task(&mut owner, id, name, days).await;
    }
    let (a, b, c) = (
        task_id(&app, id, "基础").await,
        task_id(&app, id, "主体").await,
        task_id(&app, id, "装修").await,
    );
    link(&mut owner, id, a, b, "FS", "0").await;
    link(&mut owner, id, b, c, "FS", "0").await;
    let start_of = |t: i64| {
        format!("select to_char(early_start, 'YYYYMMDD')::bigint from task where id = {t}")
    };
    assert_eq!(app.count(&start_of(c)).await, 20260323);

    // Another company cannot touch them.
    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    other.get("/projects").await;
    let link_ab = app
        .count(&format!("select id from task_link where pred_id = {a}"))
        .await;
    for path in [
        format!("/projects/{id}/links/{link_ab}/delete"),
        format!("/projects/{id}/tasks/{b}/delete"),
        format!("/projects/{id}/tasks/{b}/move"),
        format!("/projects/{id}/archive"),
        format!("/projects/{id}/members"),
        format!("/projects/{id}/save-template"),
        format!("/projects/{id}/baselines"),
    ] {
        assert_not_found(
            &other
                .post_form(&path, &[("action", "up"), ("name", "x")])
                .await,
        );
    }

    // Removing 基础 → 主体 lets 主体 and 装修 start earlier.
    owner.get(&format!("/projects/{id}/tasks/{b}")).await;
    let r = owner
        .post_form(&format!("/projects/{id}/links/{link_ab}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count(&start_of(c)).await, 20260316);

    // Deleting a summary takes its subtree and their links with it.
    owner.get(&format!("/projects/{id}/tasks")).await;
    owner
        .post_form(
            &format!("/projects/{id}/tasks/{c}/move"),
            &[("action", "indent")],
        )
        .await;
    assert_eq!(
        app.count(&format!("select count(*) from task where parent_id = {b}"))
            .await,
        0,
        "a linked task cannot become a summary"
    );
    let r = owner
        .post_form(&format!("/projects/{id}/tasks/{a}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let tasks = owner.get(&format!("/projects/{id}/tasks")).await;
    assert!(!tasks.body.contains("基础"));
    assert!(
        tasks
            .text(&format!("#task-{b} td:first-child"))
            .contains('1')
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from task where project_id = {id}"
        ))
        .await,
        2
    );
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'task' and action = 'delete'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_project_manager_named_on_an_edit_joins_the_project() {
    let Company {
        app,
        mut owner,
        tenant,
        project: id,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    assert_not_found(&pm.get(&format!("/projects/{id}")).await);
    let pm_id = app
        .count("select id from app_user where email = 'pm@acme.cn'")
        .await;
    let calendar = app
        .count(&format!("select calendar_id from project where id = {id}"))
        .await;
    owner.get(&format!("/projects/{id}/edit")).await;
    let version = app
        .count(&format!(
            "select version::bigint from project where id = {id}"
        ))
        .await;
    let r = owner
        .post_form(
            &format!("/projects/{id}"),
            &[
                ("code", "P1"),
                ("name", "P1 项目"),
                ("planned_start", "2026-03-02"),
                ("status", "active"),
                ("manager_id", &pm_id.to_string()),
                ("calendar_id", &calendar.to_string()),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let home = pm.get(&format!("/projects/{id}")).await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("project_manager user");
}
