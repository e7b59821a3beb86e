//! `girder bench labour`: the speed targets of Labour tallies, measured on this machine against
//! a scratch company holding a million ticket lines.
//!
//! The data is generated with set-based SQL (`generate_series`, one statement per table): 50
//! projects, 200 crews, 5,000 workers and about 1,000,000 lines on some 130,000 tickets over
//! the last two years — each crew on one ticket a day for nine days in ten, five to ten of its
//! workers on each (and now and then an unnamed head count), regular, overtime, rest-day and
//! holiday pay, statuses mostly confirmed and settled (with their settlement statements).
//! Then it times:
//!
//! - importing a 10,000-row tickets workbook through the import's own path (`parse` +
//!   `import::run`: checks, batched inserts, progress, commit);
//! - the summaries the issue names (`time_*` below): a project's crew-by-month summary, a
//!   year's worker summary for the whole company and the ticket list's first page.
//!
//! `--keep` leaves the company in place and prints a sign-in, so the data can be looked at;
//! otherwise it is deleted at the end.

use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::domain::{CountUnit, PayType};
use super::import::parse::{self, Kind, NewWorker, ticket_col};
use super::import::{self, Importer, queries as import_queries};
use super::summary::queries::{self as summary_queries, SummaryFilter, SummaryRow};
use super::summary::{self, Dimension};
use super::tickets::queries::{self as ticket_queries, TicketFilter, Visibility};
use crate::auth::password;
use crate::auth::queries::{self as users, NewUser};
use crate::db::{Db, TenantScope, cross_tenant};
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::licence::plan::PlanFacts;
use crate::roles::Role;

/// How much data to generate.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub projects: i32,
    pub crews: i32,
    pub workers: usize,
    /// Ticket lines, roughly: tickets are drawn to come close.
    pub lines: u64,
    pub days: u64,
}

impl Default for Size {
    /// The issue's benchmark: 50 projects, 200 crews, 5,000 workers, 1,000,000 lines over
    /// two years.
    fn default() -> Self {
        Size {
            projects: 50,
            crews: 200,
            workers: 5_000,
            lines: 1_000_000,
            days: 730,
        }
    }
}

/// The scratch company and what was generated in it.
#[derive(Debug, Clone)]
pub struct LabourData {
    pub tenant: TenantId,
    pub owner: UserId,
    pub today: NaiveDate,
    pub first_day: NaiveDate,
    /// The busiest project: the summaries are timed on it.
    pub project: i64,
    pub tickets: i64,
    pub lines: i64,
    pub workers: i64,
    /// Email and password, when the owner may sign in (`--keep`).
    pub login: Option<(String, String)>,
    pub took: Duration,
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Median and fastest.
fn stats(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (
        times.get(times.len() / 2).copied().unwrap_or_default(),
        times.first().copied().unwrap_or_default(),
    )
}

/// Generates the data, measures, and deletes the company unless `keep`.
pub async fn bench(db: &Db, size: Size, keep: bool) -> AppResult<Vec<String>> {
    let data = generate(db, size, keep).await?;
    let mut report = vec![format!(
        "labour data: {} tickets, {} lines, {} workers, {} crews, {} projects from {} to {} generated in {:.1} s (tenant {})",
        data.tickets,
        data.lines,
        data.workers,
        size.crews,
        size.projects,
        data.first_day,
        data.today,
        data.took.as_secs_f64(),
        data.tenant.0
    )];
    let measured = measure(db, &data).await;
    let deleted = match &data.login {
        Some((email, password)) => {
            report.push(format!(
                "kept: sign in as {email} with password {password} (tenant {})",
                data.tenant.0
            ));
            Ok(())
        }
        None => delete(db, data.tenant).await,
    };
    report.extend(measured?);
    deleted?;
    Ok(report)
}

async fn measure(db: &Db, data: &LabourData) -> AppResult<Vec<String>> {
    let mut report = Vec::new();
    report.push(time_import(db, data, 5).await?);
    report.push(time_crew_by_month_summary(db, data).await?);
    report.push(time_worker_year_summary(db, data).await?);
    report.push(time_ticket_list_first_page(db, data).await?);
    Ok(report)
}

/// Chinese names enough for 5,000 workers.
const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗",
];
const GIVEN: [&str; 25] = [
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宁", "建国", "建华", "志强", "海峰", "国平", "红军",
];

