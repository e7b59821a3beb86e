//! The demo project: a residential building under way, so a trial user sees Plans and
//! Progress working on day one — a baseline, finished and running tasks, a status date, a
//! slipped task with its warning, and an S-curve with history.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use super::domain::builtin_template;
use super::queries::{self, ProjectFields};
use super::{baselines, reschedule, templates};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::ids::UserId;
use crate::progress::domain::ProgressUpdate;
use crate::schedule::TaskProgress;

pub const DEMO_CODE: &str = "DEMO-01";

/// Creates the demo project for `owner` as of `today`; returns its id. `members` join it.
pub async fn create(
    scope: &mut TenantScope,
    owner: UserId,
    members: &[UserId],
    today: NaiveDate,
) -> AppResult<i64> {
    let calendar = queries::ensure_default_calendar(scope, owner).await?;
    let start = today.checked_sub_days(Days::new(120)).unwrap_or(today);
    let fields = ProjectFields {
        code: DEMO_CODE.to_owned(),
        name: "滨江花园 3# 住宅楼（演示）".to_owned(),
        client: "杭州滨江城建发展有限公司".to_owned(),
        project_type: "房建".to_owned(),
        location: "浙江省杭州市滨江区".to_owned(),
        contract_amount: Decimal::new(4_860_000_000, 2),
        planned_start: start,
        planned_finish: None,
        status: crate::tenancy::project::ProjectStatus::Active,
        manager_id: Some(owner.0),
        calendar_id: calendar,
    };
    let id = queries::insert_project(scope, &fields, owner).await?;
    for m in members {
        let role = if *m == owner { "manager" } else { "engineer" };
        queries::upsert_member(scope, id, m.0, role).await?;
    }
    let body = builtin_template("building", true).ok_or(AppError::NotFound)?;
    templates::apply(scope, id, &body, owner).await?;
    // The demo runs for nobody signed in; it reads the project as its owner, who sees them all.
    scope.act_for(Some(owner), true).await?;
    let mut project = crate::tenancy::project::find_project(scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Err(message) = reschedule::reschedule(scope, &project, Locale::ZhCn).await? {
        return Err(anyhow::anyhow!("demo project: {message}").into());
    }
    baselines::save(scope, id, "合同工期计划", owner).await?;

    // Progress as of yesterday: work before it is done on plan; work across it is behind
    // (rebar arrived late), so its forecast runs past the baseline and raises a warning.
    let status = today.pred_opt().unwrap_or(today);
    let calendar_days = queries::load_calendar(scope, calendar).await?;
    let tasks = queries::tasks(scope, id).await?;
    for t in tasks.iter().filter(|t| !t.is_summary) {
        let (Some(es), Some(ef)) = (t.early_start, t.early_finish) else {
            continue;
        };
        if es > status {
            continue;
        }
        let update = if ef < status || t.milestone {
            ProgressUpdate {
                progress: TaskProgress {
                    actual_start: Some(es),
                    actual_finish: Some(ef),
                    remaining_days: Some(0),
                },
                percent: Decimal::from(100),
                comment: String::new(),
            }
        } else {
            // Half the elapsed days' worth done, and a week of catching up to do.
            let elapsed =
                i32::try_from(calendar_days.working_days_between(es, status)).unwrap_or(0);
            let done = (elapsed / 2).min(t.duration_days - 1).max(0);
            let percent =
                (Decimal::from(done * 100) / Decimal::from(t.duration_days.max(1))).round();
            ProgressUpdate {
                progress: TaskProgress {
                    actual_start: Some(es),
                    actual_finish: None,
                    remaining_days: Some(t.duration_days - done + 5),
                },
                percent,
                comment: "钢筋进场延迟，进度滞后约一周".to_owned(),
            }
        };
        queries::set_task_progress(scope, id, t.id, &update.progress, update.percent).await?;
        let recorded = update.progress.actual_finish.unwrap_or(status);
        crate::progress::queries::insert_update(scope, id, t.id, recorded, &update, owner).await?;
    }
    queries::set_status_date(scope, id, Some(status), owner).await?;
    // The last five working days have site logs.
    let mut log_days = Vec::new();
    let mut day = status;
    while log_days.len() < 5 && day > start {
        if calendar_days.is_working(day) {
            log_days.push(day);
        }
        day = day.pred_opt().unwrap_or(start);
    }
    crate::progress::site_log::demo_logs(scope, id, owner, &log_days).await?;
    crate::labour::demo::create(scope, id, owner, today).await?;
    crate::cost::demo::create(scope, id, owner, today).await?;
    crate::funds::demo::create(scope, id, owner, today).await?;
    crate::changes::demo::create(scope, id, owner, today).await?;
    project = crate::tenancy::project::find_project(scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Err(message) = reschedule::reschedule(scope, &project, Locale::ZhCn).await? {
        return Err(anyhow::anyhow!("demo project: {message}").into());
    }
    Ok(id)
}
