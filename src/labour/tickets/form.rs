//! The ticket form and its rules, with no I/O: which rows are lines, what each line holds,
//! and how a line's figures follow from the worker and the tenant's pay rules.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::ids::TaskId;
use crate::labour::domain::{
    CountUnit, LineError, LineInput, PayRules, PayType, WorkerId, check_quantity, over_booked,
    parse_amount,
};
use crate::labour::queries::{NewLine, WorkerPick};
use crate::web::fields::{optional_int, required_date};
use crate::web::form::{self, FieldErrors};

/// The largest day rate a line may carry.
pub const MAX_RATE: i64 = 100_000;
/// The largest head count of an unnamed line.
pub const MAX_HEADS: i64 = 1_000;

/// The ticket form as posted. Rows are parallel lists: a row with a worker is a line when its
/// index is ticked in `pick`; a row without one (a head count of a trade) when anything in it
/// is filled in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TicketForm {
    pub project: String,
    pub date: String,
    pub crew: String,
    pub task: String,
    pub count_unit: String,
    pub reason: String,
    pub work_content: String,
    pub worker: Vec<String>,
    pub pick: Vec<String>,
    pub trade: Vec<String>,
    pub heads: Vec<String>,
    pub pay_type: Vec<String>,
    pub quantity: Vec<String>,
    pub rate: Vec<String>,
    /// 0 for a new ticket.
    pub version: i32,
    /// `submit` hands it to the project manager at once; anything else saves a draft.
    pub action: String,
}

/// One row of the form as the page shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormRow {
    pub worker: String,
    pub picked: bool,
    pub trade: String,
    pub heads: String,
    pub pay_type: String,
    pub quantity: String,
    pub rate: String,
}

impl TicketForm {
    pub fn submits(&self) -> bool {
        self.action == "submit"
    }

    /// The rows as posted, every list padded to the longest.
    pub fn rows(&self) -> Vec<FormRow> {
        let n = [
            self.worker.len(),
            self.trade.len(),
            self.heads.len(),
            self.pay_type.len(),
            self.quantity.len(),
            self.rate.len(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        let at = |v: &[String], i: usize| v.get(i).map(|s| s.trim().to_owned()).unwrap_or_default();
        (0..n)
            .map(|i| FormRow {
                worker: at(&self.worker, i),
                picked: self.pick.iter().any(|p| p.trim() == i.to_string()),
                trade: at(&self.trade, i),
                heads: at(&self.heads, i),
                pay_type: at(&self.pay_type, i),
                quantity: at(&self.quantity, i),
                rate: at(&self.rate, i),
            })
            .collect()
    }

    pub fn set_rows(&mut self, rows: &[FormRow]) {
        self.worker = rows.iter().map(|r| r.worker.clone()).collect();
        self.pick = (0..rows.len())
            .filter(|&i| rows[i].picked)
            .map(|i| i.to_string())
            .collect();
        self.trade = rows.iter().map(|r| r.trade.clone()).collect();
        self.heads = rows.iter().map(|r| r.heads.clone()).collect();
        self.pay_type = rows.iter().map(|r| r.pay_type.clone()).collect();
        self.quantity = rows.iter().map(|r| r.quantity.clone()).collect();
        self.rate = rows.iter().map(|r| r.rate.clone()).collect();
    }
}

impl FormRow {
    /// Whether the row is a line of the ticket.
    pub fn is_line(&self) -> bool {
        if self.worker.is_empty() {
            !(self.trade.is_empty()
                && self.heads.is_empty()
                && self.quantity.is_empty()
                && self.rate.is_empty())
        } else {
            self.picked
        }
    }
}

/// What a valid form holds, before workers and rates are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketInput {
    pub project: i64,
    pub date: NaiveDate,
    pub crew: i64,
    pub task: Option<TaskId>,
    pub unit: CountUnit,
    pub reason: String,
    pub work_content: String,
    /// Lines with their row on the form.
    pub lines: Vec<(usize, LineInput)>,
}

/// Everything wrong with a form: fields of the header, cells of the lines.
#[derive(Debug, Clone, Default)]
pub struct TicketErrors {
    pub fields: FieldErrors,
    pub lines: Vec<LineError>,
}

impl TicketErrors {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.lines.is_empty()
    }