/// A resident identity number for the `n`th generated worker: a real region, a birth date
/// between 1965 and 2000 and the right check digit; unique for `n` below 12,000.
fn id_number(n: usize) -> String {
    const REGIONS: [&str; 6] = ["110105", "320102", "330106", "420111", "510104", "440304"];
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let base = NaiveDate::from_ymd_opt(1965, 1, 1).unwrap_or_default();
    let birth = base
        .checked_add_days(chrono::Days::new((n % 12_000) as u64))
        .unwrap_or(base);
    let body = format!(
        "{}{}{:03}",
        REGIONS[n % REGIONS.len()],
        birth.format("%Y%m%d"),
        n % 997
    );
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// Creates the scratch company with its owner and fills it.
pub async fn generate(db: &Db, size: Size, keep: bool) -> AppResult<LabourData> {
    let started = Instant::now();
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let mut scope = cross_tenant::create_tenant(
        db,
        "点工基准 Labour bench",
        "zh-CN",
        PlanFacts::new_trial_end(Utc::now()),
    )
    .await?;
    let tenant = scope.tenant_id();
    let secret = crate::auth::token::random_secret()?;
    let password_text: String = secret.chars().take(16).collect();
    let hash = password::hash(password_text.clone()).await?;
    let email = format!("labour-bench-{}@girder.local", tenant.0);
    let owner = users::insert_user(
        &mut scope,
        &NewUser {
            email: &email,
            name: "基准 Bench",
            phone: None,
            role: Role::Owner,
            locale: None,
            password_hash: &hash,
        },
        None,
    )
    .await?;
    if keep {
        cross_tenant::insert_login(&mut scope, &email, owner).await?;
    }
    super::queries::seed_trades(&mut scope).await?;
    let calendar = crate::plans::queries::ensure_default_calendar(&mut scope, owner).await?;
    let first_day = today
        .checked_sub_days(chrono::Days::new(size.days))
        .unwrap_or(today);
    insert_projects(&mut scope, size, first_day, owner, calendar).await?;
    insert_crews(&mut scope, size, owner).await?;
    let workers = insert_workers(&mut scope, size, owner).await?;
    let tickets = insert_tickets(&mut scope, size, first_day, today, owner).await?;
    // Statistics of what this transaction wrote, so the next statements are planned for
    // thousands of rows, not for the empty tables the last statistics may have seen.
    sqlx::raw_sql("analyze project; analyze crew; analyze worker; analyze labour_ticket")
        .execute(scope.conn())
        .await?;
    let lines = insert_lines(&mut scope).await?;
    settle(&mut scope, owner).await?;
    let project = busiest_project(&mut scope).await?;
    scope.commit().await?;
    analyze(db, tenant).await?;
    Ok(LabourData {
        tenant,
        owner,
        today,
        first_day,
        project,
        tickets,
        lines,
        workers,
        login: keep.then_some((email, password_text)),
        took: started.elapsed(),
    })
}

async fn insert_projects(
    scope: &mut TenantScope,
    size: Size,
    start: NaiveDate,
    owner: UserId,
    calendar: i64,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "insert into project (tenant_id, code, name, client, location, contract_amount,
                              planned_start, status, manager_id, calendar_id, created_by,
                              updated_by)
         select $1, 'LB-' || lpad(n::text, 3, '0'), '劳务基准项目 ' || n, '城投集团', '杭州',
                50000000, $2, 'active', $3, $4, $3, $3
         from generate_series(1, $5::int) as n",
        tenant as TenantId,
        start,
        owner as UserId,
        calendar,
        size.projects
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Crews named after their trade, one in four counted in hours.
async fn insert_crews(scope: &mut TenantScope, size: Size, owner: UserId) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "insert into crew (tenant_id, name, subcontractor, trade_id, count_unit, created_by,
                           updated_by)
         select $1, t.name_zh || '班组-' || lpad(n::text, 3, '0'),
                '劳务分包公司 ' || (n % 20 + 1), t.id,
                case when n % 4 = 0 then 'hour' else 'day' end, $2, $2
         from generate_series(1, $3::int) as n
         join (select id, name_zh, (row_number() over (order by sort_order, id) - 1)::int as k,
                      (count(*) over ())::int as c
               from trade where tenant_id = $1) t on t.k = n % t.c",
        tenant as TenantId,
        owner as UserId,
        size.crews
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

