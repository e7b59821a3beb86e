//! `girder bench`: the speed targets of the Plans module, measured on this machine.
//!
//! - scheduling 10,000 tasks with 20,000 links (pure engine);
//! - rendering the Gantt chart of a 2,000-task project (pure renderer);
//! - saving a task edit in a 2,000-task project: update the row, reschedule, write back only
//!   the rows that changed — the same functions the task form's handler calls — against
//!   the database, in a transaction that is rolled back at the end so nothing is left behind.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};

use crate::auth::password;
use crate::auth::queries::{self as users, NewUser};
use crate::db::{Db, cross_tenant};
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::licence::plan::PlanFacts;
use crate::plans::gantt::{self, GanttChart, Zoom};
use crate::plans::queries::{self, ProjectFields, TaskFields};
use crate::plans::reschedule;
use crate::plans::tasks::Outline;
use crate::schedule::{self, Calendar, LinkInput, LinkKind, Network, TaskInput};

/// A small deterministic generator, so every run measures the same network.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A WBS of `leaves` tasks in groups of 24 under summaries, with `links` links between
/// leaves, each from an earlier to a later one (so the network is acyclic), all four types,
/// lags from −2 to +5 days.
pub fn network(leaves: usize, links: usize, calendar: Calendar) -> Network {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut tasks = Vec::with_capacity(leaves + leaves / 24 + 1);
    let mut leaf_keys = Vec::with_capacity(leaves);
    let mut key = 0i64;
    let mut summary = 0i64;
    for i in 0..leaves {
        if i % 24 == 0 {
            key += 1;
            summary = key;
            tasks.push(TaskInput::new(summary, None, 0));
        }
        key += 1;
        let days = i32::try_from(rng.below(15)).unwrap_or(0) + 1;
        let mut t = TaskInput::new(key, Some(summary), days);
        t.milestone = rng.below(40) == 0;
        if t.milestone {
            t.duration_days = 0;
        }
        tasks.push(t);
        leaf_keys.push(key);
    }
    let mut seen = HashSet::with_capacity(links);
    let mut out = Vec::with_capacity(links);
    while out.len() < links && leaf_keys.len() > 1 {
        let a = usize::try_from(rng.below(leaf_keys.len() as u64 - 1)).unwrap_or(0);
        let span = (leaf_keys.len() - a - 1) as u64;
        let b = a + 1 + usize::try_from(rng.below(span.min(60))).unwrap_or(0);
        if !seen.insert((a, b)) {
            continue;
        }
        out.push(LinkInput {
            pred: leaf_keys[a],
            succ: leaf_keys[b],
            kind: LinkKind::ALL[usize::try_from(rng.below(4)).unwrap_or(0)],
            lag_days: i32::try_from(rng.below(8)).unwrap_or(0) - 2,
        });
    }
    Network {
        start: NaiveDate::from_ymd_opt(2025, 1, 2).unwrap_or_default(),
        status_date: None,
        calendar,
        tasks,
        links: out,
    }
}

/// The China mainland calendar as shipped.
pub fn china() -> Calendar {
    let days = queries::china_mainland_days();
    let weekdays = [1, 2, 3, 4, 5]
        .into_iter()
        .filter_map(queries::weekday_from_iso);
    Calendar::new(
        weekdays,
        days.iter().filter(|d| !d.working).map(|d| d.day),
        days.iter().filter(|d| d.working).map(|d| d.day),
    )
    .unwrap_or_else(|_| Calendar::mon_fri())
}

/// Median and fastest of `runs` timings of `f`.
fn time(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], times[0])
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The pure benchmarks: the engine on 10,000 tasks and the Gantt of 2,000.
pub fn pure() -> Vec<String> {
    let mut report = Vec::new();
    let net = network(9_600, 20_000, china());
    let (median, best) = time(20, || {
        let _ = schedule::schedule(&net);
    });
    report.push(format!(
        "schedule {} tasks, {} links: median {}, best {} (target < 50 ms)",
        net.tasks.len(),
        net.links.len(),
        ms(median),
        ms(best)
    ));

    let net = network(1_920, 3_000, china());
    let calendar = net.calendar.clone();
    if let Ok(s) = schedule::schedule(&net) {
        let parents: HashMap<i64, Option<i64>> =
            net.tasks.iter().map(|t| (t.key, t.parent)).collect();
        let rows: Vec<gantt::GanttRow> = s
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| gantt::GanttRow {
                id: t.key,
                outline: i.to_string(),
                name: format!("任务 Task {}", t.key),
                depth: u32::from(parents.get(&t.key).copied().flatten().is_some()),
                kind: if t.summary {
                    gantt::RowKind::Summary { collapsed: false }
                } else if t.milestone {
                    gantt::RowKind::Milestone
                } else {
                    gantt::RowKind::Task
                },
                start: t.early_start,
                finish: t.early_finish,
                critical: t.critical,
                percent_complete: 30.0,
                baseline: Some((t.early_start, t.early_finish)),
                href: Some(format!("/projects/1/tasks/{}", t.key)),
                toggle_href: None,
            })
            .collect();
        let links = net
            .links
            .iter()
            .map(|l| gantt::GanttLink {
                from: l.pred,
                to: l.succ,
                kind: l.kind,
            })
            .collect::<Vec<_>>();
        let labels = crate::plans::gantt_labels(Locale::ZhCn);
        let today = s.start;
        let (median, best) = time(20, || {
            let _ = gantt::render(&GanttChart {
                rows: &rows,
                links: &links,
                today,
                status_date: Some(today),
                zoom: Zoom::Week,
                labels: &labels,
                is_working_day: &|d| calendar.is_working(d),
            });
        });
        report.push(format!(
            "gantt of {} rows, {} links: median {}, best {} (target < 100 ms)",
            rows.len(),
            links.len(),
            ms(median),
            ms(best)
        ));
    }
    report
}

