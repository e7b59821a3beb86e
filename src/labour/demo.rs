//! Day labour for the demo project: three crews with their workers, three weeks of tickets
//! on the tasks under way (older ones confirmed, the last days waiting for the project
//! manager, one sent back), and a worker's advance — so a trial user sees the module working
//! on day one.

use chrono::{Datelike, NaiveDate, Weekday};
use rust_decimal::Decimal;

use super::domain::{CountUnit, PayType, TicketStatus, id_check_char};
use super::queries::{self as shared, NewLine, TicketHeader};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;

/// A demo crew: its name, main trade, count unit, and workers as (name, day rate).
type DemoCrew = (
    &'static str,
    &'static str,
    CountUnit,
    &'static [(&'static str, i64)],
);

const CREWS: [DemoCrew; 3] = [
    (
        "钢筋班组（滨江花园）",
        "钢筋工",
        CountUnit::Day,
        &[
            ("王大勇", 380),
            ("刘春生", 360),
            ("陈国庆", 360),
            ("周小兵", 340),
        ],
    ),
    (
        "木工班组（滨江花园）",
        "木工",
        CountUnit::Day,
        &[("赵德明", 400), ("孙建华", 380), ("马志强", 360)],
    ),
    (
        "杂工班组（滨江花园）",
        "普工",
        CountUnit::Hour,
        &[("黄秀英", 240), ("吴桂兰", 240), ("郑永福", 260)],
    ),
];

