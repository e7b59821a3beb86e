//! The critical path method over a working calendar, with MS Project's rules: forward pass,
//! backward pass capped at the project finish, total and free slack, summary roll-up, and
//! progress against a status date.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::LinkKind;
use super::calendar::{Calendar, CalendarError, Timeline};

/// A task as the engine sees it. `key` is the caller's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInput {
    pub key: i64,
    pub parent: Option<i64>,
    /// Working days; ignored for summary tasks, 0 for a milestone.
    pub duration_days: i32,
    pub milestone: bool,
    pub start_no_earlier_than: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub progress: TaskProgress,
}

impl TaskInput {
    pub fn new(key: i64, parent: Option<i64>, duration_days: i32) -> Self {
        Self {
            key,
            parent,
            duration_days,
            milestone: duration_days == 0,
            start_no_earlier_than: None,
            deadline: None,
            progress: TaskProgress::default(),
        }
    }
}

/// What has actually happened to a task.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskProgress {
    pub actual_start: Option<NaiveDate>,
    pub actual_finish: Option<NaiveDate>,
    /// Working days of work left; when absent, the whole duration is left.
    pub remaining_days: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkInput {
    pub pred: i64,
    pub succ: i64,
    pub kind: LinkKind,
    /// Working days; negative is a lead.
    pub lag_days: i32,
}

#[derive(Debug, Clone)]
pub struct Network {
    /// The project start; tasks without predecessors start on its first working day.
    pub start: NaiveDate,
    /// Work not done by the end of this day is scheduled after it.
    pub status_date: Option<NaiveDate>,
    pub calendar: Calendar,
    /// Parents may come before or after their children.
    pub tasks: Vec<TaskInput>,
    pub links: Vec<LinkInput>,
}

/// A task's computed schedule. Dates are inclusive working days: a task runs from 08:00 on
/// its start date to 17:00 on its finish date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSchedule {
    pub key: i64,
    pub summary: bool,
    pub milestone: bool,
    pub early_start: NaiveDate,
    pub early_finish: NaiveDate,
    pub late_start: NaiveDate,
    pub late_finish: NaiveDate,
    /// Working days.
    pub total_slack: i64,
    pub free_slack: i64,
    pub critical: bool,
    /// Working days from start to finish as scheduled.
    pub duration_days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// In the order of `Network::tasks`.
    pub tasks: Vec<TaskSchedule>,
    pub start: NaiveDate,
    pub finish: NaiveDate,
}

impl Schedule {
    pub fn get(&self, key: i64) -> Option<&TaskSchedule> {
        self.tasks.iter().find(|t| t.key == key)
    }
}

/// Why a network cannot be scheduled. Tasks are named by key; the caller puts names on them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("task {0} does not exist")]
    UnknownTask(i64),
    #[error("task {0} is linked to itself")]
    SelfLink(i64),
    #[error("tasks {pred} and {succ} are already linked")]
    DuplicateLink { pred: i64, succ: i64 },
    #[error("the links form a cycle through tasks {0:?}")]
    Cycle(Vec<i64>),
    #[error("task {0} is a summary task; link the tasks inside it instead")]
    SummaryLink(i64),
    #[error("task {0} is its own ancestor")]
    ParentCycle(i64),
    #[error("task {0} has a negative duration")]
    NegativeDuration(i64),
    #[error("task {0} appears twice")]
    DuplicateTask(i64),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// Positions of one leaf task (see the module docs of `schedule`).
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    es: i64,
    ef: i64,
    ls: i64,
    lf: i64,
    /// A milestone placed by a predecessor's finish sits at 17:00 of that day, not 08:00 of
    /// the next: its date is the day before its position.
    at_day_end: bool,
}

