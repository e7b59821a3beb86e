//! The labour roster over HTTP: labour settings and trades, crews and workers; each role's
//! rights (a foreman only in the crews they lead); identity-card numbers checked, unique and
//! masked for all but owners and admins, on pages and in the export; stale saves; other
//! tenants' ids.

use axum::http::{StatusCode, header};

use crate::support::builders::{CrewBuilder, WorkerBuilder, user_id};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

/// A valid identity-card number (GB 11643) born 1985-06-15 with sequence `seq`.
fn id_number(seq: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let body = format!("33010619850615{:03}", seq % 1000);
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", CHECK[(sum % 11) as usize] as char)
}

fn masked(id: &str) -> String {
    format!("{}{}", "*".repeat(14), &id[14..])
}

/// The same number with a wrong last character.
fn wrong_check_digit(id: &str) -> String {
    let last = if id.ends_with('1') { '2' } else { '1' };
    format!("{}{last}", &id[..17])
}

async fn setup() -> (TestApp, TestClient, i64) {
    let app = TestApp::spawn().await;
    let (owner, tenant) = app.signup("Acme", "owner@acme.cn").await;
    (app, owner, tenant)
}

async fn trade(app: &TestApp, tenant: i64, name: &str) -> i64 {
    app.count(&format!(
        "select id from trade where tenant_id = {tenant} and name_zh = '{name}'"
    ))
    .await
}

/// The `value` attribute of the input matching `selector`.
fn value_of(r: &TestResponse, selector: &str) -> String {
    let sel = scraper::Selector::parse(selector).unwrap();
    r.html()
        .select(&sel)
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_owned))
        .unwrap_or_else(|| panic!("no {selector} in:\n{}", r.body))
}

/// How many elements match `selector`.
fn count(r: &TestResponse, selector: &str) -> usize {
    let sel = scraper::Selector::parse(selector).unwrap();
    r.html().select(&sel).count()
}

/// The options (value, text) of the select matching `selector`.
fn options(r: &TestResponse, selector: &str) -> Vec<(String, String)> {
    let sel = scraper::Selector::parse(&format!("{selector} option")).unwrap();
    r.html()
        .select(&sel)
        .map(|o| {
            (
                o.value().attr("value").unwrap_or("").to_owned(),
                o.text().collect::<String>(),
            )
        })
        .collect()
}

// Settings ---------------------------------------------------------------------------------

