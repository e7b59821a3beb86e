//! Cost entries and month close over HTTP: recording, filtering and exporting entries, edits
//! with optimistic locking, reversals, refused input (nothing saved), closed months, attachments
//! checked by their bytes, roles, other tenants' ids, and the monthly roll-up kept equal to the
//! entries.

use std::io::Cursor;

use axum::http::{StatusCode, header};
use chrono::{Months, NaiveDate};
use image::{DynamicImage, ImageFormat, RgbImage};

use crate::support::builders::{
    Company, CompanyBuilder, add_member, add_task, create_project, task_id, user_id,
};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

/// The tenant's today (Asia/Shanghai, the default time zone).
fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(chrono::Datelike::year(&d), chrono::Datelike::month(&d), 1).unwrap()
}

/// The 10th of last month: in a month that has ended.
fn last_month_day() -> NaiveDate {
    first_of_month(today())
        .checked_sub_months(Months::new(1))
        .unwrap()
        .checked_add_days(chrono::Days::new(9))
        .unwrap()
}

fn month_label(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

struct Setup {
    app: TestApp,
    tenant: i64,
    owner: TestClient,
    admin: TestClient,
    finance: TestClient,
    pm: TestClient,
    viewer: TestClient,
    foreman: TestClient,
    project: i64,
    materials: i64,
    plant: i64,
}

async fn category(app: &TestApp, tenant: i64, builtin: &str) -> i64 {
    app.count(&format!(
        "select id from cost_category where tenant_id = {tenant} and builtin = '{builtin}'"
    ))
    .await
}

async fn setup() -> Setup {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let admin = app.user(tenant, "admin@acme.cn", "admin").await;
    let finance = app.user(tenant, "finance@acme.cn", "finance").await;
    let pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    let viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    let foreman = app.user(tenant, "foreman@acme.cn", "foreman").await;
    for (email, role) in [
        ("finance@acme.cn", "engineer"),
        ("pm@acme.cn", "manager"),
        ("viewer@acme.cn", "viewer"),
        ("foreman@acme.cn", "foreman"),
    ] {
        let id = user_id(&app, email).await;
        add_member(&mut owner, project, id, role).await;
    }
    let materials = category(&app, tenant, "materials").await;
    let plant = category(&app, tenant, "plant").await;
    Setup {
        app,
        tenant,
        owner,
        admin,
        finance,
        pm,
        viewer,
        foreman,
        project,
        materials,
        plant,
    }
}

fn base(project: i64) -> String {
    format!("/projects/{project}/cost/entries")
}

/// A form's fields by name.
type Fields = Vec<(&'static str, String)>;

/// The fields of a valid entry, with `over` replacing some.
fn fields(date: NaiveDate, category: i64, amount: &str, over: &[(&'static str, &str)]) -> Fields {
    let mut f: Fields = vec![
        ("version", "0".into()),
        ("entry_date", date.to_string()),
        ("category_id", category.to_string()),
        ("task_id", String::new()),
        ("supplier", "华东建材有限公司".into()),
        ("description", "钢筋 HRB400 Φ18".into()),
        ("amount", amount.into()),
        ("tax_rate", "13".into()),
        ("tax_amount", String::new()),
        ("document_no", "FP-2026-001".into()),
    ];
    for (k, v) in over {
        if let Some(slot) = f.iter_mut().find(|(name, _)| name == k) {
            slot.1 = (*v).to_owned();
        }
    }
    f
}

async fn post(c: &mut TestClient, path: &str, f: &[(&'static str, String)]) -> TestResponse {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form(path, &pairs).await
}

/// Records an entry through the form and gives its id.
async fn create(c: &mut TestClient, project: i64, f: &[(&'static str, String)]) -> i64 {
    let form = c.get(&format!("{}/new", base(project))).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let r = post(c, &base(project), f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().rsplit('/').next().unwrap().parse().unwrap()
}

async fn entries(app: &TestApp) -> i64 {
    app.count("select count(*) from cost_entry").await
}

/// The roll-up `cost_actual_month` holds exactly what the entries add up to, per project,
/// category and month (count and amount).
async fn assert_rollup_matches(app: &TestApp) {
    let mismatches = app
        .count(
            "select count(*) from (
               select project_id, category_id, date_trunc('month', entry_date)::date as month,
                      count(*) as n, sum(amount) as s
               from cost_entry group by 1, 2, 3) e
             full join (select * from cost_actual_month
                        where category_id <> 0 and (entries <> 0 or amount <> 0)) a
               on a.project_id = e.project_id and a.category_id = e.category_id
              and a.month = e.month
             where e.s is distinct from a.amount or e.n is distinct from a.entries",
        )
        .await;
    assert_eq!(mismatches, 0, "cost_actual_month differs from the entries");
    let totals = app
        .count(
            "select count(*) from (
               select project_id, category_id, sum(entries) as n, sum(amount) as s
               from cost_actual_month group by 1, 2) m
             full join cost_actual_total t
               on t.project_id = m.project_id and t.category_id = m.category_id
             where m.s is distinct from t.amount or m.n is distinct from t.entries",
        )
        .await;
    assert_eq!(totals, 0, "cost_actual_total differs from the months");
}

fn png() -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(RgbImage::from_pixel(20, 10, image::Rgb([200, 30, 30])))
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

#[tokio::test]
async fn finance_records_an_entry_and_the_list_the_filters_and_the_exports_show_it() {
    let mut s = setup().await;
    let p = s.project;
    add_task(&mut s.owner, p, "基础施工", "5").await;
    let task = task_id(&s.app, p, "基础施工").await;
    // A child of materials: filtering on materials takes it too.
    let rebar = s
        .app
        .count(&format!(
            "insert into cost_category (tenant_id, parent_id, code, name_zh, name_en)
             values ({}, {}, '0201', '钢材', 'Steel') returning id",
            s.tenant, s.materials
        ))
        .await;

    // The form offers the categories in report order, the child indented, and common rates.
    let form = s.finance.get(&format!("{}/new", base(p))).await;
    assert_eq!(form.status, StatusCode::OK);
    let options = form.text("#f-category_id option");
    assert!(
        options.contains("02 材料费 | \u{3000}\u{3000}0201 钢材"),
        "{options}"
    );
    assert_eq!(
        form.html()
            .select(&scraper::Selector::parse("#tax-rates option").unwrap())
            .count(),
        6
    );

    let day = today();
    let id = create(
        &mut s.finance,
        p,
        &fields(
            day,
            rebar,
            "12,345.60",
            &[("task_id", &task.to_string()), ("document_no", "FP-88")],
        ),
    )
    .await;
    let other = create(
        &mut s.finance,
        p,
        &fields(
            day,
            s.plant,
            "800",
            &[
                ("supplier", "塔吊租赁站"),
                ("description", "塔吊租赁 3 月"),
                ("tax_rate", "9"),
                ("tax_amount", "70.00"),
            ],
        ),
    )
    .await;

    // The entry's page: the tax computed, rounded half away from zero, and the total.
    let page = s.finance.get(&format!("{}/{id}", base(p))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("#v-amount"), "12,345.60");
    assert_eq!(page.text("#v-tax"), "1,604.93");
    assert_eq!(page.text("#v-total").trim(), "13,950.53");
    assert_eq!(page.text("#v-category"), "钢材");
    assert_eq!(page.text("#v-task"), "基础施工");
    // The typed tax is kept.
    let page = s.finance.get(&format!("{}/{other}", base(p))).await;
    assert_eq!(page.text("#v-tax"), "70.00");
    assert_eq!(page.text("#v-total").trim(), "870.00");

    // The list shows both, newest first, with no totals until narrowed.
    let list = s.finance.get(&base(p)).await;
    assert_eq!(list.status, StatusCode::OK);
    let row = list.text(&format!("#entry-{id}"));
    for want in [
        "钢材",
        "基础施工",
        "华东建材有限公司",
        "12,345.60",
        "13%",
        "1,604.93",
        "13,950.53",
        "FP-88",
    ] {
        assert!(row.contains(want), "{want} not in {row}");
    }
    assert!(list.text("#sum-amount").is_empty());

    // A parent category takes its child; totals of the filtered set appear.
    let narrowed = s
        .finance
        .get(&format!("{}?category={}", base(p), s.materials))
        .await;
    assert!(narrowed.body.contains(&format!("entry-{id}")));
    assert!(!narrowed.body.contains(&format!("entry-{other}")));
    assert_eq!(narrowed.text("#sum-amount"), "12,345.60");
    assert_eq!(narrowed.text("#sum-total"), "13,950.53");
    // Supplier text, search in the document number, task and month.
    let by_supplier = s.finance.get(&format!("{}?supplier=塔吊", base(p))).await;
    assert!(by_supplier.body.contains(&format!("entry-{other}")));
    assert!(!by_supplier.body.contains(&format!("entry-{id}")));
    let by_doc = s.finance.get(&format!("{}?q=fp-88", base(p))).await;
    assert!(by_doc.body.contains(&format!("entry-{id}")));
    assert!(!by_doc.body.contains(&format!("entry-{other}")));
    let by_task = s.finance.get(&format!("{}?task={task}", base(p))).await;
    assert_eq!(by_task.text("#sum-amount"), "12,345.60");
    let this_month = s
        .finance
        .get(&format!("{}?month={}", base(p), month_label(day)))
        .await;
    assert_eq!(this_month.text("#sum-amount"), "13,145.60");
    let last_month = s
        .finance
        .get(&format!(
            "{}?month={}",
            base(p),
            month_label(last_month_day())
        ))
        .await;
    assert!(last_month.body.contains("id=\"no-entries\""));

    // CSV: numbers plainly, the totals row last.
    let csv = s
        .finance
        .get(&format!("{}?category={}&format=csv", base(p), s.materials))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.body.trim_end().lines().collect();
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(lines[1].starts_with(&format!("{id},{day},钢材,基础施工,华东建材有限公司,")));
    assert!(
        lines[1].contains(",12345.60,13,1604.93,13950.53,FP-88,0,"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("合计,"));
    assert!(
        lines[2].contains(",12345.60,,1604.93,13950.53,"),
        "{}",
        lines[2]
    );
    let all = s.finance.get(&format!("{}?format=csv", base(p))).await;
    assert!(
        all.body
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .contains(",13145.60,,1674.93,14820.53,")
    );
    let xlsx = s.finance.get(&format!("{}?format=xlsx", base(p))).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"));
    assert!(
        xlsx.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );

    // Category names follow the user's language.
    s.app
        .exec("update app_user set locale = 'en' where email = 'finance@acme.cn'")
        .await;
    let english = s.finance.get(&base(p)).await;
    assert!(
        english
            .text(&format!("#entry-{other}"))
            .contains("Plant and machinery")
    );
    assert!(english.text(&format!("#entry-{id}")).contains("Steel"));

    assert_rollup_matches(&s.app).await;
    let audited = s
        .app
        .count("select count(*) from audit_log where entity = 'cost_entry' and action = 'create'")
        .await;
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn an_edit_changes_the_entry_and_the_rollup_and_a_stale_one_is_a_conflict() {
    let mut s = setup().await;
    let p = s.project;
    let id = create(
        &mut s.finance,
        p,
        &fields(today(), s.materials, "1000", &[]),
    )
    .await;
    let edit = s.finance.get(&format!("{}/{id}/edit", base(p))).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert_eq!(edit.text("#saved-total strong"), "1,130.00");
    let path = format!("{}/{id}/edit", base(p));
    let r = post(
        &mut s.finance,
        &path,
        &fields(
            today(),
            s.plant,
            "2000.50",
            &[("version", "1"), ("tax_rate", "6")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = s.finance.follow(&r).await;
    assert_eq!(page.text("#v-amount"), "2,000.50");
    assert_eq!(page.text("#v-tax"), "120.03");
    assert_eq!(page.text("#v-category"), "施工机具使用费");
    let list = s.finance.get(&base(p)).await;
    assert!(list.text(&format!("#entry-{id}")).contains("2,120.53"));
    assert_rollup_matches(&s.app).await;
    let plant_month = s
        .app
        .count(&format!(
            "select (amount * 100)::bigint from cost_actual_month
             where project_id = {p} and category_id = {}",
            s.plant
        ))
        .await;
    assert_eq!(plant_month, 200_050);

    // Saving the version read before that edit: 409, their save shown, mine kept.
    s.owner.get(&path).await;
    let stale = post(
        &mut s.owner,
        &path,
        &fields(today(), s.materials, "5", &[("version", "1")]),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.text("#theirs").contains("2,000.50"));
    assert!(stale.body.contains("value=\"5\""));
    assert!(stale.body.contains("name=\"version\" value=\"2\""));
    assert_eq!(
        s.app
            .count(&format!(
                "select (amount * 100)::bigint from cost_entry where id = {id}"
            ))
            .await,
        200_050
    );
    let updates = s
        .app
        .count("select count(*) from audit_log where entity = 'cost_entry' and action = 'update'")
        .await;
    assert_eq!(updates, 1);
}

#[tokio::test]
async fn a_reversal_negates_the_entry_once_and_both_link_to_each_other() {
    let mut s = setup().await;
    let p = s.project;
    let id = create(
        &mut s.finance,
        p,
        &fields(today(), s.materials, "1000", &[]),
    )
    .await;
    let path = format!("{}/{id}/reverse", base(p));
    s.finance.get(&format!("{}/{id}", base(p))).await;

    // A reason is required.
    let r = s
        .finance
        .post_form(
            &path,
            &[("version", "1"), ("reason", " "), ("entry_date", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("reason").is_empty());
    // Not before the original.
    let before = today().pred_opt().unwrap().to_string();
    let r = s
        .finance
        .post_form(
            &path,
            &[
                ("version", "1"),
                ("reason", "发票作废"),
                ("entry_date", &before),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("entry_date").contains("不能早于"));
    assert_eq!(entries(&s.app).await, 1);

    let r = s
        .finance
        .post_form(
            &path,
            &[("version", "1"), ("reason", "发票作废"), ("entry_date", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let reversal: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    let page = s.finance.follow(&r).await;
    assert_eq!(page.text("#v-amount"), "-1,000.00");
    assert_eq!(page.text("#v-tax"), "-130.00");
    assert_eq!(page.text("#v-description"), "冲销: 钢筋 HRB400 Φ18");
    assert_eq!(page.text("#v-supplier"), "华东建材有限公司");
    assert_eq!(page.text("#v-reason"), "发票作废");
    assert_eq!(page.text("#v-date"), today().to_string());
    assert!(page.text("#reverses-link").contains(&format!("#{id}")));
    assert!(page.body.contains("id=\"is-reversal\""));
    assert!(!page.body.contains("id=\"reverse-entry\""));
    let original = s.finance.get(&format!("{}/{id}", base(p))).await;
    assert!(
        original
            .text("#reversed-by-link")
            .contains(&format!("#{reversal}"))
    );
    assert!(!original.body.contains("id=\"edit-entry\""));

    // The list marks both and links them.
    let list = s.finance.get(&base(p)).await;
    assert!(
        list.text(&format!("#entry-{id} .reversed-by"))
            .contains(&format!("#{reversal}"))
    );
    assert!(
        list.text(&format!("#entry-{reversal} .reverses"))
            .contains(&format!("#{id}"))
    );
    assert!(
        list.text(&format!("#entry-{reversal}"))
            .contains("-1,130.00")
    );
    let csv = s.finance.get(&format!("{}?format=csv", base(p))).await;
    assert!(
        csv.body
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .contains(",0.00,,0.00,0.00,")
    );

    // Once only; a reversal is not reversed; neither is edited.
    let again = s
        .finance
        .post_form(
            &path,
            &[("version", "1"), ("reason", "再冲一次"), ("entry_date", "")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text("#refusal").contains("已被冲销"));
    let back = s
        .finance
        .post_form(
            &format!("{}/{reversal}/reverse", base(p)),
            &[("version", "1"), ("reason", "冲回"), ("entry_date", "")],
        )
        .await;
    assert_eq!(back.status, StatusCode::CONFLICT);
    let edit = post(
        &mut s.finance,
        &format!("{}/{id}/edit", base(p)),
        &fields(today(), s.materials, "1", &[("version", "1")]),
    )
    .await;
    assert_eq!(edit.status, StatusCode::CONFLICT);
    assert_eq!(entries(&s.app).await, 2);
    assert_rollup_matches(&s.app).await;
    let total = s
        .app
        .count(&format!(
            "select (sum(amount) * 100)::bigint from cost_actual_month where project_id = {p}"
        ))
        .await;
    assert_eq!(total, 0);
}

#[tokio::test]
async fn bad_input_is_refused_beside_its_field_and_nothing_is_saved() {
    let mut s = setup().await;
    let p = s.project;
    let (mut other, other_tenant) = s.app.signup("Beta", "owner@beta.cn").await;
    let other_project = create_project(&mut other, "B1", "").await;
    let other_category = category(&s.app, other_tenant, "materials").await;
    let other_entry = create(
        &mut other,
        other_project,
        &fields(today(), other_category, "9", &[]),
    )
    .await;
    // A task of another project of the same company.
    let p2 = create_project(&mut s.owner, "P2", "").await;
    add_task(&mut s.owner, p2, "别的任务", "3").await;
    let foreign_task = task_id(&s.app, p2, "别的任务").await;
    let inactive = category(&s.app, s.tenant, "other").await;
    s.app
        .exec(&format!(
            "update cost_category set active = false where id = {inactive}"
        ))
        .await;
    let before = entries(&s.app).await;
    let tomorrow = today().succ_opt().unwrap();

    let cases: Vec<(&str, Fields, &str, &str)> = vec![
        (
            "negative",
            fields(today(), s.materials, "-5", &[]),
            "amount",
            "不能为负数",
        ),
        (
            "absurd",
            fields(today(), s.materials, "1e15", &[]),
            "amount",
            "金额过大",
        ),
        (
            "too large",
            fields(today(), s.materials, "100000000000", &[]),
            "amount",
            "金额过大",
        ),
        (
            "three decimals",
            fields(today(), s.materials, "12.345", &[]),
            "amount",
            "两位小数",
        ),
        (
            "letters",
            fields(today(), s.materials, "十二元", &[]),
            "amount",
            "数字",
        ),
        (
            "future",
            fields(tomorrow, s.materials, "1", &[]),
            "entry_date",
            "晚于今天",
        ),
        (
            "unknown category",
            fields(today(), 999_999_999, "1", &[]),
            "category_id",
            "没有这个成本科目",
        ),
        (
            "inactive category",
            fields(today(), inactive, "1", &[]),
            "category_id",
            "已停用",
        ),
        (
            "other tenant's category",
            fields(today(), other_category, "1", &[]),
            "category_id",
            "没有这个成本科目",
        ),
        (
            "task of another project",
            fields(
                today(),
                s.materials,
                "1",
                &[("task_id", &foreign_task.to_string())],
            ),
            "task_id",
            "不属于本项目",
        ),
        (
            "no description",
            fields(today(), s.materials, "1", &[("description", "")]),
            "description",
            "",
        ),
        (
            "tax over amount",
            fields(today(), s.materials, "10", &[("tax_amount", "11")]),
            "tax_amount",
            "不能大于",
        ),
        (
            "tax rate over 100",
            fields(today(), s.materials, "10", &[("tax_rate", "150")]),
            "tax_rate",
            "0 到 100",
        ),
    ];
    s.finance.get(&format!("{}/new", base(p))).await;
    for (name, f, field, message) in cases {
        let r = post(&mut s.finance, &base(p), &f).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.body
        );
        let shown = r.field_error(field);
        assert!(
            !shown.is_empty() && shown.contains(message),
            "{name}: {shown:?}"
        );
        // The input is kept.
        let amount = &f.iter().find(|(k, _)| *k == "amount").unwrap().1;
        assert!(r.body.contains(&format!("value=\"{amount}\"")), "{name}");
    }
    assert_eq!(entries(&s.app).await, before);

    // Other tenants' projects, entries and files are not found.
    assert_not_found(&s.finance.get(&base(other_project)).await);
    assert_not_found(&s.owner.get(&base(other_project)).await);
    assert_not_found(&s.owner.get(&format!("{}/{other_entry}", base(p))).await);
    assert_not_found(
        &s.owner
            .get(&format!("{}/{other_entry}/edit", base(p)))
            .await,
    );
    assert_not_found(
        &s.owner
            .get(&format!("{}/{other_entry}", base(other_project)))
            .await,
    );
    s.owner.get(&base(p)).await;
    let r = s
        .owner
        .post_form(
            &format!("{}/{other_entry}/reverse", base(p)),
            &[("version", "1"), ("reason", "x"), ("entry_date", "")],
        )
        .await;
    assert_not_found(&r);
    let r = post(
        &mut s.owner,
        &base(other_project),
        &fields(today(), other_category, "1", &[]),
    )
    .await;
    assert_not_found(&r);
    assert_not_found(&s.owner.get(&format!("{}/abc", base(p))).await);
    assert_eq!(entries(&s.app).await, before);
}

#[tokio::test]
async fn a_closed_month_refuses_entries_dated_in_it_and_corrections_go_to_an_open_month() {
    let mut s = setup().await;
    let p = s.project;
    let last = last_month_day();
    let label = month_label(last);
    let old = create(&mut s.finance, p, &fields(last, s.materials, "500", &[])).await;

    // The current month has not ended: it cannot be closed.
    let periods = s.finance.get("/cost/periods").await;
    assert_eq!(periods.status, StatusCode::OK);
    assert!(periods.text(&format!("#period-{label}")).contains("500.00"));
    assert!(periods.text(&format!("#period-{label}")).contains("未结账"));
    let now = month_label(today());
    assert!(!periods.body.contains(&format!("id=\"close-{now}\"")));
    let r = s
        .finance
        .post_form(&format!("/cost/periods/{now}/close"), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#refusal").contains("还没有结束"));
    assert_not_found(
        &s.finance
            .post_form("/cost/periods/2026-13/close", &[])
            .await,
    );

    // Finance closes last month.
    let r = s
        .finance
        .post_form(&format!("/cost/periods/{label}/close"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let periods = s.finance.follow(&r).await;
    let row = periods.text(&format!("#period-{label}"));
    assert!(
        row.contains("已结账") && row.contains("finance user"),
        "{row}"
    );
    assert!(!periods.body.contains(&format!("id=\"reopen-{label}\"")));

    // New, edited and reversed entries dated in it are refused with the month named.
    let before = entries(&s.app).await;
    s.finance.get(&format!("{}/new", base(p))).await;
    let r = post(
        &mut s.finance,
        &base(p),
        &fields(last, s.materials, "1", &[]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.field_error("entry_date")
            .contains(&format!("{label} 已结账"))
    );
    let edit = format!("{}/{old}/edit", base(p));
    assert_eq!(s.finance.get(&edit).await.status, StatusCode::SEE_OTHER);
    let r = post(
        &mut s.finance,
        &edit,
        &fields(today(), s.materials, "1", &[("version", "1")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.field_error("entry_date")
            .contains(&format!("{label} 已结账"))
    );
    // An entry of an open month cannot be moved into the closed one either.
    let fresh = create(&mut s.finance, p, &fields(today(), s.plant, "10", &[])).await;
    let r = post(
        &mut s.finance,
        &format!("{}/{fresh}/edit", base(p)),
        &fields(last, s.plant, "10", &[("version", "1")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.field_error("entry_date")
            .contains(&format!("{label} 已结账"))
    );
    let reverse = format!("{}/{old}/reverse", base(p));
    s.finance.get(&format!("{}/{old}", base(p))).await;
    let r = s
        .finance
        .post_form(
            &reverse,
            &[
                ("version", "1"),
                ("reason", "退货"),
                ("entry_date", &last.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.field_error("entry_date")
            .contains(&format!("{label} 已结账"))
    );
    // Nor does it take attachments.
    let r = s
        .finance
        .post_multipart(
            &format!("{}/{old}/attachments", base(p)),
            &[],
            &[("photo", "invoice.pdf", "application/pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(entries(&s.app).await, before + 1);
    assert_eq!(
        s.app
            .count(&format!(
                "select (amount * 100)::bigint from cost_entry where id = {fresh}"
            ))
            .await,
        1000
    );

    // The correction goes into today's open month.
    let r = s
        .finance
        .post_form(
            &reverse,
            &[("version", "1"), ("reason", "退货"), ("entry_date", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = s.finance.follow(&r).await;
    assert_eq!(page.text("#v-date"), today().to_string());
    assert_rollup_matches(&s.app).await;

    // Only an admin reopens, after confirming.
    let reopen = format!("/cost/periods/{label}/reopen");
    assert_eq!(s.finance.get(&reopen).await.status, StatusCode::FORBIDDEN);
    s.finance.get("/cost/periods").await;
    assert_eq!(
        s.finance.post_form(&reopen, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let confirm = s.admin.get(&reopen).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("id=\"confirm-reopen\""));
    let r = s.admin.post_form(&reopen, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let periods = s.admin.follow(&r).await;
    assert!(periods.text(&format!("#period-{label}")).contains("未结账"));
    assert_eq!(
        s.admin.post_form(&reopen, &[]).await.status,
        StatusCode::CONFLICT
    );
    let audited = s
        .app
        .count("select count(*) from audit_log where entity = 'cost_period'")
        .await;
    assert_eq!(audited, 2);
    // Open again: the old month takes entries.
    create(&mut s.finance, p, &fields(last, s.materials, "1", &[])).await;
}

#[tokio::test]
async fn finance_and_admins_enter_others_read_and_foremen_do_not_open_the_module() {
    let mut s = setup().await;
    let p = s.project;
    let id = create(&mut s.admin, p, &fields(today(), s.materials, "100", &[])).await;
    let entry = format!("{}/{id}", base(p));
    for c in [&mut s.pm, &mut s.viewer] {
        let list = c.get(&base(p)).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains(&format!("entry-{id}")));
        assert!(!list.body.contains("id=\"new-entry\""));
        let page = c.get(&entry).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("id=\"edit-entry\""));
        assert!(!page.body.contains("id=\"reverse-entry\""));
        assert_eq!(c.get("/cost/periods").await.status, StatusCode::OK);
        assert_eq!(
            c.get(&format!("{}/new", base(p))).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.get(&format!("{entry}/edit")).await.status,
            StatusCode::FORBIDDEN
        );
        let r = post(c, &base(p), &fields(today(), s.materials, "1", &[])).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post(
            c,
            &format!("{entry}/edit"),
            &fields(today(), s.materials, "1", &[("version", "1")]),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = c
            .post_form(
                &format!("{entry}/reverse"),
                &[("version", "1"), ("reason", "x")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let label = month_label(last_month_day());
        let r = c
            .post_form(&format!("/cost/periods/{label}/close"), &[])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    // The foreman is not let into the cost centre at all (the module-off page).
    for path in [base(p), entry.clone(), "/cost/periods".to_owned()] {
        let r = s.foreman.get(&path).await;
        assert_not_found(&r);
        assert!(!r.body.contains("entry-"));
    }
    // The owner enters too.
    create(&mut s.owner, p, &fields(today(), s.materials, "1", &[])).await;
    assert_eq!(entries(&s.app).await, 2);
}

#[tokio::test]
async fn attachments_are_pdf_jpeg_or_png_by_their_bytes_and_download_as_sent() {
    let mut s = setup().await;
    let p = s.project;
    let id = create(&mut s.finance, p, &fields(today(), s.materials, "100", &[])).await;
    let upload = format!("{}/{id}/attachments", base(p));
    s.finance.get(&format!("{}/{id}", base(p))).await;
    let r = s
        .finance
        .post_multipart(
            &upload,
            &[],
            &[("photo", "../发票 3月.pdf", "application/pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = s
        .finance
        .post_multipart(
            &upload,
            &[],
            &[("photo", "receipt.png", "image/png", png())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Text named like a PDF is refused, whatever it claims.
    let r = s
        .finance
        .post_multipart(
            &upload,
            &[],
            &[(
                "photo",
                "fake.pdf",
                "application/pdf",
                b"just some text".to_vec(),
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("photo").contains("PDF"));
    let r = s.finance.post_multipart(&upload, &[], &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        s.app
            .count("select count(*) from cost_entry_attachment")
            .await,
        2
    );

    let page = s.finance.get(&format!("{}/{id}", base(p))).await;
    let names = page.text("#attachments a.attachment");
    assert_eq!(names, "发票 3月.pdf | receipt.png");
    let list = s.finance.get(&base(p)).await;
    assert_eq!(list.text(&format!("#entry-{id} td:last-child")), "2");

    let pdf_id = s
        .app
        .count("select id from cost_entry_attachment where content_type = 'application/pdf'")
        .await;
    let file = s
        .viewer
        .get(&format!("{}/{id}/attachments/{pdf_id}", base(p)))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.bytes, PDF);
    assert_eq!(file.headers[header::CONTENT_TYPE], "application/pdf");
    let disposition = file.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename="),
        "{disposition}"
    );
    assert!(disposition.contains("filename*=UTF-8''%E5%8F%91%E7%A5%A8%203%E6%9C%88.pdf"));
    assert_eq!(file.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let png_id = s
        .app
        .count("select id from cost_entry_attachment where content_type = 'image/png'")
        .await;
    let image = s
        .finance
        .get(&format!("{}/{id}/attachments/{png_id}", base(p)))
        .await;
    assert_eq!(image.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(image.bytes, png());

    // A viewer may not upload or delete; another entry's path does not reach the file.
    s.viewer.get(&format!("{}/{id}", base(p))).await;
    let r = s
        .viewer
        .post_multipart(&upload, &[], &[("photo", "x.png", "image/png", png())])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let other = create(&mut s.finance, p, &fields(today(), s.materials, "1", &[])).await;
    assert_not_found(
        &s.finance
            .get(&format!("{}/{other}/attachments/{pdf_id}", base(p)))
            .await,
    );
    let (mut beta, _) = s.app.signup("Beta", "owner@beta.cn").await;
    let beta_project = create_project(&mut beta, "B1", "").await;
    assert_not_found(
        &beta
            .get(&format!("{}/{id}/attachments/{pdf_id}", base(beta_project)))
            .await,
    );
    assert_not_found(
        &beta
            .get(&format!("{}/{id}/attachments/{pdf_id}", base(p)))
            .await,
    );

    // Deleting one, in an open month.
    s.finance.get(&format!("{}/{id}", base(p))).await;
    let r = s
        .finance
        .post_form(
            &format!("{}/{id}/attachments/{png_id}/delete", base(p)),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        s.app
            .count("select count(*) from cost_entry_attachment")
            .await,
        1
    );
    let audited = s
        .app
        .count("select count(*) from audit_log where entity = 'cost_entry_attachment'")
        .await;
    assert_eq!(audited, 3);
}

#[tokio::test]
async fn the_list_says_where_day_labour_comes_from_and_links_to_its_tickets() {
    let mut s = setup().await;
    let p = s.project;
    let month = first_of_month(today());
    s.app
        .exec(&format!(
            "insert into cost_actual_month (tenant_id, project_id, category_id, month, entries, amount)
             values ({}, {p}, 0, '{month}', 3, 2400.00)",
            s.tenant
        ))
        .await;
    let list = s.finance.get(&base(p)).await;
    assert_eq!(list.text("#labour-total"), "2,400.00");
    let link = list
        .html()
        .select(&scraper::Selector::parse("#labour-link").unwrap())
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_owned))
        .unwrap();
    assert_eq!(link, format!("/labour/tickets?project={p}&status=cost"));
    let ranged = s
        .finance
        .get(&format!("{}?from={month}&to={}", base(p), today()))
        .await;
    let ranged_link = ranged
        .html()
        .select(&scraper::Selector::parse("#labour-link").unwrap())
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_owned))
        .unwrap();
    assert_eq!(
        ranged_link,
        format!(
            "/labour/tickets?project={p}&status=cost&from={month}&to={}",
            today()
        )
    );
    assert_eq!(ranged.text("#labour-in-range"), "0.00");
    assert!(list.body.contains("href=\"/cost/periods\""));
    // Labour never counts as an entry on the month-close page, only in the actual cost.
    let periods = s.finance.get("/cost/periods").await;
    let row = periods.text(&format!("#period-{}", month_label(month)));
    assert!(row.contains("2,400.00"), "{row}");
}

#[tokio::test]
async fn the_list_pages_by_fifty_with_the_totals_of_the_whole_filtered_set() {
    let mut s = setup().await;
    let p = s.project;
    s.app
        .exec(&format!(
            "insert into cost_entry (tenant_id, project_id, entry_date, category_id, description, amount)
             select {}, {p}, current_date - (g % 20), {}, '批量 ' || g, g
             from generate_series(1, 55) g",
            s.tenant, s.materials
        ))
        .await;
    let rows = |r: &TestResponse| {
        r.html()
            .select(&scraper::Selector::parse("#entries tbody tr").unwrap())
            .count()
    };
    let first = s.finance.get(&base(p)).await;
    assert_eq!(rows(&first), 50);
    assert!(first.body.contains("rel=\"next\""));
    assert!(!first.body.contains("rel=\"prev\""));
    let second = s
        .finance
        .get(&format!("{}?category={}&page=2", base(p), s.materials))
        .await;
    assert_eq!(rows(&second), 5);
    assert!(second.body.contains("rel=\"prev\""));
    assert!(!second.body.contains("rel=\"next\""));
    // The totals cover the whole filtered set, not the page: 1 + 2 + … + 55.
    assert_eq!(second.text("#sum-amount"), "1,540.00");
    assert_rollup_matches(&s.app).await;
}
