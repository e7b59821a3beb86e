//! The risk register over HTTP: creating and editing risks (refused input, stale saves),
//! suggestions that prefill the form, heat maps per project and across projects and their
//! cell filter, reviews and closing, deleting, the company's categories, roles, other
//! tenants' ids, and the overdue and awaiting-vote warnings on the project home and dashboard.

use axum::http::StatusCode;
use chrono::{Days, NaiveDate};

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

fn risks(project: i64) -> String {
    format!("/projects/{project}/risks")
}

/// The risk form's fields with `over` replacing the defaults.
fn fields<'a>(over: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f: Vec<(&str, &str)> = vec![
        ("category", "b:technical"),
        ("title", "接口性能不足"),
        ("description", "高峰期查询慢"),
        ("probability", "3"),
        ("impact", "4"),
        ("owner_id", ""),
        ("response_plan", "压测并准备回滚"),
        ("trigger_condition", "响应超过 2 秒"),
        ("status", "open"),
        ("next_review_on", ""),
        ("version", "0"),
    ];
    for (k, v) in over {
        if let Some(slot) = f.iter_mut().find(|(name, _)| name == k) {
            slot.1 = v;
        } else {
            f.push((k, v));
        }
    }
    f
}

async fn post_risk(c: &mut TestClient, project: i64, over: &[(&str, &str)]) -> TestResponse {
    c.get(&format!("{}/new", risks(project))).await;
    c.post_form(&risks(project), &fields(over)).await
}

/// Creates a risk through the form and returns its id.
pub(crate) async fn create_risk(c: &mut TestClient, project: i64, over: &[(&str, &str)]) -> i64 {
    let r = post_risk(c, project, over).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().rsplit('/').next().unwrap().parse().unwrap()
}

async fn version(app: &TestApp, risk: i64) -> String {
    app.count(&format!(
        "select version::bigint from risk where id = {risk}"
    ))
    .await
    .to_string()
}

async fn review(
    c: &mut TestClient,
    project: i64,
    risk: i64,
    version: &str,
    over: &[(&str, &str)],
) -> TestResponse {
    c.get(&format!("{}/{risk}", risks(project))).await;
    let today = today().to_string();
    let mut f: Vec<(&str, &str)> = vec![
        ("reviewed_on", &today),
        ("probability", "2"),
        ("impact", "4"),
        ("status", "mitigating"),
        ("note", "已完成第一轮压测"),
        ("next_review_on", ""),
        ("version", version),
    ];
    for (k, v) in over {
        if let Some(slot) = f.iter_mut().find(|(name, _)| name == k) {
            slot.1 = v;
        }
    }
    c.post_form(&format!("{}/{risk}/reviews", risks(project)), &f)
        .await
}

