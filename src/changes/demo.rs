//! The demo project's risks and changes, consistent with the other modules' demo records: six
//! risks over the four built-in categories (the client's late payment the funds demo shows,
//! the steel price rise the cost demo forecasts, one review overdue, one closed with its
//! reviews); and change requests in every state — the waterproofing change the cost
//! centre's budget revision BG-003 already records, a booster pump room approved and applied
//! now (budget revision, income-contract and revenue variations, a longer task and a
//! reschedule), a rain-stoppage site instruction submitted and awaiting the owner's vote, a
//! draft, and a rejected one with the reviewer's comment.
//!
//! The demo never touches the company's review board: while it names none, owners and admins
//! review, one approval each. The requester may not vote, so the company's own colleagues
//! play the requester (a project manager) and an earlier reviewer (an admin or finance) when
//! it has them; a company of one gets two deactivated demo colleagues, who can never sign in
//! and take no seat.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::queries;
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::roles::Role;
use crate::tenancy::CurrentUser;

fn days_before(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

fn days_after(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(d)
}

/// 10:00 in Shanghai on `d`.
fn at(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(2, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

/// Adds the demo risks and changes to `project` unless it has some already.
pub async fn create(
    scope: &mut TenantScope,
    project: i64,
    owner: UserId,
    today: NaiveDate,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let existing = sqlx::query_scalar!(
        r#"select exists (select 1 from change_request where tenant_id = $1 and project_id = $2)
               or exists (select 1 from risk where tenant_id = $1 and project_id = $2) as "x!""#,
        tenant as TenantId,
        project
    )
    .fetch_one(scope.conn())
    .await?;
    if existing {
        return Ok(());
    }
    // Who decides the demo's changes: the loader when they review by default (an owner or
    // admin), else the company's owner, so the default board counts every vote.
    let me = sqlx::query!(
        "select id, name, email, locale, role from app_user
         where tenant_id = $1 and active
           and ((id = $2 and role in ('owner', 'admin')) or role = 'owner')
         order by id = $2 desc, id
         limit 1",
        tenant as TenantId,
        owner.0
    )
    .fetch_one(scope.conn())
    .await?;
    let requester = colleague(scope, owner, &["project_manager"], None, DEMO_PM).await?;
    let reviewer = colleague(
        scope,
        owner,
        &["admin", "finance"],
        Some(requester),
        DEMO_REVIEWER,
    )
    .await?;
    risks(scope, project, owner.0, requester, reviewer, today).await?;
    changes(
        scope,
        project,
        &CurrentUser {
            id: UserId(me.id),
            name: me.name,
            email: me.email,
            role: Role::parse(&me.role).unwrap_or(Role::Viewer),
            locale: me
                .locale
                .as_deref()
                .and_then(Locale::parse)
                .unwrap_or(Locale::ZhCn),
        },
        requester,
        reviewer,
        today,
    )
    .await
}

/// (email, name, role) of a deactivated demo colleague.
type DemoColleague = (&'static str, &'static str, &'static str);
const DEMO_PM: DemoColleague = ("li.ming@demo.invalid", "李明（演示）", "project_manager");
const DEMO_REVIEWER: DemoColleague = ("zhao.li@demo.invalid", "赵丽（演示）", "finance");

/// An active colleague (not the owner, nor `except`) of one of `roles`; else the demo one,
/// created deactivated if missing.
async fn colleague(
    scope: &mut TenantScope,
    owner: UserId,
    roles: &[&str],
    except: Option<i64>,
    demo: DemoColleague,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    let found = sqlx::query_scalar!(
        "select id from app_user
         where tenant_id = $1 and active and id <> $2 and id <> coalesce($3::bigint, 0)
           and role = any($4)
         order by array_position($4, role), id
         limit 1",
        tenant as TenantId,
        owner.0,
        except,
        &roles
    )
    .fetch_optional(scope.conn())
    .await?;
    if let Some(id) = found {
        return Ok(id);
    }
    let (email, name, role) = demo;
    if let Some(id) = sqlx::query_scalar!(
        "select id from app_user where tenant_id = $1 and email = $2",
        tenant as TenantId,
        email
    )
    .fetch_optional(scope.conn())
    .await?
    {
        return Ok(id);
    }
    // No login identity and no usable password: the record of a colleague, not an account.
    Ok(sqlx::query_scalar!(
        "insert into app_user (tenant_id, email, name, role, password_hash, active, created_by,
                               updated_by)
         values ($1, $2, $3, $4, '!', false, $5, $5)
         returning id",
        tenant as TenantId,
        email,
        name,
        role,
        owner.0
    )
    .fetch_one(scope.conn())
    .await?)
}

/// One demo risk: (number, category, title, description, P, I, response plan, trigger,
/// status, next review in days from today (negative: overdue), owner slot).
struct DemoRisk {
    number: &'static str,
    category: &'static str,
    title: &'static str,
    description: &'static str,
    probability: i16,
    impact: i16,
    response: &'static str,
    trigger: &'static str,
    status: &'static str,
    review_in: i64,
    /// 0: the owner, 1: the project manager, 2: the reviewer.
    owner: usize,
}

const RISKS: [DemoRisk; 6] = [
    DemoRisk {
        number: "R-001",
        category: "technical",
        title: "深基坑支护变形超限",
        description: "基坑开挖深度 9.6 m，东侧紧邻市政道路及雨水管，支护桩变形或周边沉降超过预警值可能危及道路和管线。",
        probability: 3,
        impact: 5,
        response: "第三方监测单位每日监测，变形速率超预警值即停挖回填反压；备足钢支撑，预案演练。",
        trigger: "支护桩顶水平位移日变化量超过 3 mm 或累计超过 30 mm。",
        status: "closed",
        review_in: 0,
        owner: 1,
    },
    DemoRisk {
        number: "R-002",
        category: "technical",
        title: "高支模体系失稳",
        description: "裙房大堂净高 8.4 m，属超过一定规模的危大工程，模板支撑体系失稳将造成坍塌。",
        probability: 2,
        impact: 5,
        response: "专项方案专家论证；搭设后验收挂牌；浇筑时全程监测立杆沉降，异常立即停止浇筑撤离。",
        trigger: "监测立杆沉降超过 10 mm 或扣件抗滑检测不合格。",
        status: "mitigating",
        review_in: 7,
        owner: 1,
    },
    DemoRisk {
        number: "R-003",
        category: "people",
        title: "项目总工调往新中标项目",
        description: "公司新中标项目急需技术负责人，本项目总工可能在主体施工期间调离，技术交底和方案编制将断档。",
        probability: 3,
        impact: 4,
        response: "书面工作交接清单；技术副总工同步参与方案编制与交底，交叉培训；调离前一个月报公司备案。",
        trigger: "公司人事部门发出调令或总工提出调岗申请。",
        status: "open",
        review_in: -5,
        owner: 0,
    },
    DemoRisk {
        number: "R-004",
        category: "business",
        title: "建设单位进度款支付滞后",
        description: "第 2 期进度款仅支付 60%，余款已逾期；若持续滞后，将影响材料款和农民工工资支付。",
        probability: 4,
        impact: 4,
        response: "每周发函催收并留存记录；按合同约定主张逾期利息；与建设单位约定分期还款计划，必要时放缓非关键工作。",
        trigger: "任何一期进度款逾期超过 30 天或累计欠付超过合同额 5%。",
        status: "mitigating",
        review_in: 3,
        owner: 2,
    },
    DemoRisk {
        number: "R-005",
        category: "data",
        title: "项目资料迁移丢失",
        description: "项目资料与计量台账由原共享盘迁移至新系统，迁移中可能丢失签证单、隐蔽验收记录等原始资料。",
        probability: 2,
        impact: 4,
        response: "新旧系统并行运行一个月；每周备份并做恢复演练；迁移后按清单抽查核对原件扫描件。",
        trigger: "核对发现任一资料缺失或恢复演练失败。",
        status: "open",
        review_in: 14,
        owner: 2,
    },
    DemoRisk {
        number: "R-006",
        category: "business",
        title: "钢材价格持续上涨",
        description: "近三个月螺纹钢价格上涨约 6%，主体结构剩余钢筋用量约 1,800 t，材料费预计超出目标成本。",
        probability: 4,
        impact: 3,
        response: "与供应商锁定后续两批价格；按合同调差条款收集价格信息并向建设单位申报材料调差。",
        trigger: "当月信息价较投标基准价上涨超过 5%。",
        status: "mitigating",
        review_in: 10,
        owner: 0,
    },
];

async fn risks(
    scope: &mut TenantScope,
    project: i64,
    owner: i64,
    pm: i64,
    reviewer: i64,
    today: NaiveDate,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let owners = [owner, pm, reviewer];
    for r in &RISKS {
        let closed = r.status == "closed";
        let next_review = if closed {
            None
        } else if r.review_in < 0 {
            Some(days_before(today, r.review_in.unsigned_abs()))
        } else {
            Some(days_after(today, r.review_in.unsigned_abs()))
        };
        let closed_on = closed.then(|| days_before(today, 40));
        let created = days_before(today, 110);
        let id = sqlx::query_scalar!(
            "insert into risk (tenant_id, project_id, number, category, title, description,
                               probability, impact, owner_id, response_plan, trigger_condition,
                               status, next_review_on, closed_on, created_at, created_by,
                               updated_at, updated_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                     $15, $16)
             returning id",
            tenant as TenantId,
            project,
            r.number,
            r.category,
            r.title,
            r.description,
            if closed { 1 } else { r.probability },
            r.impact,
            owners.get(r.owner).copied().unwrap_or(owner),
            r.response,
            r.trigger,
            r.status,
            next_review,
            closed_on,
            at(created),
            owner
        )
        .fetch_one(scope.conn())
        .await?;
        // The excavation risk's history: judged, mitigated, closed once the basement was done.
        let reviews: &[(u64, i16, &str, &str)] = match r.number {
            "R-001" => &[
                (
                    105,
                    3,
                    "open",
                    "基坑开挖前识别，监测点已布设，初始值已采集。",
                ),
                (
                    75,
                    2,
                    "mitigating",
                    "开挖至坑底，最大累计位移 18 mm，未超预警值；加密东侧监测频率。",
                ),
                (40, 1, "closed", "地下室顶板完成并回填，基坑风险解除。"),
            ],
            "R-004" => &[(
                20,
                4,
                "mitigating",
                "第 2 期进度款仅到账 60%，已发催款函；建设单位承诺下月补齐。",
            )],
            _ => &[],
        };
        for (ago, probability, status, note) in reviews {
            let on = days_before(today, *ago);
            sqlx::query!(
                "insert into risk_review (tenant_id, risk_id, reviewed_on, probability, impact,
                                          status, note, created_at, created_by)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                tenant as TenantId,
                id,
                on,
                probability,
                r.impact,
                status,
                note,
                at(on),
                owners.get(r.owner).copied().unwrap_or(owner)
            )
            .execute(scope.conn())
            .await?;
        }
    }
    Ok(())
}

/// A demo change request as first written.
struct NewRequest<'a> {
    number: &'a str,
    kind: &'a str,
    title: &'a str,
    reason: &'a str,
    requester: i64,
    revenue: Decimal,
    contract: Option<i64>,
    status: &'a str,
    created: NaiveDate,
    submitted: Option<NaiveDate>,
    decided: Option<NaiveDate>,
    tasks: Vec<(i64, i32)>,
    costs: Vec<(i64, Decimal)>,
}

