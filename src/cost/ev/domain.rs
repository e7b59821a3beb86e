//! Earned value (挣值), pure: the planned value of the budget spread over working days, the
//! value earned by percent complete, the actual cost, and the standard indicators derived from
//! them (SV, CV, SPI, CPI, EAC, ETC, VAC, TCPI), per task (summaries add up their
//! descendants) and for the project, at one date or over time. Money is `Decimal` to the fen.

use std::collections::{HashMap, HashSet};
use std::ops::{Add, AddAssign};

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::ids::TaskId;
use crate::plans::{ProgressLeaf, roll_up_progress};
use crate::progress::sample_dates;
use crate::schedule::Calendar;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// Rounds money to the fen and indices to two places, half away from zero (四舍五入).
pub fn round2(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The four measured figures: budget at completion, planned value, earned value, actual cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Values {
    pub bac: Decimal,
    pub pv: Decimal,
    pub ev: Decimal,
    pub ac: Decimal,
}

impl Add for Values {
    type Output = Values;
    fn add(self, o: Values) -> Values {
        Values {
            bac: self.bac + o.bac,
            pv: self.pv + o.pv,
            ev: self.ev + o.ev,
            ac: self.ac + o.ac,
        }
    }
}

impl AddAssign for Values {
    fn add_assign(&mut self, o: Values) {
        *self = *self + o;
    }
}

/// The standard indicators of earned value management, from `Values`.
///
/// - SV = EV − PV, CV = EV − AC (money, to the fen).
/// - SPI = EV / PV and CPI = EV / AC (two decimals; `None` when the divisor is zero).
/// - EAC = BAC / CPI, the "typical variance" forecast: the cost performance so far holds for
///   the rest of the work. It is computed with the unrounded CPI (BAC × AC / EV). When nothing
///   has been spent (AC ≤ 0) there is no evidence yet, so EAC = BAC; when money was spent but
///   nothing earned (EV = 0), CPI is 0 and BAC / CPI has no value, so the remaining work is
///   assumed to cost its budget: EAC = AC + (BAC − EV).
/// - ETC = EAC − AC, VAC = BAC − EAC.
/// - TCPI = (BAC − EV) / (BAC − AC): the efficiency the remaining work needs to finish within
///   the budget. `None` when BAC − AC ≤ 0, i.e. the budget is already spent and no efficiency
///   can finish within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Indicators {
    pub values: Values,
    pub sv: Decimal,
    pub cv: Decimal,
    pub spi: Option<Decimal>,
    pub cpi: Option<Decimal>,
    pub eac: Decimal,
    pub etc: Decimal,
    pub vac: Decimal,
    pub tcpi: Option<Decimal>,
}

impl Indicators {
    pub fn of(values: Values) -> Indicators {
        let Values { bac, pv, ev, ac } = values;
        let ratio = |a: Decimal, b: Decimal| (!b.is_zero()).then(|| a.checked_div(b)).flatten();
        let eac = if ac <= Decimal::ZERO {
            bac
        } else if ev.is_zero() {
            ac + bac - ev
        } else {
            bac.checked_mul(ac)
                .and_then(|x| x.checked_div(ev))
                .unwrap_or(ac + bac - ev)
        };
        let eac = round2(eac);
        let remaining_budget = bac - ac;
        Indicators {
            values,
            sv: round2(ev - pv),
            cv: round2(ev - ac),
            spi: ratio(ev, pv).map(round2),
            cpi: ratio(ev, ac).map(round2),
            eac,
            etc: round2(eac - ac),
            vac: round2(bac - eac),
            tcpi: (remaining_budget > Decimal::ZERO)
                .then(|| ratio(bac - ev, remaining_budget))
                .flatten()
                .map(round2),
        }
    }

    /// Behind, on or ahead of schedule, by the SPI as shown.
    pub fn schedule(&self) -> Option<Standing> {
        self.spi.map(Standing::of)
    }