/// Schedules `net`. Runs in O(tasks + links) after the topological sort.
pub fn schedule(net: &Network) -> Result<Schedule, ScheduleError> {
    let n = net.tasks.len();
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(n);
    for (i, task) in net.tasks.iter().enumerate() {
        if index.insert(task.key, i).is_some() {
            return Err(ScheduleError::DuplicateTask(task.key));
        }
        if task.duration_days < 0 {
            return Err(ScheduleError::NegativeDuration(task.key));
        }
    }
    let parent = parents(net, &index)?;
    let mut is_summary = vec![false; n];
    for p in parent.iter().flatten() {
        is_summary[*p] = true;
    }

    let links = resolve_links(net, &index, &is_summary)?;
    let order = topological_order(n, &links, &net.tasks)?;

    let mut timeline = Timeline::new(&net.calendar, net.start)?;
    let status = match net.status_date {
        Some(day) => Some(timeline.end_of(day)?),
        None => None,
    };

    // Links as adjacency lists, by index.
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (li, link) in links.iter().enumerate() {
        preds[link.succ].push(li);
        succs[link.pred].push(li);
    }

    // Forward pass.
    let mut slots = vec![Slot::default(); n];
    for &i in &order {
        if is_summary[i] {
            continue;
        }
        let task = &net.tasks[i];
        let duration = i64::from(if task.milestone {
            0
        } else {
            task.duration_days
        });
        let progress = &task.progress;
        let slot = &mut slots[i];
        if let Some(finish) = progress.actual_finish {
            // Done: the actual dates stand whatever the links say.
            slot.ef = timeline.end_of(finish)?;
            slot.es = match progress.actual_start {
                Some(start) => timeline.start_of(start)?.min(slot.ef),
                None => slot.ef - duration,
            };
            slot.at_day_end = duration == 0;
            continue;
        }
        if let Some(start) = progress.actual_start {
            // Under way: work done stays where it was, work left goes after the status date.
            slot.es = timeline.start_of(start)?;
            // Work left may exceed the plan (the task turned out bigger); work done cannot.
            let left = i64::from(progress.remaining_days.unwrap_or(task.duration_days)).max(0);
            let done_until = slot.es + (duration - left).max(0);
            slot.ef = status.map_or(done_until, |s| done_until.max(s)) + left;
            continue;
        }
        let mut es = 0i64;
        if let Some(day) = task.start_no_earlier_than {
            es = es.max(timeline.start_of(day)?);
        }
        if let Some(s) = status {
            es = es.max(s);
        }
        let mut at_day_end = false;
        for &li in &preds[i] {
            let link = &links[li];
            let p = slots[link.pred];
            let anchor = if link.kind.from_finish() { p.ef } else { p.es };
            let mut bound = anchor + link.lag;
            if link.kind.to_finish() {
                bound -= duration;
            }
            if bound > es {
                es = bound;
                at_day_end = link.kind.from_finish();
            } else if bound == es && link.kind.from_finish() {
                at_day_end = true;
            }
        }
        let slot = &mut slots[i];
        slot.es = es;
        slot.ef = es + duration;
        slot.at_day_end = at_day_end && duration == 0 && es > 0;
    }

    let leaves = || (0..n).filter(|i| !is_summary[*i]);
    let project_finish = leaves().map(|i| slots[i].ef).max().unwrap_or(0);

    // Backward pass. MS Project caps every late finish at the project finish.
    for &i in order.iter().rev() {
        if is_summary[i] {
            continue;
        }
        let span = slots[i].ef - slots[i].es;
        let mut lf = project_finish;
        if let Some(day) = net.tasks[i].deadline {
            lf = lf.min(timeline.end_of(day)?);
        }
        for &li in &succs[i] {
            let link = &links[li];
            let s = slots[link.succ];
            let anchor = if link.kind.to_finish() { s.lf } else { s.ls };
            let mut bound = anchor - link.lag;
            if !link.kind.from_finish() {
                bound += span;
            }
            lf = lf.min(bound);
        }
        let slot = &mut slots[i];
        slot.lf = lf;
        slot.ls = lf - span;
    }

    // Leaf slack, then summaries rolled up from their children, deepest first.
    let mut slack = vec![(0i64, 0i64, false); n];
    for i in leaves() {
        let slot = slots[i];
        let total = (slot.ls - slot.es).min(slot.lf - slot.ef);
        // Free slack is not capped by total slack: MS Project measures it to the successors'
        // early dates only.
        let free = succs[i]
            .iter()
            .map(|&li| {
                let link = &links[li];
                let s = slots[link.succ];
                let to = if link.kind.to_finish() { s.ef } else { s.es };
                let from = if link.kind.from_finish() {
                    slot.ef
                } else {
                    slot.es
                };
                to - (from + link.lag)
            })
            .min()
            .unwrap_or(project_finish - slot.ef)
            .max(0);
        slack[i] = (total, free, total <= 0);
    }
    for (s, kids) in summaries_deepest_first(&parent, &is_summary) {
        let mut rolled: Option<(Slot, (i64, i64, bool))> = None;
        for &k in &kids {
            let (slot, sl) = (slots[k], slack[k]);
            rolled = Some(match rolled {
                None => (
                    Slot {
                        at_day_end: false,
                        ..slot
                    },
                    sl,
                ),
                Some((r, rs)) => (
                    Slot {
                        es: r.es.min(slot.es),
                        ef: r.ef.max(slot.ef),
                        ls: r.ls.min(slot.ls),
                        lf: r.lf.max(slot.lf),
                        at_day_end: false,
                    },
                    (rs.0.min(sl.0), rs.1.min(sl.1), rs.2 || sl.2),
                ),
            });
        }
        if let Some((slot, sl)) = rolled {
            slots[s] = slot;
            slack[s] = sl;
        }
    }

    let mut tasks = Vec::with_capacity(n);
    for (i, task) in net.tasks.iter().enumerate() {
        let slot = slots[i];
        let (total_slack, free_slack, critical) = slack[i];
        let milestone = slot.ef == slot.es;
        let (early_start, early_finish, late_start, late_finish) = if milestone {
            let early = if slot.at_day_end {
                timeline.date(slot.es - 1)?
            } else {
                timeline.date(slot.es)?
            };
            let late = if slot.lf > slot.es {
                timeline.date(slot.lf - 1)?
            } else {
                early
            };
            (early, early, late, late)
        } else {
            (
                timeline.date(slot.es)?,
                timeline.date(slot.ef - 1)?,
                timeline.date(slot.ls)?,
                timeline.date(slot.lf - 1)?,
            )
        };
        tasks.push(TaskSchedule {
            key: task.key,
            summary: is_summary[i],
            milestone: !is_summary[i] && (task.milestone || milestone),
            early_start,
            early_finish,
            late_start,
            late_finish,
            total_slack,
            free_slack,
            critical,
            duration_days: slot.ef - slot.es,
        });
    }

    let start = timeline.date(0)?;
    let finish = if project_finish > 0 {
        timeline.date(project_finish - 1)?
    } else {
        start
    };
    Ok(Schedule {
        tasks,
        start,
        finish,
    })
}