async fn insert_request(
    scope: &mut TenantScope,
    project: i64,
    r: &NewRequest<'_>,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    let contract = if r.revenue.is_zero() {
        None
    } else {
        r.contract
    };
    let revenue = if contract.is_some() {
        r.revenue
    } else {
        Decimal::ZERO
    };
    let id = sqlx::query_scalar!(
        "insert into change_request (tenant_id, project_id, number, kind, title, reason,
                                     requester_id, revenue_amount, contract_id, status, round,
                                     submitted_at, decided_at, created_at, created_by,
                                     updated_at, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::timestamptz,
                 $13::timestamptz, $14::timestamptz, $7,
                 coalesce($13::timestamptz, $12::timestamptz, $14::timestamptz), $7)
         returning id",
        tenant as TenantId,
        project,
        r.number,
        r.kind,
        r.title,
        r.reason,
        r.requester,
        revenue,
        contract,
        r.status,
        i32::from(r.submitted.is_some()),
        r.submitted.map(at),
        r.decided.map(at),
        at(r.created)
    )
    .fetch_one(scope.conn())
    .await?;
    for (task, days) in &r.tasks {
        sqlx::query!(
            "insert into change_request_task (tenant_id, change_request_id, task_id, days)
             values ($1, $2, $3, $4)",
            tenant as TenantId,
            id,
            task,
            days
        )
        .execute(scope.conn())
        .await?;
    }
    for (category, amount) in &r.costs {
        sqlx::query!(
            "insert into change_request_cost (tenant_id, change_request_id, category_id, amount)
             values ($1, $2, $3, $4)",
            tenant as TenantId,
            id,
            category,
            amount
        )
        .execute(scope.conn())
        .await?;
    }
    Ok(id)
}