    /// Over, on or under budget, by the CPI as shown.
    pub fn cost(&self) -> Option<Standing> {
        self.cpi.map(Standing::of)
    }
}

/// Where a performance index stands against 1.00.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Below 1: behind schedule (SPI) or over budget (CPI).
    Worse,
    OnTarget,
    /// Above 1: ahead of schedule (SPI) or under budget (CPI).
    Better,
}

impl Standing {
    pub fn of(index: Decimal) -> Standing {
        match index.cmp(&Decimal::ONE) {
            std::cmp::Ordering::Less => Standing::Worse,
            std::cmp::Ordering::Equal => Standing::OnTarget,
            std::cmp::Ordering::Greater => Standing::Better,
        }
    }
}

/// The planned value at the end of `at` of `budget` spread evenly over the working days of
/// `span` (inclusive, either order): the share of the span's working days elapsed by `at`. A
/// span without working days plans everything on its last day.
pub fn planned_value(
    budget: Decimal,
    span: (NaiveDate, NaiveDate),
    calendar: &Calendar,
    at: NaiveDate,
) -> Decimal {
    let (start, finish) = (span.0.min(span.1), span.0.max(span.1));
    if at >= finish {
        return budget;
    }
    if at < start {
        return Decimal::ZERO;
    }
    let total = calendar.working_days_between(start, finish);
    if total <= 0 {
        return Decimal::ZERO;
    }
    let done = calendar.working_days_between(start, at);
    round2(budget * Decimal::from(done) / Decimal::from(total))
}

/// The value earned on `budget` at `percent` complete (0..=100).
pub fn earned_value(budget: Decimal, percent: Decimal) -> Decimal {
    round2(budget * percent.clamp(Decimal::ZERO, HUNDRED) / HUNDRED)
}

/// A task as earned value sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvTask {
    pub id: TaskId,
    pub parent: Option<TaskId>,
    /// Has children: its percent complete is rolled up from them.
    pub summary: bool,
    /// Explicit weight, or the duration in working days (for rolling up past progress).
    pub weight: Decimal,
    /// Planned start and finish: the latest baseline, else the current schedule.
    pub span: Option<(NaiveDate, NaiveDate)>,
    /// The task's own budget lines.
    pub budget: Decimal,
}

/// What earned value measures a project against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub tasks: Vec<EvTask>,
    /// The project's planned start and finish; budget without a task (or on a task without
    /// dates) is spread over it.
    pub span: (NaiveDate, NaiveDate),
    /// Budget lines without a task (or on a task no longer in the plan).
    pub unassigned: Decimal,
}

impl Plan {
    /// Budget at completion: the whole budget.
    pub fn bac(&self) -> Decimal {
        self.unassigned + self.tasks.iter().map(|t| t.budget).sum::<Decimal>()
    }
}

/// Measured figures of the project and of every task, descendants included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measured {
    pub project: Values,
    pub tasks: HashMap<TaskId, Values>,
}

/// Percent complete of each task (`Some(id)`) and of the project (`None`).
pub type Percents = HashMap<Option<TaskId>, Decimal>;