    pub fn line(&mut self, row: usize, field: &'static str, key: &'static str) {
        if !self.lines.iter().any(|e| e.row == row && e.field == field) {
            self.lines.push(LineError { row, field, key });
        }
    }

    /// The message of one cell, if any.
    pub fn cell(&self, row: usize, field: &str) -> Option<&'static str> {
        self.lines
            .iter()
            .find(|e| e.row == row && e.field == field)
            .map(|e| e.key)
    }
}

impl TicketForm {
    /// Checks the form as far as it can without the database. `today` is the tenant's.
    pub fn validate(&self, today: NaiveDate) -> Result<TicketInput, TicketErrors> {
        let mut e = TicketErrors::default();
        let f = &mut e.fields;
        let project = optional_int(f, "project", &self.project, 1..=i64::MAX);
        if project.is_none() && !f.has("project") {
            f.add("project", "form.required");
        }
        let date = required_date(f, "date", &self.date);
        if date.is_some_and(|d| d > today) {
            f.add("date", "labour.future_date");
        }
        let crew = optional_int(f, "crew", &self.crew, 1..=i64::MAX);
        if crew.is_none() && !f.has("crew") {
            f.add("crew", "form.required");
        }
        let task = optional_int(f, "task", &self.task, 1..=i64::MAX);
        let unit = CountUnit::parse(self.count_unit.trim());
        if unit.is_none() {
            f.add("count_unit", "form.required");
        }
        let reason = form::text(f, "reason", &self.reason, false, 500);
        let work_content = form::multiline(f, "work_content", &self.work_content, 2000);

        let mut lines = Vec::new();
        let rows = self.rows();
        for (row, r) in rows.iter().enumerate().filter(|(_, r)| r.is_line()) {
            if let Some(line) = check_row(&mut e, row, r, unit.unwrap_or(CountUnit::Day)) {
                lines.push((row, line));
            }
        }
        for (row, line) in &lines {
            let same = |w: &Option<WorkerId>, p| *w == line.worker && p == line.pay_type;
            if line.worker.is_some()
                && lines
                    .iter()
                    .filter(|(_, l)| same(&l.worker, l.pay_type))
                    .count()
                    > 1
            {
                e.line(*row, "worker", "labour.worker_twice");
            }
        }
        if rows.iter().all(|r| !r.is_line()) {
            e.fields.add("lines", "labour.no_lines");
        }
        match (project, date, crew, unit) {
            (Some(project), Some(date), Some(crew), Some(unit)) if e.is_empty() => {
                Ok(TicketInput {
                    project,
                    date,
                    crew,
                    task: task.map(TaskId),
                    unit,
                    reason,
                    work_content,
                    lines,
                })
            }
            _ => Err(e),
        }
    }
}

fn check_row(e: &mut TicketErrors, row: usize, r: &FormRow, unit: CountUnit) -> Option<LineInput> {
    let worker = if r.worker.is_empty() {
        None
    } else {
        match r.worker.parse::<i64>() {
            Ok(id) if id > 0 => Some(WorkerId(id)),
            _ => {
                e.line(row, "worker", "form.invalid_number");
                None
            }
        }
    };
    let trade = if worker.is_some() || !r.trade.is_empty() {
        r.trade.parse::<i64>().ok()
    } else {
        e.line(row, "trade", "labour.trade_required");
        None
    };
    let heads = if worker.is_some() {
        1
    } else {
        match r.heads.parse::<i64>() {
            Ok(n) if (1..=MAX_HEADS).contains(&n) => i32::try_from(n).unwrap_or(1),
            Ok(n) if n < 0 => {
                e.line(row, "heads", "labour.negative");
                1
            }
            Ok(_) => {
                e.line(row, "heads", "labour.heads_range");
                1
            }
            Err(_) if r.heads.is_empty() => {
                e.line(row, "heads", "form.required");
                1
            }
            Err(_) => {
                e.line(row, "heads", "form.invalid_number");
                1
            }
        }
    };
    let pay_type = PayType::parse(&r.pay_type).unwrap_or_else(|| {
        e.line(row, "pay_type", "form.required");
        PayType::Regular
    });
    let quantity = check_quantity(unit, &r.quantity)
        .map_err(|key| e.line(row, "quantity", key))
        .ok();
    let rate = match parse_amount(&r.rate, 2) {
        Ok(Some(rate)) if rate > Decimal::from(MAX_RATE) => {
            e.line(row, "rate", "labour.rate_too_high");
            None
        }
        Ok(rate) => {
            if rate.is_none() && worker.is_none() {
                e.line(row, "rate", "labour.rate_required");
            }
            rate
        }
        Err(key) => {
            e.line(row, "rate", key);
            None
        }
    };
    Some(LineInput {
        worker,
        trade,
        heads,
        pay_type,
        quantity: quantity?,
        rate,
    })
}

