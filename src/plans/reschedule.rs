//! Rescheduling a stored project: load its WBS, links and calendar, run the CPM engine, roll
//! progress up, and write back only the rows whose computed values changed. Every change
//! that affects dates calls this in the same transaction, so a refused network saves nothing.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::queries::{self, ComputedRow, Task};
use super::wbs::{ProgressLeaf, roll_up_progress};
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::ids::TaskId;
use crate::schedule::{self, LinkInput, Network, ScheduleError, TaskInput, TaskProgress};
use crate::tenancy::project::Project;

/// What a reschedule changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rescheduled {
    pub tasks: usize,
    pub changed: usize,
}

/// Reschedules `project`. `Ok(Err(message))` when the network cannot be scheduled (a cycle,
/// a link to a summary…): the message names the tasks, and the caller must not commit.
pub async fn reschedule(
    scope: &mut TenantScope,
    project: &Project,
    locale: Locale,
) -> AppResult<Result<Rescheduled, String>> {
    let calendar = queries::load_calendar(scope, project.calendar_id).await?;
    let tasks = queries::tasks(scope, project.id).await?;
    let links = queries::links(scope, project.id).await?;
    let net = network(project, calendar, &tasks, &links);
    let scheduled = match schedule::schedule(&net) {
        Ok(s) => s,
        Err(e) => return Ok(Err(explain(&e, &tasks, locale))),
    };
    let changed = changed_rows(&tasks, &scheduled);
    queries::write_computed(scope, project.id, &changed).await?;
    let project_percent = progress(&tasks).get(&None).copied().unwrap_or_default();
    let (start, finish) = if tasks.is_empty() {
        (None, None)
    } else {
        (Some(scheduled.start), Some(scheduled.finish))
    };
    queries::write_project_rollup(scope, project.id, start, finish, project_percent).await?;
    Ok(Ok(Rescheduled {
        tasks: tasks.len(),
        changed: changed.len(),
    }))
}

/// The engine's view of a stored project.
pub fn network(
    project: &Project,
    calendar: schedule::Calendar,
    tasks: &[Task],
    links: &[queries::Link],
) -> Network {
    Network {
        start: project.planned_start,
        status_date: project.status_date,
        calendar,
        tasks: tasks
            .iter()
            .map(|t| TaskInput {
                key: t.id.0,
                parent: t.parent_id.map(|p| p.0),
                duration_days: t.duration_days,
                milestone: t.milestone,
                start_no_earlier_than: t.start_no_earlier_than,
                deadline: t.deadline,
                progress: TaskProgress {
                    actual_start: t.actual_start,
                    actual_finish: t.actual_finish,
                    remaining_days: t.remaining_days,
                },
            })
            .collect(),
        links: links
            .iter()
            .map(|l| LinkInput {
                pred: l.pred_id.0,
                succ: l.succ_id.0,
                kind: l.kind(),
                lag_days: l.lag_days,
            })
            .collect(),
    }
}

/// Percent complete of summaries and the project (under `None`), weighted by each task's
/// weight or else its duration.
pub fn progress(tasks: &[Task]) -> HashMap<Option<i64>, Decimal> {
    let parents: HashMap<i64, Option<i64>> = tasks
        .iter()
        .map(|t| (t.id.0, t.parent_id.map(|p| p.0)))
        .collect();
    let has_children: std::collections::HashSet<TaskId> =
        tasks.iter().filter_map(|t| t.parent_id).collect();
    let leaves: Vec<ProgressLeaf> = tasks
        .iter()
        .filter(|t| !has_children.contains(&t.id))
        .map(|t| ProgressLeaf {
            id: t.id.0,
            parent: t.parent_id.map(|p| p.0),
            percent: t.percent_complete,
            weight: t.weight.unwrap_or_else(|| Decimal::from(t.duration_days)),
        })
        .collect();
    roll_up_progress(&leaves, &parents)
}

/// The rows whose computed schedule differs from what is stored.
pub fn changed_rows(tasks: &[Task], scheduled: &schedule::Schedule) -> Vec<ComputedRow> {
    let rolled = progress(tasks);
    tasks
        .iter()
        .zip(&scheduled.tasks)
        .filter_map(|(t, s)| {
            let row = ComputedRow {
                id: t.id,
                is_summary: s.summary,
                early_start: s.early_start,
                early_finish: s.early_finish,
                late_start: s.late_start,
                late_finish: s.late_finish,
                total_slack: clamp(s.total_slack),
                free_slack: clamp(s.free_slack),
                critical: s.critical,
                percent_complete: if s.summary {
                    rolled.get(&Some(t.id.0)).copied().unwrap_or_default()
                } else {
                    t.percent_complete
                },
            };
            (stored(t).as_ref() != Some(&row)).then_some(row)
        })
        .collect()
}

/// The computed schedule as stored; `None` for a task never scheduled.
fn stored(t: &Task) -> Option<ComputedRow> {
    Some(ComputedRow {
        id: t.id,
        is_summary: t.is_summary,
        early_start: t.early_start?,
        early_finish: t.early_finish?,
        late_start: t.late_start?,
        late_finish: t.late_finish?,
        total_slack: t.total_slack?,
        free_slack: t.free_slack?,
        critical: t.critical,
        percent_complete: t.percent_complete,
    })
}

fn clamp(days: i64) -> i32 {
    i32::try_from(days).unwrap_or(if days < 0 { i32::MIN } else { i32::MAX })
}

/// A refusal in the user's language, naming the tasks.
pub fn explain(err: &ScheduleError, tasks: &[Task], locale: Locale) -> String {
    let name = |key: &i64| {
        tasks
            .iter()
            .find(|t| t.id.0 == *key)
            .map_or_else(|| key.to_string(), |t| format!("“{}”", t.name))
    };
    match err {
        ScheduleError::SelfLink(k) => {
            i18n::tf(locale, "plans.err_self_link", &[("task", &name(k))])
        }
        ScheduleError::DuplicateLink { pred, succ } => i18n::tf(
            locale,
            "plans.err_duplicate_link",
            &[("pred", &name(pred)), ("succ", &name(succ))],
        ),
        ScheduleError::Cycle(keys) => {
            let mut names: Vec<String> = keys.iter().map(name).collect();
            if let Some(first) = names.first().cloned() {
                names.push(first);
            }
            i18n::tf(locale, "plans.err_cycle", &[("tasks", &names.join(" → "))])
        }
        ScheduleError::SummaryLink(k) => {
            i18n::tf(locale, "plans.err_summary_link", &[("task", &name(k))])
        }
        ScheduleError::ParentCycle(k)
        | ScheduleError::UnknownTask(k)
        | ScheduleError::DuplicateTask(k)
        | ScheduleError::NegativeDuration(k) => {
            i18n::tf(locale, "plans.err_structure", &[("task", &name(k))])
        }
        ScheduleError::Calendar(e) => {
            i18n::tf(locale, "plans.err_calendar", &[("reason", &e.to_string())])
        }
    }
}