/// The count shown in heat-map cell (p, i).
fn cell(r: &TestResponse, p: i16, i: i16) -> i64 {
    let sel =
        scraper::Selector::parse(&format!(r#"a.heat-cell[data-p="{p}"][data-i="{i}"]"#)).unwrap();
    let html = r.html();
    let a = html.select(&sel).next().expect("cell");
    a.value().attr("data-count").unwrap().parse().unwrap()
}

fn row_count(r: &TestResponse) -> usize {
    let sel = scraper::Selector::parse("#risks tbody tr").unwrap();
    r.html().select(&sel).count()
}

fn options(r: &TestResponse, select: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(&format!("{select} option")).unwrap();
    r.html()
        .select(&sel)
        .map(|o| o.text().collect::<String>())
        .collect()
}

#[tokio::test]
async fn creating_and_editing_refuse_bad_input_and_stale_versions() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let r = owner.get(&format!("{}/new", risks(project))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        options(&r, "#f-category")[1..5],
        ["技术", "数据", "人员", "业务"]
    );
    assert!(options(&r, "#f-probability").contains(&"5 · 很高".to_owned()));

    let r = post_risk(
        &mut owner,
        project,
        &[
            ("title", "  "),
            ("probability", "7"),
            ("category", "b:legal"),
            ("next_review_on", "2025-13-40"),
            ("description", "保留的描述"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("title"), "此项必填。");
    assert_eq!(r.field_error("probability"), "数值超出范围。");
    assert_eq!(r.field_error("category"), "请从选项中选择。");
    assert!(r.field_error("next_review_on").contains("YYYY-MM-DD"));
    assert!(r.text("#f-description").contains("保留的描述"));
    assert_eq!(app.count("select count(*) from risk").await, 0);

    let id = create_risk(&mut owner, project, &[("probability", "5")]).await;
    let r = owner.get(&format!("{}/{id}", risks(project))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text("h1").contains("R-001 接口性能不足"));
    assert_eq!(r.text("#risk-category"), "技术");
    assert!(r.text("#risk-score").contains("20"));
    assert!(r.text("#risk-score").contains("极高"));
    assert!(r.text("#risk-p").contains("很高"));
    let second = create_risk(&mut owner, project, &[("title", "数据迁移")]).await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from risk where id = {second} and number = 'R-002'"
        ))
        .await,
        1
    );

    // Edit: a stale version is refused with 409 and the input kept.
    let edit = format!("{}/{id}/edit", risks(project));
    let r = owner.get(&edit).await;
    assert_eq!(r.status, StatusCode::OK);
    let stale = owner
        .post_form(&edit, &fields(&[("title", "我的修改"), ("version", "0")]))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.text("#refusal").contains("已被他人修改"));
    assert!(stale.body.contains("value=\"我的修改\""));
    let v = version(&app, id).await;
    let r = owner
        .post_form(&edit, &fields(&[("impact", "9"), ("version", &v)]))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("impact"), "数值超出范围。");
    let r = owner
        .post_form(
            &edit,
            &fields(&[
                ("title", "接口性能严重不足"),
                ("probability", "5"),
                ("impact", "2"),
                ("version", &v),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner.get(&format!("{}/{id}", risks(project))).await;
    assert!(r.text("h1").contains("接口性能严重不足"));
    assert!(r.text("#risk-score").contains("10"));
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_log where entity = 'risk' and entity_id = {id}"
        ))
        .await,
        2
    );
}

