//! Progress rules, pure: what a progress update may say, and which tasks deserve a delay
//! warning (预警) and how severe it is.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::TaskId;
use crate::schedule::TaskProgress;
use crate::web::fields::{optional_date, optional_decimal, optional_int};
use crate::web::form::{self, FieldErrors};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ProgressForm {
    pub actual_start: String,
    pub actual_finish: String,
    pub percent_complete: String,
    pub remaining_days: String,
    pub comment: String,
}

/// A validated update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressUpdate {
    pub progress: TaskProgress,
    pub percent: Decimal,
    pub comment: String,
}

impl ProgressForm {
    /// `duration` is the task's planned working days; `status_date` the project's, if set.
    pub fn validate(
        &self,
        duration: i32,
        status_date: Option<NaiveDate>,
    ) -> Result<ProgressUpdate, FieldErrors> {
        let mut e = FieldErrors::default();
        let actual_start = optional_date(&mut e, "actual_start", &self.actual_start);
        let actual_finish = optional_date(&mut e, "actual_finish", &self.actual_finish);
        let percent = optional_decimal(
            &mut e,
            "percent_complete",
            &self.percent_complete,
            Decimal::from(100),
            2,
        );
        let remaining = optional_int(&mut e, "remaining_days", &self.remaining_days, 0..=10_000);
        let comment = form::multiline(&mut e, "comment", &self.comment, 2000);
        if let Some(status) = status_date {
            for (field, day) in [
                ("actual_start", actual_start),
                ("actual_finish", actual_finish),
            ] {
                if day.is_some_and(|d| d > status) {
                    e.add(field, "progress.after_status_date");
                }
            }
        }
        if let (Some(s), Some(f)) = (actual_start, actual_finish)
            && f < s
        {
            e.add("actual_finish", "plans.finish_before_start");
        }
        // A finish date means done; done needs a finish date.
        let percent = match (actual_finish, percent) {
            (Some(_), _) => Decimal::from(100),
            (None, Some(p)) if p == Decimal::from(100) => {
                e.add("actual_finish", "progress.finish_required");
                p
            }
            (None, p) => p.unwrap_or_default(),
        };
        if percent > Decimal::ZERO && actual_start.is_none() && !e.has("actual_start") {
            e.add("actual_start", "progress.start_required");
        }
        if !e.is_empty() {
            return Err(e);
        }
        let remaining_days = match (actual_finish, remaining) {
            (Some(_), _) => Some(0),
            (None, Some(r)) => Some(i32::try_from(r).unwrap_or(0)),
            // Work left in proportion to what is not yet done.
            (None, None) if actual_start.is_some() => {
                let left =
                    Decimal::from(duration) * (Decimal::from(100) - percent) / Decimal::from(100);
                Some(
                    i32::try_from(left.round().mantissa())
                        .unwrap_or(duration)
                        .clamp(0, duration.max(0)),
                )
            }
            (None, None) => None,
        };
        Ok(ProgressUpdate {
            progress: TaskProgress {
                actual_start,
                actual_finish,
                remaining_days,
            },
            percent,
            comment,
        })
    }
}

/// How late counts as minor, major and critical, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub minor: i32,
    pub major: i32,
    pub critical: i32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            minor: 1,
            major: 5,
            critical: 10,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Minor,
    Major,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Severity::Minor => "progress.sev_minor",
            Severity::Major => "progress.sev_major",
            Severity::Critical => "progress.sev_critical",
        }
    }
}