/// The database benchmark: a task edit in a 2,000-task project.
pub async fn edit(db: &Db) -> AppResult<String> {
    let mut scope = cross_tenant::create_tenant(
        db,
        "Girder bench",
        "zh-CN",
        PlanFacts::new_trial_end(Utc::now()),
    )
    .await?;
    let hash = password::hash("bench-password-not-used".to_owned()).await?;
    let user = users::insert_user(
        &mut scope,
        &NewUser {
            email: "bench@girder.local",
            name: "Bench",
            phone: None,
            role: crate::roles::Role::Owner,
            locale: None,
            password_hash: &hash,
        },
        None,
    )
    .await?;
    let calendar = queries::ensure_default_calendar(&mut scope, user).await?;
    let net = network(1_920, 3_000, china());
    let fields = ProjectFields {
        code: "BENCH".into(),
        name: "Bench".into(),
        client: String::new(),
        project_type: String::new(),
        location: String::new(),
        contract_amount: rust_decimal::Decimal::ZERO,
        planned_start: net.start,
        planned_finish: None,
        status: crate::tenancy::project::ProjectStatus::Active,
        manager_id: None,
        calendar_id: calendar,
    };
    let project_id = queries::insert_project(&mut scope, &fields, user).await?;
    let tasks = net
        .tasks
        .iter()
        .map(|t| {
            let name = format!("Task {}", t.key);
            (
                t.key,
                t.parent,
                TaskFields::new(name, t.duration_days, t.milestone),
            )
        })
        .collect();
    let ids = crate::plans::templates::insert_outline(&mut scope, project_id, tasks, user).await?;
    for l in &net.links {
        if let (Some(a), Some(b)) = (ids.get(&l.pred), ids.get(&l.succ)) {
            queries::insert_link(&mut scope, project_id, *a, *b, l.kind, l.lag_days).await?;
        }
    }
    let tenant = scope.tenant_id();
    scope.act_for(Some(user), true).await?;
    let project = crate::tenancy::project::find_project(&mut scope, project_id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let _ = reschedule::reschedule(&mut scope, &project, Locale::ZhCn).await?;
    scope.commit().await?;
    let result = measure_edits(db, tenant, &project, user, net.tasks.len()).await;
    cross_tenant::delete_scratch_tenant(db, tenant).await?;
    result
}

/// Edits the first critical task 21 times, alternating its duration as the task form would,
/// each in its own committed transaction: every task after it on the critical path moves,
/// so many rows are written back.
async fn measure_edits(
    db: &Db,
    tenant: crate::ids::TenantId,
    project: &crate::tenancy::project::Project,
    user: crate::ids::UserId,
    size: usize,
) -> AppResult<String> {
    let mut scope = db.begin_tenant(tenant).await?;
    let tasks = queries::tasks(&mut scope, project.id).await?;
    drop(scope);
    let outline = Outline::new(tasks, Vec::new());
    let Some((target, _, _)) = outline
        .tasks
        .iter()
        .find(|(t, _, _)| !t.is_summary && t.critical && !t.milestone)
        .cloned()
    else {
        return Ok("no critical task to edit".into());
    };
    let mut times = Vec::new();
    let mut changed = Vec::new();
    for i in 0..21 {
        let started = Instant::now();
        let mut scope = db.begin_tenant(tenant).await?;
        let current = queries::tasks(&mut scope, project.id).await?;
        let Some(task) = current.iter().find(|t| t.id == target.id) else {
            break;
        };
        let days = task.duration_days + if i % 2 == 0 { 3 } else { -3 };
        let f = TaskFields::new(task.name.clone(), days, false);
        queries::update_task(&mut scope, project.id, task.id, &f, task.version, user).await?;
        if let Ok(r) = reschedule::reschedule(&mut scope, project, Locale::ZhCn).await? {
            changed.push(r.changed);
        }
        scope.commit().await?;
        times.push(started.elapsed());
    }
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let best = times.first().copied().unwrap_or_default();
    changed.sort_unstable();
    Ok(format!(
        "save a task edit in a {size}-task project (read, update, reschedule, write back the changed rows — median {} — and commit): median {}, best {} (target < 100 ms)",
        changed.get(changed.len() / 2).copied().unwrap_or_default(),
        ms(median),
        ms(best)
    ))
}