async fn vote(
    scope: &mut TenantScope,
    request: i64,
    voter: i64,
    decision: &str,
    comment: &str,
    on: NaiveDate,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "insert into change_vote (tenant_id, change_request_id, round, voter_id, decision,
                                  comment, voted_at)
         values ($1, $2, 1, $3, $4, $5, $6)",
        tenant as TenantId,
        request,
        voter,
        decision,
        comment,
        at(on)
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// A leaf task of the project by name, if it is there.
async fn task(scope: &mut TenantScope, project: i64, name: &str) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select id from task
         where tenant_id = $1 and project_id = $2 and name = $3 and not is_summary
         order by id limit 1",
        tenant as TenantId,
        project,
        name
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// A leaf task still to be finished: `name` if it is unfinished, else the first unfinished
/// one in schedule order.
async fn open_task(scope: &mut TenantScope, project: i64, name: &str) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select id from task
         where tenant_id = $1 and project_id = $2 and not is_summary and not milestone
           and actual_finish is null and duration_days > 0
         order by name <> $3, early_start nulls last, sort_order, id
         limit 1",
        tenant as TenantId,
        project,
        name
    )
    .fetch_optional(scope.conn())
    .await?)
}

async fn changes(
    scope: &mut TenantScope,
    project: i64,
    owner: &CurrentUser,
    pm: i64,
    reviewer: i64,
    today: NaiveDate,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let me = owner.id.0;
    let categories: Vec<(String, i64)> = sqlx::query!(
        "select builtin, id from cost_category
         where tenant_id = $1 and builtin is not null and active",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?
    .into_iter()
    .filter_map(|c| Some((c.builtin?, c.id)))
    .collect();
    let cost = |builtin: &str, yuan: i64| {
        categories
            .iter()
            .find(|c| c.0 == builtin)
            .map(|c| (c.1, Decimal::from(yuan)))
    };
    let contract = sqlx::query_scalar!(
        "select id from contract
         where tenant_id = $1 and project_id = $2 and direction = 'income' and status = 'signed'
         order by id limit 1",
        tenant as TenantId,
        project
    )
    .fetch_optional(scope.conn())
    .await?;

    // BG-001, rejected: the client's design institute found the slab thick enough.
    let basement = task(scope, project, "地下室结构").await?;
    let rejected = insert_request(
        scope,
        project,
        &NewRequest {
            number: "BG-001",
            kind: "change",
            title: "地下室底板加厚设计变更",
            reason: "地勘补充报告显示局部地下水位偏高，建议地下室底板由 600 mm 加厚至 700 mm，以满足抗浮要求。",
            requester: pm,
            revenue: Decimal::from(310_000),
            contract,
            status: "rejected",
            created: days_before(today, 100),
            submitted: Some(days_before(today, 98)),
            decided: Some(days_before(today, 93)),
            tasks: basement.map(|t| vec![(t, 5)]).unwrap_or_default(),
            costs: [cost("materials", 236_000), cost("labour", 50_000)]
                .into_iter()
                .flatten()
                .collect(),
        },
    )
    .await?;
    vote(
        scope,
        rejected,
        me,
        "reject",
        "经设计院复核，原 600 mm 底板配合抗拔桩已满足抗浮验算要求；建设单位不同意增加费用，不予变更。",
        days_before(today, 93),
    )
    .await?;

    // BG-003, approved before: the waterproofing change the cost centre already holds as
    // budget revision 1 and revenue variation QZ-001; its variation goes on the contract too.
    let revision = sqlx::query!(
        r#"select v.id, v.approved_at,
                  (select coalesce(sum(l.amount), 0) from cost_budget_line l
                   where l.tenant_id = v.tenant_id and l.budget_version_id = v.id) as "total!",
                  (select coalesce(sum(l.amount), 0) from cost_budget_line l
                   join cost_budget_version o on o.tenant_id = l.tenant_id
                                              and o.id = l.budget_version_id
                   where l.tenant_id = v.tenant_id and o.project_id = v.project_id
                     and o.number = v.number - 1) as "before!"
           from cost_budget_version v
           where v.tenant_id = $1 and v.project_id = $2 and v.status = 'approved'
             and v.change_request_id is null and v.reason like '%BG-003%'
           order by v.number desc limit 1"#,
        tenant as TenantId,
        project
    )
    .fetch_optional(scope.conn())
    .await?;
    let finish = queries::project_finish(scope, project).await?;
    if let Some(rev) = revision {
        let decided = rev
            .approved_at
            .map(|t| t.date_naive())
            .unwrap_or_else(|| days_before(today, 30));
        let revenue = sqlx::query!(
            "select id, amount from revenue_variation
             where tenant_id = $1 and project_id = $2 and change_request_id is null
               and title like '%BG-003%'
             order by id limit 1",
            tenant as TenantId,
            project
        )
        .fetch_optional(scope.conn())
        .await?;
        let id = insert_request(
            scope,
            project,
            &NewRequest {
                number: "BG-003",
                kind: "change",
                title: "地下室防水等级由二级提高到一级设计变更",
                reason: "建设单位要求地下车库按一级防水设防，增加一道 4 mm 厚 SBS 改性沥青防水卷材及附加层。",
                requester: pm,
                revenue: revenue.as_ref().map_or(Decimal::ZERO, |r| r.amount),
                contract,
                status: "approved",
                created: days_before(decided, 12),
                submitted: Some(days_before(decided, 10)),
                decided: Some(decided),
                tasks: Vec::new(),
                costs: cost("subcontract", 450_000).into_iter().collect(),
            },
        )
        .await?;
        vote(
            scope,
            id,
            reviewer,
            "approve",
            "费用已与分包单位核对，同意。",
            days_before(decided, 3),
        )
        .await?;
        vote(
            scope,
            id,
            me,
            "approve",
            "建设单位已书面确认增加费用，同意。",
            decided,
        )
        .await?;
        let contract_variation = match (contract, &revenue) {
            (Some(k), Some(r)) => Some(
                sqlx::query_scalar!(
                    "insert into contract_variation (tenant_id, contract_id, number, title,
                                                     amount, approved_on, change_request_id,
                                                     created_by)
                     values ($1, $2, 'BG-003', '地下室防水等级提高', $3, $4, $5, $6)
                     returning id",
                    tenant as TenantId,
                    k,
                    r.amount,
                    decided,
                    id,
                    me
                )
                .fetch_one(scope.conn())
                .await?,
            ),
            _ => None,
        };
        sqlx::query!(
            "update cost_budget_version set change_request_id = $3
             where tenant_id = $1 and id = $2",
            tenant as TenantId,
            rev.id,
            id
        )
        .execute(scope.conn())
        .await?;
        if let Some(r) = &revenue {
            sqlx::query!(
                "update revenue_variation set change_request_id = $3
                 where tenant_id = $1 and id = $2",
                tenant as TenantId,
                r.id,
                id
            )
            .execute(scope.conn())
            .await?;
        }
        sqlx::query!(
            "update change_request
             set budget_version_id = $3, contract_variation_id = $4, revenue_variation_id = $5,
                 budget_before = $6, budget_after = $7, finish_before = $8, finish_after = $8
             where tenant_id = $1 and id = $2",
            tenant as TenantId,
            id,
            rev.id,
            contract_variation,
            revenue.as_ref().map(|r| r.id),
            rev.before,
            rev.total,
            finish
        )
        .execute(scope.conn())
        .await?;
    }

    // BG-002, approved now by the owner's vote (owners and admins review while the company
    // names no board) and applied: a booster pump room for
    // the plumbing, which lies on the critical path, so the finish moves.
    let plumbing = open_task(scope, project, "给排水").await?;
    let approved = insert_request(
        scope,
        project,
        &NewRequest {
            number: "BG-002",
            kind: "change",
            title: "给排水系统增设二次供水加压泵房设计变更",
            reason: "按自来水公司报装意见，高区改为二次加压供水，地下室增设加压泵房一座（变频泵组、不锈钢水箱及配套管道），详见设计变更通知单 SS-03。",
            requester: pm,
            revenue: Decimal::from(465_000),
            contract,
            status: "under_review",
            created: days_before(today, 16),
            submitted: Some(days_before(today, 14)),
            decided: None,
            tasks: plumbing.map(|t| vec![(t, 6)]).unwrap_or_default(),
            costs: [cost("materials", 368_000), cost("labour", 54_000)]
                .into_iter()
                .flatten()
                .collect(),
        },
    )
    .await?;
    vote(
        scope,
        approved,
        me,
        "approve",
        "建设单位已签认变更费用 46.5 万元，同意实施。",
        today,
    )
    .await?;
    // The demo runs for nobody signed in; it reads the project as the loader, who sees them all.
    scope.act_for(Some(owner.id), true).await?;
    let project_row = crate::tenancy::project::find_project(scope, project)
        .await?
        .ok_or(AppError::NotFound)?;
    let request = queries::find(scope, project, approved, true).await?;
    if let Err(reason) = super::apply::apply(scope, &project_row, &request, owner, today).await? {
        return Err(anyhow::anyhow!("demo change BG-002: {reason}").into());
    }

    // BG-004, submitted: the rain stoppage, awaiting the owner's vote (so a trial user sees an
    // approval apply).
    let rain = open_task(scope, project, "主体结构施工").await?;
    insert_request(
        scope,
        project,
        &NewRequest {
            number: "BG-004",
            kind: "visa",
            title: "雨季停工现场签证",
            reason: "梅雨期连续暴雨，经监理确认主体结构停工 4 天；塔吊及施工电梯停滞台班、劳务窝工费用按签证单计取。",
            requester: pm,
            revenue: Decimal::from(92_000),
            contract,
            status: "submitted",
            created: days_before(today, 9),
            submitted: Some(days_before(today, 8)),
            decided: None,
            tasks: rain.map(|t| vec![(t, 4)]).unwrap_or_default(),
            costs: [cost("plant", 36_000), cost("labour", 48_000)]
                .into_iter()
                .flatten()
                .collect(),
        },
    )
    .await?;

    // BG-005, a draft: rock wool instead of EPS for the external insulation.
    let insulation = open_task(scope, project, "外墙保温").await?;
    insert_request(
        scope,
        project,
        &NewRequest {
            number: "BG-005",
            kind: "change",
            title: "外墙保温材料由 EPS 板改为岩棉板设计变更",
            reason: "按消防审查意见，外墙保温材料燃烧性能等级由 B1 级提高到 A 级，改用岩棉板。",
            requester: pm,
            revenue: Decimal::from(468_000),
            contract,
            status: "draft",
            created: days_before(today, 1),
            submitted: None,
            decided: None,
            tasks: insulation.map(|t| vec![(t, 5)]).unwrap_or_default(),
            costs: cost("materials", 412_000).into_iter().collect(),
        },
    )
    .await?;
    Ok(())
}