#[tokio::test]
async fn labour_settings_save_the_day_and_multipliers_and_refuse_bad_values() {
    let (app, mut owner, _) = setup().await;
    let page = owner.get("/settings/labour").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(value_of(&page, "#f-day_hours"), "8");
    assert_eq!(value_of(&page, "#f-overtime"), "1.5");
    assert_eq!(value_of(&page, "#f-holiday"), "3");
    assert!(page.text("nav.tabs a[aria-current=page]").contains("点工"));

    let save = |day: &'static str, overtime: &'static str, version: &'static str| {
        [
            ("day_hours", day),
            ("regular", "1"),
            ("overtime", overtime),
            ("rest_day", "2"),
            ("holiday", "3"),
            ("version", version),
        ]
    };
    for day in ["0", "25"] {
        let r = owner
            .post_form("/settings/labour", &save(day, "1.5", "0"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            r.field_error("day_hours"),
            "标准工日须大于 0 小时且不超过 24 小时。"
        );
        assert_eq!(value_of(&r, "#f-day_hours"), day);
    }
    let r = owner
        .post_form("/settings/labour", &save("8", "-1", "0"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("overtime"), "不能为负数");
    assert_eq!(app.count("select count(*) from labour_settings").await, 0);

    let r = owner
        .post_form("/settings/labour", &save("9", "1.75", "0"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.follow(&r).await;
    page.assert_contains("已保存");
    assert_eq!(value_of(&page, "#f-day_hours"), "9");
    assert_eq!(value_of(&page, "#f-overtime"), "1.75");
    assert_eq!(
        app.count("select (day_hours * 100)::bigint from labour_settings")
            .await,
        900
    );
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'labour_settings'")
            .await,
        1
    );

    // A second save from the page read before the first one: 409, nothing overwritten.
    let r = owner
        .post_form("/settings/labour", &save("10", "2", "0"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("其他人修改了点工设置");
    assert_eq!(r.text(".compare dd").split(" | ").next(), Some("9"));
    assert_eq!(value_of(&r, "input[name=version]"), "1");
    assert_eq!(
        app.count("select (day_hours * 100)::bigint from labour_settings")
            .await,
        900
    );
    // Saved again from the refreshed form: the upsert moves the version on.
    let r = owner
        .post_form("/settings/labour", &save("10", "2", "1"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count("select version::bigint from labour_settings")
            .await,
        2
    );
}

#[tokio::test]
async fn only_owners_and_admins_open_labour_settings() {
    let (app, _, tenant) = setup().await;
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    assert_eq!(admin.get("/settings/labour").await.status, StatusCode::OK);
    for role in ["project_manager", "finance", "foreman", "viewer"] {
        let mut c = app.user(tenant, &format!("{role}@acme.cn"), role).await;
        assert_eq!(
            c.get("/settings/labour").await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        c.get("/labour/crews").await;
        let r = c
            .post_form(
                "/settings/labour",
                &[
                    ("day_hours", "10"),
                    ("regular", "1"),
                    ("overtime", "1.5"),
                    ("rest_day", "2"),
                    ("holiday", "3"),
                    ("version", "0"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        let r = c
            .post_form(
                "/settings/labour/trades",
                &[("name_zh", "防水工"), ("name_en", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(app.count("select count(*) from labour_settings").await, 0);
    assert_eq!(
        app.count("select count(*) from trade where name_zh = '防水工'")
            .await,
        0
    );
}

#[tokio::test]
async fn trades_are_added_renamed_deactivated_and_reordered() {
    let (app, mut owner, tenant) = setup().await;
    let page = owner.get("/settings/labour").await;
    let sel = scraper::Selector::parse("#trades tbody input[name=name_zh]").unwrap();
    let names: Vec<String> = page
        .html()
        .select(&sel)
        .map(|e| e.value().attr("value").unwrap_or("").to_owned())
        .collect();
    assert_eq!(names.first().map(String::as_str), Some("普工"));
    assert_eq!(names.len(), 11);

    // Add.
    let r = owner
        .post_form(
            "/settings/labour/trades",
            &[("name_zh", " 防水工 "), ("name_en", "Waterproofer")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.follow(&r).await;
    page.assert_contains("工种已添加。");
    let waterproofer = trade(&app, tenant, "防水工").await;
    assert_eq!(
        value_of(&page, "#trades tbody tr:last-child input[name=name_zh]"),
        "防水工"
    );
    // A Chinese name already taken, and an empty one: 422, nothing added.
    let r = owner
        .post_form(
            "/settings/labour/trades",
            &[("name_zh", "木工"), ("name_en", "Joiner")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("name_zh"), "已有同名工种。");
    assert_eq!(value_of(&r, "#new-trade #f-name_en"), "Joiner");
    let r = owner
        .post_form(
            "/settings/labour/trades",
            &[("name_zh", ""), ("name_en", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count(&format!(
            "select count(*) from trade where tenant_id = {tenant}"
        ))
        .await,
        12
    );

    // Rename, then a stale rename, then a rename onto another trade's name.
    let path = format!("/settings/labour/trades/{waterproofer}");
    let r = owner
        .post_form(
            &path,
            &[
                ("name_zh", "防水工（卷材）"),
                ("name_en", "Membrane waterproofer"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner
        .post_form(
            &path,
            &[("name_zh", "防水"), ("name_en", ""), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("其他人修改了这个工种");
    let r = owner
        .post_form(
            &path,
            &[("name_zh", "电工"), ("name_en", ""), ("version", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("name_zh"), "已有同名工种。");
    assert_eq!(value_of(&r, &format!("#f-name_zh-{waterproofer}")), "电工");
    assert_eq!(
        app.count(&format!(
            "select count(*) from trade where id = {waterproofer} and name_zh = '防水工（卷材）' and name_en = 'Membrane waterproofer'"
        ))
        .await,
        1
    );

    // Move up: it swaps with the trade above it.
    let r = owner
        .post_form(&format!("{path}/move"), &[("dir", "up")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = owner.get("/settings/labour").await;
    assert_eq!(
        value_of(
            &page,
            "#trades tbody tr:nth-last-child(2) input[name=name_zh]"
        ),
        "防水工（卷材）"
    );
    assert_eq!(
        value_of(&page, "#trades tbody tr:last-child input[name=name_zh]"),
        "机械操作工"
    );
    let r = owner
        .post_form(&format!("{path}/move"), &[("dir", "down")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = owner.get("/settings/labour").await;
    assert_eq!(
        value_of(&page, "#trades tbody tr:last-child input[name=name_zh]"),
        "防水工（卷材）"
    );

    // Deactivated: no longer offered for a new crew; reactivated: offered again.
    let r = owner
        .post_form(&format!("{path}/active"), &[("active", "0")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    owner.follow(&r).await.assert_contains("工种已停用。");
    let form = owner.get("/labour/crews/new").await;
    assert!(
        !options(&form, "#f-trade_id")
            .iter()
            .any(|(v, _)| v == &waterproofer.to_string())
    );
    let r = owner
        .post_form(&format!("{path}/active"), &[("active", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let form = owner.get("/labour/crews/new").await;
    assert!(
        options(&form, "#f-trade_id")
            .iter()
            .any(|(v, t)| v == &waterproofer.to_string() && t == "防水工（卷材）")
    );
    assert!(
        app.count("select count(*) from audit_log where entity = 'trade'")
            .await
            >= 6
    );
}

// Crews ------------------------------------------------------------------------------------

#[tokio::test]
async fn crews_are_listed_created_and_edited_with_their_workers() {
    let (app, mut owner, tenant) = setup().await;
    app.user(tenant, "wang@acme.cn", "foreman").await;
    app.exec("update app_user set name = '王建国' where email = 'wang@acme.cn'")
        .await;
    app.user(tenant, "fin@acme.cn", "finance").await;
    let wang = user_id(&app, "wang@acme.cn").await;
    let finance = user_id(&app, "fin@acme.cn").await;
    let rebar = trade(&app, tenant, "钢筋工").await;

    // The foreman select offers foremen and project managers, not finance.
    let form = owner.get("/labour/crews/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let foremen = options(&form, "#f-foreman_id");
    assert!(
        foremen
            .iter()
            .any(|(v, t)| v == &wang.to_string() && t == "王建国")
    );
    assert!(!foremen.iter().any(|(v, _)| v == &finance.to_string()));
    assert_eq!(
        options(&form, "#f-count_unit"),
        vec![
            ("hour".to_owned(), "按小时".to_owned()),
            ("day".to_owned(), "按工日".to_owned())
        ]
    );

    let crew = CrewBuilder::new("钢筋一班")
        .foreman(wang)
        .trade(rebar)
        .create(&mut owner)
        .await
        .id;
    let page = owner.get(&format!("/labour/crews/{crew}")).await;
    page.assert_contains("班组已创建。");
    assert_eq!(value_of(&page, "#f-name"), "钢筋一班");

    // A name already taken: 422 with the message, input kept, nothing saved.
    let r = CrewBuilder::new("钢筋一班")
        .unit("hour")
        .post(&mut owner, "/labour/crews", "0")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("name"), "已有同名班组，请换一个名称。");
    // Someone not offered (finance) cannot be made foreman.
    let r = CrewBuilder::new("木工二班")
        .foreman(finance)
        .unit("hour")
        .post(&mut owner, "/labour/crews", "0")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("foreman_id"), "请从选项中选择。");
    assert_eq!(app.count("select count(*) from crew").await, 1);

    // Its workers are listed on its page, linked, and counted in the list.
    let worker = WorkerBuilder::new("李四", &id_number(1), rebar)
        .crew(crew)
        .day_rate("380")
        .create(&mut owner)
        .await;
    let page = owner.get(&format!("/labour/crews/{crew}")).await;
    assert_eq!(page.text("#crew-workers tbody td:first-child"), "李四");
    page.assert_contains(&format!("href=\"/labour/workers/{worker}\""));
    page.assert_contains(&format!("href=\"/labour/workers/new?crew={crew}\""));
    let list = owner.get("/labour/crews").await;
    assert_eq!(
        list.text("#crews tbody tr td"),
        "钢筋一班 | 王建国 | 浙江安居劳务有限公司 | 钢筋工 | 按工日 | 1 | 在用"
    );

    // Edit: counted in hours now; a stale second save is 409 and shows the saved crew.
    let path = format!("/labour/crews/{crew}");
    let r = CrewBuilder::new("钢筋一班")
        .foreman(wang)
        .trade(rebar)
        .unit("hour")
        .post(&mut owner, &path, "1")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = CrewBuilder::new("钢筋甲班")
        .post(&mut owner, &path, "1")
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("其他人修改了这个班组");
    assert!(r.text(".compare dd").contains("按小时"));
    assert_eq!(value_of(&r, "#f-name"), "钢筋甲班");
    assert_eq!(value_of(&r, "input[name=version]"), "2");
    assert_eq!(
        app.count("select count(*) from crew where name = '钢筋一班' and count_unit = 'hour'")
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'crew'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_foreman_leads_the_crews_they_create_and_edits_no_others() {
    let (app, mut owner, tenant) = setup().await;
    let mut wang = app.user(tenant, "wang@acme.cn", "foreman").await;
    app.user(tenant, "zhao@acme.cn", "foreman").await;
    let wang_id = user_id(&app, "wang@acme.cn").await;
    let zhao_id = user_id(&app, "zhao@acme.cn").await;
    let carpenter = trade(&app, tenant, "木工").await;

    // The foreman select is fixed to themself; a foreman sent in the form is ignored.
    let form = wang.get("/labour/crews/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(options(&form, "#f-foreman_id").is_empty());
    assert_eq!(form.text("#f-foreman"), "foreman user");
    let own = CrewBuilder::new("木工班")
        .foreman(zhao_id)
        .trade(carpenter)
        .create(&mut wang)
        .await
        .id;
    assert_eq!(
        app.count(&format!("select foreman_id from crew where id = {own}"))
            .await,
        wang_id
    );
    let others = CrewBuilder::new("赵家班")
        .foreman(zhao_id)
        .create(&mut owner)
        .await
        .id;

    // Another foreman's crew: read only, and a POST is 403 with nothing saved.
    let page = wang.get(&format!("/labour/crews/{others}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(count(&page, "form.form-grid"), 0);
    assert!(page.text("#crew-facts").contains("赵家班"));
    let r = CrewBuilder::new("王家班")
        .unit("hour")
        .post(&mut wang, &format!("/labour/crews/{others}"), "1")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("select count(*) from crew where name = '赵家班'")
            .await,
        1
    );
    // Their own crew they edit.
    let page = wang.get(&format!("/labour/crews/{own}")).await;
    assert_eq!(count(&page, "form.form-grid"), 1);
    let r = CrewBuilder::new("木工一班")
        .trade(carpenter)
        .unit("hour")
        .post(&mut wang, &format!("/labour/crews/{own}"), "1")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Workers: only into their own crews, and only theirs to edit.
    let form = wang.get("/labour/workers/new").await;
    let crews = options(&form, "#f-crew_id");
    assert_eq!(crews, vec![(own.to_string(), "木工一班".to_owned())]);
    let r = WorkerBuilder::new("孙五", &id_number(2), carpenter)
        .crew(others)
        .post(&mut wang, "/labour/workers", "0")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("crew_id"), "请从选项中选择。");
    let r = WorkerBuilder::new("孙五", &id_number(2), carpenter)
        .post(&mut wang, "/labour/workers", "0")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("crew_id"), "此项必填。");
    assert_eq!(app.count("select count(*) from worker").await, 0);
    let mine = WorkerBuilder::new("孙五", &id_number(2), carpenter)
        .crew(own)
        .create(&mut wang)
        .await;
    let theirs = WorkerBuilder::new("周六", &id_number(3), carpenter)
        .crew(others)
        .create(&mut owner)
        .await;
    let page = wang.get(&format!("/labour/workers/{theirs}")).await;
    assert_eq!(count(&page, "form.form-grid"), 0);
    assert!(page.text("#worker-facts").contains("周六"));
    let r = WorkerBuilder::new("周六六", &masked(&id_number(3)), carpenter)
        .crew(own)
        .post(&mut wang, &format!("/labour/workers/{theirs}"), "1")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = WorkerBuilder::new("孙小五", &masked(&id_number(2)), carpenter)
        .crew(own)
        .day_rate("320")
        .post(&mut wang, &format!("/labour/workers/{mine}"), "1")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from worker where id = {mine} and name = '孙小五' and id_number = '{}'",
            id_number(2)
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from worker where name = '周六'")
            .await,
        1
    );
}

#[tokio::test]
async fn project_managers_edit_any_crew_and_viewers_and_finance_only_read() {
    let (app, mut owner, tenant) = setup().await;
    app.user(tenant, "zhao@acme.cn", "foreman").await;
    let zhao = user_id(&app, "zhao@acme.cn").await;
    let crew = CrewBuilder::new("赵家班")
        .foreman(zhao)
        .create(&mut owner)
        .await
        .id;
    let general = trade(&app, tenant, "普工").await;
    let worker = WorkerBuilder::new("钱七", &id_number(4), general)
        .crew(crew)
        .day_rate("260")
        .create(&mut owner)
        .await;

    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    let r = CrewBuilder::new("赵家班")
        .foreman(zhao)
        .unit("hour")
        .post(&mut pm, &format!("/labour/crews/{crew}"), "1")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    for role in ["finance", "viewer"] {
        let mut c = app.user(tenant, &format!("{role}@acme.cn"), role).await;
        let list = c.get("/labour/crews").await;
        assert_eq!(list.status, StatusCode::OK, "{role}");
        assert!(!list.body.contains("href=\"/labour/crews/new\""), "{role}");
        let page = c.get(&format!("/labour/crews/{crew}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(count(&page, "form.form-grid"), 0, "{role}");
        assert!(!page.body.contains("/labour/workers/new"), "{role}");
        let workers = c.get("/labour/workers").await;
        assert_eq!(workers.status, StatusCode::OK);
        assert!(workers.text("#workers").contains("钱七"));
        assert!(!workers.body.contains("href=\"/labour/workers/new\""));
        let page = c.get(&format!("/labour/workers/{worker}")).await;
        assert_eq!(count(&page, "form.form-grid"), 0, "{role}");
        assert_eq!(
            c.get("/labour/crews/new").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.get("/labour/workers/new").await.status,
            StatusCode::FORBIDDEN
        );
        let r = CrewBuilder::new("新班组")
            .post(&mut c, "/labour/crews", "0")
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        let r = CrewBuilder::new("改名")
            .post(&mut c, &format!("/labour/crews/{crew}"), "2")
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        let input = WorkerBuilder::new("新人", &id_number(5), general)
            .crew(crew)
            .day_rate("200");
        let r = input.post(&mut c, "/labour/workers", "0").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        let r = input
            .post(&mut c, &format!("/labour/workers/{worker}"), "1")
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(app.count("select count(*) from crew").await, 1);
    assert_eq!(app.count("select count(*) from worker").await, 1);
    assert_eq!(
        app.count("select count(*) from worker where name = '钱七'")
            .await,
        1
    );
}

// Workers ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_wrong_or_registered_id_number_is_refused_and_nothing_saved() {
    let (app, mut owner, tenant) = setup().await;
    let general = trade(&app, tenant, "普工").await;
    let first = WorkerBuilder::new("张三", &id_number(10), general)
        .day_rate("300.50")
        .create(&mut owner)
        .await;
    let page = owner.get(&format!("/labour/workers/{first}")).await;
    page.assert_contains("工人已登记。");
    page.assert_contains(&format!("href=\"/labour/workers/{first}/statement\""));
    assert_eq!(
        page.text(&format!("a[href=\"/labour/workers/{first}/statement\"]")),
        "工人对账单"
    );
    assert_eq!(value_of(&page, "#f-day_rate"), "300.50");

    // A wrong check digit: refused with its message, the input kept.
    let wrong = wrong_check_digit(&id_number(11));
    let r = WorkerBuilder::new("李四", &wrong, general)
        .post(&mut owner, "/labour/workers", "0")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("id_number"), "身份证号校验位不对，请核对");
    assert_eq!(value_of(&r, "#f-id_number"), wrong);
    assert_eq!(value_of(&r, "#f-name"), "李四");

    // The number of someone registered: refused, naming and linking them.
    let r = WorkerBuilder::new("李四", &id_number(10).to_lowercase(), general)
        .post(&mut owner, "/labour/workers", "0")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("id_number").contains("张三"), "{}", r.body);
    r.assert_contains(&format!("<a href=\"/labour/workers/{first}\">张三</a>"));

    // A negative or too large day rate.
    let r = WorkerBuilder::new("李四", &id_number(11), general)
        .day_rate("-5")
        .post(&mut owner, "/labour/workers", "0")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("day_rate"), "不能为负数");
    assert_eq!(app.count("select count(*) from worker").await, 1);

    // Changing a registered worker to another's number is refused the same way.
    let second = WorkerBuilder::new("李四", &id_number(11), general)
        .create(&mut owner)
        .await;
    let r = WorkerBuilder::new("李四", &id_number(10), general)
        .post(&mut owner, &format!("/labour/workers/{second}"), "1")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("id_number").contains("张三"));
    assert_eq!(
        app.count(&format!(
            "select count(*) from worker where id = {second} and id_number = '{}'",
            id_number(11)
        ))
        .await,
        1
    );
    // Workers are records, not users.
    assert_eq!(app.count("select count(*) from app_user").await, 1);
}

/// The CSV export of the worker list, read back as rows of cells.
async fn export_csv(c: &mut TestClient, query: &str) -> Vec<Vec<String>> {
    let r = c
        .get(&format!("/labour/workers/export?{query}&format=csv"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = r.body.trim_start_matches('\u{FEFF}').to_owned();
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn id_numbers_are_masked_for_all_but_owners_and_admins_in_pages_and_exports() {
    let (app, mut owner, tenant) = setup().await;
    let general = trade(&app, tenant, "普工").await;
    let number = id_number(20);
    let worker = WorkerBuilder::new("张三", &number, general)
        .create(&mut owner)
        .await;

    // The owner and an admin see it whole.
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    for c in [&mut owner, &mut admin] {
        let list = c.get("/labour/workers").await;
        assert_eq!(list.text("#workers td.id-number"), number);
        let page = c.get(&format!("/labour/workers/{worker}")).await;
        assert_eq!(value_of(&page, "#f-id_number"), number);
        let rows = export_csv(c, "").await;
        assert_eq!(rows[0][1], number);
    }
    let r = owner.get("/labour/workers/export?format=csv").await;
    let head = r
        .body
        .trim_start_matches('\u{FEFF}')
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        head,
        "姓名,身份证号,电话,工种,班组,日工资（元）,开户银行,工资卡号,状态"
    );

    // Everyone else sees the last four only, everywhere.
    let hidden = masked(&number);
    for role in ["project_manager", "finance", "foreman", "viewer"] {
        let mut c = app.user(tenant, &format!("{role}@acme.cn"), role).await;
        let list = c.get("/labour/workers").await;
        assert_eq!(list.text("#workers td.id-number"), hidden, "{role}");
        assert!(!list.body.contains(&number), "{role}");
        let page = c.get(&format!("/labour/workers/{worker}")).await;
        assert!(!page.body.contains(&number), "{role}");
        let rows = export_csv(&mut c, "").await;
        assert_eq!(rows[0][1], hidden, "{role}");
        let r = c.get("/labour/workers/export?format=xlsx").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.headers[header::CONTENT_TYPE],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        // Searching by the last four finds them; by more than the user is shown, nothing.
        let found = c.get(&format!("/labour/workers?q={}", &number[14..])).await;
        assert!(found.text("#workers").contains("张三"), "{role}");
        let none = c.get(&format!("/labour/workers?q={}", &number[10..])).await;
        assert!(none.text("#workers").is_empty(), "{role}");
    }
    let found = owner
        .get(&format!("/labour/workers?q={}", &number[10..]))
        .await;
    assert!(found.text("#workers").contains("张三"));

    // A project manager edits without retyping the number: it is kept as it was.
    let mut pm = app.user(tenant, "pm2@acme.cn", "project_manager").await;
    let page = pm.get(&format!("/labour/workers/{worker}")).await;
    assert_eq!(value_of(&page, "#f-id_number"), hidden);
    let r = WorkerBuilder::new("张三丰", &hidden, general)
        .day_rate("320")
        .post(&mut pm, &format!("/labour/workers/{worker}"), "1")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from worker where name = '张三丰' and id_number = '{number}' and day_rate = 320"
        ))
        .await,
        1
    );
    // The audit log keeps the number masked too.
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_log where entity = 'worker' and (after::text like '%{number}%' or before::text like '%{number}%')"
        ))
        .await,
        0
    );
    // A stale edit: 409, nothing overwritten.
    let r = WorkerBuilder::new("张三", &hidden, general)
        .day_rate("100")
        .post(&mut pm, &format!("/labour/workers/{worker}"), "1")
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("其他人修改了这名工人的信息");
    assert!(r.text(".compare").contains("张三丰"));
    assert!(!r.body.contains(&number));
    assert_eq!(
        app.count("select count(*) from worker where day_rate = 320")
            .await,
        1
    );
}

#[tokio::test]
async fn the_worker_list_filters_sorts_and_pages_by_fifty() {
    let (app, mut owner, tenant) = setup().await;
    let general = trade(&app, tenant, "普工").await;
    let welder = trade(&app, tenant, "焊工").await;
    let crew = CrewBuilder::new("焊工班")
        .trade(welder)
        .create(&mut owner)
        .await
        .id;
    let mut sql = String::new();
    for i in 0..55u32 {
        let (t, c, active) = if i < 5 {
            (welder, crew.to_string(), "true")
        } else {
            (
                general,
                "null".to_owned(),
                if i < 10 { "false" } else { "true" },
            )
        };
        sql.push_str(&format!(
            "insert into worker (tenant_id, name, id_number, trade_id, crew_id, day_rate, active)
             values ({tenant}, '工人{i:02}', '{}', {t}, {c}, {}, {active});",
            id_number(100 + i),
            200 + i
        ));
    }
    app.exec(&sql).await;

    // Active by default: 50 of them, on one page.
    let page = owner.get("/labour/workers").await;
    assert_eq!(page.text("#workers tbody tr").split(" | ").count(), 50);
    assert!(page.text(".pager").contains("50 · 1 / 1"));
    let all = owner.get("/labour/workers?status=all").await;
    assert!(all.text(".pager").contains("55 · 1 / 2"));
    let second = owner.get("/labour/workers?status=all&page=2").await;
    assert_eq!(
        second
            .text("#workers tbody tr td:first-child")
            .split(" | ")
            .count(),
        5
    );
    let inactive = owner.get("/labour/workers?status=inactive").await;
    assert!(inactive.text(".pager").contains("5 · 1 / 1"));

    // By crew and by trade.
    let by_crew = owner.get(&format!("/labour/workers?crew={crew}")).await;
    assert_eq!(
        by_crew.text("#workers tbody td:first-child"),
        "工人00 | 工人01 | 工人02 | 工人03 | 工人04"
    );
    let by_trade = owner
        .get(&format!(
            "/labour/workers?trade={welder}&sort=rate&dir=desc"
        ))
        .await;
    assert_eq!(
        by_trade.text("#workers tbody td:first-child"),
        "工人04 | 工人03 | 工人02 | 工人01 | 工人00"
    );
    assert!(by_trade.text("thead").contains("日工资（元） ▼"));
    let by_name = owner.get("/labour/workers?q=工人5").await;
    assert_eq!(
        by_name.text("#workers tbody td:first-child"),
        "工人50 | 工人51 | 工人52 | 工人53 | 工人54"
    );

    // A search of Chinese text only never reaches the number column.
    let by_char = owner.get("/labour/workers?q=人&status=all").await;
    assert_eq!(by_char.status, StatusCode::OK);
    assert!(by_char.text(".pager").contains("55 · 1 / 2"));

    // The export follows the filters, every page of them.
    let rows = export_csv(&mut owner, &format!("crew={crew}")).await;
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0][3], "焊工");
    assert_eq!(rows[0][4], "焊工班");
    assert_eq!(rows[0][5], "200.00");
    let rows = export_csv(&mut owner, "status=all").await;
    assert_eq!(rows.len(), 55);
}

#[tokio::test]
async fn other_tenants_crews_workers_and_trades_are_not_found() {
    let (app, mut owner, tenant) = setup().await;
    let general = trade(&app, tenant, "普工").await;
    let crew = CrewBuilder::new("甲班").create(&mut owner).await.id;
    let worker = WorkerBuilder::new("张三", &id_number(30), general)
        .crew(crew)
        .create(&mut owner)
        .await;
    let (mut other, other_tenant) = app.signup("Beta", "owner@beta.cn").await;
    let their_general = trade(&app, other_tenant, "普工").await;

    assert_not_found(&other.get(&format!("/labour/crews/{crew}")).await);
    assert_not_found(&other.get(&format!("/labour/workers/{worker}")).await);
    assert_not_found(&other.get("/labour/crews/abc").await);
    let r = CrewBuilder::new("乙班")
        .post(&mut other, &format!("/labour/crews/{crew}"), "1")
        .await;
    assert_not_found(&r);
    let r = WorkerBuilder::new("李四", &id_number(31), their_general)
        .post(&mut other, &format!("/labour/workers/{worker}"), "1")
        .await;
    assert_not_found(&r);
    for path in [
        format!("/settings/labour/trades/{general}"),
        format!("/settings/labour/trades/{general}/active"),
        format!("/settings/labour/trades/{general}/move"),
    ] {
        other.get("/settings/labour").await;
        let r = other
            .post_form(
                &path,
                &[
                    ("name_zh", "改"),
                    ("name_en", ""),
                    ("version", "1"),
                    ("active", "0"),
                    ("dir", "down"),
                ],
            )
            .await;
        assert_not_found(&r);
    }
    // Nor may their forms point at this tenant's crews and trades.
    let r = WorkerBuilder::new("李四", &id_number(31), general)
        .crew(crew)
        .post(&mut other, "/labour/workers", "0")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("trade_id"), "请从选项中选择。");
    assert_eq!(r.field_error("crew_id"), "请从选项中选择。");
    // The same person may work for both companies.
    let theirs = WorkerBuilder::new("张三", &id_number(30), their_general)
        .create(&mut other)
        .await;
    assert_not_found(&owner.get(&format!("/labour/workers/{theirs}")).await);
    let list = other.get("/labour/workers").await;
    assert_eq!(list.text("#workers tbody td:first-child"), "张三");
    assert!(!other.get("/labour/crews").await.body.contains("甲班"));
    assert_eq!(
        app.count("select count(*) from crew where name = '甲班'")
            .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from trade where id = {general} and name_zh = '普工' and active"
        ))
        .await,
        1
    );
}