/// Workers spread evenly over the crews, in their crew's trade, through the import's own
/// insert (identity numbers need their check digit, which is easier in Rust).
async fn insert_workers(scope: &mut TenantScope, size: Size, owner: UserId) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    let crews = sqlx::query!(
        r#"select id, trade_id as "trade_id!" from crew where tenant_id = $1 order by id"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?;
    if crews.is_empty() {
        return Err(AppError::Internal(anyhow::anyhow!(
            "no crews were generated"
        )));
    }
    let per_crew = size.workers.div_ceil(crews.len());
    let workers: Vec<NewWorker> = (0..size.workers)
        .map(|n| {
            let crew = &crews[(n / per_crew).min(crews.len() - 1)];
            NewWorker {
                row: n + 2,
                name: format!(
                    "{}{}",
                    SURNAMES[n % SURNAMES.len()],
                    GIVEN[(n / SURNAMES.len()) % GIVEN.len()]
                ),
                id_number: id_number(n),
                phone: format!("138{n:08}"),
                trade_id: crew.trade_id,
                crew_id: Some(crew.id),
                day_rate: Decimal::from(220 + (n % 12) * 20),
                bank_name: "中国建设银行".to_owned(),
                bank_account: format!("621700{n:013}"),
            }
        })
        .collect();
    for chunk in workers.chunks(5_000) {
        import_queries::insert_workers(scope, chunk, owner).await?;
    }
    Ok(workers.len() as i64)
}

/// One ticket a day per crew on about nine days in ten (a crew moves to another project each
/// quarter). Statuses follow age: settled after 90 days, confirmed after 14 (a few
/// rejected), a mix of everything in the last two weeks.
async fn insert_tickets(
    scope: &mut TenantScope,
    size: Size,
    first_day: NaiveDate,
    today: NaiveDate,
    owner: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    // Lines per ticket average 7.5 named plus 0.1 head counts.
    let crew_days = size.crews as f64 * size.days as f64;
    let permille = ((size.lines as f64 / 7.6) / crew_days * 1000.0).clamp(1.0, 1000.0) as i32;
    let last_day = today.pred_opt().unwrap_or(today);
    let n = sqlx::query!(
        "insert into labour_ticket (tenant_id, project_id, ticket_date, crew_id, reason,
                                    work_content, count_unit, status, created_by, updated_by,
                                    created_at, updated_at)
         select $1,
                p.ids[((c.k + (d::date - $2::date) / 91) % array_length(p.ids, 1)) + 1],
                d::date, c.id,
                (array['图纸变更返工', '现场签证', '甲方指令', '清理场地', '配合其他班组'])[h.h % 5 + 1],
                (array['拆除并重新支设模板', '场地清理及垃圾外运', '材料搬运', '临时设施搭设',
                       '配合机电预埋'])[h.h / 5 % 5 + 1],
                c.count_unit,
                case when d::date < $3::date - 90 then 'settled'
                     when d::date < $3::date - 14 then
                          case when h.h % 100 < 1 then 'rejected' else 'confirmed' end
                     when h.h % 100 < 60 then 'confirmed'
                     when h.h % 100 < 85 then 'submitted'
                     when h.h % 100 < 95 then 'draft'
                     else 'rejected' end,
                $4, $4, d + time '18:30', d + time '18:30'
         from (select id, count_unit, (row_number() over (order by id) - 1)::int as k
               from crew where tenant_id = $1) c
         cross join generate_series($2::date, $5::date, interval '1 day') as d
         cross join lateral (select (hashtext(c.id::text || ':' || d::date::text) & 2147483647) as h) h
         cross join (select array_agg(id order by id) as ids from project where tenant_id = $1) p
         where h.h % 1000 < $6",
        tenant as TenantId,
        first_day,
        today,
        owner as UserId,
        last_day,
        permille
    )
    .execute(scope.conn())
    .await?;
    Ok(n.rows_affected() as i64)
}

