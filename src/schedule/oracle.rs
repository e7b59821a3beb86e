//! The JSON network format of `../shared/scheduling/` (`mpxj-oracle-input/1`) and the
//! output `girder schedule` prints, with `expected.json`'s field names.

use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::{Calendar, LinkInput, LinkKind, Network, Schedule, ScheduleError, TaskInput};

#[derive(Debug, Deserialize)]
pub struct InputFile {
    pub project: InputProject,
    pub calendar: InputCalendar,
    pub tasks: Vec<InputTask>,
    pub links: Vec<InputLink>,
}

#[derive(Debug, Deserialize)]
pub struct InputProject {
    pub start_date: NaiveDate,
    #[serde(default)]
    pub status_date: Option<NaiveDate>,
}

#[derive(Debug, Deserialize)]
pub struct InputCalendar {
    pub working_weekdays: Vec<String>,
    #[serde(default)]
    pub holidays: Vec<DatedName>,
    #[serde(default)]
    pub holiday_ranges: Vec<DateRange>,
    #[serde(default)]
    pub make_up_workdays: Vec<DatedName>,
}

#[derive(Debug, Deserialize)]
pub struct DatedName {
    pub date: NaiveDate,
}

#[derive(Debug, Deserialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Deserialize)]
pub struct InputTask {
    pub uid: i64,
    #[serde(default)]
    pub name: String,
    pub parent_uid: Option<i64>,
    #[serde(default)]
    pub summary: bool,
    pub duration_days: Option<i32>,
    #[serde(default)]
    pub milestone: bool,
    #[serde(default)]
    pub start_no_earlier_than: Option<NaiveDate>,
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
}

#[derive(Debug, Deserialize)]
pub struct InputLink {
    pub pred_uid: i64,
    pub succ_uid: i64,
    #[serde(rename = "type")]
    pub kind: LinkKind,
    pub lag_days: i32,
}

