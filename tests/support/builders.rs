//! Builders for the world a test starts from, made through the app's own pages and forms as a
//! user would make it (crates.io's test builders are the model): a signed-up company with its
//! owner and a project, a project with tasks, project members, a crew with workers, a
//! counterparty and a contract.
//!
//! ```ignore
//! let Company { app, mut owner, tenant, project, crews, .. } = CompanyBuilder::new("Acme")
//!     .with_project(ProjectBuilder::new("P1").with_task("基础", "10"))
//!     .with_crew(CrewBuilder::new("钢筋班").with_worker(WorkerBuilder::in_trade("张三", id, "钢筋工")))
//!     .build().await;
//! ```

use axum::http::StatusCode;

use super::{TestApp, TestClient, TestResponse};

/// The id at the end of a redirect's location, after `prefix`.
fn id_after(r: &TestResponse, prefix: &str) -> i64 {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.location();
    location
        .split_once(prefix)
        .and_then(|(_, id)| id.parse().ok())
        .unwrap_or_else(|| panic!("no id after {prefix:?} in {location:?}"))
}

/// A signed-up company: its app, its owner's signed-in client, the tenant, its project and its
/// crews.
pub struct Company {
    pub app: TestApp,
    pub owner: TestClient,
    pub tenant: i64,
    pub project: i64,
    pub crews: Vec<Crew>,
}

/// A company on a fresh app, signed up through `/signup`, with one project made through the
/// project form (more projects: `ProjectBuilder::create` with the owner), and the crews the
/// owner makes through the crew and worker forms.
pub struct CompanyBuilder {
    name: String,
    owner_email: String,
    project: ProjectBuilder,
    crews: Vec<CrewBuilder>,
}

impl CompanyBuilder {
    /// Company `name`, signed up by `owner@<name in lower case>.cn`, with project P1.
    pub fn new(name: &str) -> Self {
        CompanyBuilder {
            name: name.to_owned(),
            owner_email: format!("owner@{}.cn", name.to_lowercase()),
            project: ProjectBuilder::new("P1"),
            crews: Vec::new(),
        }
    }

    pub fn owner_email(mut self, email: &str) -> Self {
        email.clone_into(&mut self.owner_email);
        self
    }

    /// The company's project, instead of a plain P1.
    pub fn with_project(mut self, project: ProjectBuilder) -> Self {
        self.project = project;
        self
    }

    /// A crew of the company, with its workers.
    pub fn with_crew(mut self, crew: CrewBuilder) -> Self {
        self.crews.push(crew);
        self
    }

    pub async fn build(self) -> Company {
        let app = TestApp::spawn().await;
        let (mut owner, tenant) = app.signup(&self.name, &self.owner_email).await;
        let project = self.project.create(&mut owner).await.id;
        let mut crews = Vec::new();
        for crew in self.crews {
            crews.push(crew.create(&mut owner).await);
        }
        Company {
            app,
            owner,
            tenant,
            project,
            crews,
        }
    }
}

/// A project and the ids of its tasks, in the order they were added.
pub struct Project {
    pub id: i64,
    pub tasks: Vec<i64>,
}

/// A project made through `/projects/new` (starting 2026-03-02 on the default calendar),
/// then its tasks through the task form, each at the top level.
pub struct ProjectBuilder {
    code: String,
    template: String,
    tasks: Vec<(String, String)>,
}

impl ProjectBuilder {
    /// Project `code`, named "`code` 项目", from no template.
    pub fn new(code: &str) -> Self {
        ProjectBuilder {
            code: code.to_owned(),
            template: String::new(),
            tasks: Vec::new(),
        }
    }

    /// A template from the form's list, e.g. `builtin:building`.
    pub fn template(mut self, template: &str) -> Self {
        template.clone_into(&mut self.template);
        self
    }

    /// A task of `days` working days.
    pub fn with_task(mut self, name: &str, days: &str) -> Self {
        self.tasks.push((name.to_owned(), days.to_owned()));
        self
    }

    pub async fn create(self, c: &mut TestClient) -> Project {
        let r = c.get("/projects/new").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let calendar = r
            .html()
            .select(&scraper::Selector::parse("#f-calendar_id option").expect("selector"))
            .next()
            .and_then(|o| o.value().attr("value").map(str::to_owned))
            .expect("a calendar to choose");
        let r = c
            .post_form(
                "/projects",
                &[
                    ("code", &self.code),
                    ("name", &format!("{} 项目", self.code)),
                    ("client", "城投集团"),
                    ("project_type", "房建"),
                    ("location", "杭州"),
                    ("contract_amount", "12,500,000.00"),
                    ("planned_start", "2026-03-02"),
                    ("planned_finish", ""),
                    ("status", "active"),
                    ("manager_id", ""),
                    ("calendar_id", &calendar),
                    ("template", &self.template),
                    ("version", "0"),
                ],
            )
            .await;
        let id = id_after(&r, "/projects/");
        let mut tasks = Vec::new();
        for (name, days) in &self.tasks {
            let r = add_task(c, id, name, days).await;
            tasks.push(id_after(&r, "#task-"));
        }
        Project { id, tasks }
    }
}

