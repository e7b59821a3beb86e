//! Key journeys in headless Chromium (Debian's chromium and chromium-driver), at a phone's
//! 375 px width. Without chromedriver the journey is skipped with a message, except under CI
//! (`CI` set), where a missing browser fails the run.
#![expect(
    clippy::unwrap_used,
    reason = "helpers beside the tests unwrap; allow-unwrap-in-tests covers only test fns"
)]

#[path = "../support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use support::{PASSWORD, TestApp};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Option<Driver> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the browser tests: install chromium and chromium-driver"
        );
        eprintln!("skipping the browser journey: {CHROMEDRIVER} or {CHROMIUM} is not installed");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

async fn browser(driver: &Driver, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            // A mainland user's browser: Chinese first.
            "prefs": { "intl.accept_languages": "zh-CN,zh" },
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=375,900", "--lang=zh-CN",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// Keep a picture of the page under target/browser/ for people to look at.
async fn snapshot(c: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn fill(c: &Client, selector: &str, text: &str) {
    let field = c.find(Locator::Css(selector)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(c: &Client, selector: &str) {
    c.find(Locator::Css(selector))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Click something that loads a new page, and wait until the old page is gone: a WebDriver
/// click returns before a form's navigation ends.
async fn navigate(c: &Client, selector: &str) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    click(c, selector).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while old.tag_name().await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "clicking {selector} loaded no new page"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    c.wait().for_element(Locator::Css("footer")).await.unwrap();
}

/// Opens the sign-up form and fills it for 华建工程有限公司's owner, ready to submit.
async fn fill_sign_up(c: &Client, base: &str) {
    c.goto(&format!("{base}/signup")).await.unwrap();
    fill(c, "#f-company", "华建工程有限公司").await;
    fill(c, "#f-name", "李伟").await;
    fill(c, "#f-email", "li.wei@huajian.cn").await;
    fill(c, "#f-password", PASSWORD).await;
    click(c, "#f-accept_terms").await;
}

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_up_switch_language_invite_sign_out_and_in() {
    let Some(driver) = start_driver() else { return };
    let app = TestApp::spawn().await;
    let base = app.serve().await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&driver, profile.path()).await;

    // Sign up.
    fill_sign_up(&c, &base).await;
    snapshot(&c, "1-signup").await;
    navigate(&c, "button.primary").await;

    // The dashboard, in Chinese.
    assert_eq!(c.current_url().await.unwrap().path(), "/dashboard");
    let text = body_text(&c).await;
    assert!(
        text.contains("快速上手") && text.contains("华建工程有限公司"),
        "{text}"
    );
    snapshot(&c, "2-dashboard-zh").await;

    // Switch to English.
    navigate(&c, "button[name=locale][value=en]").await;
    let text = body_text(&c).await;
    assert!(
        text.contains("Getting started") && text.contains("Invite your colleagues"),
        "{text}"
    );
    snapshot(&c, "3-dashboard-en").await;

    // Invite a colleague from the checklist.
    navigate(&c, ".checklist a[href='/settings/users']").await;
    fill(&c, "#f-email", "zhang.san@huajian.cn").await;
    c.find(Locator::Css("#f-role option[value=finance]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    navigate(&c, "form[action='/settings/users/invite'] button").await;
    let text = body_text(&c).await;
    assert!(
        text.contains("Invitation created.") && text.contains("zhang.san@huajian.cn"),
        "{text}"
    );
    let link = c
        .find(Locator::Css("input.copy"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(link.contains("/invite/"), "{link}");
    snapshot(&c, "4-invited").await;

    // Sign out, then back in.
    navigate(&c, "form[action='/logout'] button").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/login");
    fill(&c, "#f-email", "li.wei@huajian.cn").await;
    fill(&c, "#f-password", PASSWORD).await;
    navigate(&c, "button.primary").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/dashboard");
    let text = body_text(&c).await;
    assert!(
        text.contains("Dashboard") && text.contains("1 / 4"),
        "{text}"
    );
    snapshot(&c, "5-signed-in-again").await;

    c.close().await.unwrap();
}

/// Today in the tenant's time zone (Asia/Shanghai), as a date input wants it.
fn today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string()
}

/// Sets a date input through script: typing into one depends on the browser's locale.
async fn set_date(c: &Client, selector: &str, date: &str) {
    c.execute(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![serde_json::json!(selector), serde_json::json!(date)],
    )
    .await
    .unwrap();
}

async fn select(c: &Client, selector: &str) {
    click(c, selector).await;
}

#[tokio::test]
async fn a_project_from_a_template_gets_a_linked_task_progress_a_gantt_and_a_warning() {
    let Some(driver) = start_driver() else { return };
    let app = TestApp::spawn().await;
    let base = app.serve().await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&driver, profile.path()).await;

    fill_sign_up(&c, &base).await;
    navigate(&c, "button.primary").await;

    // A project from the built-in software upgrade template, starting today.
    navigate(&c, ".checklist a[href='/projects/new']").await;
    fill(&c, "#f-code", "RJ-01").await;
    fill(&c, "#f-name", "ERP 升级改造").await;
    select(&c, "#f-template option[value='builtin:software_upgrade']").await;
    snapshot(&c, "plans-1-new-project").await;
    navigate(&c, "form button.primary").await;
    let project = c.current_url().await.unwrap().path().to_owned();
    assert!(body_text(&c).await.contains("项目已创建"));
    snapshot(&c, "plans-2-project-home").await;

    // A task that must be done today, after the prototype is signed off: it will be late.
    c.goto(&format!("{base}{project}/tasks")).await.unwrap();
    assert!(body_text(&c).await.contains("环境准备与原型"));
    fill(&c, "#f-name", "试点数据核对").await;
    fill(&c, "#f-duration_days", "3").await;
    set_date(&c, "#f-deadline", &today()).await;
    navigate(&c, "form[action$='/tasks'] button.primary").await;
    let task = app
        .count("select id from task where name = '试点数据核对'")
        .await;
    let signed_off = app
        .count("select id from task where name = '原型确认'")
        .await;
    c.goto(&format!("{base}{project}/tasks/{task}"))
        .await
        .unwrap();
    select(&c, &format!("#f-pred_id option[value='{signed_off}']")).await;
    navigate(&c, "form.link-form button").await;
    let text = body_text(&c).await;
    assert!(
        text.contains("已添加链接") && text.contains("原型确认"),
        "{text}"
    );
    snapshot(&c, "plans-3-linked-task").await;

    // Progress as of today on the first task.
    c.goto(&format!("{base}{project}/progress")).await.unwrap();
    set_date(&c, "#f-status_date", &today()).await;
    navigate(&c, "form[action$='/status-date'] button").await;
    let first = app
        .count("select id from task where name = '现状调研与需求确认'")
        .await;
    c.goto(&format!("{base}{project}/tasks/{first}"))
        .await
        .unwrap();
    set_date(&c, "#f-actual_start", &today()).await;
    fill(&c, "#f-percent_complete", "30").await;
    fill(&c, "#f-comment", "调研访谈已开始").await;
    navigate(&c, "form[action$='/progress'] button").await;
    let text = body_text(&c).await;
    assert!(
        text.contains("进度已填报") && text.contains("调研访谈已开始"),
        "{text}"
    );

    // The Gantt chart draws the tasks, and the warnings page names the late task.
    c.goto(&format!("{base}{project}/gantt")).await.unwrap();
    c.find(Locator::Css(".gantt-scroll svg")).await.unwrap();
    assert!(body_text(&c).await.contains("试点数据核对"));
    snapshot(&c, "plans-4-gantt").await;
    c.goto(&format!("{base}{project}/warnings")).await.unwrap();
    let text = body_text(&c).await;
    assert!(
        text.contains("试点数据核对") && text.contains("预计超过期限"),
        "{text}"
    );
    snapshot(&c, "plans-5-warnings").await;

    c.close().await.unwrap();
}

#[tokio::test]
async fn a_foreman_enters_a_days_tickets_on_a_phone_and_the_manager_confirms_them() {
    let Some(driver) = start_driver() else { return };
    let app = TestApp::spawn().await;
    let base = app.serve().await;
    let owner_profile = tempfile::tempdir().unwrap();
    let owner = browser(&driver, owner_profile.path()).await;

    // The owner signs up and opens a project; they are its manager.
    fill_sign_up(&owner, &base).await;
    navigate(&owner, "button.primary").await;
    owner.goto(&format!("{base}/projects/new")).await.unwrap();
    fill(&owner, "#f-code", "FJ-01").await;
    fill(&owner, "#f-name", "华建科技园 2# 楼").await;
    navigate(&owner, "form button.primary").await;
    let tenant = app
        .count("select tenant_id from app_user where email = 'li.wei@huajian.cn'")
        .await;
    let project = app
        .count("select id from project where code = 'FJ-01'")
        .await;

    // A foreman on the project leads a crew counted in 工日 with two workers.
    drop(app.user(tenant, "zhang@huajian.cn", "foreman").await);
    app.exec(&format!(
        "insert into project_member (tenant_id, project_id, user_id, project_role)
           select {tenant}, {project}, id, 'foreman' from app_user where email = 'zhang@huajian.cn';
         insert into crew (tenant_id, name, foreman_id, count_unit)
           select {tenant}, '钢筋班组', id, 'day' from app_user where email = 'zhang@huajian.cn';
         insert into worker (tenant_id, name, id_number, trade_id, crew_id, day_rate)
           select {tenant}, w.name, w.id_number, t.id, c.id, w.rate
           from (values ('王大勇', '11010519491231002X', 320), ('刘春生', '110101199003077758', 280))
                  as w(name, id_number, rate),
                trade t, crew c
           where t.tenant_id = {tenant} and t.name_zh = '钢筋工' and c.tenant_id = {tenant};"
    ))
    .await;

    // On the foreman's phone: pick project and crew, both workers come ticked for a day.
    let phone_profile = tempfile::tempdir().unwrap();
    let phone = browser(&driver, phone_profile.path()).await;
    phone.goto(&format!("{base}/login")).await.unwrap();
    fill(&phone, "#f-email", "zhang@huajian.cn").await;
    fill(&phone, "#f-password", PASSWORD).await;
    navigate(&phone, "form button.primary").await;
    phone
        .goto(&format!("{base}/labour/tickets/new"))
        .await
        .unwrap();
    select(&phone, &format!("#f-project option[value='{project}']")).await;
    select(&phone, "#f-crew option:nth-child(2)").await;
    navigate(&phone, "#pick-form button").await;
    let text = body_text(&phone).await;
    assert!(text.contains("王大勇") && text.contains("刘春生"), "{text}");
    // Liu worked half a day.
    let liu: i64 = phone
        .execute(
            "return [...document.querySelectorAll('.line')].findIndex(l => l.textContent.includes('刘春生'));",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    fill(&phone, &format!("#f-quantity-{liu}"), "0.5").await;
    fill(&phone, "#f-reason", "基坑积水抽排").await;
    snapshot(&phone, "labour-1-entry").await;
    // Nothing sticks out sideways on a phone.
    let overflow: i64 = phone
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(overflow <= 0, "the entry form is {overflow} px too wide");
    navigate(&phone, "#submit-ticket").await;
    let text = body_text(&phone).await;
    assert!(text.contains("已提交") && text.contains("460.00"), "{text}");
    snapshot(&phone, "labour-2-submitted").await;

    // The manager confirms it from the list, and the summary shows the totals.
    owner.goto(&format!("{base}/labour/tickets")).await.unwrap();
    click(&owner, "input[name=ids]").await;
    navigate(&owner, "#confirm-selected").await;
    assert!(body_text(&owner).await.contains("所选点工单已确认"));
    owner.goto(&format!("{base}/labour?by=crew")).await.unwrap();
    let total = owner
        .find(Locator::Css("#total-amount"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(total, "460.00");
    let days = owner
        .find(Locator::Css("#total-days"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(days, "1.5");
    snapshot(&owner, "labour-3-summary").await;

    phone.close().await.unwrap();
    owner.close().await.unwrap();
}

/// The width a page sticks out sideways beyond the screen (0 when it fits).
async fn overflow(c: &Client) -> i64 {
    c.execute(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        vec![],
    )
    .await
    .unwrap()
    .as_i64()
    .unwrap()
}

async fn record_cost(c: &Client, base: &str, project: i64, materials: i64, amount: &str) {
    c.goto(&format!("{base}/projects/{project}/cost/entries/new"))
        .await
        .unwrap();
    set_date(c, "#f-entry_date", &today()).await;
    select(c, &format!("#f-category_id option[value='{materials}']")).await;
    fill(c, "#f-supplier", "浙江物产钢材贸易有限公司").await;
    fill(c, "#f-description", "HRB400 钢筋").await;
    fill(c, "#f-amount", amount).await;
    fill(c, "#f-tax_rate", "13").await;
    navigate(c, "#save-entry").await;
}

#[tokio::test]
async fn a_budget_then_costs_past_its_thresholds_raise_the_cost_alerts() {
    let Some(driver) = start_driver() else { return };
    let app = TestApp::spawn().await;
    let base = app.serve().await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&driver, profile.path()).await;

    fill_sign_up(&c, &base).await;
    navigate(&c, "button.primary").await;
    c.goto(&format!("{base}/projects/new")).await.unwrap();
    fill(&c, "#f-code", "CB-01").await;
    fill(&c, "#f-name", "华建科技园 3# 楼").await;
    navigate(&c, "form button.primary").await;
    let project = app
        .count("select id from project where code = 'CB-01'")
        .await;
    let materials = app
        .count("select id from cost_category where builtin = 'materials'")
        .await;

    // The original budget: 100,000 of materials, approved.
    c.goto(&format!("{base}/projects/{project}/cost/budget"))
        .await
        .unwrap();
    navigate(&c, "#start-original").await;
    let draft = app
        .count("select id from cost_budget_version where status = 'draft'")
        .await;
    c.goto(&format!(
        "{base}/projects/{project}/cost/budget/{draft}/edit"
    ))
    .await
    .unwrap();
    fill(&c, &format!("#f-amount-{materials}"), "100000").await;
    snapshot(&c, "cost-1-budget-draft").await;
    navigate(&c, ".budget-form button.primary").await;
    c.goto(&format!("{base}/projects/{project}/cost/budget"))
        .await
        .unwrap();
    navigate(&c, "#approve-form button.primary").await;
    let text = body_text(&c).await;
    assert!(text.contains("100,000.00"), "{text}");

    // 92,000 recorded: past the 90 % warning.
    record_cost(&c, &base, project, materials, "92000").await;
    c.goto(&format!("{base}/projects/{project}/cost"))
        .await
        .unwrap();
    let row = c
        .find(Locator::Css(&format!("tr[data-category='{materials}']")))
        .await
        .unwrap();
    assert!(row.text().await.unwrap().contains("预警"));
    assert!(
        row.attr("class")
            .await
            .unwrap()
            .unwrap_or_default()
            .contains("alert-warning")
    );
    assert!(overflow(&c).await <= 0, "the cost report is too wide");
    snapshot(&c, "cost-2-warning").await;

    // 10,000 more: over budget, on the report, the project home and the dashboard.
    record_cost(&c, &base, project, materials, "10000").await;
    c.goto(&format!("{base}/projects/{project}/cost"))
        .await
        .unwrap();
    let alerts = c
        .find(Locator::Css("#cost-alerts"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        alerts.contains("超支") && alerts.contains("材料费"),
        "{alerts}"
    );
    snapshot(&c, "cost-3-overrun").await;
    c.goto(&format!("{base}/projects/{project}")).await.unwrap();
    assert!(body_text(&c).await.contains("超支"));
    c.goto(&format!("{base}/dashboard")).await.unwrap();
    let panel = c
        .find(Locator::Css("#cost-panel"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        panel.contains("CB-01") && panel.contains("材料费"),
        "{panel}"
    );
    snapshot(&c, "cost-4-dashboard").await;

    c.close().await.unwrap();
}

#[tokio::test]
async fn a_subcontract_is_signed_a_payment_requested_approved_and_paid_and_committed_cost_falls() {
    let Some(driver) = start_driver() else { return };
    let app = TestApp::spawn().await;
    let base = app.serve().await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&driver, profile.path()).await;

    fill_sign_up(&c, &base).await;
    navigate(&c, "button.primary").await;
    c.goto(&format!("{base}/projects/new")).await.unwrap();
    fill(&c, "#f-code", "FK-01").await;
    fill(&c, "#f-name", "华建科技园 5# 楼").await;
    navigate(&c, "form button.primary").await;
    let project = app
        .count("select id from project where code = 'FK-01'")
        .await;

    // A subcontractor and a 113,000.00 subcontract at 13 % VAT with 3 % retention, signed.
    c.goto(&format!("{base}/funds/counterparties"))
        .await
        .unwrap();
    fill(&c, "#f-name", "杭州建工劳务有限公司").await;
    select(&c, "#f-kind option[value='subcontractor']").await;
    navigate(&c, "#new-counterparty button.primary").await;
    let party = app
        .count("select id from counterparty where name = '杭州建工劳务有限公司'")
        .await;
    c.goto(&format!("{base}/funds/contracts/new"))
        .await
        .unwrap();
    select(&c, &format!("#f-project_id option[value='{project}']")).await;
    fill(&c, "#f-number", "FB-001").await;
    fill(&c, "#f-title", "主体结构劳务分包").await;
    select(&c, "#f-direction option[value='expense']").await;
    select(&c, "#f-kind option[value='subcontract']").await;
    select(&c, &format!("#f-counterparty_id option[value='{party}']")).await;
    fill(&c, "#f-amount", "113000").await;
    fill(&c, "#f-tax_rate", "13").await;
    fill(&c, "#f-retention_percent", "3").await;
    navigate(&c, "#contract-form button.primary").await;
    navigate(&c, "#sign-contract").await;
    let contract = app
        .count("select id from contract where number = 'FB-001' and status = 'signed'")
        .await;
    let cost = format!("{base}/projects/{project}/cost");
    let committed = Locator::Css("#cost-totals td.committed");
    c.goto(&cost).await.unwrap();
    let before = c.find(committed).await.unwrap().text().await.unwrap();
    assert_eq!(before, "100,000.00");

    // The owner requests half of it; the payable balance is shown first.
    c.goto(&format!("{base}/funds/requests/new?contract={contract}"))
        .await
        .unwrap();
    let payable = c
        .find(Locator::Css("#payable"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(payable, "109,610.00");
    fill(&c, "#f-amount", "56500").await;
    fill(&c, "#f-purpose", "3 月进度款").await;
    assert!(overflow(&c).await <= 0, "the request form is too wide");
    snapshot(&c, "funds-pay-1-request").await;
    navigate(&c, "#save-request").await;
    let request = app.count("select id from payment_request").await;
    assert!(body_text(&c).await.contains("待审批"));

    // An admin, not the requester, approves it.
    let tenant = app
        .count("select tenant_id from app_user where email = 'li.wei@huajian.cn'")
        .await;
    app.user(tenant, "wang.fang@huajian.cn", "admin").await;
    let admin_profile = tempfile::tempdir().unwrap();
    let admin = sign_in(&driver, admin_profile.path(), &base, "wang.fang@huajian.cn").await;
    admin
        .goto(&format!("{base}/funds/requests?mine=1"))
        .await
        .unwrap();
    navigate(&admin, &format!("#request-{request} a")).await;
    navigate(&admin, "#approve").await;
    let status = admin
        .find(Locator::Css("#request-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "已批准");
    snapshot(&admin, "funds-pay-2-approved").await;
    admin.close().await.unwrap();

    // The owner pays it in cash, in full; the request links the ledger movement.
    c.goto(&format!("{base}/funds/requests/{request}"))
        .await
        .unwrap();
    select(&c, "#f-method option[value='cash']").await;
    set_date(&c, "#f-moved_on", &today()).await;
    assert!(overflow(&c).await <= 0, "the request page is too wide");
    navigate(&c, "#pay-request").await;
    let status = c
        .find(Locator::Css("#request-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "已付款");
    c.find(Locator::Css("#movement-link")).await.unwrap();
    snapshot(&c, "funds-pay-3-paid").await;

    // 56,500.00 paid is 50,000.00 without VAT: that much is no longer committed.
    c.goto(&cost).await.unwrap();
    let after = c.find(committed).await.unwrap().text().await.unwrap();
    assert_eq!(after, "50,000.00");
    snapshot(&c, "funds-pay-4-committed").await;

    // The company cash flow counts the payment as this project's outflow, and charts it.
    c.goto(&format!("{base}/funds")).await.unwrap();
    let outflow = c
        .find(Locator::Css(&format!("#project-{project} td.outflow")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(outflow, "56,500.00");
    assert!(
        c.find(Locator::Css("svg")).await.is_ok(),
        "the cash-flow chart"
    );
    assert!(
        overflow(&c).await <= 0,
        "the cash-flow overview is too wide"
    );
    snapshot(&c, "funds-pay-5-cash-flow").await;

    // The list and Settings › Funds (approvers, limits) fit a phone.
    c.goto(&format!("{base}/funds/requests")).await.unwrap();
    assert!(overflow(&c).await <= 0, "the request list is too wide");
    snapshot(&c, "funds-pay-5-list").await;
    c.goto(&format!("{base}/settings/funds")).await.unwrap();
    assert!(overflow(&c).await <= 0, "Settings › Funds is too wide");
    snapshot(&c, "funds-pay-6-settings").await;
    c.execute(
        "document.querySelector('#approval').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    snapshot(&c, "funds-pay-7-approvers").await;

    c.close().await.unwrap();
}

/// Signs in `email` in a fresh browser profile.
async fn sign_in(driver: &Driver, profile: &Path, base: &str, email: &str) -> Client {
    let c = browser(driver, profile).await;
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(&c, "#f-email", email).await;
    fill(&c, "#f-password", PASSWORD).await;
    navigate(&c, "button.primary").await;
    c
}

async fn text_of(c: &Client, selector: &str) -> String {
    c.find(Locator::Css(selector))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// A reviewer opens what awaits their vote and approves it with a comment.
async fn approve_as(c: &Client, base: &str, request: i64, comment: &str) {
    c.goto(&format!("{base}/changes?awaiting=me"))
        .await
        .unwrap();
    navigate(c, &format!("#awaiting-list-{request} a")).await;
    select(c, "#f-decision option[value='approve']").await;
    fill(c, "#f-comment", comment).await;
    navigate(c, "#cast-vote").await;
}

#[tokio::test]
async fn a_change_raised_and_approved_by_two_reviewers_moves_budget_contract_and_finish() {
    let Some(driver) = start_driver() else { return };
    let app = TestApp::spawn().await;
    let base = app.serve().await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&driver, profile.path()).await;

    fill_sign_up(&c, &base).await;
    navigate(&c, "button.primary").await;
    c.goto(&format!("{base}/projects/new")).await.unwrap();
    fill(&c, "#f-code", "BG-01").await;
    fill(&c, "#f-name", "华建科技园 6# 楼").await;
    select(&c, "#f-template option[value='builtin:building']").await;
    navigate(&c, "form button.primary").await;
    let project = app
        .count("select id from project where code = 'BG-01'")
        .await;
    let tenant = app
        .count("select tenant_id from app_user where email = 'li.wei@huajian.cn'")
        .await;
    // What the other modules' own journeys build: an approved budget of 1,000,000.00 on
    // materials and a signed income contract of 1,000,000.00.
    app.exec(&format!(
        "insert into cost_budget_version (tenant_id, project_id, number, status, reason, approved_at)
             values ({tenant}, {project}, 0, 'approved', '目标成本', now());
         insert into cost_budget_line (tenant_id, budget_version_id, category_id, amount)
             select {tenant}, v.id, c.id, 1000000
             from cost_budget_version v, cost_category c
             where v.project_id = {project} and c.tenant_id = {tenant} and c.code = '02';
         insert into counterparty (tenant_id, name, kind)
             values ({tenant}, '杭州城投置业有限公司', 'client');
         insert into contract (tenant_id, project_id, number, title, direction, kind,
                               counterparty_id, amount, tax_rate, signed_on, status,
                               payment_ratio)
             select {tenant}, {project}, 'ZB-001', '施工总承包合同', 'income', 'main', id,
                    1000000, 9, current_date, 'signed', 80
             from counterparty where tenant_id = {tenant};"
    ))
    .await;
    let contract = app
        .count("select id from contract where number = 'ZB-001'")
        .await;
    let materials = app
        .count(&format!(
            "select id from cost_category where tenant_id = {tenant} and code = '02'"
        ))
        .await;
    let excavation = app
        .count(&format!(
            "select id from task where project_id = {project} and name = '土方开挖'"
        ))
        .await;
    let finish_before = app
        .count(&format!(
            "select (scheduled_finish - date '2000-01-01')::bigint from project where id = {project}"
        ))
        .await;

    // The board: an admin and the finance manager, both must approve.
    app.user(tenant, "wang.fang@huajian.cn", "admin").await;
    app.user(tenant, "zhao.min@huajian.cn", "finance").await;
    let admin = app
        .count("select id from app_user where email = 'wang.fang@huajian.cn'")
        .await;
    let finance = app
        .count("select id from app_user where email = 'zhao.min@huajian.cn'")
        .await;
    // Finance sees only its projects: it joins this one to review its changes.
    app.exec(&format!(
        "insert into project_member (tenant_id, project_id, user_id, project_role)
             values ({tenant}, {project}, {finance}, 'viewer')"
    ))
    .await;
    c.goto(&format!("{base}/settings/changes")).await.unwrap();
    for member in [admin, finance] {
        select(&c, &format!("#f-user_id option[value='{member}']")).await;
        navigate(&c, "#add-member").await;
    }
    fill(&c, "#f-approvals_needed", "2").await;
    navigate(&c, "#save-approvals").await;
    assert!(overflow(&c).await <= 0, "Settings › Changes is too wide");
    snapshot(&c, "changes-1-board").await;

    // The owner raises the change: five more days of excavation, 30,000.00 more materials,
    // and 50,000.00 more on the income contract.
    c.goto(&format!("{base}/projects/{project}/changes/new"))
        .await
        .unwrap();
    fill(&c, "#f-title", "地下室底板加厚设计变更").await;
    fill(
        &c,
        "#f-reason",
        "设计院第 03 号变更通知：底板由 600 mm 加厚至 800 mm",
    )
    .await;
    fill(&c, "#f-revenue_amount", "50000").await;
    select(&c, &format!("#f-contract_id option[value='{contract}']")).await;
    select(&c, &format!("#f-task_0 option[value='{excavation}']")).await;
    fill(&c, "#f-days_0", "5").await;
    select(&c, &format!("#f-category_0 option[value='{materials}']")).await;
    fill(&c, "#f-amount_0", "30000").await;
    assert!(overflow(&c).await <= 0, "the change form is too wide");
    snapshot(&c, "changes-2-form").await;
    navigate(&c, ".request-form button.primary").await;
    navigate(&c, "#submit-request").await;
    assert_eq!(text_of(&c, "#request-status").await, "已提交");
    let request = app
        .count("select id from change_request where number = 'BG-001'")
        .await;
    assert!(
        overflow(&c).await <= 0,
        "the change request page is too wide"
    );
    snapshot(&c, "changes-3-submitted").await;

    // Two reviewers approve it; after the first nothing has changed yet.
    let admin_profile = tempfile::tempdir().unwrap();
    let a = sign_in(&driver, admin_profile.path(), &base, "wang.fang@huajian.cn").await;
    approve_as(&a, &base, request, "同意，按设计变更执行").await;
    assert_eq!(text_of(&a, "#request-status").await, "审核中");
    assert_eq!(
        app.count("select count(*) from contract_variation").await,
        0
    );
    a.close().await.unwrap();
    let finance_profile = tempfile::tempdir().unwrap();
    let f = sign_in(
        &driver,
        finance_profile.path(),
        &base,
        "zhao.min@huajian.cn",
    )
    .await;
    approve_as(&f, &base, request, "费用已核，同意").await;
    assert_eq!(text_of(&f, "#request-status").await, "已批准");
    snapshot(&f, "changes-4-approved").await;
    f.close().await.unwrap();

    // The new budget, the contract amount and the later finish.
    c.goto(&format!("{base}/projects/{project}/cost/budget"))
        .await
        .unwrap();
    assert_eq!(text_of(&c, "#budget-total").await, "1,030,000.00");
    snapshot(&c, "changes-5-budget").await;
    c.goto(&format!("{base}/funds/contracts/{contract}"))
        .await
        .unwrap();
    assert_eq!(text_of(&c, "#current-amount").await, "1,050,000.00");
    c.goto(&format!("{base}/projects/{project}/changes/{request}"))
        .await
        .unwrap();
    let finish_after = app
        .count(&format!(
            "select (scheduled_finish - date '2000-01-01')::bigint from project where id = {project}"
        ))
        .await;
    assert!(finish_after > finish_before, "the finish moved later");
    let shown = text_of(&c, "#finish-after").await;
    let expected = app
        .count(&format!(
            "select to_char(scheduled_finish, 'YYYYMMDD')::bigint from project where id = {project}"
        ))
        .await
        .to_string();
    assert_eq!(shown.replace('-', ""), expected, "{shown}");
    assert_ne!(text_of(&c, "#finish-before").await, shown);
    snapshot(&c, "changes-6-applied").await;

    // The change log and the risk register fit a phone too.
    c.goto(&format!("{base}/projects/{project}/changes/log"))
        .await
        .unwrap();
    assert!(overflow(&c).await <= 0, "the change log is too wide");
    snapshot(&c, "changes-7-log").await;
    c.goto(&format!("{base}/projects/{project}/risks"))
        .await
        .unwrap();
    assert!(overflow(&c).await <= 0, "the risk register is too wide");
    snapshot(&c, "changes-8-risks").await;
    c.close().await.unwrap();
}
