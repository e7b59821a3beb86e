//! Funds › contracts over HTTP: counterparties (credit-code check, names, deactivation),
//! contracts (draft, edit, sign, lock, close), variations, the retention cap with the rule
//! named, Settings › Funds, roles, project visibility, other tenants' ids, and committed cost
//! in the cost centre moving as an expense contract is signed and varied.

use axum::http::StatusCode;

use crate::support::builders::{Company, CompanyBuilder, counterparty, create_project};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

/// The fields of a 113,000.00 subcontract at 13 % VAT, to change one at a time.
fn fields(project: i64, party: i64, number: &str) -> Vec<(&'static str, String)> {
    vec![
        ("project_id", project.to_string()),
        ("number", number.to_owned()),
        ("title", "主体结构劳务分包".to_owned()),
        ("direction", "expense".to_owned()),
        ("kind", "subcontract".to_owned()),
        ("counterparty_id", party.to_string()),
        ("category_id", String::new()),
        ("amount", "113,000.00".to_owned()),
        ("tax_rate", "13".to_owned()),
        ("signed_on", "2026-03-10".to_owned()),
        ("payment_terms", "按月进度付款 80%".to_owned()),
        ("retention_percent", "3".to_owned()),
        ("retention_release_on", "2028-03-10".to_owned()),
        ("version", "0".to_owned()),
    ]
}