/// Each task's parent index, refusing unknown parents and parent cycles.
fn parents(
    net: &Network,
    index: &HashMap<i64, usize>,
) -> Result<Vec<Option<usize>>, ScheduleError> {
    let parent: Vec<Option<usize>> = net
        .tasks
        .iter()
        .map(|t| match t.parent {
            Some(p) => index
                .get(&p)
                .copied()
                .map(Some)
                .ok_or(ScheduleError::UnknownTask(p)),
            None => Ok(None),
        })
        .collect::<Result<_, _>>()?;
    // A chain longer than the number of tasks has a loop in it.
    for (i, task) in net.tasks.iter().enumerate() {
        let mut at = parent[i];
        let mut steps = 0;
        while let Some(p) = at {
            steps += 1;
            if p == i || steps > net.tasks.len() {
                return Err(ScheduleError::ParentCycle(task.key));
            }
            at = parent[p];
        }
    }
    Ok(parent)
}

/// A link by task index.
struct Edge {
    pred: usize,
    succ: usize,
    kind: LinkKind,
    lag: i64,
}

fn resolve_links(
    net: &Network,
    index: &HashMap<i64, usize>,
    is_summary: &[bool],
) -> Result<Vec<Edge>, ScheduleError> {
    let mut seen = HashSet::with_capacity(net.links.len());
    net.links
        .iter()
        .map(|link| {
            let pred = *index
                .get(&link.pred)
                .ok_or(ScheduleError::UnknownTask(link.pred))?;
            let succ = *index
                .get(&link.succ)
                .ok_or(ScheduleError::UnknownTask(link.succ))?;
            if pred == succ {
                return Err(ScheduleError::SelfLink(link.pred));
            }
            if !seen.insert((pred.min(succ), pred.max(succ))) {
                return Err(ScheduleError::DuplicateLink {
                    pred: link.pred,
                    succ: link.succ,
                });
            }
            for (i, key) in [(pred, link.pred), (succ, link.succ)] {
                if is_summary[i] {
                    return Err(ScheduleError::SummaryLink(key));
                }
            }
            Ok(Edge {
                pred,
                succ,
                kind: link.kind,
                lag: i64::from(link.lag_days),
            })
        })
        .collect()
}