/// A valid identity number for the `n`-th demo worker (Hangzhou Binjiang, born in the 1970s
/// and 80s).
fn demo_id_number(n: usize) -> String {
    let year = 1968 + (n * 3) % 22;
    let month = 1 + (n * 5) % 12;
    let day = 1 + (n * 7) % 28;
    let first17 = format!("330108{year:04}{month:02}{day:02}{:03}", 101 + n * 2);
    let check = id_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// Adds the demo labour to `project` unless it already has tickets.
pub async fn create(
    scope: &mut TenantScope,
    project: i64,
    owner: UserId,
    today: NaiveDate,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let existing = sqlx::query_scalar!(
        r#"select count(*) as "n!" from labour_ticket where tenant_id = $1 and project_id = $2"#,
        tenant as TenantId,
        project
    )
    .fetch_one(scope.conn())
    .await?;
    if existing > 0 {
        return Ok(());
    }
    // A foreman on the project leads the rebar crew, so their phone shows it.
    let foreman = sqlx::query_scalar!(
        "select u.id from app_user u
         join project_member m on m.tenant_id = u.tenant_id and m.user_id = u.id
         where u.tenant_id = $1 and m.project_id = $2 and u.role = 'foreman' and u.active
         order by u.id limit 1",
        tenant as TenantId,
        project
    )
    .fetch_optional(scope.conn())
    .await?;
    // A demo company made before trades were seeded at its creation gets them now.
    shared::seed_trades(scope).await?;
    let trades = shared::list_trades(scope).await?;
    let trade_id = |name: &str| {
        trades
            .iter()
            .find(|t| t.name_zh == name)
            .or(trades.first())
            .map(|t| t.id)
    };
    let rules = shared::pay_rules(scope).await?;
    let tasks = crate::plans::queries::tasks(scope, project).await?;
    let mut crews = Vec::new();
    let mut n = 0;
    for (i, (name, trade, unit, workers)) in CREWS.iter().enumerate() {
        let Some(trade) = trade_id(trade) else {
            return Ok(());
        };
        let crew = sqlx::query_scalar!(
            "insert into crew (tenant_id, name, foreman_id, subcontractor, trade_id, count_unit,
                               created_by, updated_by)
             values ($1, $2, $3, '浙江宏远劳务有限公司', $4, $5, $6, $6)
             on conflict (tenant_id, name) do update set name = excluded.name
             returning id",
            tenant as TenantId,
            name,
            if i == 0 { foreman } else { None },
            trade,
            unit.as_str(),
            owner as UserId
        )
        .fetch_one(scope.conn())
        .await?;
        let mut members = Vec::new();
        for (worker, rate) in workers.iter() {
            n += 1;
            let id = sqlx::query_scalar!(
                "insert into worker (tenant_id, name, id_number, phone, trade_id, crew_id, day_rate,
                                     bank_name, bank_account, created_by, updated_by)
                 values ($1, $2, $3, $4, $5, $6, $7, '中国农业银行杭州滨江支行', $8, $9, $9)
                 on conflict (tenant_id, id_number) do update set name = excluded.name
                 returning id",
                tenant as TenantId,
                worker,
                demo_id_number(n),
                format!("139{:08}", 57_120_000 + n * 1_379),
                trade,
                crew,
                Decimal::from(*rate),
                format!("6228 4803 {:04} {:04} 07{}", 1000 + n * 37, 2000 + n * 91, n % 10),
                owner as UserId
            )
            .fetch_one(scope.conn())
            .await?;
            members.push((id, Decimal::from(*rate)));
        }
        crews.push((crew, trade, *unit, members));
    }

    // The last fifteen working days (Mondays to Saturdays, as sites work), oldest first.
    let mut days = Vec::new();
    let mut day = today.pred_opt().unwrap_or(today);
    while days.len() < 15 {
        if day.weekday() != Weekday::Sun {
            days.push(day);
        }
        day = day.pred_opt().unwrap_or(day);
    }
    days.reverse();
    let running_task = |d: NaiveDate| {
        tasks
            .iter()
            .filter(|t| !t.is_summary && !t.milestone)
            .find(|t| {
                t.early_start.is_some_and(|s| s <= d) && t.early_finish.is_some_and(|f| f >= d)
            })
            .map(|t| t.id)
    };
    for (k, day) in days.iter().enumerate() {
        for (c, (crew, trade, unit, members)) in crews.iter().enumerate() {
            // Not every crew does day labour every day.
            if (k + c) % 3 == 2 {
                continue;
            }
            let pay = if day.weekday() == Weekday::Sat {
                PayType::RestDay
            } else {
                PayType::Regular
            };
            let quantity = match unit {
                CountUnit::Day => Decimal::ONE,
                CountUnit::Hour => Decimal::from(8),
            };
            let mut lines: Vec<NewLine> = members
                .iter()
                .enumerate()
                .filter(|(w, _)| (w + k) % 4 != 3)
                .map(|(w, (worker, rate))| {
                    let half = *unit == CountUnit::Day && (w + k) % 5 == 4;
                    let q = if half { Decimal::new(5, 1) } else { quantity };
                    line(&rules, *unit, Some(*worker), *trade, 1, q, *rate, pay)
                })
                .collect();
            if *unit == CountUnit::Hour && k % 4 == 0 {
                // Three unnamed helpers for a concrete pour, and two hours of overtime.
                lines.push(line(
                    &rules,
                    *unit,
                    None,
                    *trade,
                    3,
                    quantity,
                    Decimal::from(220),
                    pay,
                ));
                if let Some((worker, rate)) = members.first() {
                    lines.push(line(
                        &rules,
                        *unit,
                        Some(*worker),
                        *trade,
                        1,
                        Decimal::from(2),
                        *rate,
                        PayType::Overtime,
                    ));
                }
            }
            let header = TicketHeader {
                project_id: project,
                ticket_date: *day,
                crew_id: *crew,
                task_id: running_task(*day),
                reason: [
                    "主体结构配合",
                    "材料倒运",
                    "现场清理",
                    "模板修整",
                    "基坑抽水",
                ][(k + c) % 5]
                    .to_owned(),
                work_content: "按项目部安排完成点工作业，已由施工员现场核实。".to_owned(),
                count_unit: *unit,
            };
            let recent = k + 2 >= days.len();
            let id =
                shared::insert_ticket(scope, &header, &lines, TicketStatus::Submitted, None, owner)
                    .await?;
            if recent {
                continue;
            }
            let (to, note) = if k == 5 && c == 1 {
                (
                    TicketStatus::Rejected,
                    "人数与考勤记录不符，请核对后重新提交",
                )
            } else {
                (TicketStatus::Confirmed, "")
            };
            shared::move_tickets(scope, &[id], TicketStatus::Submitted, to, note, None, owner)
                .await?;
        }
    }
    // An advance to the rebar crew's first worker at the start of the period.
    if let (Some((_, _, _, members)), Some(first)) = (crews.first(), days.first())
        && let Some((worker, _)) = members.first()
    {
        sqlx::query!(
            "insert into labour_advance (tenant_id, project_id, worker_id, paid_on, amount, method,
                                         note, created_by)
             values ($1, $2, $3, $4, 1000, 'wechat', '家中有事，预支生活费', $5)",
            tenant as TenantId,
            project,
            worker,
            first,
            owner as UserId
        )
        .execute(scope.conn())
        .await?;
    }
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "one line's every figure, named at the call"
)]
fn line(
    rules: &super::domain::PayRules,
    unit: CountUnit,
    worker: Option<i64>,
    trade: i64,
    heads: i32,
    quantity: Decimal,
    rate: Decimal,
    pay: PayType,
) -> NewLine {
    let f = rules.figures(unit, quantity, heads, rate, pay);
    NewLine {
        worker_id: worker.map(super::domain::WorkerId),
        trade_id: trade,
        head_count: heads,
        pay_type: pay,
        hours: f.hours,
        days: f.days,
        rate,
        multiplier: f.multiplier,
        amount: f.amount,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_identity_numbers_are_valid_and_distinct() {
        let ids: Vec<String> = (1..=10).map(demo_id_number).collect();
        for id in &ids {
            assert_eq!(
                super::super::domain::check_id_number(id).as_deref(),
                Ok(id.as_str())
            );
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
    }
}