#[derive(Debug, thiserror::Error)]
pub enum OracleError {
    #[error("not a network file: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unknown weekday {0:?} (use Mon, Tue, … Sun)")]
    Weekday(String),
    #[error("calendar: {0}")]
    Calendar(#[from] super::CalendarError),
    #[error("{0}")]
    Schedule(#[from] ScheduleError),
}

impl InputFile {
    pub fn parse(json: &str) -> Result<Self, OracleError> {
        Ok(serde_json::from_str(json)?)
    }

    pub fn network(&self) -> Result<Network, OracleError> {
        let weekdays = self
            .calendar
            .working_weekdays
            .iter()
            .map(|d| {
                d.parse::<Weekday>()
                    .map_err(|_| OracleError::Weekday(d.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let holidays = self.calendar.holidays.iter().map(|h| h.date).chain(
            self.calendar
                .holiday_ranges
                .iter()
                .flat_map(|r| r.from.iter_days().take_while(move |d| *d <= r.to)),
        );
        let calendar = Calendar::new(
            weekdays,
            holidays,
            self.calendar.make_up_workdays.iter().map(|d| d.date),
        )?;
        let tasks = self
            .tasks
            .iter()
            .map(|t| TaskInput {
                start_no_earlier_than: t.start_no_earlier_than,
                deadline: t.deadline,
                milestone: t.milestone,
                ..TaskInput::new(t.uid, t.parent_uid, t.duration_days.unwrap_or(0))
            })
            .collect();
        let links = self
            .links
            .iter()
            .map(|l| LinkInput {
                pred: l.pred_uid,
                succ: l.succ_uid,
                kind: l.kind,
                lag_days: l.lag_days,
            })
            .collect();
        Ok(Network {
            start: self.project.start_date,
            status_date: self.project.status_date,
            calendar,
            tasks,
            links,
        })
    }
}

#[derive(Debug, Serialize)]
pub struct OutputTask<'a> {
    pub uid: i64,
    pub name: &'a str,
    pub summary: bool,
    pub milestone: bool,
    pub early_start: NaiveDate,
    pub early_finish: NaiveDate,
    pub late_start: NaiveDate,
    pub late_finish: NaiveDate,
    pub total_slack_days: i64,
    pub free_slack_days: i64,
    pub critical: bool,
}

#[derive(Debug, Serialize)]
pub struct Output<'a> {
    pub start_date: NaiveDate,
    pub finish_date: NaiveDate,
    pub tasks: Vec<OutputTask<'a>>,
}

/// Schedules an `input.json` document and returns the output document.
pub fn run(json: &str) -> Result<String, OracleError> {
    let input = InputFile::parse(json)?;
    let schedule = super::schedule(&input.network()?)?;
    Ok(serde_json::to_string_pretty(&output(&input, &schedule))?)
}

pub fn output<'a>(input: &'a InputFile, schedule: &Schedule) -> Output<'a> {
    let tasks = input
        .tasks
        .iter()
        .zip(&schedule.tasks)
        .map(|(t, s)| OutputTask {
            uid: s.key,
            name: &t.name,
            summary: s.summary,
            milestone: s.milestone,
            early_start: s.early_start,
            early_finish: s.early_finish,
            late_start: s.late_start,
            late_finish: s.late_finish,
            total_slack_days: s.total_slack,
            free_slack_days: s.free_slack,
            critical: s.critical,
        })
        .collect();
    Output {
        start_date: schedule.start,
        finish_date: schedule.finish,
        tasks,
    }
}

/// Differences between a schedule and an `expected.json` document, as compare.py reports
/// them: dates (or their `alt`), and for leaf tasks total slack, free slack and critical.
pub fn compare(expected: &serde_json::Value, schedule: &Schedule) -> Vec<String> {
    let mut problems = Vec::new();
    let tasks = expected["tasks"].as_array().cloned().unwrap_or_default();
    for e in &tasks {
        let uid = e["uid"].as_i64().unwrap_or_default();
        let Some(got) = schedule.get(uid) else {
            problems.push(format!("uid {uid}: missing"));
            continue;
        };
        let dates = [
            ("early_start", got.early_start),
            ("early_finish", got.early_finish),
            ("late_start", got.late_start),
            ("late_finish", got.late_finish),
        ];
        for (field, day) in dates {
            let day = day.to_string();
            if e[field].as_str() != Some(&day) && e["alt"][field].as_str() != Some(&day) {
                problems.push(format!(
                    "uid {uid} {field}: expected {} got {day}",
                    e[field]
                ));
            }
        }
        if e["summary"].as_bool() == Some(true) {
            continue;
        }
        let slacks = [
            ("total_slack_days", got.total_slack),
            ("free_slack_days", got.free_slack),
        ];
        for (field, value) in slacks {
            if e[field].as_f64() != Some(value as f64) {
                problems.push(format!(
                    "uid {uid} {field}: expected {} got {value}",
                    e[field]
                ));
            }
        }
        if e["critical"].as_bool() != Some(got.critical) {
            problems.push(format!("uid {uid} critical: expected {}", e["critical"]));
        }
    }
    problems
}

/// The reference networks: the copy under `tests/scheduling/`, plus any case in
/// `../shared/scheduling/` (the team's shared folder, when it sits beside the repository)
/// that the copy lacks, so new cases there are checked without copying them.
#[cfg(test)]
pub(crate) fn reference_cases() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases: std::collections::BTreeMap<std::ffi::OsString, std::path::PathBuf> =
        std::collections::BTreeMap::new();
    for dir in [
        root.join("tests/scheduling"),
        root.join("../shared/scheduling"),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if let (Some(name), true) = (path.file_name(), path.join("input.json").is_file()) {
                cases.entry(name.to_owned()).or_insert(path);
            }
        }
    }
    cases.into_values().collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn cases() -> Vec<PathBuf> {
        super::reference_cases()
    }

    #[test]
    fn every_reference_case_matches_ms_project() {
        let cases = cases();
        assert!(cases.len() >= 12, "found {} cases", cases.len());
        let mut failures = Vec::new();
        for case in cases {
            let read = |f: &str| std::fs::read_to_string(case.join(f)).expect("case file");
            let input = InputFile::parse(&read("input.json")).expect("input.json");
            let expected: serde_json::Value =
                serde_json::from_str(&read("expected.json")).expect("expected.json");
            let schedule =
                super::super::schedule(&input.network().expect("network")).expect("schedules");
            for p in compare(&expected, &schedule) {
                failures.push(format!("{}: {p}", case.display()));
            }
            assert_eq!(
                schedule.finish.to_string(),
                expected["project"]["finish_date"]
                    .as_str()
                    .unwrap_or_default(),
                "{}",
                case.display()
            );
        }
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