/// A contract form's fields, by name.
type Fields = Vec<(&'static str, String)>;

fn with(
    mut f: Vec<(&'static str, String)>,
    name: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    for (k, v) in f.iter_mut() {
        if *k == name {
            *v = value.to_owned();
        }
    }
    f
}

async fn post(c: &mut TestClient, path: &str, f: &[(&'static str, String)]) -> TestResponse {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form(path, &pairs).await
}

/// Creates a draft contract and returns its id.
async fn draft(c: &mut TestClient, f: &[(&'static str, String)]) -> i64 {
    let r = post(c, "/funds/contracts", f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches("/funds/contracts/")
        .parse()
        .unwrap()
}

async fn version(app: &TestApp, contract: i64) -> String {
    app.count(&format!(
        "select version::bigint from contract where id = {contract}"
    ))
    .await
    .to_string()
}

async fn sign(c: &mut TestClient, app: &TestApp, contract: i64) -> TestResponse {
    let v = version(app, contract).await;
    c.post_form(
        &format!("/funds/contracts/{contract}/sign"),
        &[("version", &v)],
    )
    .await
}

/// The committed total of the project's cost report.
async fn committed(c: &mut TestClient, project: i64) -> String {
    let r = c.get(&format!("/projects/{project}/cost")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.text("#cost-totals td.committed")
}

async fn subcontract_row(app: &TestApp, tenant: i64, c: &mut TestClient, project: i64) -> String {
    let id = app
        .count(&format!(
            "select id from cost_category where tenant_id = {tenant} and builtin = 'subcontract'"
        ))
        .await;
    let r = c.get(&format!("/projects/{project}/cost")).await;
    r.text(&format!("tr[data-category=\"{id}\"] td.committed"))
}

#[tokio::test]
async fn a_signed_subcontract_is_committed_cost_without_vat_and_variations_move_it() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let party = counterparty(&mut owner, "杭州建工劳务有限公司", "subcontractor").await;
    let id = draft(&mut owner, &fields(project, party, "FB-001")).await;

    // A draft commits nothing.
    assert_eq!(committed(&mut owner, project).await, "0.00");
    let page = owner.get(&format!("/funds/contracts/{id}")).await;
    assert_eq!(page.text("#contract-status"), "草稿");
    assert_eq!(page.text("#current-amount"), "113,000.00");

    let r = sign(&mut owner, &app, id).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(committed(&mut owner, project).await, "100,000.00");
    assert_eq!(
        subcontract_row(&app, tenant, &mut owner, project).await,
        "100,000.00"
    );

    // +11,300.00 incl. VAT raises it by 10,000.00.
    let v = version(&app, id).await;
    let r = owner
        .post_form(
            &format!("/funds/contracts/{id}/variations"),
            &[
                ("number", "BG-01"),
                ("title", "地下室加深"),
                ("amount", "11,300.00"),
                ("approved_on", "2026-05-01"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(committed(&mut owner, project).await, "110,000.00");
    assert_eq!(
        subcontract_row(&app, tenant, &mut owner, project).await,
        "110,000.00"
    );
    let page = owner.get(&format!("/funds/contracts/{id}")).await;
    assert_eq!(page.text("#current-amount"), "124,300.00");
    assert_eq!(page.text("#contract-facts .without-vat"), "110,000.00");
    assert!(page.text("#variation-list").contains("地下室加深"));

    // Deleting the variation brings it back; closing the contract ends the commitment.
    let variation = app
        .count(&format!(
            "select id from contract_variation where contract_id = {id}"
        ))
        .await;
    let v = version(&app, id).await;
    let r = owner
        .post_form(
            &format!("/funds/contracts/{id}/variations/{variation}/delete"),
            &[("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(committed(&mut owner, project).await, "100,000.00");

    // An invoice booked against the contract is actual cost, no longer committed; its
    // reversal commits it again. A contract of another project is refused.
    let subcontract = app
        .count(&format!(
            "select id from cost_category where tenant_id = {tenant} and builtin = 'subcontract'"
        ))
        .await
        .to_string();
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string();
    let entry_form = |contract: String| {
        vec![
            ("entry_date", today.clone()),
            ("category_id", subcontract.clone()),
            ("contract_id", contract),
            ("description", "第一期进度款发票".to_owned()),
            ("amount", "40000".to_owned()),
            ("tax_rate", "9".to_owned()),
            ("version", "0".to_owned()),
        ]
    };
    let entries = format!("/projects/{project}/cost/entries");
    owner.get(&format!("{entries}/new")).await;
    let r = post(&mut owner, &entries, &entry_form("999999".to_owned())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(&mut owner, &entries, &entry_form(id.to_string())).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(committed(&mut owner, project).await, "60,000.00");
    let entry = app
        .count(&format!(
            "select id from cost_entry where contract_id = {id}"
        ))
        .await;
    owner.get(&format!("{entries}/{entry}")).await;
    let r = owner
        .post_form(
            &format!("{entries}/{entry}/reverse"),
            &[
                ("version", "1"),
                ("reason", "发票作废"),
                ("entry_date", &today),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(committed(&mut owner, project).await, "100,000.00");

    let v = version(&app, id).await;
    let r = owner
        .post_form(&format!("/funds/contracts/{id}/close"), &[("version", &v)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(committed(&mut owner, project).await, "0.00");

    // Every change is in the audit log.
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_log where tenant_id = {tenant}
             and entity in ('contract', 'contract_variation', 'counterparty')"
        ))
        .await,
        6
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_log where tenant_id = {tenant} and entity = 'cost_entry'"
        ))
        .await,
        2
    );
}

#[tokio::test]
async fn a_purchase_commits_under_materials_and_an_income_contract_commits_nothing() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let supplier = counterparty(&mut owner, "华东钢材贸易", "supplier").await;
    let client = counterparty(&mut owner, "城投集团", "client").await;
    let f = with(fields(project, supplier, "CG-001"), "kind", "purchase");
    let f = with(f, "amount", "10,900.00");
    let purchase = draft(&mut owner, &with(f, "tax_rate", "9")).await;
    sign(&mut owner, &app, purchase).await;
    let f = with(fields(project, client, "ZB-001"), "direction", "income");
    let f = with(f, "kind", "main");
    let mut f = with(f, "retention_percent", "0");
    f.push(("payment_ratio", "80".to_owned()));
    let income = draft(&mut owner, &f).await;
    sign(&mut owner, &app, income).await;

    let materials = app
        .count(&format!(
            "select id from cost_category where tenant_id = {tenant} and builtin = 'materials'"
        ))
        .await;
    let r = owner.get(&format!("/projects/{project}/cost")).await;
    assert_eq!(
        r.text(&format!("tr[data-category=\"{materials}\"] td.committed")),
        "10,000.00"
    );
    assert_eq!(r.text("#cost-totals td.committed"), "10,000.00");

    // The list shows both with totals by direction, and filters.
    let r = owner.get("/funds/contracts").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text("#contract-totals tr.income td.n"), "113,000.00");
    assert_eq!(r.text("#contract-totals tr.expense td.n"), "10,900.00");
    let r = owner.get("/funds/contracts?direction=income").await;
    assert!(r.text("#contracts tbody").contains("ZB-001"));
    assert!(!r.text("#contracts tbody").contains("CG-001"));
    assert_eq!(r.text("#contract-totals tr.expense td.n"), "0.00");
    let r = owner.get("/funds/contracts?status=draft").await;
    assert!(r.text("#no-contracts").len() > 1);
    let r = owner
        .get(&format!("/funds/contracts?project={project}&status=signed"))
        .await;
    assert_eq!(
        r.html()
            .select(&scraper::Selector::parse("#contracts tbody tr").unwrap())
            .count(),
        2
    );
}

#[tokio::test]
async fn bad_contracts_are_refused_beside_their_fields_and_nothing_is_saved() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let party = counterparty(&mut owner, "杭州建工劳务有限公司", "subcontractor").await;
    let client = counterparty(&mut owner, "城投集团", "client").await;
    let other = app.signup("Other", "owner@other.cn").await;
    let (mut other_owner, _) = other;
    let other_project = create_project(&mut other_owner, "X1", "").await;
    let other_party = counterparty(&mut other_owner, "外部单位", "subcontractor").await;

    let base = fields(project, party, "FB-001");
    let cases: Vec<(Fields, &str, &str)> = vec![
        (
            with(base.clone(), "amount", "0"),
            "amount",
            "金额须大于零。",
        ),
        (
            with(base.clone(), "amount", "-100"),
            "amount",
            "金额须大于零。",
        ),
        (with(base.clone(), "amount", "100.005"), "amount", ""),
        (
            with(base.clone(), "amount", "100000000000.00"),
            "amount",
            "金额超出上限 99,999,999,999.99。",
        ),
        (with(base.clone(), "amount", "abc"), "amount", ""),
        (
            with(base.clone(), "project_id", &other_project.to_string()),
            "project_id",
            "请选择您可查看的项目。",
        ),
        (
            with(base.clone(), "counterparty_id", &other_party.to_string()),
            "counterparty_id",
            "请选择一个启用的往来单位。",
        ),
        (
            with(base.clone(), "counterparty_id", "999999"),
            "counterparty_id",
            "请选择一个启用的往来单位。",
        ),
        (
            with(base.clone(), "counterparty_id", &client.to_string()),
            "counterparty_id",
            "",
        ),
        (
            with(base.clone(), "category_id", "999999"),
            "category_id",
            "请选择一个启用的成本科目。",
        ),
        (with(base.clone(), "kind", "main"), "kind", ""),
        (with(base.clone(), "tax_rate", "101"), "tax_rate", ""),
        (with(base.clone(), "number", ""), "number", ""),
        (
            with(base.clone(), "signed_on", "2026-13-40"),
            "signed_on",
            "",
        ),
        (
            with(base.clone(), "retention_release_on", "2025-01-01"),
            "retention_release_on",
            "返还日期不能早于签订日期。",
        ),
    ];
    for (f, field, message) in cases {
        let r = post(&mut owner, "/funds/contracts", &f).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.body
        );
        let shown = r.field_error(field);
        assert!(!shown.is_empty(), "{field}: no message");
        if !message.is_empty() {
            assert_eq!(shown, message, "{field}");
        }
        // The input is kept.
        assert!(r.body.contains("主体结构劳务分包"));
    }

    // Retention above the cap names the rule and the cap.
    let r = post(
        &mut owner,
        "/funds/contracts",
        &with(base.clone(), "retention_percent", "5"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let msg = r.field_error("retention_percent");
    assert!(msg.contains("建质〔2017〕138号"), "{msg}");
    assert!(msg.contains("3 %"), "{msg}");
    assert_eq!(app.count("select count(*) from contract").await, 0);

    // A taken number.
    draft(&mut owner, &base).await;
    let r = post(&mut owner, "/funds/contracts", &base).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("number"), "该编号已被使用。");
    assert_eq!(app.count("select count(*) from contract").await, 1);
}

#[tokio::test]
async fn drafts_are_edited_signed_contracts_are_locked_and_stale_saves_conflict() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let party = counterparty(&mut owner, "杭州建工劳务有限公司", "subcontractor").await;
    let id = draft(&mut owner, &fields(project, party, "FB-001")).await;
    let r = owner.get(&format!("/funds/contracts/{id}/edit")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("FB-001"));
    let f = with(fields(project, party, "FB-001A"), "version", "1");
    let r = post(
        &mut owner,
        &format!("/funds/contracts/{id}"),
        &with(f.clone(), "amount", "226,000.00"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.get(&format!("/funds/contracts/{id}")).await;
    assert_eq!(page.text("#current-amount"), "226,000.00");
    // The same version again is stale.
    let r = post(&mut owner, &format!("/funds/contracts/{id}"), &f).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text("#notice").contains("他人修改"));
    // A stale sign is refused too.
    let r = owner
        .post_form(&format!("/funds/contracts/{id}/sign"), &[("version", "1")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        sign(&mut owner, &app, id).await.status,
        StatusCode::SEE_OTHER
    );
    // Signed: no edit, no second signing.
    let r = owner.get(&format!("/funds/contracts/{id}/edit")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let v = version(&app, id).await;
    let r = post(
        &mut owner,
        &format!("/funds/contracts/{id}"),
        &with(f, "version", &v),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        sign(&mut owner, &app, id).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.count(&format!(
            "select amount::bigint from contract where id = {id}"
        ))
        .await,
        226_000
    );

    // Variations: refused on bad input, and one that would take the amount to zero.
    let v = version(&app, id).await;
    for (amount, date) in [
        ("0", "2026-05-01"),
        ("1.001", "2026-05-01"),
        ("", "2026-05-01"),
        ("100", ""),
        ("-226000", "2026-05-01"),
    ] {
        let r = owner
            .post_form(
                &format!("/funds/contracts/{id}/variations"),
                &[
                    ("number", "BG-01"),
                    ("title", "变更"),
                    ("amount", amount),
                    ("approved_on", date),
                    ("version", &v),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{amount} {date}"
        );
    }
    assert_eq!(
        app.count("select count(*) from contract_variation").await,
        0
    );
    // A stale variation.
    let r = owner
        .post_form(
            &format!("/funds/contracts/{id}/variations"),
            &[
                ("number", "BG-01"),
                ("title", "变更"),
                ("amount", "-1000"),
                ("approved_on", "2026-05-01"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // A draft takes no variation.
    let other = draft(&mut owner, &fields(project, party, "FB-002")).await;
    let r = owner
        .post_form(
            &format!("/funds/contracts/{other}/variations"),
            &[
                ("number", "BG-01"),
                ("title", "变更"),
                ("amount", "100"),
                ("approved_on", "2026-05-01"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn counterparties_check_the_credit_code_and_names() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project: _,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let base = [
        ("name", "杭州建工劳务有限公司"),
        ("kind", "subcontractor"),
        ("credit_code", "91350100M000100Y44"),
        ("contact", ""),
        ("phone", ""),
        ("bank_name", ""),
        ("bank_account", ""),
    ];
    let r = owner.post_form("/funds/counterparties", &base).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("credit_code").contains("GB 32100"));
    let mut ok = base;
    ok[2] = ("credit_code", "91350100m000100y43");
    let r = owner.post_form("/funds/counterparties", &ok).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count("select count(*) from counterparty where credit_code = '91350100M000100Y43'")
            .await,
        1
    );
    let r = owner.post_form("/funds/counterparties", &ok).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("name"), "已有同名往来单位。");
    let mut bad = ok;
    bad[1] = ("kind", "bank");
    bad[0] = ("name", "别的");
    assert_eq!(
        owner.post_form("/funds/counterparties", &bad).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(app.count("select count(*) from counterparty").await, 1);

    let id = app.count("select id from counterparty").await;
    let list = owner.get("/funds/counterparties").await;
    assert!(
        list.text(&format!("#counterparty-{id} .code"))
            .contains("91350100M000100Y43")
    );
    let r = owner.get(&format!("/funds/counterparties/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let mut edit: Vec<(&str, &str)> = ok.to_vec();
    edit[0] = ("name", "杭州建工劳务");
    edit.push(("version", "1"));
    let r = owner
        .post_form(&format!("/funds/counterparties/{id}"), &edit)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner
        .post_form(&format!("/funds/counterparties/{id}"), &edit)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Deactivated, it is no longer offered for new contracts and is refused.
    let r = owner
        .post_form(
            &format!("/funds/counterparties/{id}/active"),
            &[("active", "0"), ("version", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = owner.get("/funds/counterparties").await;
    assert!(
        list.text(&format!("#counterparty-{id} .state"))
            .contains("已停用")
    );
    let project = app.count("select id from project").await;
    let r = post(
        &mut owner,
        "/funds/contracts",
        &fields(project, id, "FB-009"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.field_error("counterparty_id"),
        "请选择一个启用的往来单位。"
    );
}

#[tokio::test]
async fn the_retention_cap_is_a_setting_of_owners_and_admins() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let r = owner.get("/settings/funds").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("value=\"3\""));
    assert!(r.body.contains("建质〔2017〕138号"));
    for bad in ["", "101", "-1", "2.555", "x"] {
        let r = owner
            .post_form(
                "/settings/funds",
                &[("retention_cap_percent", bad), ("version", "0")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(!r.field_error("retention_cap_percent").is_empty());
    }
    let r = owner
        .post_form(
            "/settings/funds",
            &[("retention_cap_percent", "5"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = owner
        .post_form(
            "/settings/funds",
            &[("retention_cap_percent", "4"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Now 5 % is allowed, 5.01 % is not and the message names the new cap.
    let party = counterparty(&mut owner, "劳务公司", "subcontractor").await;
    let f = with(
        fields(project, party, "FB-001"),
        "retention_percent",
        "5.01",
    );
    let r = post(&mut owner, "/funds/contracts", &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("retention_percent").contains("5 %"));
    let id = draft(&mut owner, &with(f, "retention_percent", "5")).await;
    // The cap lowered again: the draft at 5 % is not signed, and the rule is named.
    let r = owner
        .post_form(
            "/settings/funds",
            &[("retention_cap_percent", "3"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = sign(&mut owner, &app, id).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#notice").contains("建质〔2017〕138号"));
    assert!(r.text("#notice").contains("3 %"));
    assert_eq!(
        app.count("select count(*) from contract where status = 'draft'")
            .await,
        1
    );

    let mut admin = app.user(tenant, "admin@acme.cn", "admin").await;
    assert_eq!(admin.get("/settings/funds").await.status, StatusCode::OK);
    let mut finance = app.user(tenant, "fin@acme.cn", "finance").await;
    assert_eq!(
        finance.get("/settings/funds").await.status,
        StatusCode::FORBIDDEN
    );
    let r = finance
        .post_form(
            "/settings/funds",
            &[("retention_cap_percent", "10"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("select retention_cap_percent::bigint from funds_settings")
            .await,
        3
    );
}

#[tokio::test]
async fn roles_and_projects_decide_who_sees_and_changes_contracts() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let party = counterparty(&mut owner, "劳务公司", "subcontractor").await;
    let id = draft(&mut owner, &fields(project, party, "FB-001")).await;
    let second = create_project(&mut owner, "P2", "").await;

    // A viewer (member of P1) reads but changes nothing.
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    let uid = app
        .count("select id from app_user where email = 'viewer@acme.cn'")
        .await;
    app.exec(&format!(
        "insert into project_member (tenant_id, project_id, user_id, project_role)
         values ({tenant}, {project}, {uid}, 'viewer')"
    ))
    .await;
    let r = viewer.get("/funds/contracts").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text("#contracts").contains("FB-001"));
    assert!(r.text("#new-contract").is_empty());
    assert_eq!(
        viewer.get(&format!("/funds/contracts/{id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        viewer.get("/funds/counterparties").await.status,
        StatusCode::OK
    );
    assert_eq!(
        viewer.get("/funds/contracts/new").await.status,
        StatusCode::FORBIDDEN
    );
    let r = post(
        &mut viewer,
        "/funds/contracts",
        &fields(project, party, "FB-002"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = viewer
        .post_form(&format!("/funds/contracts/{id}/sign"), &[("version", "1")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = viewer
        .post_form(
            "/funds/counterparties",
            &[("name", "x"), ("kind", "supplier")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A project manager of P2 only: P1's contract answers 404 and is not listed, and they
    // may not put a contract on P1.
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    let uid = app
        .count("select id from app_user where email = 'pm@acme.cn'")
        .await;
    app.exec(&format!(
        "insert into project_member (tenant_id, project_id, user_id, project_role)
         values ({tenant}, {second}, {uid}, 'manager')"
    ))
    .await;
    assert_not_found(&pm.get(&format!("/funds/contracts/{id}")).await);
    assert_not_found(&pm.get(&format!("/funds/contracts/{id}/edit")).await);
    assert_not_found(
        &pm.post_form(&format!("/funds/contracts/{id}/sign"), &[("version", "1")])
            .await,
    );
    let r = pm.get("/funds/contracts").await;
    assert!(!r.body.contains("FB-001"));
    let r = post(
        &mut pm,
        "/funds/contracts",
        &fields(project, party, "FB-002"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("project_id"), "请选择您可查看的项目。");
    let r = post(
        &mut pm,
        "/funds/contracts",
        &fields(second, party, "FB-002"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Finance sees all? No: a finance user sees the projects they belong to, and drafts there.
    let mut finance = app.user(tenant, "fin@acme.cn", "finance").await;
    assert_eq!(
        finance.get("/funds/contracts/new").await.status,
        StatusCode::OK
    );
    assert!(
        !finance
            .get("/funds/contracts")
            .await
            .body
            .contains("FB-001")
    );

    // A foreman does not open Funds; the nav shows it to the others.
    let mut foreman = app.user(tenant, "foreman@acme.cn", "foreman").await;
    assert_ne!(foreman.get("/funds/contracts").await.status, StatusCode::OK);
    assert!(
        owner
            .get("/dashboard")
            .await
            .body
            .contains("href=\"/funds\"")
    );
}

#[tokio::test]
async fn other_tenants_ids_answer_404() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let party = counterparty(&mut owner, "劳务公司", "subcontractor").await;
    let id = draft(&mut owner, &fields(project, party, "FB-001")).await;
    sign(&mut owner, &app, id).await;
    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    assert_not_found(&other.get(&format!("/funds/contracts/{id}")).await);
    assert_not_found(&other.get(&format!("/funds/contracts/{id}/edit")).await);
    assert_not_found(
        &other
            .post_form(&format!("/funds/contracts/{id}/close"), &[("version", "2")])
            .await,
    );
    assert_not_found(
        &other
            .post_form(
                &format!("/funds/contracts/{id}/variations"),
                &[
                    ("number", "X"),
                    ("title", "X"),
                    ("amount", "1"),
                    ("approved_on", "2026-05-01"),
                    ("version", "2"),
                ],
            )
            .await,
    );
    assert_not_found(&other.get(&format!("/funds/counterparties/{party}")).await);
    assert_not_found(
        &other
            .post_form(
                &format!("/funds/counterparties/{party}/active"),
                &[("active", "0"), ("version", "1")],
            )
            .await,
    );
    assert!(!other.get("/funds/contracts").await.body.contains("FB-001"));
    assert_eq!(
        app.count("select count(*) from contract where status = 'signed'")
            .await,
        1
    );
}
