//! Calendars, the project list, templates, the dashboard's onboarding and demo project, and
//! project edits over HTTP.

use axum::http::StatusCode;

use crate::plans::link;
use crate::progress::{count_of, day, value_of};
use crate::support::builders::{
    Company, CompanyBuilder, add_task, create_project, task_id, user_id,
};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

const CHINA: &str = "中国大陆 China mainland";

/// Creates a calendar through the settings form; returns the response.
async fn create_calendar(
    c: &mut TestClient,
    name: &str,
    weekdays: &[&str],
    china: bool,
) -> TestResponse {
    c.get("/settings/calendars").await;
    let mut fields: Vec<(&str, &str)> = vec![("name", name)];
    fields.extend(weekdays.iter().map(|d| ("weekday", *d)));
    if china {
        fields.push(("holidays", "china"));
    }
    c.post_form("/settings/calendars", &fields).await
}

fn id_from(r: &TestResponse, prefix: &str) -> i64 {
    r.location().trim_start_matches(prefix).parse().unwrap()
}

async fn default_calendar(app: &TestApp, tenant: i64) -> i64 {
    app.count(&format!(
        "select id from calendar where tenant_id = {tenant} and is_default"
    ))
    .await
}

/// The text of the calendar list's row for calendar `id`.
fn calendar_row(r: &TestResponse, id: i64) -> String {
    let rows = scraper::Selector::parse("tbody tr").unwrap();
    let link = scraper::Selector::parse(&format!("a[href='/settings/calendars/{id}']")).unwrap();
    r.html()
        .select(&rows)
        .find(|row| row.select(&link).next().is_some())
        .map(|row| row.text().collect::<String>())
        .unwrap_or_default()
}

/// The project codes in the list, in order.
fn codes(r: &TestResponse) -> Vec<String> {
    let sel = scraper::Selector::parse("tbody tr td:first-child a").unwrap();
    r.html()
        .select(&sel)
        .map(|a| a.text().collect::<String>())
        .collect()
}

/// The project form's fields with the given values, for create (version 0) or edit.
fn project_fields<'a>(
    code: &'a str,
    name: &'a str,
    client: &'a str,
    status: &'a str,
    manager: &'a str,
    calendar: &'a str,
    version: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("code", code),
        ("name", name),
        ("client", client),
        ("project_type", "房建"),
        ("location", "杭州"),
        ("contract_amount", "1000000"),
        ("planned_start", "2026-03-02"),
        ("planned_finish", ""),
        ("status", status),
        ("manager_id", manager),
        ("calendar_id", calendar),
        ("template", ""),
        ("version", version),
    ]
}

#[tokio::test]
async fn the_china_calendar_ships_with_its_holidays_and_new_calendars_are_checked() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let r = owner.get("/settings/calendars").await;
    assert_eq!(r.status, StatusCode::OK);
    let china = default_calendar(&app, tenant).await;
    let row = calendar_row(&r, china);
    assert!(
        row.contains(CHINA) && row.contains("默认") && !row.contains("设为默认"),
        "{row}"
    );
    assert!(row.contains("周一 周二 周三 周四 周五"), "{row}");
    assert!(!row.contains("周六"), "{row}");
    // National Day is a holiday; the Sunday before it is a make-up working day.
    assert_eq!(
        app.count(&format!(
            "select count(*) from calendar_day where calendar_id = {china}
             and day = '2026-10-01' and not working"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from calendar_day where calendar_id = {china}
             and day = '2026-09-20' and working"
        ))
        .await,
        1
    );
    let page = owner.get(&format!("/settings/calendars/{china}")).await;
    page.assert_contains("2026-10-01");
    page.assert_contains("国庆节 National Day");

    // A six-day week, without the shipped holidays.
    let r = create_calendar(
        &mut owner,
        "六天工作制",
        &["1", "2", "3", "4", "5", "6"],
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let six = id_from(&r, "/settings/calendars/");
    let page = owner.follow(&r).await;
    page.assert_contains("日历已创建。");
    assert_eq!(count_of(&page, "input[name=weekday][checked]"), 6);
    assert_eq!(
        count_of(&page, "input[name=weekday][value='6'][checked]"),
        1
    );
    assert_eq!(
        count_of(&page, "input[name=weekday][value='7'][checked]"),
        0
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from calendar where id = {six} and working_weekdays = '{{1,2,3,4,5,6}}'
             and not is_default"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from calendar_day where calendar_id = {six}"
        ))
        .await,
        0
    );
    let list = owner.get("/settings/calendars").await;
    let row = calendar_row(&list, six);
    assert!(row.contains("周六") && !row.contains("周日"), "{row}");

    // Refusals, each with its message, and no calendar added.
    let r = create_calendar(&mut owner, "", &["1"], false).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("name"), "此项必填。");
    let r = create_calendar(&mut owner, "六天工作制", &["1"], false).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("name"), "已存在同名日历。");
    let r = create_calendar(&mut owner, "无工作日", &[], false).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text("fieldset .field-error")
            .contains("请至少选择一个工作日。"),
        "{}",
        r.body
    );
    // The name typed stays in the form.
    assert_eq!(value_of(&r, "#f-name"), "无工作日");
    assert_eq!(
        app.count(&format!(
            "select count(*) from calendar where tenant_id = {tenant}"
        ))
        .await,
        2
    );

    // Renaming a calendar to another's name is refused as well.
    let page = owner.get(&format!("/settings/calendars/{six}")).await;
    let version = value_of(&page, "input[name=version]");
    let r = owner
        .post_form(
            &format!("/settings/calendars/{six}"),
            &[("name", CHINA), ("weekday", "1"), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("name"), "已存在同名日历。");
}