/// Creates project `code` (from `template`, "" for none) and returns its id.
pub async fn create_project(c: &mut TestClient, code: &str, template: &str) -> i64 {
    ProjectBuilder::new(code)
        .template(template)
        .create(c)
        .await
        .id
}

/// Posts the task form of `project`: a top-level task of `days` working days.
pub async fn add_task(c: &mut TestClient, project: i64, name: &str, days: &str) -> TestResponse {
    c.get(&format!("/projects/{project}/tasks")).await;
    c.post_form(
        &format!("/projects/{project}/tasks"),
        &[
            ("name", name),
            ("duration_days", days),
            ("parent_id", ""),
            ("start_no_earlier_than", ""),
            ("deadline", ""),
            ("responsible_id", ""),
            ("weight", ""),
        ],
    )
    .await
}

/// The id of the task named `name` in `project`.
pub async fn task_id(app: &TestApp, project: i64, name: &str) -> i64 {
    app.count(&format!(
        "select id from task where project_id = {project} and name = '{name}'"
    ))
    .await
}

/// The id of the user with `email`.
pub async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.count(&format!("select id from app_user where email = '{email}'"))
        .await
}

/// Adds `user` to `project` with `role` (`manager`, `engineer`, `foreman`, `viewer`) through
/// the project page's members form.
pub async fn add_member(c: &mut TestClient, project: i64, user: i64, role: &str) {
    c.get(&format!("/projects/{project}")).await;
    let r = c
        .post_form(
            &format!("/projects/{project}/members"),
            &[
                ("user_id", &user.to_string()),
                ("project_role", role),
                ("action", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// A crew and the ids of its workers, in the order they were added.
pub struct Crew {
    pub id: i64,
    pub workers: Vec<i64>,
}

/// A crew made through the crew form (subcontracted to 浙江安居劳务有限公司, counted in days,
/// no foreman, no trade, active), then its workers through the worker form.
pub struct CrewBuilder {
    name: String,
    subcontractor: String,
    foreman: Option<i64>,
    trade: Option<i64>,
    unit: String,
    workers: Vec<WorkerBuilder>,
}

impl CrewBuilder {
    pub fn new(name: &str) -> Self {
        CrewBuilder {
            name: name.to_owned(),
            subcontractor: "浙江安居劳务有限公司".to_owned(),
            foreman: None,
            trade: None,
            unit: "day".to_owned(),
            workers: Vec::new(),
        }
    }

    /// The user who leads the crew.
    pub fn foreman(mut self, user: i64) -> Self {
        self.foreman = Some(user);
        self
    }

    pub fn trade(mut self, trade: i64) -> Self {
        self.trade = Some(trade);
        self
    }

    /// The labour subcontractor the crew comes from.
    pub fn subcontractor(mut self, name: &str) -> Self {
        name.clone_into(&mut self.subcontractor);
        self
    }

    /// `day` or `hour`.
    pub fn unit(mut self, unit: &str) -> Self {
        unit.clone_into(&mut self.unit);
        self
    }

    /// A worker in this crew.
    pub fn with_worker(mut self, worker: WorkerBuilder) -> Self {
        self.workers.push(worker);
        self
    }

    /// Posts the crew form to `path` (`/labour/crews`, or a crew's own path to save it) with
    /// `version`, as the list page's form does.
    pub async fn post(&self, c: &mut TestClient, path: &str, version: &str) -> TestResponse {
        let foreman = self.foreman.map(|f| f.to_string()).unwrap_or_default();
        let trade = self.trade.map(|t| t.to_string()).unwrap_or_default();
        c.get("/labour/crews").await;
        c.post_form(
            path,
            &[
                ("name", &self.name),
                ("foreman_id", &foreman),
                ("subcontractor", &self.subcontractor),
                ("trade_id", &trade),
                ("count_unit", &self.unit),
                ("active", "1"),
                ("version", version),
            ],
        )
        .await
    }

    pub async fn create(self, c: &mut TestClient) -> Crew {
        let id = id_after(&self.post(c, "/labour/crews", "0").await, "/labour/crews/");
        let mut workers = Vec::new();
        for worker in self.workers {
            workers.push(worker.crew(id).create(c).await);
        }
        Crew { id, workers }
    }
}

/// A worker's trade: its id, or its Chinese name as the worker form's trade list shows it.
enum Trade {
    Id(i64),
    Named(String),
}

/// A worker made through the worker form (phone, bank and account filled in, active, no crew,
/// 300 a day).
pub struct WorkerBuilder {
    name: String,
    id_number: String,
    trade: Trade,
    crew: Option<i64>,
    day_rate: String,
    bank: (String, String),
}

impl WorkerBuilder {
    /// Worker `name` with identity-card number `id_number` and trade `trade`.
    pub fn new(name: &str, id_number: &str, trade: i64) -> Self {
        WorkerBuilder {
            name: name.to_owned(),
            id_number: id_number.to_owned(),
            trade: Trade::Id(trade),
            crew: None,
            day_rate: "300".to_owned(),
            bank: ("中国建设银行".to_owned(), "6217 0012 3456 7890".to_owned()),
        }
    }

    /// Worker `name` in the trade the worker form lists as `trade` (e.g. 钢筋工), for a company
    /// whose trade ids the test does not know yet.
    pub fn in_trade(name: &str, id_number: &str, trade: &str) -> Self {
        WorkerBuilder {
            trade: Trade::Named(trade.to_owned()),
            ..WorkerBuilder::new(name, id_number, 0)
        }
    }

    /// The bank and account wages are paid to.
    pub fn bank(mut self, bank: &str, account: &str) -> Self {
        self.bank = (bank.to_owned(), account.to_owned());
        self
    }

    pub fn crew(mut self, crew: i64) -> Self {
        self.crew = Some(crew);
        self
    }

    pub fn day_rate(mut self, rate: &str) -> Self {
        rate.clone_into(&mut self.day_rate);
        self
    }

    /// Posts the worker form to `path` (`/labour/workers`, or a worker's own path to save it)
    /// with `version`, as the list page's form does.
    pub async fn post(&self, c: &mut TestClient, path: &str, version: &str) -> TestResponse {
        let crew = self.crew.map(|c| c.to_string()).unwrap_or_default();
        c.get("/labour/workers").await;
        let trade = match &self.trade {
            Trade::Id(id) => id.to_string(),
            Trade::Named(name) => {
                let page = c.get("/labour/workers/new").await;
                let option =
                    scraper::Selector::parse("select[name=trade_id] option").expect("selector");
                page.html()
                    .select(&option)
                    .find(|o| o.text().collect::<String>().contains(name.as_str()))
                    .and_then(|o| o.value().attr("value").map(str::to_owned))
                    .unwrap_or_else(|| panic!("no trade {name:?} on the worker form"))
            }
        };
        c.post_form(
            path,
            &[
                ("name", &self.name),
                ("id_number", &self.id_number),
                ("phone", "138 0571 0000"),
                ("trade_id", &trade),
                ("crew_id", &crew),
                ("day_rate", &self.day_rate),
                ("bank_name", &self.bank.0),
                ("bank_account", &self.bank.1),
                ("active", "1"),
                ("version", version),
            ],
        )
        .await
    }

    /// Creates the worker and returns its id.
    pub async fn create(self, c: &mut TestClient) -> i64 {
        id_after(
            &self.post(c, "/labour/workers", "0").await,
            "/labour/workers/",
        )
    }
}

/// Adds a counterparty of `kind` (`client`, `subcontractor`, `supplier`…) through the
/// counterparty form, with a contact (张工), a phone and a bank account, and returns its id.
pub async fn counterparty(c: &mut TestClient, name: &str, kind: &str) -> i64 {
    let r = c
        .post_form(
            "/funds/counterparties",
            &[
                ("name", name),
                ("kind", kind),
                ("credit_code", ""),
                ("contact", "张工"),
                ("phone", "13800000000"),
                ("bank_name", "工商银行杭州分行"),
                ("bank_account", "1202020209000012345"),
            ],
        )
        .await;
    id_after(&r, "/funds/counterparties#counterparty-")
}

/// A contract made through the contract form, then signed through its sign button if asked.
/// Unless a field is set otherwise: a 113,000.00 expense subcontract at 13 % VAT, signed on
/// 2026-03-10, 3 % retention released on 2028-03-10, paid 按月进度付款 80%, in no category.
pub struct ContractBuilder {
    fields: Vec<(&'static str, String)>,
    signed: bool,
}

impl ContractBuilder {
    /// Contract `number` of `project` with counterparty `party`.
    pub fn new(project: i64, party: i64, number: &str) -> Self {
        let fields = vec![
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
        ];
        ContractBuilder {
            fields,
            signed: false,
        }
    }

    /// Sets form field `name` (e.g. `amount`, `direction`, `payment_ratio`) to `value`.
    pub fn field(mut self, name: &'static str, value: &str) -> Self {
        match self.fields.iter_mut().find(|(k, _)| *k == name) {
            Some((_, v)) => value.clone_into(v),
            None => self.fields.push((name, value.to_owned())),
        }
        self
    }

    /// Signs the contract once it is drafted.
    pub fn signed(mut self) -> Self {
        self.signed = true;
        self
    }

    /// Creates the contract and returns its id.
    pub async fn create(self, app: &TestApp, c: &mut TestClient) -> i64 {
        let fields: Vec<(&str, &str)> = self.fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let id = id_after(
            &c.post_form("/funds/contracts", &fields).await,
            "/funds/contracts/",
        );
        if self.signed {
            let version = app
                .count(&format!(
                    "select version::bigint from contract where id = {id}"
                ))
                .await;
            let r = c
                .post_form(
                    &format!("/funds/contracts/{id}/sign"),
                    &[("version", &version.to_string())],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        id
    }
}