/// Measures `plan` at the end of `at`: `percents` as they stood then, `actual` the cost up to
/// then by task (`None`, or a task not in the plan: the project's cost without a task). Each
/// task's own budget is planned over its span and earned by its percent; the budget without a
/// task is planned over the project span and earned by the project's percent.
pub fn measure(
    plan: &Plan,
    calendar: &Calendar,
    at: NaiveDate,
    percents: &Percents,
    actual: &HashMap<Option<TaskId>, Decimal>,
) -> Measured {
    let percent = |k: Option<TaskId>| percents.get(&k).copied().unwrap_or_default();
    let known: HashSet<TaskId> = plan.tasks.iter().map(|t| t.id).collect();
    let parents: HashMap<TaskId, Option<TaskId>> =
        plan.tasks.iter().map(|t| (t.id, t.parent)).collect();
    let mut out = Measured::default();
    for task in &plan.tasks {
        let own = Values {
            bac: task.budget,
            pv: planned_value(task.budget, task.span.unwrap_or(plan.span), calendar, at),
            ev: earned_value(task.budget, percent(Some(task.id))),
            ac: actual.get(&Some(task.id)).copied().unwrap_or_default(),
        };
        out.project += own;
        // Credit the task and each ancestor; the guard stops a malformed cycle.
        let mut at_task = Some(task.id);
        let mut guard = 0;
        while let Some(id) = at_task {
            *out.tasks.entry(id).or_default() += own;
            guard += 1;
            if guard > parents.len() {
                break;
            }
            at_task = parents.get(&id).copied().flatten();
        }
    }
    let without_task: Decimal = actual
        .iter()
        .filter(|(k, _)| k.is_none_or(|id| !known.contains(&id)))
        .map(|(_, v)| *v)
        .sum();
    out.project += Values {
        bac: plan.unassigned,
        pv: planned_value(plan.unassigned, plan.span, calendar, at),
        ev: earned_value(plan.unassigned, percent(None)),
        ac: without_task,
    };
    out
}

/// Recorded progress over time: percent complete of each leaf at each status date.
#[derive(Debug, Clone)]
pub struct History {
    leaves: Vec<ProgressLeaf>,
    parents: HashMap<i64, Option<i64>>,
    /// (task, status date, percent), by status date then order of recording.
    points: Vec<(TaskId, NaiveDate, Decimal)>,
}

impl History {
    /// `points` oldest first, as `progress::queries::progress_points` returns them.
    pub fn new(tasks: &[EvTask], points: Vec<(TaskId, NaiveDate, Decimal)>) -> History {
        let mut points = points;
        // A stable sort keeps the order of recording within a day.
        points.sort_by_key(|(_, d, _)| *d);
        History {
            leaves: tasks
                .iter()
                .filter(|t| !t.summary)
                .map(|t| ProgressLeaf {
                    id: t.id.0,
                    parent: t.parent.map(|p| p.0),
                    percent: Decimal::ZERO,
                    weight: t.weight,
                })
                .collect(),
            parents: tasks
                .iter()
                .map(|t| (t.id.0, t.parent.map(|p| p.0)))
                .collect(),
            points,
        }
    }

    /// Percent complete of every task and of the project at the end of `at`: each leaf at its
    /// latest update on or before `at` (0 before any), summaries and the project rolled up the
    /// way the schedule rolls them up.
    pub fn percents_at(&self, at: NaiveDate) -> Percents {
        let mut latest: HashMap<TaskId, Decimal> = HashMap::new();
        for (task, _, percent) in self.points.iter().take_while(|(_, d, _)| *d <= at) {
            latest.insert(*task, *percent);
        }
        let leaves: Vec<ProgressLeaf> = self
            .leaves
            .iter()
            .map(|l| ProgressLeaf {
                percent: latest.get(&TaskId(l.id)).copied().unwrap_or_default(),
                ..*l
            })
            .collect();
        let mut out: Percents = roll_up_progress(&leaves, &self.parents)
            .into_iter()
            .map(|(k, v)| (k.map(TaskId), v))
            .collect();
        out.entry(None).or_default();
        for l in &leaves {
            out.insert(Some(TaskId(l.id)), l.percent);
        }
        out
    }
}

/// One point of the chart: planned value over the whole plan, earned value and actual cost up
/// to the status date only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub date: NaiveDate,
    pub pv: Decimal,
    pub ev: Option<Decimal>,
    pub ac: Option<Decimal>,
}