/// Five to ten workers of the crew on each ticket (never one twice on a day), and on one
/// ticket in ten an unnamed head count. Sundays are rest days, 1 January, 1–3 May and 1–7
/// October holidays, one line in twelve overtime; the default multipliers and an 8-hour day.
async fn insert_lines(scope: &mut TenantScope) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    let named = sqlx::query!(
        r#"with cw as (select crew_id, array_agg(id order by id) as ids
                       from worker where tenant_id = $1 group by crew_id)
           insert into labour_ticket_line
               (tenant_id, ticket_id, line_no, project_id, ticket_date, crew_id, status,
                worker_id, trade_id, head_count, pay_type, hours, days, rate, multiplier, amount)
           select t.tenant_id, t.id, i, t.project_id, t.ticket_date, t.crew_id, t.status,
                  w.id, w.trade_id, 1, pay.p, q.hours, q.days, w.day_rate, m.m,
                  round(q.days * w.day_rate * m.m, 2)
           from labour_ticket t
           cross join lateral (select (hashtext(t.id::text) & 2147483647) as h) h
           cross join lateral generate_series(1, 5 + h.h % 6) as i
           join cw on cw.crew_id = t.crew_id
           join worker w on w.tenant_id = t.tenant_id
                        and w.id = cw.ids[((i + h.h) % array_length(cw.ids, 1)) + 1]
           cross join lateral (
               select case when extract(isodow from t.ticket_date) = 7 then 'rest_day'
                           when to_char(t.ticket_date, 'MM-DD') in
                                ('01-01', '05-01', '05-02', '05-03', '10-01', '10-02', '10-03',
                                 '10-04', '10-05', '10-06', '10-07') then 'holiday'
                           when (i + h.h / 7) % 12 = 0 then 'overtime'
                           else 'regular' end as p) pay
           cross join lateral (
               select case t.count_unit
                           when 'day' then case when (i + h.h / 13) % 10 = 0 then 4.0 else 8.0 end
                           else (array[8.0, 8.0, 10.0, 4.0, 9.5])[(i + h.h / 11) % 5 + 1] end
                      as hours) hr
           cross join lateral (select hr.hours, round(hr.hours / 8, 2) as days) q
           cross join lateral (
               select case pay.p when 'regular' then 1.0 when 'overtime' then 1.5
                                 when 'rest_day' then 2.0 else 3.0 end as m) m
           where t.tenant_id = $1"#,
        tenant as TenantId
    )
    .execute(scope.conn())
    .await?;
    let heads = sqlx::query!(
        r#"insert into labour_ticket_line
               (tenant_id, ticket_id, line_no, project_id, ticket_date, crew_id, status,
                worker_id, trade_id, head_count, pay_type, hours, days, rate, multiplier, amount)
           select t.tenant_id, t.id, 11, t.project_id, t.ticket_date, t.crew_id, t.status,
                  null, c.trade_id, 2 + h.h % 4, 'regular', 8 * (2 + h.h % 4), 2 + h.h % 4,
                  200, 1, 200 * (2 + h.h % 4)
           from labour_ticket t
           join crew c on c.tenant_id = t.tenant_id and c.id = t.crew_id
           cross join lateral (select (hashtext(t.id::text || 'heads') & 2147483647) as h) h
           where t.tenant_id = $1 and h.h % 10 = 0 and c.trade_id is not null"#,
        tenant as TenantId
    )
    .execute(scope.conn())
    .await?;
    sqlx::raw_sql("analyze labour_ticket_line")
        .execute(scope.conn())
        .await?;
    sqlx::query!(
        "update labour_ticket t
         set total_hours = s.hours, total_days = s.days, total_amount = s.amount
         from (select ticket_id, sum(hours) as hours, sum(days) as days, sum(amount) as amount
               from labour_ticket_line where tenant_id = $1 group by ticket_id) s
         where t.tenant_id = $1 and t.id = s.ticket_id",
        tenant as TenantId
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "insert into labour_ticket_event (tenant_id, ticket_id, from_status, to_status, note,
                                          at, by_user)
         select tenant_id, id, null, status, '', created_at, created_by
         from labour_ticket where tenant_id = $1",
        tenant as TenantId
    )
    .execute(scope.conn())
    .await?;
    Ok((named.rows_affected() + heads.rows_affected()) as i64)
}