#[tokio::test]
async fn holidays_and_weekdays_move_the_projects_on_the_calendar() {
    let Company {
        app,
        mut owner,
        tenant,
        project: id,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    add_task(&mut owner, id, "浇筑", "10").await;
    let task = task_id(&app, id, "浇筑").await;
    let calendar = app
        .count(&format!("select calendar_id from project where id = {id}"))
        .await;
    assert_eq!(calendar, default_calendar(&app, tenant).await);
    // Ten working days from Monday 2 March: Friday 13 March.
    assert_eq!(day(&app, task, "early_finish").await, 20260313);

    // A holiday on Wednesday 4 March pushes it to Monday 16 March.
    owner.get(&format!("/settings/calendars/{calendar}")).await;
    let r = owner
        .post_form(
            &format!("/settings/calendars/{calendar}/days"),
            &[
                ("day", "2026-03-04"),
                ("kind", "holiday"),
                ("name", "停电检修"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.follow(&r).await;
    page.assert_contains("停电检修");
    assert_eq!(day(&app, task, "early_finish").await, 20260316);
    let project = owner.get(&format!("/projects/{id}")).await;
    project.assert_contains("2026-03-16");

    // A bad day is refused beside the field.
    let r = owner
        .post_form(
            &format!("/settings/calendars/{calendar}/days"),
            &[("day", "2026-03-32"), ("kind", "holiday"), ("name", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("day"), "请按 YYYY-MM-DD 格式填写日期。");

    // Removing it moves the task back.
    let r = owner
        .post_form(
            &format!("/settings/calendars/{calendar}/days/remove"),
            &[("day", "2026-03-04")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(day(&app, task, "early_finish").await, 20260313);
    assert_eq!(
        app.count(&format!(
            "select count(*) from calendar_day where calendar_id = {calendar} and day = '2026-03-04'"
        ))
        .await,
        0
    );

    // Saturdays as working days: six days in the first week, four in the next.
    let page = owner.get(&format!("/settings/calendars/{calendar}")).await;
    let version = value_of(&page, "input[name=version]");
    let six_days = [
        ("name", CHINA),
        ("weekday", "1"),
        ("weekday", "2"),
        ("weekday", "3"),
        ("weekday", "4"),
        ("weekday", "5"),
        ("weekday", "6"),
        ("version", version.as_str()),
    ];
    let r = owner
        .post_form(&format!("/settings/calendars/{calendar}"), &six_days)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(day(&app, task, "early_finish").await, 20260312);

    // The same form again, with the version it was read at: someone saved since.
    let mut stale = six_days.to_vec();
    stale[0] = ("name", "旧日历名");
    let r = owner
        .post_form(&format!("/settings/calendars/{calendar}"), &stale)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    r.assert_contains("其他人已先保存，已显示其内容。");
    // The page shows what is stored, with the current version to save over it.
    assert_eq!(value_of(&r, "#f-name"), CHINA);
    assert_ne!(value_of(&r, "input[name=version]"), version);
    assert_eq!(
        app.count(&format!(
            "select count(*) from calendar where id = {calendar} and name = '{CHINA}'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn another_calendar_can_become_the_default() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    owner.get("/settings/calendars").await;
    let china = default_calendar(&app, tenant).await;
    let r = create_calendar(
        &mut owner,
        "六天工作制",
        &["1", "2", "3", "4", "5", "6"],
        true,
    )
    .await;
    let six = id_from(&r, "/settings/calendars/");
    // Created with the shipped holidays this time.
    assert!(
        app.count(&format!(
            "select count(*) from calendar_day where calendar_id = {six}"
        ))
        .await
            > 30
    );

    owner.get("/settings/calendars").await;
    let r = owner
        .post_form(&format!("/settings/calendars/{six}/default"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The default has the tag and no "make default" button; the old one the other way round.
    let list = owner.follow(&r).await;
    let (six_row, china_row) = (calendar_row(&list, six), calendar_row(&list, china));
    assert!(
        six_row.contains("默认") && !six_row.contains("设为默认"),
        "{six_row}"
    );
    assert!(china_row.contains("设为默认"), "{china_row}");
    assert_eq!(
        app.count(&format!(
            "select count(*) from calendar where tenant_id = {tenant} and is_default"
        ))
        .await,
        1
    );
    assert_eq!(default_calendar(&app, tenant).await, six);
    // New projects start on it.
    let form = owner.get("/projects/new").await;
    assert_eq!(
        value_of(&form, "#f-calendar_id option[selected]"),
        six.to_string()
    );
}

#[tokio::test]
async fn calendars_are_for_owners_and_admins_and_other_tenants_get_404() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    owner.get("/settings/calendars").await;
    let china = default_calendar(&app, tenant).await;
    let days_before = app
        .count(&format!(
            "select count(*) from calendar_day where calendar_id = {china}"
        ))
        .await;
    let version = "1";

    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    assert_eq!(
        pm.get("/settings/calendars").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        pm.get(&format!("/settings/calendars/{china}")).await.status,
        StatusCode::FORBIDDEN
    );
    pm.get("/dashboard").await;
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/settings/calendars".into(),
            vec![("name", "PM 日历"), ("weekday", "1")],
        ),
        (
            format!("/settings/calendars/{china}"),
            vec![("name", "改名"), ("weekday", "1"), ("version", version)],
        ),
        (
            format!("/settings/calendars/{china}/days"),
            vec![("day", "2026-03-04"), ("kind", "holiday"), ("name", "")],
        ),
        (
            format!("/settings/calendars/{china}/days/remove"),
            vec![("day", "2026-10-01")],
        ),
        (format!("/settings/calendars/{china}/default"), vec![]),
    ];
    for (path, fields) in &posts {
        let r = pm.post_form(path, fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }
    // An admin may.
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    assert_eq!(
        admin
            .get(&format!("/settings/calendars/{china}"))
            .await
            .status,
        StatusCode::OK
    );

    // Another company's calendar does not exist for them.
    let (mut other, other_tenant) = app.signup("Other", "owner@other.cn").await;
    assert_not_found(&other.get(&format!("/settings/calendars/{china}")).await);
    other.get("/settings/calendars").await;
    for (path, fields) in posts.iter().skip(1) {
        let r = other.post_form(path, fields).await;
        assert_not_found(&r);
    }
    // Nor can a project of theirs use it.
    let r = other
        .post_form(
            "/projects",
            &project_fields("X1", "X", "", "active", "", &china.to_string(), "0"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // (This select's message has no e-calendar_id id, unlike the macro-made fields.)
    assert_eq!(r.text("#f-calendar_id ~ .field-error"), "请从选项中选择。");

    // Nothing changed.
    assert_eq!(
        app.count(&format!(
            "select count(*) from calendar where id = {china} and name = '{CHINA}' and is_default
             and version = 1"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from calendar_day where calendar_id = {china}"
        ))
        .await,
        days_before
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from calendar where tenant_id = {tenant}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from calendar where tenant_id = {other_tenant} and is_default"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn the_project_list_filters_sorts_and_hides_archived_projects() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    app.user(tenant, "pm@acme.cn", "project_manager").await;
    let pm = user_id(&app, "pm@acme.cn").await.to_string();
    let page = owner.get("/projects/new").await;
    let calendar = value_of(&page, "#f-calendar_id option");
    // Codes sort one way, names the other.
    for (code, name, client, status, manager) in [
        ("P-1", "Bravo 住宅楼", "城投集团", "active", ""),
        ("P-2", "Charlie 办公楼", "陆家嘴集团", "planning", ""),
        ("P-3", "Alpha 学校", "城投集团", "active", pm.as_str()),
    ] {
        owner.get("/projects/new").await;
        let r = owner
            .post_form(
                "/projects",
                &project_fields(code, name, client, status, manager, &calendar, "0"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let p1 = app.count("select id from project where code = 'P-1'").await;

    let list = owner.get("/projects").await;
    assert_eq!(codes(&list), ["P-1", "P-2", "P-3"]);
    let r = owner.get("/projects?status=planning").await;
    assert_eq!(codes(&r), ["P-2"]);
    assert_eq!(value_of(&r, "#f-status option[selected]"), "planning");
    let r = owner.get(&format!("/projects?manager={pm}")).await;
    assert_eq!(codes(&r), ["P-3"]);
    let r = owner.get("/projects?q=%E5%9F%8E%E6%8A%95").await; // 城投
    assert_eq!(codes(&r), ["P-1", "P-3"]);
    let r = owner.get("/projects?q=charlie").await;
    assert_eq!(codes(&r), ["P-2"]);
    let r = owner.get("/projects?q=%25").await; // a literal %
    assert!(codes(&r).is_empty());
    r.assert_contains("没有符合条件的项目。");
    let r = owner.get("/projects?sort=name&dir=desc").await;
    assert_eq!(codes(&r), ["P-2", "P-1", "P-3"]);
    let r = owner.get("/projects?sort=name&dir=asc").await;
    assert_eq!(codes(&r), ["P-3", "P-1", "P-2"]);

    // Archive P-1: gone from the list, shown with archived=1, marked on its page.
    owner.get(&format!("/projects/{p1}")).await;
    let r = owner
        .post_form(&format!("/projects/{p1}/archive"), &[("archived", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.follow(&r).await;
    page.assert_contains("项目已归档。");
    page.assert_contains("已归档");
    page.assert_contains("恢复项目");
    assert_eq!(codes(&owner.get("/projects").await), ["P-2", "P-3"]);
    assert_eq!(codes(&owner.get("/projects?archived=1").await), ["P-1"]);
    // An archived project drops out of the filters too.
    assert_eq!(
        codes(&owner.get("/projects?q=%E5%9F%8E%E6%8A%95").await),
        ["P-3"]
    );

    // Restore it.
    let r = owner
        .post_form(&format!("/projects/{p1}/archive"), &[("archived", "0")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    owner.follow(&r).await.assert_contains("项目已恢复。");
    assert_eq!(codes(&owner.get("/projects").await), ["P-1", "P-2", "P-3"]);
    assert!(codes(&owner.get("/projects?archived=1").await).is_empty());
}

#[tokio::test]
async fn a_project_saved_as_a_template_gives_new_projects_its_tasks_and_links() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let id = create_project(&mut owner, "P1", "builtin:software_upgrade").await;
    // Make it our own: an extra task with a lagged SS link.
    let r = add_task(&mut owner, id, "安全评估", "4").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (pred, extra) = (
        task_id(&app, id, "原型开发").await,
        task_id(&app, id, "安全评估").await,
    );
    let r = link(&mut owner, id, pred, extra, "SS", "2").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    owner.get(&format!("/projects/{id}")).await;
    let r = owner
        .post_form(
            &format!("/projects/{id}/save-template"),
            &[("name", "软件升级（本公司）")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    owner.follow(&r).await.assert_contains("模板已保存。");
    let template = app
        .count("select id from project_template where name = '软件升级（本公司）'")
        .await;

    // It is offered when creating a project.
    let form = owner.get("/projects/new").await;
    let option = form.text(&format!("#f-template option[value='saved:{template}']"));
    assert_eq!(option, "软件升级（本公司）");

    let copy = create_project(&mut owner, "P2", &format!("saved:{template}")).await;
    let count = |project: i64, table: &str| {
        format!("select count(*) from {table} where project_id = {project}")
    };
    let tasks = app.count(&count(id, "task")).await;
    let links = app.count(&count(id, "task_link")).await;
    assert_eq!(app.count(&count(copy, "task")).await, tasks);
    assert_eq!(app.count(&count(copy, "task_link")).await, links);
    // Every copied task matches one of the original by name, duration, milestone and parent…
    assert_eq!(
        app.count(&format!(
            "select count(*) from task n left join task np on np.id = n.parent_id
             where n.project_id = {copy} and exists (
                select 1 from task o left join task op on op.id = o.parent_id
                where o.project_id = {id} and o.name = n.name and o.duration_days = n.duration_days
                  and o.milestone = n.milestone and op.name is not distinct from np.name)"
        ))
        .await,
        tasks
    );
    // …and every copied link one of the original, by its tasks' names, kind and lag.
    assert_eq!(
        app.count(&format!(
            "select count(*) from task_link nl
               join task a on a.id = nl.pred_id join task b on b.id = nl.succ_id
             where nl.project_id = {copy} and exists (
                select 1 from task_link ol
                  join task oa on oa.id = ol.pred_id join task ob on ob.id = ol.succ_id
                where ol.project_id = {id} and oa.name = a.name and ob.name = b.name
                  and ol.kind = nl.kind and ol.lag_days = nl.lag_days)"
        ))
        .await,
        links
    );
    // Same start, same network: the same dates.
    let copied_extra = task_id(&app, copy, "安全评估").await;
    assert_eq!(
        day(&app, copied_extra, "early_start").await,
        day(&app, extra, "early_start").await
    );

    // The same name again is refused, saying why.
    owner.get(&format!("/projects/{copy}")).await;
    let r = owner
        .post_form(
            &format!("/projects/{copy}/save-template"),
            &[("name", "软件升级（本公司）")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}: {}", r.status, r.body);
    r.assert_contains("已存在同名模板。");
    assert_eq!(app.count("select count(*) from project_template").await, 1);

    // Another company cannot build from it.
    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    let form = other.get("/projects/new").await;
    assert_eq!(
        count_of(&form, &format!("option[value='saved:{template}']")),
        0
    );
    let calendar = value_of(&form, "#f-calendar_id option");
    let mut fields = project_fields("X1", "X", "", "active", "", &calendar, "0");
    let saved = format!("saved:{template}");
    fields.retain(|(k, _)| *k != "template");
    fields.push(("template", &saved));
    let r = other.post_form("/projects", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.field_error("template"), "请从选项中选择。");
}

#[tokio::test]
async fn the_dashboard_checklist_and_the_demo_project() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let dash = owner.get("/dashboard").await;
    let open = dash.text(".checklist li:not(.done)");
    assert!(
        open.contains("创建第一个项目") && open.contains("加载演示项目"),
        "{open}"
    );
    assert_eq!(count_of(&dash, "form[action='/projects/demo']"), 1);

    let r = owner.post_form("/projects/demo", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let demo = app
        .count(&format!(
            "select id from project where tenant_id = {tenant} and code = 'DEMO-01'"
        ))
        .await;
    assert_eq!(r.location(), format!("/projects/{demo}"));
    let home = owner.follow(&r).await;
    home.assert_contains("滨江花园");
    // Tasks, a baseline, a status date and recorded progress.
    assert!(
        app.count(&format!(
            "select count(*) from task where project_id = {demo}"
        ))
        .await
            > 20
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from baseline where project_id = {demo}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from project where id = {demo} and status_date is not null
             and percent_complete > 0"
        ))
        .await,
        1
    );
    assert!(
        app.count(&format!(
            "select count(*) from progress_update where project_id = {demo}"
        ))
        .await
            > 0
    );
    let curve = owner.get(&format!("/projects/{demo}/s-curve")).await;
    assert_eq!(count_of(&curve, "svg g.actual polyline"), 1);

    // Loading it again leads to the same project.
    let r = owner.post_form("/projects/demo", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/projects/{demo}"));
    assert_eq!(
        app.count(&format!(
            "select count(*) from project where tenant_id = {tenant}"
        ))
        .await,
        1
    );

    // The demo step is done and its button gone; the demo is not "your first project".
    let dash = owner.get("/dashboard").await;
    assert!(dash.text(".checklist li.done").contains("加载演示项目"));
    assert!(
        dash.text(".checklist li:not(.done)")
            .contains("创建第一个项目")
    );
    assert_eq!(count_of(&dash, "form[action='/projects/demo']"), 0);

    create_project(&mut owner, "P1", "").await;
    let dash = owner.get("/dashboard").await;
    let done = dash.text(".checklist li.done");
    assert!(
        done.contains("创建第一个项目") && done.contains("加载演示项目"),
        "{done}"
    );
}

#[tokio::test]
async fn project_edits_show_conflicts_and_refuse_duplicate_codes() {
    let Company {
        app,
        mut owner,
        tenant,
        project: id,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;

    let form = owner.get(&format!("/projects/{id}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    let calendar = value_of(&form, "#f-calendar_id option[selected]");
    let version = value_of(&form, "input[name=version]");

    // The admin saves first.
    admin.get(&format!("/projects/{id}/edit")).await;
    let r = admin
        .post_form(
            &format!("/projects/{id}"),
            &project_fields(
                "P1",
                "管理员改的名称",
                "",
                "suspended",
                "",
                &calendar,
                &version,
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The owner's save, read at the old version, shows the admin's values and keeps theirs.
    let r = owner
        .post_form(
            &format!("/projects/{id}"),
            &project_fields("P1", "业主改的名称", "", "active", "", &calendar, &version),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    r.assert_contains("其他人已先保存此项目，已显示其内容。");
    let theirs = r.text("dl.compare");
    assert!(
        theirs.contains("管理员改的名称") && theirs.contains("停工"),
        "{theirs}"
    );
    assert_eq!(value_of(&r, "#f-name"), "业主改的名称");
    assert_eq!(
        app.count(&format!(
            "select count(*) from project where id = {id} and name = '管理员改的名称'"
        ))
        .await,
        1
    );
    // Saving again from that page overwrites, as the message says.
    let newer = value_of(&r, "input[name=version]");
    assert_ne!(newer, version);
    let r = owner
        .post_form(
            &format!("/projects/{id}"),
            &project_fields("P1", "业主改的名称", "", "active", "", &calendar, &newer),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from project where id = {id} and name = '业主改的名称'"
        ))
        .await,
        1
    );

    // Another project cannot take P1's code, on edit or on create.
    let other = create_project(&mut owner, "P2", "").await;
    let form = owner.get(&format!("/projects/{other}/edit")).await;
    let version = value_of(&form, "input[name=version]");
    let r = owner
        .post_form(
            &format!("/projects/{other}"),
            &project_fields("P1", "P2 项目", "", "active", "", &calendar, &version),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.field_error("code"), "该项目编号已被使用。");
    owner.get("/projects/new").await;
    let r = owner
        .post_form(
            "/projects",
            &project_fields("P1", "又一个", "", "active", "", &calendar, "0"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.field_error("code"), "该项目编号已被使用。");
    assert_eq!(
        app.count(&format!(
            "select count(*) from project where tenant_id = {tenant} and code = 'P1'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from project where id = {other} and code = 'P2'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn the_demo_project_has_a_delay_warning() {
    let app = TestApp::spawn().await;
    let (mut owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    owner.get("/dashboard").await;
    let r = owner.post_form("/projects/demo", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let demo = app
        .count(&format!(
            "select id from project where tenant_id = {tenant} and code = 'DEMO-01'"
        ))
        .await;
    // The piling ran four days late: something after it should now be forecast late.
    let late = app
        .count(&format!(
            "select count(*) from task t join baseline_task b on b.task_id = t.id
             where t.project_id = {demo} and not t.is_summary and t.actual_finish is null
               and t.early_finish > b.finish"
        ))
        .await;
    assert!(
        late > 0,
        "no unfinished task is forecast after its baseline"
    );
    let warnings = owner.get(&format!("/projects/{demo}/warnings")).await;
    assert!(
        count_of(&warnings, "table.warnings-table tbody tr") > 0,
        "{}",
        warnings.body
    );
    let dash = owner.get("/dashboard").await;
    assert!(
        dash.text("ul.warnings").contains("DEMO-01"),
        "{}",
        dash.body
    );
}