#[tokio::test]
async fn a_suggestion_prefills_the_new_risk_form() {
    let Company {
        app: _app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let r = owner.get(&format!("{}/new", risks(project))).await;
    let links = r.text("#suggestions a");
    for title in [
        "系统兼容性或性能不达标",
        "数据迁移中丢失或损坏数据",
        "关键人员离职或调岗",
        "成果不满足业务需求",
    ] {
        assert!(links.contains(title), "{links}");
    }
    assert!(
        r.body
            .contains(&format!("{}/new?suggest=migration", risks(project)))
    );
    let r = owner
        .get(&format!("{}/new?suggest=migration", risks(project)))
        .await;
    assert!(r.body.contains("value=\"数据迁移中丢失或损坏数据\""));
    assert!(r.body.contains(r#"<option value="b:data" selected>"#));
    assert!(r.text("#f-response_plan").contains("并行运行"));
    assert!(r.text("#f-response_plan").contains("恢复演练"));
    assert!(r.text("#f-trigger_condition").contains("迁移核对"));
    let r = owner
        .get(&format!("{}/new?suggest=people", risks(project)))
        .await;
    assert!(r.text("#f-response_plan").contains("交叉培训"));
    // An unknown suggestion gives the plain form.
    let r = owner
        .get(&format!("{}/new?suggest=nope", risks(project)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text("#f-response_plan"), "");
}

#[tokio::test]
async fn heat_maps_count_live_risks_and_cells_filter_the_list() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let other = create_project(&mut owner, "P2", "").await;
    create_risk(&mut owner, project, &[("title", "甲")]).await;
    create_risk(
        &mut owner,
        project,
        &[("title", "乙"), ("status", "mitigating")],
    )
    .await;
    create_risk(
        &mut owner,
        project,
        &[("title", "丙"), ("status", "closed")],
    )
    .await;
    create_risk(
        &mut owner,
        project,
        &[("title", "丁"), ("probability", "5"), ("impact", "5")],
    )
    .await;
    create_risk(
        &mut owner,
        other,
        &[("title", "戊"), ("category", "b:data")],
    )
    .await;
    assert_eq!(
        app.count("select count(*) from risk where status = 'closed' and closed_on is not null")
            .await,
        1
    );

    let r = owner.get(&risks(project)).await;
    assert_eq!(cell(&r, 3, 4), 2, "closed risks are not on the map");
    assert_eq!(cell(&r, 5, 5), 1);
    assert_eq!(cell(&r, 4, 3), 0);
    assert!(r.text("#open-total").contains('3'));
    assert!(
        r.body
            .contains(&format!(r#"href="{}?p=3&amp;i=4""#, risks(project)))
    );
    assert!(r.body.contains("可能性 3 × 影响 4 = 12（高）：2 项风险"));
    assert_eq!(row_count(&r), 3, "live risks by default");

    let r = owner.get(&format!("{}?p=3&i=4", risks(project))).await;
    assert_eq!(row_count(&r), 2);
    assert!(r.text("#risks").contains("甲") && !r.text("#risks").contains("丁"));
    assert!(r.text("#cell-filter").contains('3'));
    let r = owner
        .get(&format!("{}?p=3&i=4&status=all", risks(project)))
        .await;
    assert_eq!(row_count(&r), 3);
    let r = owner
        .get(&format!("{}?status=closed", risks(project)))
        .await;
    assert_eq!(row_count(&r), 1);
    assert!(r.text("#risks").contains("丙"));
    let r = owner
        .get(&format!("{}?category=b:data", risks(project)))
        .await;
    assert!(r.body.contains("id=\"no-risks\""));
    assert_eq!(cell(&r, 3, 4), 0);

    // Across projects: one map, the project column, sorted by score.
    let r = owner.get("/risks").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(cell(&r, 3, 4), 3);
    assert_eq!(cell(&r, 5, 5), 1);
    assert_eq!(row_count(&r), 4);
    let first = r.text("#risks tbody tr:first-child .title");
    assert_eq!(first, "丁", "highest score first");
    assert!(r.text("#risks").contains("P2"));
    let r = owner.get(&format!("/risks?project={other}")).await;
    assert_eq!(cell(&r, 3, 4), 1);
    assert_eq!(row_count(&r), 1);
    let r = owner.get("/risks?category=b:data&p=3&i=4").await;
    assert_eq!(row_count(&r), 1);
    assert!(r.text("#risks").contains("戊"));
    let r = owner.get("/risks?p=5&i=5").await;
    assert_eq!(row_count(&r), 1);
    assert!(r.body.contains("href=\"/risks?p=5&amp;i=5\""));
}

#[tokio::test]
async fn reviews_are_recorded_and_close_and_reopen_the_risk() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let id = create_risk(&mut owner, project, &[]).await;
    let v = version(&app, id).await;
    let yesterday = days_ago(1).to_string();
    let r = review(
        &mut owner,
        project,
        id,
        &v,
        &[("next_review_on", &yesterday), ("note", "保留的说明")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.field_error("next_review_on"),
        "下次复核日期不能早于本次复核日期。"
    );
    assert!(r.text("#f-note").contains("保留的说明"));
    let tomorrow = today().checked_add_days(Days::new(1)).unwrap().to_string();
    let r = review(&mut owner, project, id, &v, &[("reviewed_on", &tomorrow)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("reviewed_on"), "复核日期不能晚于今天。");
    assert_eq!(app.count("select count(*) from risk_review").await, 0);

    let next = today().checked_add_days(Days::new(14)).unwrap().to_string();
    let r = review(&mut owner, project, id, &v, &[("next_review_on", &next)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner.get(&format!("{}/{id}", risks(project))).await;
    assert!(r.text("#review-history").contains("已完成第一轮压测"));
    assert!(r.text("#review-history").contains("应对中"));
    assert!(r.text("#risk-status").contains("应对中"));
    assert!(r.text("#risk-p").starts_with('2'));
    assert!(r.text("#risk-score").contains('8'));
    assert_eq!(r.text("#risk-review"), next);

    // A stale review form is refused.
    let r = review(&mut owner, project, id, &v, &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(app.count("select count(*) from risk_review").await, 1);

    // Closing dates it and takes it off the heat map; reopening clears the date.
    let v = version(&app, id).await;
    let r = review(
        &mut owner,
        project,
        id,
        &v,
        &[("status", "closed"), ("note", "风险已消除")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = owner.get(&format!("{}/{id}", risks(project))).await;
    assert_eq!(r.text("#closed-on"), today().to_string());
    assert_eq!(
        app.count("select count(*) from risk_review").await,
        2,
        "history keeps both"
    );
    let r = owner.get(&risks(project)).await;
    assert_eq!(cell(&r, 2, 4), 0);
    let v = version(&app, id).await;
    let r = review(&mut owner, project, id, &v, &[("status", "open")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "select count(*) from risk where id = {id} and closed_on is null and status = 'open'"
        ))
        .await,
        1
    );
    let r = owner.get(&risks(project)).await;
    assert_eq!(cell(&r, 2, 4), 1);
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'risk_review'")
            .await,
        3
    );
}

#[tokio::test]
async fn deleting_needs_confirmation() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let id = create_risk(&mut owner, project, &[]).await;
    review(&mut owner, project, id, &version(&app, id).await, &[]).await;
    let v = version(&app, id).await;
    owner.get(&format!("{}/{id}", risks(project))).await;
    let path = format!("{}/{id}/delete", risks(project));
    let r = owner.post_form(&path, &[("version", &v)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("confirm"), "请勾选确认后再删除。");
    let r = owner
        .post_form(&path, &[("version", "1"), ("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = owner
        .post_form(&path, &[("version", &v), ("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), risks(project));
    assert_not_found(&owner.get(&format!("{}/{id}", risks(project))).await);
    assert_eq!(app.count("select count(*) from risk_review").await, 0);
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_log where entity = 'risk' and action = 'delete' and entity_id = {id}"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn company_categories_are_added_renamed_and_deactivated() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let r = owner.get("/risks/categories").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text("#builtins").contains("技术"));
    let r = owner
        .post_form("/risks/categories", &[("name", "合规")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    owner.get("/risks/categories").await;
    let r = owner
        .post_form("/risks/categories", &[("name", " 合规 ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("name"), "已有同名的类别。");
    let r = owner.post_form("/risks/categories", &[("name", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    owner
        .post_form("/risks/categories", &[("name", "安全")])
        .await;
    let cat = app
        .count("select id from risk_category where name = '合规'")
        .await;

    let r = owner.get(&format!("{}/new", risks(project))).await;
    assert!(options(&r, "#f-category").contains(&"合规".to_owned()));
    let value = format!("c:{cat}");
    let id = create_risk(&mut owner, project, &[("category", &value)]).await;
    let r = owner.get(&format!("{}/{id}", risks(project))).await;
    assert_eq!(r.text("#risk-category"), "合规");
    let r = owner
        .get(&format!("{}?category={value}", risks(project)))
        .await;
    assert_eq!(row_count(&r), 1);

    // Rename to a taken name: 422 beside the row; then a real rename.
    owner.get("/risks/categories").await;
    let path = format!("/risks/categories/{cat}");
    let r = owner
        .post_form(&path, &[("name", "安全"), ("version", "1")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.text(&format!("#e-category-{cat}")), "已有同名的类别。");
    assert!(r.body.contains(&format!(
        r#"id="f-name-{cat}" name="name" type="text" value="安全""#
    )));
    let r = owner
        .post_form(&path, &[("name", "合规与审计"), ("version", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = owner
        .post_form(&path, &[("active", "false"), ("version", "1")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "stale");
    let r = owner
        .post_form(&path, &[("active", "false"), ("version", "2")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = owner.get("/risks/categories").await;
    assert!(
        r.text(&format!("#category-{cat} .state"))
            .contains("已停用")
    );
    assert!(r.text(&format!("#category-{cat}")).contains('1'));

    // A deactivated category is not offered for new risks, nor accepted, but a risk keeps it.
    let r = owner.get(&format!("{}/new", risks(project))).await;
    assert!(!options(&r, "#f-category").contains(&"合规与审计".to_owned()));
    let r = post_risk(&mut owner, project, &[("category", &value)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("category"), "请从选项中选择。");
    let r = owner.get(&format!("{}/{id}/edit", risks(project))).await;
    assert!(options(&r, "#f-category").contains(&"合规与审计".to_owned()));
    let r = owner
        .post_form(&path, &[("active", "true"), ("version", "3")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = owner.get(&format!("{}/new", risks(project))).await;
    assert!(options(&r, "#f-category").contains(&"合规与审计".to_owned()));
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'risk_category'")
            .await,
        5
    );
}

#[tokio::test]
async fn viewers_and_finance_read_only_and_foremen_cannot_open() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let id = create_risk(&mut owner, project, &[]).await;
    owner
        .post_form("/risks/categories", &[("name", "合规")])
        .await;
    let cat = app.count("select id from risk_category").await;
    for (email, role) in [("v@acme.cn", "viewer"), ("f@acme.cn", "finance")] {
        let mut c = app.user(tenant, email, role).await;
        add_member(&mut owner, project, user_id(&app, email).await, "viewer").await;
        let r = c.get(&risks(project)).await;
        assert_eq!(r.status, StatusCode::OK, "{role}");
        assert!(r.text("#risks").contains("接口性能不足"));
        assert!(!r.body.contains("id=\"new-risk\""));
        let r = c.get(&format!("{}/{id}", risks(project))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.body.contains("id=\"review-form\""));
        assert!(!r.body.contains("id=\"delete-form\""));
        assert_eq!(
            c.get(&format!("{}/new", risks(project))).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.get(&format!("{}/{id}/edit", risks(project))).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(c.get("/risks").await.status, StatusCode::OK);
        let r = c.get("/risks/categories").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.body.contains("action=\"/risks/categories\""));
        assert_eq!(
            c.post_form(&risks(project), &fields(&[])).await.status,
            StatusCode::FORBIDDEN
        );
        let r = review(&mut c, project, id, "1", &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = c
            .post_form(
                &format!("{}/{id}/delete", risks(project)),
                &[("version", "1"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = c.post_form("/risks/categories", &[("name", "x")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = c
            .post_form(
                &format!("/risks/categories/{cat}"),
                &[("active", "false"), ("version", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.count("select count(*) from risk").await, 1);
    assert_eq!(app.count("select count(*) from risk_review").await, 0);

    // Foremen cannot open the module: it answers as switched off (404).
    let mut foreman = app.user(tenant, "fm@acme.cn", "foreman").await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "fm@acme.cn").await,
        "viewer",
    )
    .await;
    assert_not_found(&foreman.get(&risks(project)).await);
    assert_not_found(&foreman.get(&format!("{}/{id}", risks(project))).await);
    assert_not_found(&foreman.get("/risks").await);
    let r = foreman.get(&format!("/projects/{project}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("id=\"risks-overdue\""));

    // A project manager who is not a member does not see the project's risks.
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    assert_not_found(&pm.get(&risks(project)).await);
    let r = pm.get("/risks").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"no-risks\""));
}

#[tokio::test]
async fn other_tenants_ids_answer_not_found() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let id = create_risk(&mut owner, project, &[]).await;
    owner
        .post_form("/risks/categories", &[("name", "合规")])
        .await;
    let cat = app.count("select id from risk_category").await;
    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    let theirs = create_project(&mut other, "Q1", "").await;
    let their_risk = create_risk(&mut other, theirs, &[]).await;

    assert_not_found(&other.get(&risks(project)).await);
    assert_not_found(&other.get(&format!("{}/{id}", risks(project))).await);
    // Our risk id under their project.
    assert_not_found(&other.get(&format!("{}/{id}", risks(theirs))).await);
    assert_not_found(&other.get(&format!("{}/{id}/edit", risks(theirs))).await);
    other.get(&risks(theirs)).await;
    let r = other
        .post_form(
            &format!("{}/{id}/edit", risks(theirs)),
            &fields(&[("version", "1")]),
        )
        .await;
    assert_not_found(&r);
    let r = other
        .post_form(
            &format!("{}/{id}/delete", risks(theirs)),
            &[("version", "1"), ("confirm", "yes")],
        )
        .await;
    assert_not_found(&r);
    let r = review(&mut other, theirs, id, "1", &[]).await;
    assert_not_found(&r);
    let r = other
        .post_form(
            &format!("/risks/categories/{cat}"),
            &[("name", "偷改"), ("version", "1")],
        )
        .await;
    assert_not_found(&r);
    // Our category in their risk form is refused.
    let value = format!("c:{cat}");
    let r = post_risk(&mut other, theirs, &[("category", &value)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Their company page shows only their risk.
    let r = other.get("/risks").await;
    assert_eq!(row_count(&r), 1);
    assert!(r.body.contains(&format!("/risks/{their_risk}")));
    assert_eq!(
        app.count(&format!(
            "select count(*) from risk where id = {id} and version = 1"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from risk_category where name = '合规'")
            .await,
        1
    );
}

#[tokio::test]
async fn overdue_reviews_warn_on_the_project_home_and_the_dashboard() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let r = owner.get(&format!("/projects/{project}")).await;
    assert!(!r.body.contains("id=\"risks-overdue\""));
    let past = days_ago(3).to_string();
    let id = create_risk(
        &mut owner,
        project,
        &[
            ("title", "塔吊基础沉降"),
            ("next_review_on", &past),
            ("probability", "5"),
            ("impact", "4"),
        ],
    )
    .await;
    create_risk(
        &mut owner,
        project,
        &[("title", "将来复核"), ("next_review_on", "2099-01-01")],
    )
    .await;
    create_risk(
        &mut owner,
        project,
        &[
            ("title", "已关闭逾期"),
            ("next_review_on", &past),
            ("status", "closed"),
        ],
    )
    .await;

    let r = owner.get(&format!("/projects/{project}")).await;
    let warning = r.text("#risks-overdue");
    assert!(
        warning.contains('1') && warning.contains("逾期未复核"),
        "{warning}"
    );
    assert!(
        r.body
            .contains(&format!("href=\"/projects/{project}/risks\""))
    );
    let r = owner.get(&risks(project)).await;
    assert!(r.text(&format!("#risk-{id} .review")).contains("逾期"));

    let r = owner.get("/dashboard").await;
    assert!(r.text("#changes-h").contains("风险与变更"));
    assert_eq!(r.text("#panel-risks-overdue"), "1");
    assert_eq!(r.text("#panel-risks-critical"), "1");
    let rows = r.text("#panel-overdue-risks");
    assert!(rows.contains("P1") && rows.contains("塔吊基础沉降") && rows.contains(&past));
    assert!(r.body.contains(&format!("/projects/{project}/risks/{id}")));
    let r = owner.get("/risks").await;
    assert!(r.text("#overdue-list").contains("塔吊基础沉降"));

    // Reviewing it clears the warning.
    let next = today().checked_add_days(Days::new(7)).unwrap().to_string();
    let v = version(&app, id).await;
    review(&mut owner, project, id, &v, &[("next_review_on", &next)]).await;
    let r = owner.get(&format!("/projects/{project}")).await;
    assert!(!r.body.contains("id=\"risks-overdue\""));
    let r = owner.get("/dashboard").await;
    assert_eq!(r.text("#panel-risks-overdue"), "0");

    // A foreman's dashboard has no such panel.
    let mut foreman = app.user(tenant, "fm@acme.cn", "foreman").await;
    let r = foreman.get("/dashboard").await;
    assert!(!r.body.contains("id=\"changes-panel\""));
}

#[tokio::test]
async fn the_dashboard_counts_changes_awaiting_my_vote() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    let pm_id = app
        .count("select id from app_user where email = 'pm@acme.cn'")
        .await;
    let owner_id = app
        .count("select id from app_user where email = 'owner@acme.cn'")
        .await;
    let insert = |number: &str, requester: i64, status: &str, round: i32| {
        format!(
            "insert into change_request (tenant_id, project_id, number, title, reason, requester_id,
                                         status, round, submitted_at)
             values ({tenant}, {project}, '{number}', '增加地下室防水', '设计变更', {requester},
                     '{status}', {round}, now())"
        )
    };
    app.exec(&insert("BG-001", pm_id, "submitted", 1)).await;
    app.exec(&insert("BG-002", pm_id, "under_review", 2)).await;
    app.exec(&insert("BG-003", owner_id, "submitted", 1)).await;
    app.exec(&format!(
        "insert into change_request (tenant_id, project_id, number, title, reason, requester_id,
                                     status, round, submitted_at, decided_at)
         values ({tenant}, {project}, 'BG-004', '已批准', '设计变更', {pm_id}, 'approved', 1,
                 now(), now())"
    ))
    .await;
    // The owner voted on BG-002 in round 1, not in its current round 2.
    app.exec(&format!(
        "insert into change_vote (tenant_id, change_request_id, round, voter_id, decision, comment)
         select {tenant}, id, 1, {owner_id}, 'approve', '同意' from change_request where number = 'BG-002'"
    ))
    .await;

    let r = owner.get("/dashboard").await;
    assert_eq!(
        r.text("#panel-awaiting-vote"),
        "2",
        "{}",
        r.text("#changes-panel")
    );
    assert!(r.body.contains("href=\"/changes?awaiting=me\""));
    let rows = r.text("#panel-awaiting");
    assert!(rows.contains("BG-001") && rows.contains("BG-002") && !rows.contains("BG-003"));
    let bg1 = app
        .count("select id from change_request where number = 'BG-001'")
        .await;
    assert!(
        r.body
            .contains(&format!("/projects/{project}/changes/{bg1}"))
    );

    // Voting this round takes it off.
    app.exec(&format!(
        "insert into change_vote (tenant_id, change_request_id, round, voter_id, decision, comment)
         values ({tenant}, {bg1}, 1, {owner_id}, 'approve', '同意')"
    ))
    .await;
    let r = owner.get("/dashboard").await;
    assert_eq!(r.text("#panel-awaiting-vote"), "1");

    // Not on the board (the board is empty: owners and admins): nothing awaits the PM.
    let r = pm.get("/dashboard").await;
    assert_eq!(r.text("#panel-awaiting-vote"), "0");
    // Named on the board, the PM sees requests of projects they belong to, not their own.
    app.exec(&format!(
        "insert into change_board_member (tenant_id, user_id) values ({tenant}, {pm_id})"
    ))
    .await;
    let r = pm.get("/dashboard").await;
    assert_eq!(
        r.text("#panel-awaiting-vote"),
        "0",
        "not a member of the project"
    );
    add_member(
        &mut owner,
        project,
        user_id(&app, "pm@acme.cn").await,
        "viewer",
    )
    .await;
    let r = pm.get("/dashboard").await;
    assert_eq!(r.text("#panel-awaiting-vote"), "1");
    assert!(r.text("#panel-awaiting").contains("BG-003"));
    // The owner is no longer on the (now named) board.
    let r = owner.get("/dashboard").await;
    assert_eq!(r.text("#panel-awaiting-vote"), "0");
}

#[tokio::test]
async fn a_category_name_is_taken_in_any_case_and_the_form_is_drawn_again() {
    let Company { app, mut owner, .. } = CompanyBuilder::new("Acme").build().await;
    owner.get("/risks/categories").await;
    let r = owner
        .post_form("/risks/categories", &[("name", "Audit")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    owner.get("/risks/categories").await;
    // The unique key refuses it; the page after the refusal is drawn in the same transaction.
    let r = owner
        .post_form("/risks/categories", &[("name", "AUDIT")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("name"), "已有同名的类别。");
    assert!(r.text("#builtins").contains("技术"));
    assert_eq!(
        app.count("select count(*) from risk_category where lower(name) = 'audit'")
            .await,
        1
    );
}