/// A settlement statement per project, crew and month for the settled tickets.
async fn settle(scope: &mut TenantScope, owner: UserId) -> AppResult<()> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "with s as (
             insert into labour_settlement (tenant_id, project_id, crew_id, period_start,
                                            period_end, total_hours, total_days, total_amount,
                                            created_by)
             select $1, project_id, crew_id, date_trunc('month', ticket_date)::date,
                    (date_trunc('month', ticket_date) + interval '1 month - 1 day')::date,
                    sum(total_hours), sum(total_days), sum(total_amount), $2
             from labour_ticket
             where tenant_id = $1 and status = 'settled'
             group by project_id, crew_id, date_trunc('month', ticket_date)
             returning id, project_id, crew_id, period_start, period_end)
         update labour_ticket t set settlement_id = s.id
         from s
         where t.tenant_id = $1 and t.status = 'settled' and t.project_id = s.project_id
           and t.crew_id = s.crew_id and t.ticket_date between s.period_start and s.period_end",
        tenant as TenantId,
        owner as UserId
    )
    .execute(scope.conn())
    .await?;
    Ok(())
}

async fn busiest_project(scope: &mut TenantScope) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select project_id as "id!" from labour_ticket where tenant_id = $1
           group by project_id order by count(*) desc limit 1"#,
        tenant as TenantId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Fresh planner statistics for the tables just filled (autovacuum would get there later).
async fn analyze(db: &Db, tenant: TenantId) -> AppResult<()> {
    let mut scope = db.begin_tenant(tenant).await?;
    sqlx::raw_sql(
        "analyze labour_ticket; analyze labour_ticket_line; analyze worker; analyze crew;
         analyze labour_settlement",
    )
    .execute(scope.conn())
    .await?;
    scope.commit().await
}

/// Deletes the scratch company: its labour data here, the rest through
/// `cross_tenant::delete_scratch_tenant`.
pub async fn delete(db: &Db, tenant: TenantId) -> AppResult<()> {
    let mut scope = db.begin_tenant(tenant).await?;
    let t = tenant;
    sqlx::query!(
        "delete from labour_ticket_event where tenant_id = $1",
        t as TenantId
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "delete from labour_ticket_line where tenant_id = $1",
        t as TenantId
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "delete from labour_worker_month where tenant_id = $1",
        t as TenantId
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "delete from labour_ticket where tenant_id = $1",
        t as TenantId
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "delete from labour_settlement where tenant_id = $1",
        t as TenantId
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!(
        "delete from labour_import where tenant_id = $1",
        t as TenantId
    )
    .execute(scope.conn())
    .await?;
    sqlx::query!("delete from worker where tenant_id = $1", t as TenantId)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from crew where tenant_id = $1", t as TenantId)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from trade where tenant_id = $1", t as TenantId)
        .execute(scope.conn())
        .await?;
    sqlx::query!("delete from audit_log where tenant_id = $1", t as TenantId)
        .execute(scope.conn())
        .await?;
    scope.commit().await?;
    cross_tenant::delete_scratch_tenant(db, tenant).await
}