/// Works out each line's figures: the worker's trade and day rate unless the line gives its
/// own, the tenant's multiplier for the pay type. Refuses workers that are unknown, inactive,
/// in another crew, or booked past 24 hours that day (`booked`: hours on other tickets).
pub fn price_lines(
    input: &TicketInput,
    rules: &PayRules,
    workers: &HashMap<WorkerId, WorkerPick>,
    trades: &[i64],
    booked: &HashMap<WorkerId, Decimal>,
) -> Result<Vec<NewLine>, Vec<LineError>> {
    let mut errors = TicketErrors::default();
    let mut out = Vec::new();
    for (row, line) in &input.lines {
        let worker = match line.worker {
            Some(id) => match workers.get(&id) {
                Some(w) if w.active && w.crew_id == Some(input.crew) => Some(w),
                Some(w) if w.active => {
                    // Lent from another crew for the day: allowed, the rate follows the worker.
                    Some(w)
                }
                Some(_) => {
                    errors.line(*row, "worker", "labour.worker_inactive");
                    continue;
                }
                None => {
                    errors.line(*row, "worker", "labour.worker_unknown");
                    continue;
                }
            },
            None => None,
        };
        let trade = match (line.trade, worker) {
            (Some(t), _) if trades.contains(&t) => t,
            (_, Some(w)) => w.trade_id,
            _ => {
                errors.line(*row, "trade", "labour.trade_required");
                continue;
            }
        };
        let Some(rate) = line.rate.or(worker.map(|w| w.day_rate)) else {
            errors.line(*row, "rate", "labour.rate_required");
            continue;
        };
        let figures = rules.figures(input.unit, line.quantity, line.heads, rate, line.pay_type);
        out.push(NewLine {
            worker_id: line.worker,
            trade_id: trade,
            head_count: line.heads,
            pay_type: line.pay_type,
            hours: figures.hours,
            days: figures.days,
            rate,
            multiplier: figures.multiplier,
            amount: figures.amount,
        });
    }
    let named: Vec<(usize, WorkerId, Decimal)> = input
        .lines
        .iter()
        .zip(&out)
        .filter_map(|((row, _), l)| l.worker_id.map(|w| (*row, w, l.hours)))
        .collect();
    if out.len() == input.lines.len() {
        for row in over_booked(booked, &named) {
            errors.line(row, "quantity", "labour.over_24_hours");
        }
    }
    if errors.lines.is_empty() {
        Ok(out)
    } else {
        Err(errors.lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn form(rows: &[(&str, bool, &str, &str, &str, &str, &str)]) -> TicketForm {
        let mut f = TicketForm {
            project: "5".into(),
            date: "2026-11-23".into(),
            crew: "9".into(),
            count_unit: "hour".into(),
            ..TicketForm::default()
        };
        let rows: Vec<FormRow> = rows
            .iter()
            .map(|(w, p, t, h, pay, q, r)| FormRow {
                worker: (*w).into(),
                picked: *p,
                trade: (*t).into(),
                heads: (*h).into(),
                pay_type: (*pay).into(),
                quantity: (*q).into(),
                rate: (*r).into(),
            })
            .collect();
        f.set_rows(&rows);
        f
    }

    fn worker(id: i64, crew: i64, rate: Decimal) -> (WorkerId, WorkerPick) {
        let id = WorkerId(id);
        (
            id,
            WorkerPick {
                id,
                name: format!("w{id}"),
                trade_id: 2,
                crew_id: Some(crew),
                day_rate: rate,
                active: true,
            },
        )
    }

    #[test]
    fn picked_workers_and_filled_head_counts_are_the_lines() {
        let f = form(&[
            ("11", true, "", "", "regular", "8", ""),
            ("12", false, "", "", "regular", "8", ""),
            ("", false, "3", "4", "overtime", "2", "280"),
            ("", false, "", "", "regular", "", ""),
        ]);
        let input = f.validate(today()).unwrap();
        assert_eq!(input.lines.len(), 2);
        assert_eq!(input.lines[0].0, 0);
        assert_eq!(input.lines[1].1.heads, 4);
        assert_eq!(input.lines[1].1.rate, Some(dec!(280)));
    }

    #[test]
    fn a_future_date_negative_hours_and_missing_rates_are_refused() {
        let mut f = form(&[
            ("11", true, "", "", "regular", "-8", ""),
            ("", false, "3", "2", "regular", "8", ""),
            ("", false, "3", "2", "regular", "8", "-300"),
        ]);
        f.date = "2026-11-24".into();
        let e = f.validate(today()).unwrap_err();
        assert_eq!(e.fields.get("date"), Some("labour.future_date"));
        assert_eq!(e.cell(0, "quantity"), Some("labour.negative"));
        assert_eq!(e.cell(1, "rate"), Some("labour.rate_required"));
        assert_eq!(e.cell(2, "rate"), Some("labour.negative"));
    }

    #[test]
    fn a_ticket_needs_a_line() {
        let f = form(&[("11", false, "", "", "regular", "8", "")]);
        let e = f.validate(today()).unwrap_err();
        assert_eq!(e.fields.get("lines"), Some("labour.no_lines"));
    }

    #[test]
    fn lines_take_the_workers_rate_unless_given_and_refuse_past_24_hours() {
        let f = form(&[
            ("11", true, "", "", "regular", "8", ""),
            ("11", true, "", "", "overtime", "3", ""),
            ("12", true, "", "", "regular", "8", "350"),
        ]);
        let input = f.validate(today()).unwrap();
        let workers: HashMap<_, _> = [worker(11, 9, dec!(320)), worker(12, 9, dec!(300))].into();
        let rules = PayRules::default();
        let lines = price_lines(&input, &rules, &workers, &[2, 3], &HashMap::new()).unwrap();
        assert_eq!(lines[0].amount, dec!(320));
        // 3 h of 320 at 1.5: 180.
        assert_eq!(lines[1].amount, dec!(180));
        assert_eq!(lines[2].rate, dec!(350));
        assert_eq!(lines[2].trade_id, 2);
        let booked = HashMap::from([(WorkerId(11), dec!(14))]);
        let e = price_lines(&input, &rules, &workers, &[2, 3], &booked).unwrap_err();
        assert_eq!(e.iter().map(|e| e.row).collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn the_same_worker_twice_with_one_pay_type_is_refused() {
        let f = form(&[
            ("11", true, "", "", "regular", "4", ""),
            ("11", true, "", "", "regular", "4", ""),
        ]);
        let e = f.validate(today()).unwrap_err();
        assert_eq!(e.cell(1, "worker"), Some("labour.worker_twice"));
    }

    #[test]
    fn unknown_and_inactive_workers_are_refused() {
        let f = form(&[
            ("11", true, "", "", "regular", "8", ""),
            ("13", true, "", "", "regular", "8", ""),
        ]);
        let input = f.validate(today()).unwrap();
        let mut inactive = worker(11, 9, dec!(300));
        inactive.1.active = false;
        let workers: HashMap<_, _> = [inactive].into();
        let e = price_lines(
            &input,
            &PayRules::default(),
            &workers,
            &[2],
            &HashMap::new(),
        )
        .unwrap_err();
        assert_eq!(e[0].key, "labour.worker_inactive");
        assert_eq!(e[1].key, "labour.worker_unknown");
    }
}
