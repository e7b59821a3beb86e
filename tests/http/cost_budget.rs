//! Cost budgets over HTTP: Settings › Cost (categories as a tree, thresholds), budget
//! versions (original, revisions with a reason, drafts edited with optimistic locking),
//! revenue (contract amount, variations), snapshots (frozen, compared); each role's rights,
//! refused input with nothing saved, and other tenants' ids.

use axum::http::StatusCode;

use crate::support::builders::{
    Company, CompanyBuilder, add_member, add_task, create_project, task_id, user_id,
};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

async fn category(app: &TestApp, tenant: i64, code: &str) -> i64 {
    app.count(&format!(
        "select id from cost_category where tenant_id = {tenant} and code = '{code}'"
    ))
    .await
}

fn budget_path(project: i64) -> String {
    format!("/projects/{project}/cost/budget")
}

/// Starts a draft (original or revision) and returns its id.
async fn start_draft(c: &mut TestClient, project: i64) -> i64 {
    c.get(&budget_path(project)).await;
    let r = c
        .post_form(&format!("{}/versions", budget_path(project)), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches(&format!("{}/", budget_path(project)))
        .trim_end_matches("/edit")
        .parse()
        .unwrap()
}

async fn draft_version(app: &TestApp, draft: i64) -> String {
    app.count(&format!(
        "select version::bigint from cost_budget_version where id = {draft}"
    ))
    .await
    .to_string()
}

/// Saves a draft as the edit form does: every category row (the given amounts, the others
/// blank) and the given task lines, with `version`.
async fn save_draft(
    c: &mut TestClient,
    project: i64,
    draft: i64,
    version: &str,
    amounts: &[(i64, &str)],
    tasks: &[(&str, &str, &str)],
    reason: &str,
) -> TestResponse {
    let path = format!("{}/{draft}/edit", budget_path(project));
    let page = c.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let sel = scraper::Selector::parse("input[name=cat]").unwrap();
    let cats: Vec<String> = page
        .html()
        .select(&sel)
        .filter_map(|e| e.value().attr("value").map(str::to_owned))
        .collect();
    let mut fields: Vec<(String, String)> = vec![
        ("version".into(), version.into()),
        ("reason".into(), reason.into()),
    ];
    for cat in &cats {
        let amount = amounts
            .iter()
            .find(|(id, _)| id.to_string() == *cat)
            .map(|(_, a)| (*a).to_owned())
            .unwrap_or_default();
        fields.push(("cat".into(), cat.clone()));
        fields.push(("amount".into(), amount));
    }
    for (cat, task, amount) in tasks {
        fields.push(("line_category".into(), (*cat).into()));
        fields.push(("line_task".into(), (*task).into()));
        fields.push(("line_amount".into(), (*amount).into()));
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post_form(&path, &borrowed).await
}

async fn approve(
    c: &mut TestClient,
    app: &TestApp,
    project: i64,
    draft: i64,
    reason: &str,
) -> TestResponse {
    c.get(&budget_path(project)).await;
    let version = draft_version(app, draft).await;
    c.post_form(
        &format!("{}/{draft}/approve", budget_path(project)),
        &[("version", &version), ("reason", reason)],
    )
    .await
}

/// An approved original budget of 1,000,000 on materials (02) and 500,000 on labour (01).
async fn approved_original(app: &TestApp, c: &mut TestClient, tenant: i64, project: i64) -> i64 {
    let draft = start_draft(c, project).await;
    let materials = category(app, tenant, "02").await;
    let labour = category(app, tenant, "01").await;
    let v = draft_version(app, draft).await;
    let r = save_draft(
        c,
        project,
        draft,
        &v,
        &[(materials, "1,000,000"), (labour, "500000.00")],
        &[],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = approve(c, app, project, draft, "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    draft
}

// ---- settings ----

#[tokio::test]
async fn categories_form_a_tree_one_level_deep_with_unique_codes() {
    let Company {
        app,
        mut owner,
        tenant,
        project: _,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let page = owner.get("/settings/cost").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("材料费");
    page.assert_contains("施工机具使用费");
    let materials = category(&app, tenant, "02").await;
    let labour = category(&app, tenant, "01").await;

    // A child under materials, shown indented right after it.
    let r = owner
        .post_form(
            "/settings/cost/categories",
            &[
                ("code", "0201"),
                ("name_zh", "钢材"),
                ("name_en", "Steel"),
                ("parent_id", &materials.to_string()),
                ("sort_order", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let steel = category(&app, tenant, "0201").await;
    let page = owner.get("/settings/cost").await;
    let rows: Vec<String> = page
        .html()
        .select(&scraper::Selector::parse("table.cost-categories tbody tr").unwrap())
        .map(|e| {
            format!(
                "{}:{}",
                e.value().attr("id").unwrap(),
                e.value().attr("class").unwrap()
            )
        })
        .collect();
    let at = |id: i64| {
        rows.iter()
            .position(|r| r.starts_with(&format!("category-{id}:")))
            .unwrap()
    };
    assert_eq!(at(steel), at(materials) + 1);
    assert!(rows[at(steel)].contains("depth-1"), "{rows:?}");

    // A code already used is refused, naming the category that has it.
    let r = owner
        .post_form(
            "/settings/cost/categories",
            &[("code", "02"), ("name_zh", "重复"), ("parent_id", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text("#category-notice").contains("02 材料费"),
        "{}",
        r.body
    );
    assert!(!r.field_error("code").is_empty());
    r.assert_contains("value=\"重复\"");

    // No grandchildren; a builtin category takes no parent; a parent cannot go under another.
    let r = owner
        .post_form(
            "/settings/cost/categories",
            &[
                ("code", "020101"),
                ("name_zh", "螺纹钢"),
                ("parent_id", &steel.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.field_error("parent_id").contains("两级"),
        "{}",
        r.field_error("parent_id")
    );
    let v = |id: i64| {
        let app = &app;
        async move {
            app.count(&format!(
                "select version::bigint from cost_category where id = {id}"
            ))
            .await
            .to_string()
        }
    };
    let r = owner
        .post_form(
            &format!("/settings/cost/categories/{labour}"),
            &[
                ("code", "01"),
                ("name_zh", "人工费"),
                ("parent_id", &materials.to_string()),
                ("sort_order", "1"),
                ("version", &v(labour).await),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("内置科目只能是一级科目");
    let other = category(&app, tenant, "09").await;
    let r = owner
        .post_form(
            &format!("/settings/cost/categories/{materials}"),
            &[
                ("code", "02"),
                ("name_zh", "材料费"),
                ("parent_id", &other.to_string()),
                ("sort_order", "2"),
                ("version", &v(materials).await),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_category where tenant_id = {tenant} and parent_id is not null"
        ))
        .await,
        1
    );

    // A builtin category is renamed and reordered; a stale version answers 409.
    let old = v(labour).await;
    let r = owner
        .post_form(
            &format!("/settings/cost/categories/{labour}"),
            &[
                ("code", "01"),
                ("name_zh", "人工费（含劳务）"),
                ("name_en", "Labour"),
                ("parent_id", ""),
                ("sort_order", "20"),
                ("version", &old),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner
        .post_form(
            &format!("/settings/cost/categories/{labour}"),
            &[
                ("code", "01"),
                ("name_zh", "人工"),
                ("parent_id", ""),
                ("sort_order", "1"),
                ("version", &old),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let page = owner.get("/settings/cost").await;
    page.assert_contains("人工费（含劳务）");
    // Order 20 puts labour after the other builtin categories (1 to 9).
    let last_row = page
        .html()
        .select(&scraper::Selector::parse("table.cost-categories tbody tr:last-child").unwrap())
        .next()
        .and_then(|e| e.value().attr("id").map(str::to_owned))
        .unwrap();
    assert_eq!(last_row, format!("category-{labour}"));
    assert_eq!(
        app.count(&format!(
            "select sort_order::bigint from cost_category where id = {labour}"
        ))
        .await,
        20
    );
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'cost_category'")
            .await,
        2
    );
}

#[tokio::test]
async fn categories_deactivate_reactivate_and_delete_only_when_unused() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let materials = category(&app, tenant, "02").await;
    owner.get("/settings/cost").await;
    for (code, name) in [("0201", "钢材"), ("0202", "混凝土")] {
        let r = owner
            .post_form(
                "/settings/cost/categories",
                &[
                    ("code", code),
                    ("name_zh", name),
                    ("parent_id", &materials.to_string()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let steel = category(&app, tenant, "0201").await;
    let concrete = category(&app, tenant, "0202").await;
    let version = |id: i64| {
        let app = &app;
        async move {
            app.count(&format!(
                "select version::bigint from cost_category where id = {id}"
            ))
            .await
            .to_string()
        }
    };

    // Builtin categories are never deactivated; a parent only after its children.
    let labour = category(&app, tenant, "01").await;
    let r = owner
        .post_form(
            &format!("/settings/cost/categories/{labour}/active"),
            &[("active", "0"), ("version", &version(labour).await)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("内置科目不能停用");
    // The builtin row offers no deactivate button.
    assert!(!r.body.contains(&format!(
        "action=\"/settings/cost/categories/{labour}/active\""
    )));

    // A budget line makes steel used: deactivated, never deleted.
    let draft = start_draft(&mut owner, project).await;
    let v = draft_version(&app, draft).await;
    let r = save_draft(&mut owner, project, draft, &v, &[(steel, "100")], &[], "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.get("/settings/cost").await;
    assert!(!page.body.contains(&format!(
        "action=\"/settings/cost/categories/{steel}/delete\""
    )));
    assert!(page.body.contains(&format!(
        "action=\"/settings/cost/categories/{concrete}/delete\""
    )));
    let r = owner
        .post_form(
            &format!("/settings/cost/categories/{steel}/delete"),
            &[("version", &version(steel).await)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("不能删除");
    let r = owner
        .post_form(
            &format!("/settings/cost/categories/{steel}/active"),
            &[("active", "0"), ("version", &version(steel).await)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_category where id = {steel} and not active"
        ))
        .await,
        1
    );
    // Stale version: 409, nothing changes.
    let r = owner
        .post_form(
            &format!("/settings/cost/categories/{steel}/active"),
            &[("active", "1"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = owner
        .post_form(
            &format!("/settings/cost/categories/{steel}/active"),
            &[("active", "1"), ("version", &version(steel).await)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // An unused child is deleted; a builtin one never.
    let r = owner
        .post_form(
            &format!("/settings/cost/categories/{concrete}/delete"),
            &[("version", &version(concrete).await)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_category where id = {concrete}"
        ))
        .await,
        0
    );
    let other = category(&app, tenant, "09").await;
    let r = owner
        .post_form(
            &format!("/settings/cost/categories/{other}/delete"),
            &[("version", &version(other).await)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_category where id = {other}"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn thresholds_are_validated_and_saved_with_their_version() {
    let Company {
        app,
        mut owner,
        tenant,
        project: _,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let page = owner.get("/settings/cost").await;
    assert!(
        page.body.contains(
            "id=\"f-warning_percent\" name=\"warning_percent\" type=\"text\" value=\"90\""
        )
    );
    let post = |w: &'static str, o: &'static str, m: &'static str, v: &'static str| {
        [
            ("warning_percent", w),
            ("overrun_percent", o),
            ("margin_floor_percent", m),
            ("version", v),
        ]
    };
    for (fields, field) in [
        (post("100", "100", "5", "0"), "warning_percent"),
        (post("95", "90", "5", "0"), "warning_percent"),
        (post("0", "100", "5", "0"), "warning_percent"),
        (post("90", "1001", "5", "0"), "overrun_percent"),
        (post("90", "100", "-101", "0"), "margin_floor_percent"),
        (post("90.123", "100", "5", "0"), "warning_percent"),
        (post("abc", "100", "5", "0"), "warning_percent"),
    ] {
        let r = owner.post_form("/settings/cost/thresholds", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(!r.field_error(field).is_empty(), "{fields:?}: {}", r.body);
    }
    assert_eq!(
        app.count("select count(*) from cost_alert_setting").await,
        0
    );

    let r = owner
        .post_form("/settings/cost/thresholds", &post("80", "110", "-5", "0"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select (overrun_percent * 100)::bigint from cost_alert_setting where tenant_id = {tenant}"
        ))
        .await,
        11000
    );
    // A second form read before that save is stale.
    let r = owner
        .post_form("/settings/cost/thresholds", &post("85", "100", "5", "0"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("阈值已被他人修改");
    let page = owner.get("/settings/cost").await;
    assert!(page.body.contains("value=\"80\""));
    assert!(page.body.contains("value=\"-5\""));
    let r = owner
        .post_form("/settings/cost/thresholds", &post("85", "100", "5", "1"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("select version::bigint from cost_alert_setting")
            .await,
        2
    );
}

#[tokio::test]
async fn cost_settings_are_for_owners_and_admins_only() {
    let Company {
        app,
        mut owner,
        tenant,
        project: _,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    assert_eq!(admin.get("/settings/cost").await.status, StatusCode::OK);
    for (email, role) in [
        ("pm@acme.cn", "project_manager"),
        ("fin@acme.cn", "finance"),
        ("viewer@acme.cn", "viewer"),
    ] {
        let mut c = app.user(tenant, email, role).await;
        assert_eq!(
            c.get("/settings/cost").await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        c.get("/dashboard").await;
        let r = c
            .post_form(
                "/settings/cost/categories",
                &[("code", "99"), ("name_zh", "偷偷加")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        let r = c
            .post_form(
                "/settings/cost/thresholds",
                &[
                    ("warning_percent", "50"),
                    ("overrun_percent", "60"),
                    ("margin_floor_percent", "1"),
                    ("version", "0"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
    }
    owner.get("/settings/cost").await;
    assert_eq!(
        app.count("select count(*) from cost_category where code = '99'")
            .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from cost_alert_setting").await,
        0
    );
}

// ---- budgets ----

#[tokio::test]
async fn original_then_revision_with_a_reason_changes_the_current_budget() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let page = owner.get(&budget_path(project)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"no-budget\""));
    assert!(page.body.contains("id=\"start-original\""));
    assert!(
        add_task(&mut owner, project, "基础施工", "10")
            .await
            .status
            .is_redirection()
    );
    let task = task_id(&app, project, "基础施工").await;

    // The original: materials and labour, and a line down to a task.
    let draft = start_draft(&mut owner, project).await;
    let materials = category(&app, tenant, "02").await;
    let labour = category(&app, tenant, "01").await;
    let v = draft_version(&app, draft).await;
    let r = save_draft(
        &mut owner,
        project,
        draft,
        &v,
        &[(materials, "1,000,000"), (labour, "500000.00")],
        &[(&materials.to_string(), &task.to_string(), "250000")],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A second draft is refused while this one is open.
    owner.get(&budget_path(project)).await;
    let r = owner
        .post_form(&format!("{}/versions", budget_path(project)), &[])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("已有一个草稿");
    // Not current before approval.
    let page = owner.get(&budget_path(project)).await;
    assert!(page.body.contains("id=\"no-budget\""));
    let r = approve(&mut owner, &app, project, draft, "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.get(&budget_path(project)).await;
    assert_eq!(page.text("#budget-total"), "1,750,000.00");
    assert!(page.text("#task-lines").contains("基础施工"));
    assert!(page.text("#task-lines").contains("250,000.00"));
    let row = page.text(&format!("tr[data-category=\"{materials}\"] td.amount"));
    assert_eq!(row, "1,250,000.00");
    assert!(page.body.contains("id=\"start-revision\""));

    // Approved versions are immutable.
    let r = owner
        .get(&format!("{}/{draft}/edit", budget_path(project)))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // A revision copies the current lines into a new draft numbered 1.
    let revision = start_draft(&mut owner, project).await;
    assert_eq!(
        app.count(&format!(
            "select number::bigint from cost_budget_version where id = {revision}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_budget_line where budget_version_id = {revision}"
        ))
        .await,
        3
    );
    let edit = owner
        .get(&format!("{}/{revision}/edit", budget_path(project)))
        .await;
    assert!(edit.body.contains(&format!(
        "id=\"f-amount-{materials}\" name=\"amount\" value=\"1000000"
    )));
    let v = draft_version(&app, revision).await;
    let r = save_draft(
        &mut owner,
        project,
        revision,
        &v,
        &[(materials, "1200000"), (labour, "500000")],
        &[(&materials.to_string(), &task.to_string(), "250000")],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Without a reason the revision is refused and stays a draft.
    let r = approve(&mut owner, &app, project, revision, "  ").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("reason").contains("原因"), "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_budget_version where id = {revision} and status = 'draft'"
        ))
        .await,
        1
    );
    let page = owner.get(&budget_path(project)).await;
    assert_eq!(page.text("#budget-total"), "1,750,000.00");

    let r = approve(&mut owner, &app, project, revision, "钢材涨价").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.get(&budget_path(project)).await;
    assert_eq!(page.text("#budget-total"), "1,950,000.00");
    assert_eq!(page.text("#version-1 td.change"), "+200,000.00");
    assert!(page.text("#version-1 td.reason").contains("钢材涨价"));
    assert!(page.text("#version-1").contains("Owner"));
    // The original is still there to look at.
    let old = owner
        .get(&format!("{}?version={draft}", budget_path(project)))
        .await;
    assert_eq!(old.text("#budget-total"), "1,750,000.00");
    assert!(
        app.count("select count(*) from audit_log where entity = 'cost_budget_version'")
            .await
            >= 6
    );

    // A draft can be deleted; the current budget stays.
    let third = start_draft(&mut owner, project).await;
    owner.get(&budget_path(project)).await;
    let v = draft_version(&app, third).await;
    let r = owner
        .post_form(
            &format!("{}/{third}/delete", budget_path(project)),
            &[("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_budget_version where id = {third}"
        ))
        .await,
        0
    );
    let page = owner.get(&budget_path(project)).await;
    assert_eq!(page.text("#budget-total"), "1,950,000.00");
}

#[tokio::test]
async fn a_stale_draft_save_or_approval_answers_409() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let materials = category(&app, tenant, "02").await;
    let draft = start_draft(&mut owner, project).await;
    let first = draft_version(&app, draft).await;
    let r = save_draft(
        &mut owner,
        project,
        draft,
        &first,
        &[(materials, "100")],
        &[],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = save_draft(
        &mut owner,
        project,
        draft,
        &first,
        &[(materials, "999")],
        &[],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("已被他人修改");
    // What they typed is kept for them to save again.
    assert!(r.body.contains("value=\"999\""));
    assert_eq!(
        app.count(&format!(
            "select amount::bigint from cost_budget_line where budget_version_id = {draft}"
        ))
        .await,
        100
    );
    owner.get(&budget_path(project)).await;
    let r = owner
        .post_form(
            &format!("{}/{draft}/approve", budget_path(project)),
            &[("version", &first), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        app.count("select count(*) from cost_budget_version where status = 'approved'")
            .await,
        0
    );
}

#[tokio::test]
async fn bad_amounts_and_unknown_ids_are_refused_and_nothing_saved() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let materials = category(&app, tenant, "02").await;
    assert!(
        add_task(&mut owner, project, "主体结构", "20")
            .await
            .status
            .is_redirection()
    );
    let task = task_id(&app, project, "主体结构").await;
    let other_project = create_project(&mut owner, "P2", "").await;
    assert!(
        add_task(&mut owner, other_project, "别的任务", "5")
            .await
            .status
            .is_redirection()
    );
    let foreign_task = task_id(&app, other_project, "别的任务").await;
    let (mut other, other_tenant) = app.signup("Other", "owner@other.cn").await;
    let their_category = category(&app, other_tenant, "02").await;
    let their_project = create_project(&mut other, "O1", "").await;
    assert!(
        add_task(&mut other, their_project, "他们的任务", "5")
            .await
            .status
            .is_redirection()
    );
    let their_task = task_id(&app, their_project, "他们的任务").await;

    let draft = start_draft(&mut owner, project).await;
    let v = draft_version(&app, draft).await;
    let r = save_draft(
        &mut owner,
        project,
        draft,
        &v,
        &[(materials, "100")],
        &[],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let v = draft_version(&app, draft).await;

    for (amount, message) in [
        ("-5", "不能为负数"),
        ("1e15", "金额过大"),
        ("1000000000000000", "金额过大"),
        ("12.345", "小数"),
        ("十万", "数字"),
    ] {
        let r = save_draft(
            &mut owner,
            project,
            draft,
            &v,
            &[(materials, amount)],
            &[],
            "",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{amount}");
        assert!(
            r.text(&format!("#e-amount-{materials}")).contains(message),
            "{amount}: {}",
            r.text(&format!("#e-amount-{materials}"))
        );
        assert!(r.body.contains(&format!("value=\"{amount}\"")), "{amount}");
        let s = task.to_string();
        let m = materials.to_string();
        let r = save_draft(&mut owner, project, draft, &v, &[], &[(&m, &s, amount)], "").await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "task line {amount}"
        );
        assert!(r.text("#e-line-0").contains(message), "{}", r.body);
    }
    let m = materials.to_string();
    for (cat, t, message) in [
        (m.clone(), foreign_task.to_string(), "末级任务"),
        (m.clone(), their_task.to_string(), "末级任务"),
        (m.clone(), "999999".to_owned(), "末级任务"),
        (
            their_category.to_string(),
            task.to_string(),
            "没有这个成本科目",
        ),
        ("abc".to_owned(), task.to_string(), "没有这个成本科目"),
        (String::new(), task.to_string(), "请选择"),
    ] {
        let r = save_draft(&mut owner, project, draft, &v, &[], &[(&cat, &t, "10")], "").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{cat} {t}");
        assert!(
            r.text("#e-line-0").contains(message),
            "{cat} {t}: {}",
            r.text("#e-line-0")
        );
    }
    // The same category and task twice.
    let t = task.to_string();
    let r = save_draft(
        &mut owner,
        project,
        draft,
        &v,
        &[],
        &[(&m, &t, "10"), (&m, &t, "20")],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#e-line-1").contains("只能有一行"));
    // Another tenant's category as a category row.
    let path = format!("{}/{draft}/edit", budget_path(project));
    owner.get(&path).await;
    let r = owner
        .post_form(
            &path,
            &[
                ("version", &v),
                ("cat", &their_category.to_string()),
                ("amount", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#e-lines").contains("没有这个成本科目"));

    // Nothing of it was saved.
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_budget_line where budget_version_id = {draft}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select amount::bigint from cost_budget_line where budget_version_id = {draft}"
        ))
        .await,
        100
    );
    assert_eq!(draft_version(&app, draft).await, v);
}

#[tokio::test]
async fn finance_drafts_a_pm_approves_a_viewer_reads_a_foreman_is_kept_out() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let materials = category(&app, tenant, "02").await;
    let mut finance = app.user(tenant, "fin@acme.cn", "finance").await;
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    let mut foreman = app.user(tenant, "foreman@acme.cn", "foreman").await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "fin@acme.cn").await,
        "engineer",
    )
    .await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "pm@acme.cn").await,
        "manager",
    )
    .await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "viewer@acme.cn").await,
        "viewer",
    )
    .await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "foreman@acme.cn").await,
        "foreman",
    )
    .await;

    // Finance drafts but cannot approve.
    let draft = start_draft(&mut finance, project).await;
    let v = draft_version(&app, draft).await;
    let r = save_draft(
        &mut finance,
        project,
        draft,
        &v,
        &[(materials, "800")],
        &[],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = finance.get(&budget_path(project)).await;
    assert!(!page.body.contains("id=\"approve-form\""));
    let r = approve(&mut finance, &app, project, draft, "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The PM approves.
    let page = pm.get(&budget_path(project)).await;
    assert!(page.body.contains("id=\"approve-form\""));
    let r = approve(&mut pm, &app, project, draft, "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The viewer reads every page, and every write is refused.
    for path in [
        budget_path(project),
        format!("/projects/{project}/cost/revenue"),
        format!("/projects/{project}/cost/snapshots"),
    ] {
        let r = viewer.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            !r.body.contains("method=\"post\" action=\"/projects/"),
            "{path}"
        );
    }
    let page = viewer.get(&budget_path(project)).await;
    assert_eq!(page.text("#budget-total"), "800.00");
    assert_eq!(
        viewer
            .get(&format!("{}/{draft}/edit", budget_path(project)))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let snap = {
        owner
            .get(&format!("/projects/{project}/cost/snapshots"))
            .await;
        let r = owner
            .post_form(
                &format!("/projects/{project}/cost/snapshots"),
                &[("name", "M1"), ("as_of", "2025-06-01")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        app.count("select max(id) from cost_snapshot").await
    };
    owner
        .get(&format!("/projects/{project}/cost/revenue"))
        .await;
    let r = owner
        .post_form(
            &format!("/projects/{project}/cost/revenue/variations"),
            &[
                ("number", "BG-01"),
                ("title", "增加地下室"),
                ("amount", "1000"),
                ("approved_on", "2025-06-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let variation = app.count("select max(id) from revenue_variation").await;
    viewer.get(&budget_path(project)).await;
    for path in [
        format!("{}/versions", budget_path(project)),
        format!("{}/{draft}/edit", budget_path(project)),
        format!("{}/{draft}/approve", budget_path(project)),
        format!("{}/{draft}/delete", budget_path(project)),
        format!("/projects/{project}/cost/revenue/contract"),
        format!("/projects/{project}/cost/revenue/variations"),
        format!("/projects/{project}/cost/revenue/variations/{variation}/delete"),
        format!("/projects/{project}/cost/snapshots"),
        format!("/projects/{project}/cost/snapshots/{snap}/delete"),
    ] {
        let r = viewer.post_form(&path, &[("version", "1")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        app.count("select count(*) from cost_budget_version").await,
        1
    );
    assert_eq!(app.count("select count(*) from revenue_variation").await, 1);
    assert_eq!(app.count("select count(*) from cost_snapshot").await, 1);

    // The foreman cannot open the module at all.
    for path in [
        budget_path(project),
        format!("/projects/{project}/cost/revenue"),
        format!("/projects/{project}/cost/snapshots"),
        format!("/projects/{project}/cost/snapshots/{snap}"),
    ] {
        let r = foreman.get(&path).await;
        assert!(
            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{path}: {}",
            r.status
        );
    }
}

#[tokio::test]
async fn create_revision_adds_deltas_to_the_current_budget() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    approved_original(&app, &mut owner, tenant, project).await;
    let materials = category(&app, tenant, "02").await;
    let plant = category(&app, tenant, "03").await;
    // A draft in progress moves up one number and takes the same change.
    let draft = start_draft(&mut owner, project).await;

    let db = &app.state.db;
    let tenant_id = girder::ids::TenantId(tenant);
    let user = girder::tenancy::CurrentUser {
        id: girder::ids::UserId(
            app.count("select id from app_user where email = 'owner@acme.cn'")
                .await,
        ),
        name: "Owner".into(),
        email: "owner@acme.cn".into(),
        role: girder::roles::Role::Owner,
        locale: girder::i18n::Locale::ZhCn,
    };
    // A project id is had through the visibility rule, as the owner who sees every project.
    let mut scope = db.begin_tenant(tenant_id).await.unwrap();
    scope.act_for(Some(user.id), true).await.unwrap();
    let project_id = girder::tenancy::project::find_project(&mut scope, project)
        .await
        .unwrap()
        .unwrap()
        .id;
    let refused = girder::cost::budget::create_revision(
        &mut scope,
        project_id,
        &user,
        "减少",
        None,
        &[(materials, rust_decimal::Decimal::from(-2_000_000))],
    )
    .await;
    assert!(refused.is_err());
    drop(scope);
    let mut scope = db.begin_tenant(tenant_id).await.unwrap();
    let id = girder::cost::budget::create_revision(
        &mut scope,
        project_id,
        &user,
        "变更单 CR-7",
        None,
        &[
            (materials, rust_decimal::Decimal::from(-100_000)),
            (plant, rust_decimal::Decimal::from(30_000)),
        ],
    )
    .await
    .unwrap();
    scope.commit().await.unwrap();
    assert_eq!(
        app.count(&format!(
            "select number::bigint from cost_budget_version where id = {id} and status = 'approved'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select number::bigint from cost_budget_version where id = {draft}"
        ))
        .await,
        2
    );
    let page = owner.get(&budget_path(project)).await;
    assert_eq!(page.text("#budget-total"), "1,430,000.00");
    assert_eq!(
        app.count(&format!(
            "select sum(amount)::bigint from cost_budget_line where budget_version_id = {draft}"
        ))
        .await,
        1_430_000
    );
}

// ---- revenue ----

#[tokio::test]
async fn revenue_shows_the_contract_value_with_variations() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let path = format!("/projects/{project}/cost/revenue");
    let page = owner.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("#contract-amount"), "12,500,000.00");
    assert!(page.body.contains("id=\"funds-note\""));
    assert_eq!(page.text("#billed"), "0.00");

    let add = |number: &'static str, amount: &'static str, date: &'static str| {
        [
            ("number", number),
            ("title", "设计变更"),
            ("amount", amount),
            ("approved_on", date),
        ]
    };
    let vpath = format!("{path}/variations");
    for fields in [
        add("BG-01", "300,000", "2025-05-01"),
        add("BG-02", "-50000.5", "2025-06-01"),
    ] {
        let r = owner.post_form(&vpath, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = owner.get(&path).await;
    assert_eq!(page.text("#variations-total"), "249,999.50");
    assert_eq!(page.text("#contract-value"), "12,749,999.50");

    for (fields, field) in [
        (add("BG-01", "100", "2025-05-01"), "number"),
        (add("BG-03", "0", "2025-05-01"), "amount"),
        (add("BG-03", "1e15", "2025-05-01"), "amount"),
        (add("BG-03", "1.001", "2025-05-01"), "amount"),
        (add("BG-03", "abc", "2025-05-01"), "amount"),
        (add("BG-03", "100", ""), "approved_on"),
        (add("", "100", "2025-05-01"), "number"),
    ] {
        let r = owner.post_form(&vpath, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(!r.field_error(field).is_empty(), "{fields:?}");
    }
    assert_eq!(app.count("select count(*) from revenue_variation").await, 2);

    // The contract amount, with the project's version.
    let version = app
        .count(&format!(
            "select version::bigint from project where id = {project}"
        ))
        .await
        .to_string();
    let r = owner
        .post_form(
            &format!("{path}/contract"),
            &[("contract_amount", "-1"), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = owner
        .post_form(
            &format!("{path}/contract"),
            &[("contract_amount", "13,000,000"), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner
        .post_form(
            &format!("{path}/contract"),
            &[("contract_amount", "1"), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let page = owner.get(&path).await;
    assert_eq!(page.text("#contract-value"), "13,249,999.50");

    // Deleting a variation.
    let id = app
        .count("select id from revenue_variation where number = 'BG-02'")
        .await;
    let r = owner
        .post_form(&format!("{path}/variations/{id}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = owner.get(&path).await;
    assert_eq!(page.text("#contract-value"), "13,300,000.00");
    assert!(
        app.count(
            "select count(*) from audit_log where entity in ('revenue_variation', 'project')"
        )
        .await
            >= 4
    );
}

// ---- snapshots ----

#[tokio::test]
async fn a_snapshot_stays_frozen_and_two_compare_line_by_line() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    approved_original(&app, &mut owner, tenant, project).await;
    let materials = category(&app, tenant, "02").await;
    let entry = |amount: i64, date: &str| {
        format!(
            "insert into cost_entry (tenant_id, project_id, entry_date, category_id, description, amount)
             values ({tenant}, {project}, '{date}', {materials}, '钢材采购', {amount})"
        )
    };
    app.exec(&entry(300_000, "2025-05-10")).await;

    let path = format!("/projects/{project}/cost/snapshots");
    let page = owner.get(&path).await;
    assert!(page.body.contains("id=\"no-snapshots\""));
    // Refused: a future date, no name.
    for (name, as_of, field) in [
        ("M1", "2999-01-01", "as_of"),
        ("", "2025-06-01", "name"),
        ("M1", "", "as_of"),
    ] {
        let r = owner
            .post_form(&path, &[("name", name), ("as_of", as_of)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!r.field_error(field).is_empty(), "{field}");
    }
    let r = owner
        .post_form(&path, &[("name", "基础完成"), ("as_of", "2025-06-01")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = app.count("select max(id) from cost_snapshot").await;
    let r = owner
        .post_form(&path, &[("name", "基础完成"), ("as_of", "2025-06-01")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("name").contains("同名"));

    let shown = owner.get(&format!("{path}/{a}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.text("#total-budget"), "1,500,000.00");
    assert_eq!(shown.text("#total-actual"), "300,000.00");
    assert_eq!(shown.text("#total-forecast"), "1,500,000.00");
    assert_eq!(shown.text("#total-variance"), "0.00");
    shown.assert_contains("12,500,000.00");

    // A cost after the snapshot, and one dated after its as-of date: the snapshot is frozen.
    app.exec(&entry(200_000, "2025-05-20")).await;
    app.exec(&entry(900_000, "2025-07-01")).await;
    let again = owner.get(&format!("{path}/{a}")).await;
    assert_eq!(again.text("#total-actual"), "300,000.00");
    assert_eq!(
        again.text("#snapshot-report"),
        shown.text("#snapshot-report")
    );

    let r = owner
        .post_form(&path, &[("name", "主体完成"), ("as_of", "2025-07-31")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = app.count("select max(id) from cost_snapshot").await;
    let shown_b = owner.get(&format!("{path}/{b}")).await;
    assert_eq!(shown_b.text("#total-actual"), "1,400,000.00");
    // Materials is over budget at B: actual 1,400,000 against 1,000,000.
    assert!(shown_b.body.contains("alert-overrun"));

    let list = owner.get(&path).await;
    assert!(list.body.contains("id=\"compare-form\""));
    let cmp = owner.get(&format!("{path}/compare?a={a}&b={b}")).await;
    assert_eq!(cmp.status, StatusCode::OK);
    let row = cmp.text("#compare tbody tr[data-code=\"02\"]");
    assert!(row.contains("300,000.00"), "{row}");
    assert!(row.contains("1,400,000.00"), "{row}");
    assert!(row.contains("+1,100,000.00"), "{row}");
    let totals = cmp.text("#compare-totals");
    assert!(totals.contains("+1,100,000.00"), "{totals}");
    // Forecast moves from the budget to what was spent: +400,000.
    assert!(totals.contains("+400,000.00"), "{totals}");
    assert!(totals.contains("-400,000.00"), "{totals}");
    // Only categories present in either snapshot.
    assert!(!cmp.body.contains("data-code=\"09\""));

    // Delete one.
    owner.get(&path).await;
    let r = owner.post_form(&format!("{path}/{a}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_not_found(&owner.get(&format!("{path}/{a}")).await);
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_snapshot_line where snapshot_id = {a}"
        ))
        .await,
        0
    );
}

// ---- other tenants ----

#[tokio::test]
async fn another_tenants_projects_and_ids_are_not_found() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let draft = approved_original(&app, &mut owner, tenant, project).await;
    let revision = start_draft(&mut owner, project).await;
    owner
        .get(&format!("/projects/{project}/cost/snapshots"))
        .await;
    let r = owner
        .post_form(
            &format!("/projects/{project}/cost/snapshots"),
            &[("name", "S1"), ("as_of", "2025-06-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let snap = app.count("select max(id) from cost_snapshot").await;
    owner
        .get(&format!("/projects/{project}/cost/revenue"))
        .await;
    owner
        .post_form(
            &format!("/projects/{project}/cost/revenue/variations"),
            &[
                ("number", "V1"),
                ("title", "签证"),
                ("amount", "10"),
                ("approved_on", "2025-06-01"),
            ],
        )
        .await;
    let variation = app.count("select max(id) from revenue_variation").await;
    let labour = category(&app, tenant, "01").await;

    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    let own = create_project(&mut other, "O1", "").await;
    for path in [
        budget_path(project),
        format!("{}?version={draft}", budget_path(project)),
        format!("{}?version={draft}", budget_path(own)),
        format!("{}/{revision}/edit", budget_path(project)),
        format!("{}/{revision}/edit", budget_path(own)),
        format!("/projects/{project}/cost/revenue"),
        format!("/projects/{project}/cost/snapshots"),
        format!("/projects/{project}/cost/snapshots/{snap}"),
        format!("/projects/{own}/cost/snapshots/{snap}"),
        format!("/projects/{own}/cost/snapshots/compare?a={snap}&b={snap}"),
    ] {
        assert_not_found(&other.get(&path).await);
    }
    other.get("/settings/cost").await;
    for path in [
        format!("{}/versions", budget_path(project)),
        format!("{}/{revision}/edit", budget_path(project)),
        format!("{}/{revision}/edit", budget_path(own)),
        format!("{}/{revision}/approve", budget_path(own)),
        format!("{}/{revision}/delete", budget_path(own)),
        format!("/projects/{project}/cost/revenue/contract"),
        format!("/projects/{own}/cost/revenue/variations/{variation}/delete"),
        format!("/projects/{project}/cost/snapshots"),
        format!("/projects/{own}/cost/snapshots/{snap}/delete"),
        format!("/settings/cost/categories/{labour}"),
        format!("/settings/cost/categories/{labour}/active"),
        format!("/settings/cost/categories/{labour}/delete"),
    ] {
        let r = other
            .post_form(
                &path,
                &[
                    ("version", "1"),
                    ("reason", "x"),
                    ("code", "01"),
                    ("name_zh", "偷改"),
                    ("sort_order", "1"),
                    ("active", "0"),
                ],
            )
            .await;
        assert_not_found(&r);
    }
    assert_eq!(
        app.count(&format!(
            "select count(*) from cost_budget_version where project_id = {project}"
        ))
        .await,
        2
    );
    assert_eq!(app.count("select count(*) from cost_snapshot").await, 1);
    assert_eq!(app.count("select count(*) from revenue_variation").await, 1);
    assert_eq!(
        app.count(&format!("select count(*) from cost_category where id = {labour} and name_zh = '人工费' and active"))
            .await,
        1
    );
}