/// A tickets workbook of `rows` rows over 20 days ending `last_day`: each day 50 crews with
/// ten of their workers, a day (or eight hours) each.
async fn import_file(
    db: &Db,
    data: &LabourData,
    last_day: NaiveDate,
    rows: usize,
) -> AppResult<Vec<u8>> {
    let mut scope = db.begin_tenant(data.tenant).await?;
    let tenant = data.tenant;
    let workers = sqlx::query!(
        r#"select w.name, w.id_number, c.name as crew, c.count_unit,
                  (row_number() over (partition by c.id order by w.id))::int as "n!",
                  (dense_rank() over (order by c.id))::int as "k!"
           from worker w join crew c on c.tenant_id = w.tenant_id and c.id = w.crew_id
           where w.tenant_id = $1 and w.active
           order by c.id, w.id"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?;
    let codes = sqlx::query_scalar!(
        "select code from project where tenant_id = $1 order by id",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?;
    drop(scope);
    let crews: Vec<Vec<_>> = workers
        .chunk_by(|a, b| a.k == b.k)
        .map(|c| c.iter().filter(|w| w.n <= 10).collect())
        .collect();
    let internal = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.into());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for (col, name) in (0u16..).zip(Kind::Tickets.columns()) {
        sheet.write_string(0, col, *name).map_err(internal)?;
    }
    let col = |name: &str| {
        Kind::Tickets
            .columns()
            .iter()
            .position(|c| *c == name)
            .and_then(|i| u16::try_from(i).ok())
            .unwrap_or(0)
    };
    let mut row = 0u32;
    'days: for day_no in 0..20u64 {
        let day = last_day
            .checked_sub_days(chrono::Days::new(day_no))
            .unwrap_or(last_day);
        let date = ExcelDateTime::from_ymd(
            u16::try_from(day.year()).unwrap_or(2000),
            day.month() as u8,
            day.day() as u8,
        )
        .map_err(internal)?;
        for k in 0..50usize {
            let Some(crew) = crews.get((day_no as usize * 50 + k) % crews.len().max(1)) else {
                break 'days;
            };
            let Some(code) = codes.get(k % codes.len().max(1)) else {
                break 'days;
            };
            for w in crew {
                if row as usize >= rows {
                    break 'days;
                }
                row += 1;
                let quantity = match CountUnit::parse(&w.count_unit) {
                    Some(CountUnit::Hour) => 8.0,
                    _ => 1.0,
                };
                sheet
                    .write_datetime_with_format(row, col(ticket_col::DATE), &date, &date_format)
                    .map_err(internal)?;
                sheet
                    .write_string(row, col(ticket_col::PROJECT), code)
                    .map_err(internal)?;
                sheet
                    .write_string(row, col(ticket_col::CREW), &w.crew)
                    .map_err(internal)?;
                sheet
                    .write_string(row, col(ticket_col::NAME), &w.name)
                    .map_err(internal)?;
                sheet
                    .write_string(row, col(ticket_col::ID_NUMBER), &w.id_number)
                    .map_err(internal)?;
                sheet
                    .write_string(
                        row,
                        col(ticket_col::PAY_TYPE),
                        parse::pay_type_zh(PayType::Regular),
                    )
                    .map_err(internal)?;
                sheet
                    .write_number(row, col(ticket_col::QUANTITY), quantity)
                    .map_err(internal)?;
                sheet
                    .write_string(row, col(ticket_col::REASON), "基准导入")
                    .map_err(internal)?;
            }
        }
    }
    book.save_to_buffer().map_err(internal)
}

/// Imports a 10,000-row tickets workbook `runs` times, each into 20 other days, through the
/// import's path: read the workbook, start a job, check every row and write them in batches.
pub async fn time_import(db: &Db, data: &LabourData, runs: u64) -> AppResult<String> {
    const ROWS: usize = 10_000;
    let mut times = Vec::new();
    let mut reads = Vec::new();
    for run in 0..runs {
        let last_day = data
            .today
            .checked_sub_days(chrono::Days::new(1 + run * 20))
            .unwrap_or(data.today);
        let file = import_file(db, data, last_day, ROWS).await?;
        let started = Instant::now();
        let bytes = file.clone();
        let sheet = tokio::task::spawn_blocking(move || {
            parse::read_file(&bytes, Kind::Tickets, &crate::config::UploadLimits::DEFAULT)
        })
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("bench workbook: {e:?}")))?;
        reads.push(started.elapsed());
        let mut scope = db.begin_tenant(data.tenant).await?;
        let total = i32::try_from(sheet.rows.len()).unwrap_or(i32::MAX);
        let job =
            import_queries::insert_job(&mut scope, Kind::Tickets, "bench.xlsx", total, data.owner)
                .await?;
        scope.commit().await?;
        let who = Importer {
            tenant: data.tenant,
            user: data.owner,
            user_name: "基准 Bench".to_owned(),
            role: Role::Owner,
            today: data.today,
        };
        let saved = import::run(db.clone(), job, who, Kind::Tickets, sheet).await;
        times.push(started.elapsed());
        if saved != ROWS {
            let mut scope = db.begin_tenant(data.tenant).await?;
            let errors = import_queries::find_job(&mut scope, job)
                .await?
                .map(|j| j.errors.to_string())
                .unwrap_or_default();
            return Err(AppError::Internal(anyhow::anyhow!(
                "the bench import saved {saved} rows: {}",
                errors.chars().take(2000).collect::<String>()
            )));
        }
    }
    let (median, best) = stats(times);
    let (read, _) = stats(reads);
    Ok(format!(
        "import a {ROWS}-row tickets workbook (read {}, check, write in batches, commit): median {}, best {} over {runs} runs (target < 10 s)",
        ms(read),
        ms(median),
        ms(best)
    ))
}