/// The chart's dates: weekly (monthly over ~2 years) across the plan, the costs and the
/// status date, with the status date itself always among them.
pub fn chart_dates(
    plan: &Plan,
    costs: &[(NaiveDate, Option<TaskId>, Decimal)],
    as_of: NaiveDate,
) -> Vec<NaiveDate> {
    let spans = plan
        .tasks
        .iter()
        .filter_map(|t| t.span)
        .chain([plan.span])
        .flat_map(|(a, b)| [a, b]);
    let all = spans.chain(costs.iter().map(|c| c.0)).chain([as_of]);
    let (lo, hi) = all.fold((as_of, as_of), |(lo, hi), d| (lo.min(d), hi.max(d)));
    let mut dates = sample_dates(lo, hi);
    if let Err(i) = dates.binary_search(&as_of) {
        dates.insert(i, as_of);
    }
    dates
}

/// The project's PV at every date, and its EV and AC at the dates up to `as_of`: past progress
/// from `history`, the status date itself from `current` (what the headline shows). `costs`
/// are (date, task, amount) in any order.
pub fn series(
    plan: &Plan,
    calendar: &Calendar,
    dates: &[NaiveDate],
    as_of: NaiveDate,
    current: &Percents,
    history: &History,
    costs: &[(NaiveDate, Option<TaskId>, Decimal)],
) -> Vec<Sample> {
    let mut costs: Vec<(NaiveDate, Decimal)> = costs.iter().map(|c| (c.0, c.2)).collect();
    costs.sort_by_key(|c| c.0);
    let mut spent = Decimal::ZERO;
    let mut next_cost = 0;
    let mut out = Vec::with_capacity(dates.len());
    for &date in dates {
        while let Some(&(_, amount)) = costs.get(next_cost).filter(|(d, _)| *d <= date) {
            spent += amount;
            next_cost += 1;
        }
        let past = date <= as_of;
        let percents = if !past || date == as_of {
            current.clone()
        } else {
            history.percents_at(date)
        };
        let actual = HashMap::from([(None, spent)]);
        let m = measure(plan, calendar, date, &percents, &actual).project;
        out.push(Sample {
            date,
            pv: m.pv,
            ev: past.then_some(m.ev),
            ac: past.then_some(spent),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn values(bac: Decimal, pv: Decimal, ev: Decimal, ac: Decimal) -> Values {
        Values { bac, pv, ev, ac }
    }

    /// The classic textbook case: a 100,000 budget, half the work planned by now, 40 % done,
    /// 45,000 spent.
    #[test]
    fn textbook_example() {
        let i = Indicators::of(values(dec!(100000), dec!(50000), dec!(40000), dec!(45000)));
        assert_eq!(i.sv, dec!(-10000));
        assert_eq!(i.cv, dec!(-5000));
        assert_eq!(i.spi, Some(dec!(0.80)));
        assert_eq!(i.cpi, Some(dec!(0.89)));
        assert_eq!(i.eac, dec!(112500));
        assert_eq!(i.etc, dec!(67500));
        assert_eq!(i.vac, dec!(-12500));
        assert_eq!(i.tcpi, Some(dec!(1.09)));
        assert_eq!(i.schedule(), Some(Standing::Worse));
        assert_eq!(i.cost(), Some(Standing::Worse));
    }

    /// The same case measured from a plan: one task of ten working days (Mon 2 – Fri 13 March
    /// 2026), measured at the end of its fifth, 40 % done, 45,000 spent on it.
    #[test]
    fn textbook_example_from_a_plan() {
        let plan = Plan {
            tasks: vec![EvTask {
                id: TaskId(1),
                parent: None,
                summary: false,
                weight: dec!(10),
                span: Some((d("2026-03-02"), d("2026-03-13"))),
                budget: dec!(100000),
            }],
            span: (d("2026-03-02"), d("2026-03-13")),
            unassigned: Decimal::ZERO,
        };
        let percents = Percents::from([(Some(TaskId(1)), dec!(40)), (None, dec!(40))]);
        let actual = HashMap::from([(Some(TaskId(1)), dec!(45000))]);
        let m = measure(
            &plan,
            &Calendar::mon_fri(),
            d("2026-03-06"),
            &percents,
            &actual,
        );
        assert_eq!(
            m.project,
            values(dec!(100000), dec!(50000), dec!(40000), dec!(45000))
        );
        assert_eq!(m.tasks[&TaskId(1)], m.project);
        assert_eq!(Indicators::of(m.project).eac, dec!(112500));
    }

    #[test]
    fn ahead_and_under_budget() {
        let i = Indicators::of(values(dec!(1000), dec!(400), dec!(500), dec!(400)));
        assert_eq!(i.spi, Some(dec!(1.25)));
        assert_eq!(i.cpi, Some(dec!(1.25)));
        assert_eq!(i.eac, dec!(800));
        assert_eq!(i.vac, dec!(200));
        assert_eq!(i.tcpi, Some(dec!(0.83)));
        assert_eq!(i.schedule(), Some(Standing::Better));
        assert_eq!(Standing::of(dec!(1.00)), Standing::OnTarget);
    }

    #[test]
    fn nothing_spent_forecasts_the_budget() {
        let i = Indicators::of(values(dec!(1000), dec!(0), dec!(0), dec!(0)));
        assert_eq!((i.spi, i.cpi), (None, None));
        assert_eq!(i.eac, dec!(1000));
        assert_eq!((i.etc, i.vac), (dec!(1000), dec!(0)));
        assert_eq!(i.tcpi, Some(dec!(1)));
        // Earned without cost yet: still no evidence of cost performance.
        let i = Indicators::of(values(dec!(1000), dec!(100), dec!(200), dec!(0)));
        assert_eq!(i.eac, dec!(1000));
        assert_eq!(i.spi, Some(dec!(2)));
    }

    #[test]
    fn spent_without_earning_adds_the_whole_budget() {
        let i = Indicators::of(values(dec!(1000), dec!(100), dec!(0), dec!(300)));
        assert_eq!(i.cpi, Some(dec!(0)));
        assert_eq!(i.eac, dec!(1300));
        assert_eq!(i.etc, dec!(1000));
        assert_eq!(i.vac, dec!(-300));
        assert_eq!(i.cost(), Some(Standing::Worse));
    }

    #[test]
    fn tcpi_has_no_value_once_the_budget_is_spent() {
        assert_eq!(
            Indicators::of(values(dec!(1000), dec!(900), dec!(800), dec!(1000))).tcpi,
            None
        );
        assert_eq!(
            Indicators::of(values(dec!(1000), dec!(900), dec!(800), dec!(1200))).tcpi,
            None
        );
        // No budget at all: cost is all overrun.
        let i = Indicators::of(values(dec!(0), dec!(0), dec!(0), dec!(50)));
        assert_eq!((i.eac, i.vac, i.tcpi), (dec!(50), dec!(-50), None));
    }

    #[test]
    fn money_rounds_to_the_fen_half_away_from_zero() {
        // EAC = 100 × 1 / 3 = 33.333… ; SPI = 1/3.
        let i = Indicators::of(values(dec!(100), dec!(3), dec!(3), dec!(1)));
        assert_eq!(i.eac, dec!(33.33));
        assert_eq!(round2(dec!(0.125)), dec!(0.13));
        assert_eq!(round2(dec!(-0.125)), dec!(-0.13));
        assert_eq!(earned_value(dec!(100.01), dec!(50)), dec!(50.01));
        assert_eq!(earned_value(dec!(100), dec!(150)), dec!(100));
    }

    #[test]
    fn planned_value_follows_working_days() {
        let cal = Calendar::mon_fri();
        let span = (d("2026-03-02"), d("2026-03-13")); // ten weekdays
        let pv = |at: &str| planned_value(dec!(1000), span, &cal, d(at));
        assert_eq!(pv("2026-03-01"), dec!(0));
        assert_eq!(pv("2026-03-02"), dec!(100));
        assert_eq!(pv("2026-03-06"), dec!(500));
        // The weekend earns nothing.
        assert_eq!(pv("2026-03-08"), dec!(500));
        assert_eq!(pv("2026-03-09"), dec!(600));
        assert_eq!(pv("2026-03-13"), dec!(1000));
        assert_eq!(pv("2027-01-01"), dec!(1000));
        // Thirds round to the fen.
        let three = (d("2026-03-02"), d("2026-03-04"));
        assert_eq!(
            planned_value(dec!(100), three, &cal, d("2026-03-02")),
            dec!(33.33)
        );
        // A weekend-only span lands on its last day; a reversed span is read in order.
        let weekend = (d("2026-03-07"), d("2026-03-08"));
        assert_eq!(
            planned_value(dec!(10), weekend, &cal, d("2026-03-07")),
            dec!(0)
        );
        assert_eq!(
            planned_value(dec!(10), weekend, &cal, d("2026-03-08")),
            dec!(10)
        );
        assert_eq!(
            planned_value(dec!(1000), (span.1, span.0), &cal, d("2026-03-06")),
            dec!(500)
        );
    }

    /// A summary (1) over two leaves (2, 3), with a budget line on the summary itself and one
    /// without a task.
    fn sample_plan() -> Plan {
        Plan {
            tasks: vec![
                EvTask {
                    id: TaskId(1),
                    parent: None,
                    summary: true,
                    weight: dec!(10),
                    span: Some((d("2026-03-02"), d("2026-03-13"))),
                    budget: dec!(100),
                },
                EvTask {
                    id: TaskId(2),
                    parent: Some(TaskId(1)),
                    summary: false,
                    weight: dec!(5),
                    span: Some((d("2026-03-02"), d("2026-03-06"))),
                    budget: dec!(500),
                },
                EvTask {
                    id: TaskId(3),
                    parent: Some(TaskId(1)),
                    summary: false,
                    weight: dec!(5),
                    span: Some((d("2026-03-09"), d("2026-03-13"))),
                    budget: dec!(1000),
                },
                EvTask {
                    id: TaskId(4),
                    parent: None,
                    summary: false,
                    weight: dec!(0),
                    span: None,
                    budget: dec!(0),
                },
            ],
            span: (d("2026-03-02"), d("2026-03-20")),
            unassigned: dec!(300),
        }
    }

    #[test]
    fn summaries_add_up_their_descendants_and_the_project_everything() {
        let plan = sample_plan();
        assert_eq!(plan.bac(), dec!(1900));
        let percents = Percents::from([
            (Some(TaskId(1)), dec!(60)),
            (Some(TaskId(2)), dec!(100)),
            (Some(TaskId(3)), dec!(20)),
            (None, dec!(40)),
        ]);
        let actual = HashMap::from([
            (Some(TaskId(2)), dec!(450)),
            (Some(TaskId(3)), dec!(150)),
            (None, dec!(70)),
            // A task no longer in the plan counts on the project only.
            (Some(TaskId(99)), dec!(30)),
        ]);
        let m = measure(
            &plan,
            &Calendar::mon_fri(),
            d("2026-03-10"),
            &percents,
            &actual,
        );
        // Task 3: two of five days → 400; summary's own: seven of ten days → 70.
        assert_eq!(
            m.tasks[&TaskId(3)],
            values(dec!(1000), dec!(400), dec!(200), dec!(150))
        );
        assert_eq!(
            m.tasks[&TaskId(2)],
            values(dec!(500), dec!(500), dec!(500), dec!(450))
        );
        assert_eq!(
            m.tasks[&TaskId(1)],
            values(dec!(1600), dec!(970), dec!(760), dec!(600))
        );
        // Unassigned: seven of fifteen working days of 300 = 140, earned at 40 % = 120.
        assert_eq!(
            m.project,
            values(dec!(1900), dec!(1110), dec!(880), dec!(700))
        );
        assert_eq!(m.tasks[&TaskId(4)], Values::default());
    }

    #[test]
    fn history_rolls_past_progress_up() {
        let plan = sample_plan();
        let history = History::new(
            &plan.tasks,
            vec![
                (TaskId(3), d("2026-03-10"), dec!(10)),
                (TaskId(2), d("2026-03-04"), dec!(40)),
                (TaskId(2), d("2026-03-06"), dec!(100)),
            ],
        );
        let before = history.percents_at(d("2026-03-01"));
        assert_eq!(before.get(&None), Some(&dec!(0)));
        let mid = history.percents_at(d("2026-03-05"));
        assert_eq!(mid[&Some(TaskId(2))], dec!(40));
        assert_eq!(mid[&Some(TaskId(3))], dec!(0));
        // Leaves 2 and 3 weigh 5 each, 4 weighs nothing: (40×5 + 0×5 + 0×0) / 10.
        assert_eq!(mid[&Some(TaskId(1))], dec!(20));
        assert_eq!(mid[&None], dec!(20));
        let later = history.percents_at(d("2026-03-12"));
        assert_eq!(
            (later[&Some(TaskId(2))], later[&Some(TaskId(3))]),
            (dec!(100), dec!(10))
        );
        assert_eq!(later[&Some(TaskId(1))], dec!(55));
    }

    #[test]
    fn series_plans_to_bac_and_stops_actuals_at_the_status_date() {
        let plan = sample_plan();
        let costs = [
            (d("2026-03-03"), Some(TaskId(2)), dec!(200)),
            (d("2026-02-20"), None, dec!(50)),
            (d("2026-03-12"), Some(TaskId(3)), dec!(999)),
        ];
        let as_of = d("2026-03-10");
        let dates = chart_dates(&plan, &costs, as_of);
        assert_eq!(dates.first(), Some(&d("2026-02-20")));
        assert_eq!(dates.last(), Some(&d("2026-03-20")));
        assert!(dates.contains(&as_of));
        assert!(dates.windows(2).all(|w| w[0] < w[1]));
        let history = History::new(&plan.tasks, vec![(TaskId(2), d("2026-03-04"), dec!(40))]);
        let current = Percents::from([
            (Some(TaskId(2)), dec!(100)),
            (Some(TaskId(1)), dec!(50)),
            (None, dec!(50)),
        ]);
        let s = series(
            &plan,
            &Calendar::mon_fri(),
            &dates,
            as_of,
            &current,
            &history,
            &costs,
        );
        assert_eq!(s.len(), dates.len());
        assert_eq!(s.last().map(|x| x.pv), Some(plan.bac()));
        assert!(s.windows(2).all(|w| w[0].pv <= w[1].pv));
        let at = s.iter().find(|x| x.date == as_of).unwrap();
        // The cost on 12 March is after the status date.
        assert_eq!(at.ac, Some(dec!(250)));
        assert_eq!(s[0].ac, Some(dec!(50)));
        // At the status date EV uses the current percents: 500 + 50 (summary) + 150.
        assert_eq!(at.ev, Some(dec!(700)));
        assert!(
            s.iter()
                .filter(|x| x.date > as_of)
                .all(|x| x.ev.is_none() && x.ac.is_none())
        );
    }

    #[test]
    fn empty_plan_measures_zero() {
        let plan = Plan {
            tasks: vec![],
            span: (d("2026-03-02"), d("2026-03-02")),
            unassigned: Decimal::ZERO,
        };
        let m = measure(
            &plan,
            &Calendar::mon_fri(),
            d("2026-03-02"),
            &Percents::new(),
            &HashMap::new(),
        );
        assert_eq!(m.project, Values::default());
        let dates = chart_dates(&plan, &[], d("2026-03-02"));
        assert_eq!(dates, vec![d("2026-03-02")]);
    }
}