impl Thresholds {
    pub fn severity(&self, days_late: i64) -> Option<Severity> {
        if days_late >= i64::from(self.critical) {
            Some(Severity::Critical)
        } else if days_late >= i64::from(self.major) {
            Some(Severity::Major)
        } else if days_late >= i64::from(self.minor) {
            Some(Severity::Minor)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// Forecast finish after the baseline finish.
    LateAgainstBaseline,
    /// Forecast finish after the deadline.
    PastDeadline,
    /// Should have started by the status date and has not.
    NotStarted,
    /// A milestone forecast after its baseline or deadline.
    MilestoneAtRisk,
}

impl WarningKind {
    pub fn label_key(self) -> &'static str {
        match self {
            WarningKind::LateAgainstBaseline => "progress.warn_late_baseline",
            WarningKind::PastDeadline => "progress.warn_deadline",
            WarningKind::NotStarted => "progress.warn_not_started",
            WarningKind::MilestoneAtRisk => "progress.warn_milestone",
        }
    }
}

/// What the warning rules look at for one leaf task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchedTask {
    pub id: TaskId,
    pub milestone: bool,
    pub forecast_start: NaiveDate,
    pub forecast_finish: NaiveDate,
    pub late_start: NaiveDate,
    pub baseline: Option<(NaiveDate, NaiveDate)>,
    pub deadline: Option<NaiveDate>,
    pub started: bool,
    pub finished: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Warning {
    pub task_id: TaskId,
    pub kind: WarningKind,
    pub days_late: i64,
    pub severity: Severity,
    /// The date the task is measured against (baseline finish, deadline, start-by date).
    pub against: NaiveDate,
}

/// The warnings of a project's tasks, worst first. `working_days(a, b)` counts working days
/// after `a` up to and including `b`.
pub fn warnings(
    tasks: &[WatchedTask],
    status_date: Option<NaiveDate>,
    thresholds: &Thresholds,
    working_days: &dyn Fn(NaiveDate, NaiveDate) -> i64,
) -> Vec<Warning> {
    let mut out = Vec::new();
    for t in tasks.iter().filter(|t| !t.finished) {
        let mut push = |kind: WarningKind, against: NaiveDate, late: NaiveDate| {
            let days_late = working_days(against, late);
            if let Some(severity) = thresholds.severity(days_late) {
                out.push(Warning {
                    task_id: t.id,
                    kind,
                    days_late,
                    severity,
                    against,
                });
            }
        };
        let finish_kind = |k| {
            if t.milestone {
                WarningKind::MilestoneAtRisk
            } else {
                k
            }
        };
        if let Some((_, baseline_finish)) = t.baseline
            && t.forecast_finish > baseline_finish
        {
            push(
                finish_kind(WarningKind::LateAgainstBaseline),
                baseline_finish,
                t.forecast_finish,
            );
        }
        if let Some(deadline) = t.deadline
            && t.forecast_finish > deadline
        {
            push(
                finish_kind(WarningKind::PastDeadline),
                deadline,
                t.forecast_finish,
            );
        }
        if let Some(status) = status_date
            && !t.started
            && !t.milestone
        {
            // Due to start by its baseline start, or else by its late start.
            let start_by = t.baseline.map_or(t.late_start, |(s, _)| s);
            if start_by <= status {
                let before = start_by.pred_opt().unwrap_or(start_by);
                push(WarningKind::NotStarted, start_by, status.max(before));
            }
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.days_late.cmp(&a.days_late))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    /// Calendar days stand in for working days here.
    fn days(a: NaiveDate, b: NaiveDate) -> i64 {
        (b - a).num_days().max(0)
    }

    fn task(id: i64) -> WatchedTask {
        WatchedTask {
            id: TaskId(id),
            milestone: false,
            forecast_start: d("2026-03-02"),
            forecast_finish: d("2026-03-20"),
            late_start: d("2026-03-10"),
            baseline: None,
            deadline: None,
            started: true,
            finished: false,
        }
    }

    #[test]
    fn severity_follows_the_thresholds() {
        let t = Thresholds::default();
        assert_eq!(t.severity(0), None);
        assert_eq!(t.severity(1), Some(Severity::Minor));
        assert_eq!(t.severity(5), Some(Severity::Major));
        assert_eq!(t.severity(12), Some(Severity::Critical));
    }

    #[test]
    fn late_against_baseline_deadline_and_start() {
        let late = WatchedTask {
            baseline: Some((d("2026-03-02"), d("2026-03-14"))),
            ..task(1)
        };
        let deadline = WatchedTask {
            deadline: Some(d("2026-03-18")),
            ..task(2)
        };
        let idle = WatchedTask {
            started: false,
            ..task(3)
        };
        let milestone = WatchedTask {
            milestone: true,
            baseline: Some((d("2026-03-19"), d("2026-03-19"))),
            ..task(4)
        };
        let done = WatchedTask {
            finished: true,
            deadline: Some(d("2026-01-01")),
            ..task(5)
        };
        let w = warnings(
            &[late, deadline, idle, milestone, done],
            Some(d("2026-03-12")),
            &Thresholds::default(),
            &days,
        );
        let found: Vec<(i64, WarningKind, i64)> = w
            .iter()
            .map(|w| (w.task_id.0, w.kind, w.days_late))
            .collect();
        assert_eq!(
            found,
            vec![
                (1, WarningKind::LateAgainstBaseline, 6),
                (2, WarningKind::PastDeadline, 2),
                (3, WarningKind::NotStarted, 2),
                (4, WarningKind::MilestoneAtRisk, 1),
            ]
        );
        assert_eq!(w[0].severity, Severity::Major);
    }

    #[test]
    fn progress_form_rules() {
        let status = Some(d("2026-03-12"));
        let ok = ProgressForm {
            actual_start: "2026-03-02".into(),
            percent_complete: "40".into(),
            ..Default::default()
        };
        let u = ok.validate(10, status).expect("valid");
        assert_eq!(u.progress.remaining_days, Some(6));
        let done = ProgressForm {
            actual_start: "2026-03-02".into(),
            actual_finish: "2026-03-10".into(),
            ..Default::default()
        };
        assert_eq!(
            done.validate(10, status).ok().map(|u| u.percent),
            Some(Decimal::from(100))
        );
        let future = ProgressForm {
            actual_start: "2026-03-20".into(),
            percent_complete: "10".into(),
            ..Default::default()
        };
        assert!(
            future
                .validate(10, status)
                .is_err_and(|e| e.has("actual_start"))
        );
        let no_start = ProgressForm {
            percent_complete: "10".into(),
            ..Default::default()
        };
        assert!(
            no_start
                .validate(10, status)
                .is_err_and(|e| e.has("actual_start"))
        );
        let hundred = ProgressForm {
            actual_start: "2026-03-02".into(),
            percent_complete: "100".into(),
            ..Default::default()
        };
        assert!(
            hundred
                .validate(10, status)
                .is_err_and(|e| e.has("actual_finish"))
        );
        let bad = ProgressForm {
            percent_complete: "120".into(),
            ..Default::default()
        };
        assert!(
            bad.validate(10, status)
                .is_err_and(|e| e.has("percent_complete"))
        );
    }
}
