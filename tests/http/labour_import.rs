//! Labour imports over HTTP: workers and tickets from XLSX and CSV, every bad row listed by row
//! and column with nothing saved, the background job and its page, templates that import
//! back, roles, project membership and other tenants.

use axum::http::{StatusCode, header};
use chrono::{Days, NaiveDate};
use rust_xlsxwriter::{Format, Workbook};

use crate::support::builders::{Company, CompanyBuilder, add_member, create_project, user_id};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

/// Identity numbers with right check digits (the first is GB 11643's example).
pub const ID_A: &str = "11010519491231002X";
pub const ID_B: &str = "440524198001010013";
pub const ID_C: &str = "110101199003070038";
pub const ID_D: &str = "320102198506151236";

pub const WORKERS_HEAD: &str = "姓名,身份证号,电话,工种,班组,日工资,开户银行,银行卡号\n";
pub const TICKETS_HEAD: &str =
    "日期,项目编号,班组,姓名,身份证号,工种,人数,工资类型,数量,日工资,事由,工作内容\n";

/// The tenant's today (Asia/Shanghai, the default time zone).
fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

pub fn days_ago(n: u64) -> NaiveDate {
    today().checked_sub_days(Days::new(n)).unwrap()
}

/// A workbook whose first sheet holds `rows` (the first one the headers); identity and
/// card numbers as text, numbers as numbers.
fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let text = Format::new().set_num_format("@");
    for (r, row) in (0u32..).zip(rows) {
        for (c, value) in (0u16..).zip(row) {
            match value.parse::<f64>() {
                Ok(n) if value.len() < 12 => sheet.write_number(r, c, n).unwrap(),
                _ => sheet.write_string_with_format(r, c, *value, &text).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

/// Uploads `bytes` as the file of the `kind` import (from the import page, for its token).
pub async fn upload(c: &mut TestClient, kind: &str, name: &str, bytes: Vec<u8>) -> TestResponse {
    let r = c.get("/labour/import").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mime = if name.ends_with(".csv") {
        "text/csv"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    };
    c.post_multipart(
        &format!("/labour/import/{kind}"),
        &[],
        &[("file", name, mime, bytes)],
    )
    .await
}

/// Follows an upload to its import's page, which waits (reloading itself) while the job is
/// queued; runs the queue as the server's workers would, and returns the page once the
/// import has ended (it then stops reloading).
pub async fn finished(app: &TestApp, c: &mut TestClient, r: &TestResponse) -> TestResponse {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.location().to_owned();
    assert!(at.starts_with("/labour/import/jobs/"), "{at}");
    let page = c.get(&at).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("data-status=\"queued\"");
    assert_eq!(page.headers[header::REFRESH], "1");
    page.assert_contains("<meta http-equiv=\"refresh\" content=\"1\">");
    assert!(run_jobs(app).await >= 1, "no job was run for {at}");
    let page = c.get(&at).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_ended(&page);
    page
}

/// Runs every due job of the app's database, as a worker of the server would.
pub async fn run_jobs(app: &TestApp) -> usize {
    girder::jobs::run_until_idle(&app.state.db, [girder::labour::import::JOB]).await
}

/// The import has ended, and its page no longer reloads itself.
pub fn assert_ended(page: &TestResponse) {
    assert!(
        !page.body.contains("data-status=\"running\"")
            && !page.body.contains("data-status=\"queued\""),
        "{}",
        page.body
    );
    assert!(page.headers.get(header::REFRESH).is_none());
    assert!(
        !page.body.contains("http-equiv=\"refresh\""),
        "{}",
        page.body
    );
}

/// The rows of the error table, as "row | column | message".
pub fn error_rows(page: &TestResponse) -> Vec<String> {
    let row = scraper::Selector::parse("#errors tbody tr").unwrap();
    let cell = scraper::Selector::parse("td").unwrap();
    page.html()
        .select(&row)
        .map(|tr| {
            tr.select(&cell)
                .map(|td| td.text().collect::<String>())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

fn assert_error(rows: &[String], row: usize, column: &str, message: &str) {
    let want = format!("第 {row} 行 | {column} | {message}");
    assert!(
        rows.iter().any(|r| r.starts_with(&want)),
        "expected {want:?} among:\n{}",
        rows.join("\n")
    );
}

pub struct Site {
    pub app: TestApp,
    pub owner: TestClient,
    pub tenant: i64,
    pub project: i64,
}

/// A company with project P1, a crew counted in days (木工一班) and one in hours (钢筋班),
/// and workers 张三 (ID_A, 木工, 320 a day) and 李四 (ID_B, 钢筋工, 300).
pub async fn site() -> Site {
    let Company {
        app,
        owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    app.exec(&format!(
        "insert into crew (tenant_id, name, count_unit) values ({tenant}, '木工一班', 'day'), ({tenant}, '钢筋班', 'hour');
         insert into worker (tenant_id, name, id_number, trade_id, crew_id, day_rate)
         select {tenant}, '张三', '{ID_A}', t.id, c.id, 320 from trade t, crew c
          where t.tenant_id = {tenant} and t.name_zh = '木工' and c.tenant_id = {tenant} and c.name = '木工一班';
         insert into worker (tenant_id, name, id_number, trade_id, crew_id, day_rate)
         select {tenant}, '李四', '{ID_B}', t.id, c.id, 300 from trade t, crew c
          where t.tenant_id = {tenant} and t.name_zh = '钢筋工' and c.tenant_id = {tenant} and c.name = '钢筋班';"
    ))
    .await;
    Site {
        app,
        owner,
        tenant,
        project,
    }
}

pub async fn count(app: &TestApp, table: &str, tenant: i64) -> i64 {
    app.count(&format!(
        "select count(*) from {table} where tenant_id = {tenant}"
    ))
    .await
}

#[tokio::test]
async fn a_good_workers_workbook_is_saved() {
    let Site {
        app,
        mut owner,
        tenant,
        ..
    } = site().await;
    let before = count(&app, "worker", tenant).await;
    let file = xlsx(&[
        vec![
            "姓名",
            "身份证号",
            "电话",
            "工种",
            "班组",
            "日工资",
            "开户银行",
            "银行卡号",
        ],
        vec![
            "王五",
            ID_C,
            "13800138000",
            "普工",
            "木工一班",
            "280",
            "建设银行",
            "6217000010001234567",
        ],
        vec!["赵六", ID_D, "", "电工", "", "350.50", "", ""],
    ]);
    let r = upload(&mut owner, "workers", "花名册.xlsx", file).await;
    let page = finished(&app, &mut owner, &r).await;
    assert_eq!(page.text("#status"), "已完成");
    assert!(
        page.text("#result").contains("已保存 2 名工人"),
        "{}",
        page.body
    );
    assert_eq!(count(&app, "worker", tenant).await, before + 2);
    assert_eq!(
        app.count(&format!(
            "select count(*) from worker w join crew c on c.tenant_id = w.tenant_id and c.id = w.crew_id
             where w.tenant_id = {tenant} and w.id_number = '{ID_C}' and c.name = '木工一班'
               and w.day_rate = 280 and w.bank_account = '6217000010001234567' and w.phone = '13800138000'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_log where tenant_id = {tenant} and entity = 'labour_import'"
        ))
        .await,
        1
    );
    // The list of recent imports shows it.
    let index = owner.get("/labour/import").await;
    assert!(
        index.text("#jobs").contains("花名册.xlsx"),
        "{}",
        index.body
    );
}

#[tokio::test]
async fn a_bad_workers_file_lists_every_error_and_saves_nothing() {
    let Site {
        app,
        mut owner,
        tenant,
        ..
    } = site().await;
    let before = count(&app, "worker", tenant).await;
    let file = format!(
        "\u{FEFF}{WORKERS_HEAD}王五,{ID_C},,普工,,280,,\n\
         赵六,110105194912310021,,普工,,300,,\n\
         钱七,{ID_D},,瓦工,无此班组,-5,,\n\
         孙八,{ID_A},,普工,,300,,\n\
         周九,{ID_C},,普工,,300,,\n"
    );
    let r = upload(&mut owner, "workers", "workers.csv", file.into_bytes()).await;
    let page = finished(&app, &mut owner, &r).await;
    assert_eq!(page.text("#status"), "未导入");
    let rows = error_rows(&page);
    assert_error(&rows, 3, "身份证号", "身份证号校验位不对，请核对");
    assert_error(&rows, 4, "工种", "没有这个工种");
    assert_error(&rows, 4, "班组", "没有这个班组");
    assert_error(&rows, 4, "日工资", "不能为负数");
    assert_error(&rows, 5, "身份证号", "已有这个身份证号的工人");
    assert_error(&rows, 6, "身份证号", "与第 2 行的身份证号重复");
    assert_eq!(rows.len(), 6, "{rows:?}");
    // The good row was not saved either.
    assert_eq!(count(&app, "worker", tenant).await, before);
}

#[tokio::test]
async fn good_tickets_become_submitted_tickets_with_their_totals() {
    let Site {
        app,
        mut owner,
        tenant,
        project,
    } = site().await;
    let d1 = days_ago(2);
    let d2 = days_ago(1);
    let file = format!(
        "{TICKETS_HEAD}{d1},P1,木工一班,张三,{ID_A},,,正常,1,,图纸变更,拆模\n\
         {d1},P1,木工一班,,,普工,3,加班,0.5,200,,\n\
         {d2},P1,钢筋班,李四,{ID_B},,,正常,10,,,绑扎钢筋\n\
         {d2},P1,钢筋班,李四,{ID_B},,,加班,2,,,\n"
    );
    let r = upload(&mut owner, "tickets", "点工.csv", file.into_bytes()).await;
    let page = finished(&app, &mut owner, &r).await;
    assert_eq!(page.text("#status"), "已完成", "{}", page.body);
    assert!(page.text("#result").contains("4 行"), "{}", page.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from labour_ticket where tenant_id = {tenant} and project_id = {project} and status = 'submitted'"
        ))
        .await,
        2
    );
    assert_eq!(count(&app, "labour_ticket_line", tenant).await, 4);
    assert_eq!(count(&app, "labour_ticket_event", tenant).await, 2);
    // 1 × 320 + 3 × 0.5 × 200 × 1.5 = 770; 10 h and 2 h of a 300 day: 375 + 112.50.
    assert_eq!(
        app.count(&format!(
            "select (total_amount * 100)::bigint from labour_ticket where tenant_id = {tenant} and ticket_date = '{d1}'"
        ))
        .await,
        77000
    );
    assert_eq!(
        app.count(&format!(
            "select (total_amount * 100)::bigint from labour_ticket where tenant_id = {tenant} and ticket_date = '{d2}'"
        ))
        .await,
        48750
    );
    // Totals are the sums of the lines, which carry their ticket's header.
    assert_eq!(
        app.count(&format!(
            "select count(*) from labour_ticket t
             where t.tenant_id = {tenant}
               and not exists (
                   select 1 from (select sum(hours) as h, sum(days) as d, sum(amount) as a
                                  from labour_ticket_line l
                                  where l.tenant_id = t.tenant_id and l.ticket_id = t.id
                                    and l.status = t.status and l.project_id = t.project_id
                                    and l.ticket_date = t.ticket_date and l.crew_id = t.crew_id) s
                   where s.h = t.total_hours and s.d = t.total_days and s.a = t.total_amount)"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from labour_ticket where tenant_id = {tenant} and reason = '图纸变更' and work_content = '拆模'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn bad_ticket_rows_are_each_named_and_nothing_is_saved() {
    let Site {
        app,
        mut owner,
        tenant,
        project,
    } = site().await;
    // A manager who is a member of P1 but not of P2.
    let p2 = create_project(&mut owner, "P2", "").await;
    assert_ne!(p2, project);
    let mut manager = app.user(tenant, "pm@acme.cn", "project_manager").await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "pm@acme.cn").await,
        "engineer",
    )
    .await;
    // 李四 already has 20 hours on the day before yesterday.
    let d = days_ago(2);
    let ok = format!("{TICKETS_HEAD}{d},P1,钢筋班,李四,{ID_B},,,正常,20,,,\n");
    let r = upload(&mut manager, "tickets", "earlier.csv", ok.into_bytes()).await;
    assert_eq!(
        finished(&app, &mut manager, &r).await.text("#status"),
        "已完成"
    );
    let tickets = count(&app, "labour_ticket", tenant).await;
    let lines = count(&app, "labour_ticket_line", tenant).await;

    let future = today().checked_add_days(Days::new(1)).unwrap();
    let file = format!(
        "{TICKETS_HEAD}{d},P1,木工一班,张三,{ID_A},,,正常,1,,,\n\
         {d},NOPE,木工一班,张三,{ID_A},,,正常,1,,,\n\
         {d},P2,木工一班,张三,{ID_A},,,正常,1,,,\n\
         {future},P1,木工一班,张三,{ID_A},,,正常,1,,,\n\
         {d},P1,钢筋班,李四,{ID_B},,,加班,5,,,\n\
         {d},P1,木工一班,张三,110105194912310021,,,正常,1,,,\n"
    );
    let r = upload(&mut manager, "tickets", "bad.csv", file.into_bytes()).await;
    let page = finished(&app, &mut manager, &r).await;
    assert_eq!(page.text("#status"), "未导入");
    let rows = error_rows(&page);
    assert_error(&rows, 3, "项目编号", "没有这个项目编号");
    assert_error(&rows, 4, "项目编号", "您不是这个项目的成员");
    assert_error(&rows, 5, "日期", "日期不能晚于今天");
    assert_error(
        &rows,
        6,
        "数量",
        "这名工人当天共 25 小时（含已有点工单），超过 24 小时",
    );
    assert_error(&rows, 7, "身份证号", "身份证号校验位不对，请核对");
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert_eq!(count(&app, "labour_ticket", tenant).await, tickets);
    assert_eq!(count(&app, "labour_ticket_line", tenant).await, lines);
}

#[tokio::test]
async fn another_companys_project_code_is_unknown() {
    let Site {
        app,
        mut owner,
        tenant,
        ..
    } = site().await;
    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    create_project(&mut other, "B1", "").await;
    let d = days_ago(1);
    let file = format!("{TICKETS_HEAD}{d},B1,木工一班,张三,{ID_A},,,正常,1,,,\n");
    let r = upload(&mut owner, "tickets", "t.csv", file.into_bytes()).await;
    let page = finished(&app, &mut owner, &r).await;
    assert_error(&error_rows(&page), 2, "项目编号", "没有这个项目编号");
    assert_eq!(count(&app, "labour_ticket", tenant).await, 0);
}

#[tokio::test]
async fn templates_download_and_import_back() {
    let Site {
        app,
        mut owner,
        tenant,
        ..
    } = site().await;
    for (file, mime) in [
        ("workers.xlsx", "spreadsheetml"),
        ("workers.csv", "text/csv"),
        ("tickets.xlsx", "spreadsheetml"),
        ("tickets.csv", "text/csv"),
    ] {
        let r = owner.get(&format!("/labour/import/template/{file}")).await;
        assert_eq!(r.status, StatusCode::OK, "{file}");
        let ct = r.headers[header::CONTENT_TYPE].to_str().unwrap();
        assert!(ct.contains(mime), "{file}: {ct}");
        assert!(
            r.headers[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains(file.split('.').nth(1).unwrap())
        );
    }
    let csv = owner.get("/labour/import/template/tickets.csv").await;
    assert!(csv.body.starts_with(
        "\u{FEFF}日期,项目编号,班组,姓名,身份证号,工种,人数,工资类型,数量,日工资,事由,工作内容"
    ));
    assert_not_found(&owner.get("/labour/import/template/tickets.pdf").await);
    assert_not_found(&owner.get("/labour/import/template/crews.csv").await);

    // The templates' example rows import as they are (the example worker in a company
    // that does not have them yet).
    let (mut fresh, fresh_tenant) = app.signup("Fresh", "owner@fresh.cn").await;
    let bytes = template_bytes(&mut fresh, "workers.xlsx").await;
    let r = upload(&mut fresh, "workers", "workers.xlsx", bytes).await;
    let page = finished(&app, &mut fresh, &r).await;
    assert_eq!(page.text("#status"), "已完成", "{}", page.body);
    assert_eq!(count(&app, "worker", fresh_tenant).await, 1);
    let bytes = template_bytes(&mut fresh, "workers.csv").await;
    let r = upload(&mut fresh, "workers", "workers.csv", bytes).await;
    let page = finished(&app, &mut fresh, &r).await;
    assert_error(&error_rows(&page), 2, "身份证号", "已有这个身份证号的工人");
    let bytes = template_bytes(&mut owner, "tickets.xlsx").await;
    let r = upload(&mut owner, "tickets", "tickets.xlsx", bytes).await;
    let page = finished(&app, &mut owner, &r).await;
    assert_eq!(page.text("#status"), "已完成", "{}", page.body);
    let bytes = template_bytes(&mut owner, "tickets.csv").await;
    let r = upload(&mut owner, "tickets", "tickets.csv", bytes).await;
    assert_eq!(
        finished(&app, &mut owner, &r).await.text("#status"),
        "已完成"
    );
    assert_eq!(count(&app, "labour_ticket", tenant).await, 2);
}

async fn template_bytes(c: &mut TestClient, file: &str) -> Vec<u8> {
    let r = c.get(&format!("/labour/import/template/{file}")).await;
    assert_eq!(r.status, StatusCode::OK, "{file}");
    r.bytes
}

#[tokio::test]
async fn files_that_cannot_be_read_are_refused_at_once() {
    let Site {
        app,
        mut owner,
        tenant,
        ..
    } = site().await;
    // "姓名,身份证号" in GBK.
    let gbk = vec![0xD0, 0xD5, 0xC3, 0xFB, b',', b'\n'];
    let r = upload(&mut owner, "workers", "gbk.csv", gbk).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#e-workers").contains("UTF-8"), "{}", r.body);
    let r = upload(
        &mut owner,
        "workers",
        "w.csv",
        "姓名,电话\n张三,1\n".as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text("#e-workers").contains("身份证号、工种、日工资"),
        "{}",
        r.body
    );
    let r = upload(
        &mut owner,
        "tickets",
        "t.csv",
        TICKETS_HEAD.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#e-tickets").contains("没有数据行"), "{}", r.body);
    assert_eq!(count(&app, "labour_import", tenant).await, 0);
}

#[tokio::test]
async fn roles_without_the_right_are_refused() {
    let Site {
        app,
        mut owner,
        tenant,
        ..
    } = site().await;
    let mut finance = app.user(tenant, "fin@acme.cn", "finance").await;
    let mut viewer = app.user(tenant, "view@acme.cn", "viewer").await;
    for c in [&mut finance, &mut viewer] {
        assert_eq!(c.get("/labour/import").await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            c.get("/labour/import/template/tickets.csv").await.status,
            StatusCode::FORBIDDEN
        );
        // A token from a page they may open.
        c.get("/dashboard").await;
        let file = format!("{WORKERS_HEAD}王五,{ID_C},,普工,,280,,\n");
        let r = c
            .post_multipart(
                "/labour/import/workers",
                &[],
                &[("file", "w.csv", "text/csv", file.into_bytes())],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(count(&app, "labour_import", tenant).await, 0);

    // A job is its creator's (and the owner's): another user gets 404, as for another
    // company's job.
    let file = format!("{WORKERS_HEAD}王五,{ID_C},,普工,,280,,\n");
    let r = upload(&mut owner, "workers", "w.csv", file.into_bytes()).await;
    let job = finished(&app, &mut owner, &r).await;
    assert_eq!(job.status, StatusCode::OK);
    let at = r.location().to_owned();
    let mut foreman = app.user(tenant, "fm@acme.cn", "foreman").await;
    assert_not_found(&foreman.get(&at).await);
    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    assert_not_found(&other.get(&at).await);
    assert_not_found(&owner.get("/labour/import/jobs/999999").await);
    assert_not_found(&owner.get("/labour/import/jobs/abc").await);
}

#[tokio::test]
async fn a_foreman_imports_only_for_the_crews_they_lead() {
    let Site {
        app,
        mut owner,
        tenant,
        project,
    } = site().await;
    let mut foreman = app.user(tenant, "fm@acme.cn", "foreman").await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "fm@acme.cn").await,
        "engineer",
    )
    .await;
    app.exec(&format!(
        "update crew set foreman_id = (select id from app_user where email = 'fm@acme.cn')
         where tenant_id = {tenant} and name = '木工一班'"
    ))
    .await;
    let d = days_ago(1);
    let file = format!(
        "{TICKETS_HEAD}{d},P1,木工一班,张三,{ID_A},,,正常,1,,,\n\
         {d},P1,钢筋班,李四,{ID_B},,,正常,8,,,\n"
    );
    let r = upload(&mut foreman, "tickets", "t.csv", file.into_bytes()).await;
    let page = finished(&app, &mut foreman, &r).await;
    let rows = error_rows(&page);
    assert_error(&rows, 3, "班组", "只能导入您带领的班组");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(count(&app, "labour_ticket", tenant).await, 0);

    let file = format!("{TICKETS_HEAD}{d},P1,木工一班,张三,{ID_A},,,正常,1,,,\n");
    let r = upload(&mut foreman, "tickets", "t.csv", file.into_bytes()).await;
    assert_eq!(
        finished(&app, &mut foreman, &r).await.text("#status"),
        "已完成"
    );
    assert_eq!(count(&app, "labour_ticket", tenant).await, 1);
}