/// Kahn's algorithm; on a cycle, names the tasks of one cycle.
fn topological_order(
    n: usize,
    links: &[Edge],
    tasks: &[TaskInput],
) -> Result<Vec<usize>, ScheduleError> {
    let mut indegree = vec![0usize; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for link in links {
        indegree[link.succ] += 1;
        out[link.pred].push(link.succ);
    }
    let mut order = Vec::with_capacity(n);
    let mut ready: Vec<usize> = (0..n).filter(|i| indegree[*i] == 0).rev().collect();
    while let Some(i) = ready.pop() {
        order.push(i);
        for &j in &out[i] {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(j);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Every task left has a predecessor that is also left: walk back until one repeats.
    let mut back: Vec<Option<usize>> = vec![None; n];
    for link in links {
        if indegree[link.succ] > 0 && indegree[link.pred] > 0 {
            back[link.succ] = Some(link.pred);
        }
    }
    let start = (0..n).find(|i| indegree[*i] > 0).unwrap_or(0);
    let mut visited = vec![false; n];
    let mut at = start;
    while !visited[at] {
        visited[at] = true;
        match back[at] {
            Some(p) => at = p,
            None => break,
        }
    }
    let mut cycle = vec![tasks[at].key];
    let mut cur = back[at];
    while let Some(p) = cur {
        if p == at {
            break;
        }
        cycle.push(tasks[p].key);
        cur = back[p];
    }
    cycle.reverse();
    Err(ScheduleError::Cycle(cycle))
}

/// Summary tasks with their children, deepest summaries first, so a summary's child
/// summaries are rolled up before it.
fn summaries_deepest_first(
    parent: &[Option<usize>],
    is_summary: &[bool],
) -> Vec<(usize, Vec<usize>)> {
    let depth = |mut i: usize| {
        let mut d = 0usize;
        while let Some(p) = parent[i] {
            d += 1;
            i = p;
        }
        d
    };
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); parent.len()];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = p {
            children[*p].push(i);
        }
    }
    let mut summaries: Vec<(usize, usize)> = (0..parent.len())
        .filter(|i| is_summary[*i])
        .map(|i| (depth(i), i))
        .collect();
    summaries.sort_unstable_by(|a, b| b.cmp(a));
    summaries
        .into_iter()
        .map(|(_, s)| (s, std::mem::take(&mut children[s])))
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    use super::super::calendar::tests::{china_2025 as calendar, date};

    fn net(tasks: Vec<TaskInput>, links: Vec<LinkInput>) -> Network {
        Network {
            // A Saturday: work starts on Monday the 8th.
            start: date("2025-09-06"),
            status_date: None,
            calendar: calendar(),
            tasks,
            links,
        }
    }

    fn link(pred: i64, succ: i64, kind: LinkKind, lag_days: i32) -> LinkInput {
        LinkInput {
            pred,
            succ,
            kind,
            lag_days,
        }
    }

    fn dates(s: &Schedule, key: i64) -> (String, String) {
        let t = s.get(key).cloned();
        t.map(|t| (t.early_start.to_string(), t.early_finish.to_string()))
            .unwrap_or_default()
    }

    fn two(kind: LinkKind, lag: i32) -> Schedule {
        let tasks = vec![TaskInput::new(1, None, 5), TaskInput::new(2, None, 3)];
        schedule(&net(tasks, vec![link(1, 2, kind, lag)])).expect("schedules")
    }

    fn pair(s: &str, f: &str) -> (String, String) {
        (s.to_owned(), f.to_owned())
    }

    #[test]
    fn each_link_type_places_the_successor() {
        // Task 1 runs Mon 8 to Fri 12 September; task 2 takes 3 days.
        let s = two(LinkKind::FS, 0);
        assert_eq!(dates(&s, 1), pair("2025-09-08", "2025-09-12"));
        assert_eq!(dates(&s, 2), pair("2025-09-15", "2025-09-17"));
        assert_eq!(
            dates(&two(LinkKind::FS, -2), 2),
            pair("2025-09-11", "2025-09-15")
        );
        assert_eq!(
            dates(&two(LinkKind::SS, 2), 2),
            pair("2025-09-10", "2025-09-12")
        );
        assert_eq!(
            dates(&two(LinkKind::FF, 1), 2),
            pair("2025-09-11", "2025-09-15")
        );
        assert_eq!(
            dates(&two(LinkKind::SF, 4), 2),
            pair("2025-09-09", "2025-09-11")
        );
    }

    #[test]
    fn durations_and_lags_skip_holidays_and_count_make_up_days() {
        let mut first = TaskInput::new(1, None, 5);
        first.start_no_earlier_than = Some(date("2025-09-29"));
        let tasks = vec![
            first,
            TaskInput::new(2, None, 1),
            TaskInput::new(3, None, 1),
        ];
        let links = vec![link(1, 2, LinkKind::FS, 0), link(1, 3, LinkKind::FS, 2)];
        let s = schedule(&net(tasks, links)).expect("schedules");
        // 29, 30 Sep, then 9, 10 Oct and the Saturday make-up day 11 Oct.
        assert_eq!(dates(&s, 1), pair("2025-09-29", "2025-10-11"));
        assert_eq!(dates(&s, 2), pair("2025-10-13", "2025-10-13"));
        assert_eq!(dates(&s, 3), pair("2025-10-15", "2025-10-15"));
    }

    #[test]
    fn milestones_sit_at_the_end_of_their_predecessor() {
        let tasks = vec![
            TaskInput::new(1, None, 5),
            TaskInput::new(2, None, 0),
            TaskInput::new(3, None, 0),
        ];
        let s = schedule(&net(tasks, vec![link(1, 2, LinkKind::FS, 0)])).expect("schedules");
        assert_eq!(dates(&s, 2), pair("2025-09-12", "2025-09-12"));
        assert!(s.get(2).is_some_and(|t| t.milestone && t.critical));
        // A milestone without predecessors marks the project start.
        assert_eq!(dates(&s, 3), pair("2025-09-08", "2025-09-08"));
    }

    #[test]
    fn critical_path_and_slack() {
        let tasks = vec![
            TaskInput::new(1, None, 5),
            TaskInput::new(2, None, 3),
            TaskInput::new(3, None, 2),
        ];
        let links = vec![link(1, 2, LinkKind::FS, 0)];
        let s = schedule(&net(tasks, links)).expect("schedules");
        assert!(s.get(1).is_some_and(|t| t.critical && t.total_slack == 0));
        assert!(s.get(2).is_some_and(|t| t.critical));
        let short = s.get(3).cloned().expect("task 3");
        assert_eq!((short.total_slack, short.free_slack), (6, 6));
        assert!(!short.critical);
        assert_eq!(short.late_finish, date("2025-09-17"));
        assert_eq!(s.finish, date("2025-09-17"));
    }

    #[test]
    fn a_deadline_makes_negative_slack() {
        let mut task = TaskInput::new(1, None, 5);
        task.deadline = Some(date("2025-09-10"));
        let s = schedule(&net(vec![task], vec![])).expect("schedules");
        let t = s.get(1).cloned().expect("task");
        assert_eq!(t.total_slack, -2);
        assert!(t.critical);
        assert_eq!(
            t.early_finish,
            date("2025-09-12"),
            "a deadline does not move the task"
        );
    }

    #[test]
    fn summaries_roll_up_dates_and_criticality() {
        let tasks = vec![
            TaskInput::new(10, None, 0),
            TaskInput::new(1, Some(10), 5),
            TaskInput::new(2, Some(10), 3),
            TaskInput::new(3, None, 1),
        ];
        let s = schedule(&net(tasks, vec![link(1, 2, LinkKind::FS, 0)])).expect("schedules");
        let summary = s.get(10).cloned().expect("summary");
        assert!(summary.summary && summary.critical && !summary.milestone);
        assert_eq!(dates(&s, 10), pair("2025-09-08", "2025-09-17"));
        assert_eq!(summary.duration_days, 8);
    }

    #[test]
    fn remaining_work_moves_after_the_status_date() {
        let mut started = TaskInput::new(1, None, 5);
        started.progress = TaskProgress {
            actual_start: Some(date("2025-09-08")),
            actual_finish: None,
            remaining_days: Some(4),
        };
        let mut done = TaskInput::new(3, None, 5);
        done.progress.actual_start = Some(date("2025-09-08"));
        done.progress.actual_finish = Some(date("2025-09-09"));
        let tasks = vec![
            started,
            TaskInput::new(2, None, 2),
            done,
            TaskInput::new(4, None, 1),
        ];
        let mut network = net(tasks, vec![link(3, 4, LinkKind::FS, 0)]);
        network.status_date = Some(date("2025-09-10"));
        let s = schedule(&network).expect("schedules");
        // One day done by Monday; four left after Wednesday the 10th.
        assert_eq!(dates(&s, 1), pair("2025-09-08", "2025-09-16"));
        assert_eq!(dates(&s, 2), pair("2025-09-11", "2025-09-12"));
        assert_eq!(dates(&s, 3), pair("2025-09-08", "2025-09-09"));
        assert_eq!(dates(&s, 4), pair("2025-09-11", "2025-09-11"));

        // More work left than was planned: the forecast runs past the plan.
        let mut bigger = TaskInput::new(1, None, 5);
        bigger.progress.actual_start = Some(date("2025-09-08"));
        bigger.progress.remaining_days = Some(8);
        let mut network = net(vec![bigger], vec![]);
        network.status_date = Some(date("2025-09-10"));
        let s = schedule(&network).expect("schedules");
        assert_eq!(dates(&s, 1), pair("2025-09-08", "2025-09-22"));
    }

    #[test]
    fn refuses_bad_links_naming_the_tasks() {
        let tasks = || {
            (1..=3)
                .map(|k| TaskInput::new(k, None, 1))
                .collect::<Vec<_>>()
        };
        let fs = |a, b| link(a, b, LinkKind::FS, 0);
        let err = |links| schedule(&net(tasks(), links)).err();
        assert_eq!(err(vec![fs(1, 1)]), Some(ScheduleError::SelfLink(1)));
        assert_eq!(
            err(vec![fs(1, 2), fs(2, 1)]),
            Some(ScheduleError::DuplicateLink { pred: 2, succ: 1 })
        );
        assert_eq!(err(vec![fs(1, 9)]), Some(ScheduleError::UnknownTask(9)));
        let Some(ScheduleError::Cycle(mut cycle)) = err(vec![fs(1, 2), fs(2, 3), fs(3, 1)]) else {
            panic!("a cycle is refused");
        };
        cycle.sort_unstable();
        assert_eq!(cycle, vec![1, 2, 3]);
        let nested = vec![TaskInput::new(1, None, 0), TaskInput::new(2, Some(1), 2)];
        assert_eq!(
            schedule(&net(nested, vec![link(2, 1, LinkKind::FS, 0)])).err(),
            Some(ScheduleError::SummaryLink(1))
        );
        let looped = vec![TaskInput::new(1, Some(2), 1), TaskInput::new(2, Some(1), 1)];
        assert!(matches!(
            schedule(&net(looped, vec![])),
            Err(ScheduleError::ParentCycle(_))
        ));
    }

    fn kind() -> impl Strategy<Value = LinkKind> {
        prop::sample::select(LinkKind::ALL.to_vec())
    }

    proptest! {
        /// On any acyclic network: every link holds on the early dates, slack is never
        /// negative without deadlines, and something is critical.
        #[test]
        fn early_dates_honour_every_link(
            durations in prop::collection::vec(1i32..12, 2..40),
            raw_links in prop::collection::vec((0usize..40, 0usize..40, kind(), -3i32..6), 0..80),
        ) {
            let n = durations.len();
            let tasks: Vec<TaskInput> = durations
                .iter()
                .enumerate()
                .map(|(i, d)| TaskInput::new(i as i64, None, *d))
                .collect();
            let mut seen = HashSet::new();
            let links: Vec<LinkInput> = raw_links
                .into_iter()
                .filter_map(|(a, b, k, lag)| {
                    let (a, b) = (a % n, b % n);
                    // Forward edges only, so the network is acyclic.
                    (a < b && seen.insert((a, b))).then(|| link(a as i64, b as i64, k, lag))
                })
                .collect();
            let network = net(tasks, links.clone());
            let s = schedule(&network).expect("an acyclic network schedules");
            let cal = calendar();
            let mut tl = Timeline::new(&cal, network.start).expect("timeline");
            let mut pos = |key: i64| {
                let t = s.get(key).cloned().expect("task");
                (tl.start_of(t.early_start).unwrap_or(0), tl.end_of(t.early_finish).unwrap_or(0))
            };
            for l in &links {
                let (ps, pf) = pos(l.pred);
                let (ss, sf) = pos(l.succ);
                let from = if l.kind.from_finish() { pf } else { ps };
                let to = if l.kind.to_finish() { sf } else { ss };
                prop_assert!(to >= from + i64::from(l.lag_days), "{l:?} broken");
            }
            prop_assert!(s.tasks.iter().all(|t| t.total_slack >= 0 && t.early_start <= t.late_start));
            prop_assert!(s.tasks.iter().any(|t| t.critical));
            prop_assert!(s.tasks.iter().all(|t| t.early_start >= date("2025-09-08")));
        }

        /// Closing any path back on itself is refused as a cycle.
        #[test]
        fn a_back_link_on_a_chain_is_a_cycle(len in 2i64..30, back in 0i64..29) {
            let tasks = (0..len).map(|k| TaskInput::new(k, None, 1)).collect();
            let mut links: Vec<LinkInput> =
                (1..len).map(|k| link(k - 1, k, LinkKind::FS, 0)).collect();
            let from = back % len;
            if from + 1 < len - 1 || (from == 0 && len > 2) {
                links.push(link(len - 1, from, LinkKind::SS, 0));
                prop_assert!(matches!(schedule(&net(tasks, links)), Err(ScheduleError::Cycle(_))));
            }
        }
    }
}