/// Times `runs` of a query, each in its own tenant transaction.
macro_rules! time_query {
    ($db:expr, $tenant:expr, $runs:expr, |$scope:ident| $body:expr) => {{
        let mut times = Vec::new();
        let mut rows = 0usize;
        for _ in 0..$runs {
            let started = Instant::now();
            let mut $scope = $db.begin_tenant($tenant).await?;
            // The pages are timed as an owner sees them: every project.
            $scope.act_for(None, true).await?;
            rows = $body.await?.len();
            $scope.commit().await?;
            times.push(started.elapsed());
        }
        let (median, best) = stats(times);
        (median, best, rows)
    }};
}

/// The database work of a summary page: the groups (`summary::queries::summarize`, as the
/// page calls it) and the names of their keys.
async fn summary_page(
    scope: &mut TenantScope,
    by: Dimension,
    then: Option<Dimension>,
    filter: &SummaryFilter,
) -> AppResult<Vec<SummaryRow>> {
    let rows = summary_queries::summarize(scope, by, then, filter).await?;
    summary::labels(scope, by, rows.iter().map(|r| r.key1), Locale::ZhCn).await?;
    if let Some(then) = then {
        summary::labels(scope, then, rows.iter().map(|r| r.key2), Locale::ZhCn).await?;
    }
    Ok(rows)
}

/// A project's labour by crew and month over its whole life (confirmed and settled), as the
/// summary page (`/labour?by=crew&then=month&project=…`) reads it.
pub async fn time_crew_by_month_summary(db: &Db, data: &LabourData) -> AppResult<String> {
    let filter = SummaryFilter {
        project: Some(data.project),
        status: Some("cost".to_owned()),
        ..SummaryFilter::default()
    };
    let (median, best, rows) = time_query!(db, data.tenant, 11, |scope| {
        summary_page(&mut scope, Dimension::Crew, Some(Dimension::Month), &filter)
    });
    Ok(format!(
        "a project's crew-by-month summary ({rows} rows): median {}, best {} (target < 50 ms)",
        ms(median),
        ms(best)
    ))
}

/// The last twelve months by worker for the whole company, as the summary page
/// (`/labour?by=worker&from=…&to=…`) reads it.
pub async fn time_worker_year_summary(db: &Db, data: &LabourData) -> AppResult<String> {
    let to = data.today;
    let filter = SummaryFilter {
        status: Some("cost".to_owned()),
        from: to.checked_sub_months(chrono::Months::new(12)),
        to: Some(to),
        ..SummaryFilter::default()
    };
    let (median, best, rows) = time_query!(db, data.tenant, 11, |scope| {
        summary_page(&mut scope, Dimension::Worker, None, &filter)
    });
    Ok(format!(
        "a year's worker summary for the company ({rows} workers): median {}, best {} (target < 200 ms)",
        ms(median),
        ms(best)
    ))
}

/// The ticket list's first page as the owner sees it (`/labour/tickets`): one more row than
/// the page, to know there is a next one.
pub async fn time_ticket_list_first_page(db: &Db, data: &LabourData) -> AppResult<String> {
    let who = Visibility {
        user: data.owner,
        own_crews_only: false,
    };
    let filter = TicketFilter::default();
    let (median, best, rows) = time_query!(db, data.tenant, 11, |scope| {
        ticket_queries::list_tickets(&mut scope, who, &filter, 51, 0)
    });
    Ok(format!(
        "the ticket list's first page ({rows} tickets): median {}, best {} (target < 30 ms)",
        ms(median),
        ms(best)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identity_numbers_are_valid_and_distinct() {
        let ids: std::collections::HashSet<String> = (0..5_000).map(id_number).collect();
        assert_eq!(ids.len(), 5_000);
        for id in &ids {
            assert_eq!(
                crate::labour::domain::check_id_number(id).as_ref(),
                Ok(id),
                "{id}"
            );
        }
    }
}
