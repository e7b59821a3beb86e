//! The cash-flow rules, pure: months, the monthly roll-up and the balance, plan against
//! actual with the projected balance, receivables and payables with their FIFO aging, and
//! retention both ways with its release dates.
//!
//! - Cash in and out by project and month come from `fund_month` (labour wages included as
//!   outflows). The balance is everything in less everything out, up to a month.
//! - Receivable (应收) of an income contract: its certified applications' certified amounts
//!   less the receipts against them, never below zero. Aged first-in-first-out by
//!   certification date: the oldest certified amount is the first a receipt settles.
//! - Payable (应付) of an expense contract: what was invoiced (cost entries booked against it,
//!   with their VAT) less what was paid on it, never below zero, aged FIFO by entry date.
//!   Approved payment requests not yet paid are shown apart as "due to pay".
//! - Retention held by others (our income contracts): the retention of certified
//!   applications less retention receipts. Held from others (our expense contracts): the
//!   contract's current amount × its retention percent less retention payments.
//! - The projected balance is the actual balance up to the current month, then each later
//!   month adds its planned inflow and subtracts its planned outflow.

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

use super::queries;
use crate::funds::domain::{ContractDirection, ContractStatus};
use crate::ids::ContractId;
use crate::web::amount::{AmountField, AmountMessages};

/// How far ahead a retention release counts as coming up.
pub const UPCOMING_DAYS: i64 = 90;

/// The first day of `d`'s month.
pub use crate::cost::month_of;

/// `m` moved by `n` months (negative: back).
pub fn add_months(m: NaiveDate, n: i32) -> NaiveDate {
    let moved = if n >= 0 {
        m.checked_add_months(Months::new(n.unsigned_abs()))
    } else {
        m.checked_sub_months(Months::new(n.unsigned_abs()))
    };
    moved.unwrap_or(m)
}

/// Every month from `first` to `last`, both included (month starts).
pub fn months_between(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    let (mut m, last) = (month_of(first), month_of(last));
    let mut out = Vec::new();
    while m <= last {
        out.push(m);
        m = add_months(m, 1);
        if out.len() > 1200 {
            break;
        }
    }
    out
}

/// Which way money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

/// One ledger movement as the roll-up sees it (a reversal carries the negated amount).
#[derive(Debug, Clone, Copy)]
pub struct Movement {
    pub moved_on: NaiveDate,
    pub direction: Direction,
    pub amount: Decimal,
}

/// Cash in and out of one month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Flow {
    pub inflow: Decimal,
    pub outflow: Decimal,
}

impl Flow {
    pub fn net(&self) -> Decimal {
        self.inflow - self.outflow
    }
}

/// The movements summed by month (what the `fund_month` triggers keep).
pub fn roll_up(movements: &[Movement]) -> BTreeMap<NaiveDate, Flow> {
    let mut months: BTreeMap<NaiveDate, Flow> = BTreeMap::new();
    for m in movements {
        let f = months.entry(month_of(m.moved_on)).or_default();
        match m.direction {
            Direction::In => f.inflow += m.amount,
            Direction::Out => f.outflow += m.amount,
        }
    }
    months
}

/// The balance: everything in less everything out.
pub fn balance<'a>(flows: impl IntoIterator<Item = &'a Flow>) -> Decimal {
    flows.into_iter().map(Flow::net).sum()
}

/// The balance at the end of each month of `flows`, in order.
pub fn running_balance(flows: &BTreeMap<NaiveDate, Flow>) -> Vec<(NaiveDate, Decimal)> {
    let mut b = Decimal::ZERO;
    flows
        .iter()
        .map(|(m, f)| {
            b += f.net();
            (*m, b)
        })
        .collect()
}

/// A month's plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Planned {
    pub planned_in: Decimal,
    pub planned_out: Decimal,
}

/// One month of the plan-against-actual table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthLine {
    pub month: NaiveDate,
    pub actual: Flow,
    pub plan: Option<Planned>,
    /// Actual less planned, in and out, when the month has a plan and is not in the future.
    pub variance: Option<Flow>,
    /// The balance at the month's end: actual up to the current month, projected after.
    pub balance: Decimal,
    pub projected: bool,
}

/// The months from `first` to `last` with actual, plan, variance and balance; `current` is the
/// tenant's current month. Actual flows before `first` open the balance; actual flows after
/// `current` are not counted (the future is the plan's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub lines: Vec<MonthLine>,
    pub opening: Decimal,
    /// The first month from the current one on whose balance is below zero.
    pub first_negative: Option<NaiveDate>,
}

pub fn timeline(
    actual: &BTreeMap<NaiveDate, Flow>,
    plan: &BTreeMap<NaiveDate, Planned>,
    first: NaiveDate,
    last: NaiveDate,
    current: NaiveDate,
) -> Timeline {
    let (first, current) = (month_of(first), month_of(current));
    let opening = balance(actual.range(..first).map(|(_, f)| f));
    let mut b = opening;
    let mut first_negative = None;
    let lines = months_between(first, last)
        .into_iter()
        .map(|month| {
            let projected = month > current;
            let flow = if projected {
                Flow::default()
            } else {
                actual.get(&month).copied().unwrap_or_default()
            };
            let p = plan.get(&month).copied();
            if projected {
                let p = p.unwrap_or_default();
                b += p.planned_in - p.planned_out;
            } else {
                b += flow.net();
            }
            if month >= current && b < Decimal::ZERO && first_negative.is_none() {
                first_negative = Some(month);
            }
            MonthLine {
                month,
                actual: flow,
                plan: p,
                variance: p.filter(|_| !projected).map(|p| Flow {
                    inflow: flow.inflow - p.planned_in,
                    outflow: flow.outflow - p.planned_out,
                }),
                balance: b,
                projected,
            }
        })
        .collect();
    Timeline {
        lines,
        opening,
        first_negative,
    }
}

impl Timeline {
    /// The same months starting from `cash` already held (the company's bank accounts'
    /// opening balances): every balance moves by it and the first negative month is found
    /// again from `current` on.
    pub fn starting_with(mut self, cash: Decimal, current: NaiveDate) -> Self {
        let current = month_of(current);
        self.opening += cash;
        for l in &mut self.lines {
            l.balance += cash;
        }
        self.first_negative = self
            .lines
            .iter()
            .find(|l| l.month >= current && l.balance < Decimal::ZERO)
            .map(|l| l.month);
        self
    }
}

/// Amounts by age: 0–30, 31–60, 61–90 and over 90 days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Buckets {
    pub days_0_30: Decimal,
    pub days_31_60: Decimal,
    pub days_61_90: Decimal,
    pub days_over_90: Decimal,
}

impl Buckets {
    pub fn total(&self) -> Decimal {
        self.days_0_30 + self.days_31_60 + self.days_61_90 + self.days_over_90
    }

    /// Adds `amount` aged `days` (not yet due or due today: the first bucket).
    pub fn add(&mut self, days: i64, amount: Decimal) {
        match days {
            ..=30 => self.days_0_30 += amount,
            31..=60 => self.days_31_60 += amount,
            61..=90 => self.days_61_90 += amount,
            _ => self.days_over_90 += amount,
        }
    }

    pub fn plus(&self, o: &Buckets) -> Buckets {
        Buckets {
            days_0_30: self.days_0_30 + o.days_0_30,
            days_31_60: self.days_31_60 + o.days_31_60,
            days_61_90: self.days_61_90 + o.days_61_90,
            days_over_90: self.days_over_90 + o.days_over_90,
        }
    }

    pub fn as_array(&self) -> [Decimal; 4] {
        [
            self.days_0_30,
            self.days_31_60,
            self.days_61_90,
            self.days_over_90,
        ]
    }
}

/// Something owed from a date: a certified application, an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub dated: NaiveDate,
    /// When it must be paid by (none: on `dated`).
    pub due: Option<NaiveDate>,
    pub amount: Decimal,
}

/// What is still open of each item after `settled` paid the oldest first (FIFO), in date
/// order; items fully settled are left out.
pub fn fifo_open(items: &[Item], settled: Decimal) -> Vec<Item> {
    let mut sorted = items.to_vec();
    sorted.sort_by_key(|i| (i.dated, i.due));
    let mut left = settled.max(Decimal::ZERO);
    let mut open = Vec::new();
    for i in sorted {
        let take = left.min(i.amount.max(Decimal::ZERO));
        left -= take;
        let rest = i.amount - take;
        if rest > Decimal::ZERO {
            open.push(Item { amount: rest, ..i });
        }
    }
    open
}

/// The open amounts aged by their date as of `today`.
pub fn aging(items: &[Item], settled: Decimal, today: NaiveDate) -> Buckets {
    let mut b = Buckets::default();
    for i in fifo_open(items, settled) {
        b.add(today.signed_duration_since(i.dated).num_days(), i.amount);
    }
    b
}

/// The open amount past its due date as of `today`.
pub fn overdue(items: &[Item], settled: Decimal, today: NaiveDate) -> Decimal {
    fifo_open(items, settled)
        .iter()
        .filter(|i| i.due.unwrap_or(i.dated) < today)
        .map(|i| i.amount)
        .sum()
}

/// A contract's money, as the queries sum it: what was certified, received, invoiced and paid,
/// and the retention both ways.
#[derive(Debug, Clone, Serialize)]
pub struct ContractMoney {
    pub id: ContractId,
    pub project_id: i64,
    pub project_code: String,
    pub number: String,
    pub title: String,
    pub direction: ContractDirection,
    pub counterparty_id: i64,
    pub counterparty: String,
    pub status: ContractStatus,
    /// The amount with its variations (with VAT).
    pub current_amount: Decimal,
    pub retention_percent: Decimal,
    pub retention_release_on: Option<NaiveDate>,
    /// Income: certified applications' certified amounts and retention.
    pub certified: Decimal,
    pub retention_certified: Decimal,
    /// Income: receipts against the applications; retention receipts.
    pub received: Decimal,
    pub retention_received: Decimal,
    /// Expense: cost entries booked against it with VAT; contract payments; retention paid.
    pub invoiced: Decimal,
    pub paid: Decimal,
    pub retention_paid: Decimal,
    /// Expense: approved payment requests not yet paid.
    pub due_to_pay: Decimal,
    /// 应收 (income), 应付 (expense) and the retention still held, by the rules of
    /// `contract_money_figures` (migration 0014), which keeps them with the money.
    pub receivable: Decimal,
    pub payable: Decimal,
    pub retention_held: Decimal,
}

impl ContractMoney {
    pub fn is_income(&self) -> bool {
        self.direction == ContractDirection::Income
    }

    /// What was paid on an expense contract, progress payments and retention paid back both:
    /// the invoices cover the whole contract, retention included.
    pub fn paid_total(&self) -> Decimal {
        self.paid + self.retention_paid
    }
}

/// The last release date a list of releases due takes on `today`: overdue ones and those
/// within `UPCOMING_DAYS` (`Release::of`).
pub fn releases_through(today: NaiveDate) -> NaiveDate {
    today
        .checked_add_days(chrono::Days::new(UPCOMING_DAYS.unsigned_abs()))
        .unwrap_or(NaiveDate::MAX)
}

/// When retention comes back (or is due to be paid back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// The release date has passed and something is still held.
    Overdue,
    /// Within `UPCOMING_DAYS`.
    Upcoming,
    Later,
    Undated,
}

impl Release {
    pub fn of(release_on: Option<NaiveDate>, today: NaiveDate) -> Release {
        match release_on {
            None => Release::Undated,
            Some(d) if d < today => Release::Overdue,
            Some(d) if d.signed_duration_since(today).num_days() <= UPCOMING_DAYS => {
                Release::Upcoming
            }
            Some(_) => Release::Later,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Release::Overdue => "overdue",
            Release::Upcoming => "upcoming",
            Release::Later => "later",
            Release::Undated => "undated",
        }
    }
}

/// Money totals over a set of contracts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub income_value: Decimal,
    pub expense_value: Decimal,
    pub certified: Decimal,
    pub received: Decimal,
    pub receivable: Decimal,
    pub invoiced: Decimal,
    pub paid: Decimal,
    pub payable: Decimal,
    pub due_to_pay: Decimal,
    pub retention_by_others: Decimal,
    pub retention_from_others: Decimal,
}

pub fn totals(contracts: &[ContractMoney]) -> Totals {
    let mut t = Totals::default();
    for k in contracts {
        if k.is_income() {
            t.income_value += k.current_amount;
            t.certified += k.certified;
            t.received += k.received;
            t.receivable += k.receivable;
            t.retention_by_others += k.retention_held;
        } else {
            t.expense_value += k.current_amount;
            t.invoiced += k.invoiced;
            t.paid += k.paid_total();
            t.payable += k.payable;
            t.due_to_pay += k.due_to_pay;
            t.retention_from_others += k.retention_held;
        }
    }
    t
}

/// A planned amount as typed: empty is zero; negative, more than two decimals or above
/// `max` are refused with the message key.
pub fn plan_amount(text: &str, max: Decimal) -> Result<Decimal, &'static str> {
    const WORDS: AmountMessages = AmountMessages {
        negative: "funds_flow.amount_negative",
        ..AmountMessages::FORM
    };
    AmountField::MONEY
        .at_most(max)
        .parse(text)
        .map(Option::unwrap_or_default)
        .map_err(|e| e.key(&WORDS))
}

/// The months a cash-flow view shows: the last 12 up to the current one (or from the first
/// with any money or plan, if later), then the planned months ahead (at most 24).
pub(crate) fn range(
    actual: &BTreeMap<NaiveDate, Flow>,
    plan: &BTreeMap<NaiveDate, Planned>,
    today: NaiveDate,
) -> (NaiveDate, NaiveDate) {
    let current = month_of(today);
    let earliest = add_months(current, -11);
    let first_data = actual
        .keys()
        .chain(plan.keys())
        .copied()
        .min()
        .unwrap_or(current)
        .min(current);
    let first = first_data.max(earliest);
    let last = plan
        .keys()
        .copied()
        .max()
        .unwrap_or(current)
        .max(current)
        .min(add_months(current, 24));
    (first, last)
}

/// Items grouped by contract.
pub(crate) fn items_by_contract(items: &[queries::ContractItem]) -> HashMap<ContractId, Vec<Item>> {
    let mut out: HashMap<ContractId, Vec<Item>> = HashMap::new();
    for i in items {
        out.entry(i.contract_id).or_default().push(i.item());
    }
    out
}

/// What is past due of the receivables of `contracts`.
pub(crate) fn overdue_receivable(
    contracts: &[ContractMoney],
    items: &[queries::ContractItem],
    today: NaiveDate,
) -> Decimal {
    let by = items_by_contract(items);
    contracts
        .iter()
        .filter(|k| k.is_income())
        .map(|k| {
            by.get(&k.id)
                .map_or(Decimal::ZERO, |i| overdue(i, k.received, today))
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn months_step_over_years() {
        assert_eq!(
            months_between(d(2025, 11, 15), d(2026, 2, 3)),
            vec![d(2025, 11, 1), d(2025, 12, 1), d(2026, 1, 1), d(2026, 2, 1)]
        );
        assert_eq!(add_months(d(2026, 1, 1), -13), d(2024, 12, 1));
        assert!(months_between(d(2026, 3, 1), d(2026, 2, 1)).is_empty());
    }

    #[test]
    fn roll_up_nets_reversals() {
        let mv = |y, m, day, dir, a| Movement {
            moved_on: d(y, m, day),
            direction: dir,
            amount: a,
        };
        let months = roll_up(&[
            mv(2026, 1, 5, Direction::In, dec!(100)),
            mv(2026, 1, 9, Direction::In, dec!(-100)),
            mv(2026, 1, 20, Direction::Out, dec!(30)),
            mv(2026, 2, 1, Direction::In, dec!(50)),
        ]);
        assert_eq!(
            months[&d(2026, 1, 1)],
            Flow {
                inflow: dec!(0),
                outflow: dec!(30)
            }
        );
        assert_eq!(balance(months.values()), dec!(20));
        assert_eq!(
            running_balance(&months),
            vec![(d(2026, 1, 1), dec!(-30)), (d(2026, 2, 1), dec!(20))]
        );
    }

    #[test]
    fn timeline_projects_the_plan_after_the_current_month_and_names_the_first_negative() {
        let actual = BTreeMap::from([
            (
                d(2025, 12, 1),
                Flow {
                    inflow: dec!(1000),
                    outflow: dec!(0),
                },
            ),
            (
                d(2026, 1, 1),
                Flow {
                    inflow: dec!(200),
                    outflow: dec!(500),
                },
            ),
            // Dated ahead: the plan speaks for the future.
            (
                d(2026, 3, 1),
                Flow {
                    inflow: dec!(999),
                    outflow: dec!(0),
                },
            ),
        ]);
        let plan = BTreeMap::from([
            (
                d(2026, 1, 1),
                Planned {
                    planned_in: dec!(300),
                    planned_out: dec!(400),
                },
            ),
            (
                d(2026, 2, 1),
                Planned {
                    planned_in: dec!(0),
                    planned_out: dec!(600),
                },
            ),
            (
                d(2026, 3, 1),
                Planned {
                    planned_in: dec!(500),
                    planned_out: dec!(0),
                },
            ),
        ]);
        let t = timeline(&actual, &plan, d(2026, 1, 1), d(2026, 3, 1), d(2026, 1, 20));
        assert_eq!(t.opening, dec!(1000));
        let balances: Vec<Decimal> = t.lines.iter().map(|l| l.balance).collect();
        assert_eq!(balances, vec![dec!(700), dec!(100), dec!(600)]);
        assert_eq!(
            t.lines[0].variance,
            Some(Flow {
                inflow: dec!(-100),
                outflow: dec!(100)
            })
        );
        assert!(t.lines[1].projected && t.lines[1].variance.is_none());
        assert_eq!(t.first_negative, None);
        let mut deeper = plan;
        deeper.insert(
            d(2026, 2, 1),
            Planned {
                planned_in: dec!(0),
                planned_out: dec!(800),
            },
        );
        let t = timeline(
            &actual,
            &deeper,
            d(2026, 1, 1),
            d(2026, 3, 1),
            d(2026, 1, 20),
        );
        assert_eq!(t.lines[1].balance, dec!(-100));
        assert_eq!(t.first_negative, Some(d(2026, 2, 1)));
    }

    #[test]
    fn a_negative_past_is_not_a_projection_warning() {
        let actual = BTreeMap::from([(
            d(2025, 6, 1),
            Flow {
                inflow: dec!(0),
                outflow: dec!(10),
            },
        )]);
        let plan = BTreeMap::from([(
            d(2025, 7, 1),
            Planned {
                planned_in: dec!(20),
                planned_out: dec!(0),
            },
        )]);
        let t = timeline(&actual, &plan, d(2025, 5, 1), d(2025, 7, 1), d(2025, 6, 3));
        assert_eq!(t.first_negative, Some(d(2025, 6, 1)));
        let t = timeline(&actual, &plan, d(2025, 5, 1), d(2025, 7, 1), d(2025, 7, 3));
        assert_eq!(t.first_negative, Some(d(2025, 7, 1)));
    }

    #[test]
    fn buckets_edges() {
        let mut b = Buckets::default();
        for (days, a) in [
            (-5, 1),
            (0, 1),
            (30, 1),
            (31, 2),
            (60, 2),
            (61, 3),
            (90, 3),
            (91, 4),
        ] {
            b.add(days, Decimal::from(a));
        }
        assert_eq!(b.as_array(), [dec!(3), dec!(4), dec!(6), dec!(4)]);
        assert_eq!(b.total(), dec!(17));
    }

    #[test]
    fn fifo_settles_the_oldest_first() {
        let items = [
            Item {
                dated: d(2026, 3, 1),
                due: Some(d(2026, 3, 15)),
                amount: dec!(300),
            },
            Item {
                dated: d(2026, 1, 1),
                due: Some(d(2026, 1, 15)),
                amount: dec!(100),
            },
            Item {
                dated: d(2026, 2, 1),
                due: None,
                amount: dec!(200),
            },
        ];
        let open = fifo_open(&items, dec!(150));
        assert_eq!(open.len(), 2);
        assert_eq!((open[0].dated, open[0].amount), (d(2026, 2, 1), dec!(150)));
        let today = d(2026, 3, 10);
        let b = aging(&items, dec!(150), today);
        // 2026-02-01 is 37 days before, 2026-03-01 nine.
        assert_eq!(b.as_array(), [dec!(300), dec!(150), dec!(0), dec!(0)]);
        assert_eq!(overdue(&items, dec!(150), today), dec!(150));
        assert_eq!(aging(&items, dec!(1000), today), Buckets::default());
        assert_eq!(aging(&items, dec!(-5), today).total(), dec!(600));
    }

    fn contract(direction: ContractDirection) -> ContractMoney {
        ContractMoney {
            id: ContractId(1),
            project_id: 1,
            project_code: "P".into(),
            number: "K".into(),
            title: "T".into(),
            direction,
            counterparty_id: 1,
            counterparty: "C".into(),
            status: ContractStatus::Signed,
            current_amount: dec!(113000),
            retention_percent: dec!(3),
            retention_release_on: None,
            certified: dec!(50000),
            retention_certified: dec!(1500),
            received: dec!(20000),
            retention_received: dec!(500),
            invoiced: dec!(40000),
            paid: dec!(45000),
            retention_paid: dec!(390),
            due_to_pay: dec!(7000),
            receivable: if direction == ContractDirection::Income {
                dec!(30000)
            } else {
                dec!(0)
            },
            payable: dec!(0),
            retention_held: if direction == ContractDirection::Income {
                dec!(1000)
            } else {
                dec!(810)
            },
        }
    }

    #[test]
    fn totals_add_each_direction_apart() {
        let i = contract(ContractDirection::Income);
        let e = contract(ContractDirection::Expense);
        let t = totals(&[i, e]);
        assert_eq!(t.income_value, dec!(113000));
        assert_eq!(t.receivable, dec!(30000));
        assert_eq!(t.due_to_pay, dec!(7000));
        assert_eq!(t.retention_from_others, dec!(810));
    }

    #[test]
    fn cash_held_at_the_start_lifts_every_balance_and_may_clear_the_warning() {
        let mut actual = BTreeMap::new();
        actual.insert(
            d(2026, 1, 1),
            Flow {
                inflow: dec!(100),
                outflow: dec!(300),
            },
        );
        let t = timeline(
            &actual,
            &BTreeMap::new(),
            d(2026, 1, 1),
            d(2026, 2, 1),
            d(2026, 1, 5),
        );
        assert_eq!(t.first_negative, Some(d(2026, 1, 1)));
        let t = t.starting_with(dec!(500), d(2026, 1, 5));
        assert_eq!(t.opening, dec!(500));
        assert_eq!(t.lines[0].balance, dec!(300));
        assert_eq!(t.first_negative, None);
    }

    #[test]
    fn release_states() {
        let today = d(2026, 6, 1);
        assert_eq!(Release::of(None, today), Release::Undated);
        assert_eq!(Release::of(Some(d(2026, 5, 31)), today), Release::Overdue);
        assert_eq!(Release::of(Some(today), today), Release::Upcoming);
        assert_eq!(Release::of(Some(d(2026, 8, 30)), today), Release::Upcoming);
        assert_eq!(Release::of(Some(d(2026, 8, 31)), today), Release::Later);
    }

    #[test]
    fn plan_amounts() {
        let max = dec!(99999999999.99);
        assert_eq!(plan_amount("", max), Ok(dec!(0)));
        assert_eq!(plan_amount("1,234.5", max), Ok(dec!(1234.5)));
        assert_eq!(plan_amount("-1", max), Err("funds_flow.amount_negative"));
        assert_eq!(plan_amount("1.234", max), Err("form.too_many_decimals"));
        assert_eq!(plan_amount("1.230", max), Ok(dec!(1.23)));
        assert_eq!(plan_amount("abc", max), Err("form.invalid_number"));
        assert_eq!(plan_amount("100000000000", max), Err("form.out_of_range"));
    }

    fn movements() -> impl Strategy<Value = Vec<(Movement, bool)>> {
        prop::collection::vec(
            (
                0u32..36,
                1u32..28,
                any::<bool>(),
                1i64..10_000_000,
                any::<bool>(),
            ),
            0..60,
        )
        .prop_map(|v| {
            v.into_iter()
                .map(|(m, day, inflow, cents, reversed)| {
                    let moved_on = add_months(d(2024, 1, day), m as i32);
                    let direction = if inflow {
                        Direction::In
                    } else {
                        Direction::Out
                    };
                    (
                        Movement {
                            moved_on,
                            direction,
                            amount: Decimal::new(cents, 2),
                        },
                        reversed,
                    )
                })
                .collect()
        })
    }

    proptest! {
        /// Movements, some reversed (a negated movement, possibly in a later month): the
        /// monthly roll-up and the balance equal the plain sums.
        #[test]
        fn roll_up_and_balance_equal_the_plain_sums(mv in movements(), later in 0i32..3) {
            let mut all = Vec::new();
            for (m, reversed) in &mv {
                all.push(*m);
                if *reversed {
                    all.push(Movement {
                        moved_on: add_months(m.moved_on, later),
                        amount: -m.amount,
                        ..*m
                    });
                }
            }
            let months = roll_up(&all);
            let signed = |m: &Movement| match m.direction {
                Direction::In => m.amount,
                Direction::Out => -m.amount,
            };
            let plain: Decimal = all.iter().map(signed).sum();
            prop_assert_eq!(balance(months.values()), plain);
            for (month, f) in &months {
                let inflow: Decimal = all.iter()
                    .filter(|m| month_of(m.moved_on) == *month && m.direction == Direction::In)
                    .map(|m| m.amount).sum();
                let outflow: Decimal = all.iter()
                    .filter(|m| month_of(m.moved_on) == *month && m.direction == Direction::Out)
                    .map(|m| m.amount).sum();
                prop_assert_eq!(f.inflow, inflow);
                prop_assert_eq!(f.outflow, outflow);
            }
            // Only reversed movements net to zero: the kept ones are the balance.
            let kept: Decimal = mv.iter().filter(|(_, r)| !r).map(|(m, _)| signed(m)).sum();
            prop_assert_eq!(plain, kept);
            if let Some((last, b)) = running_balance(&months).last() {
                let up_to: Decimal = all.iter().filter(|m| month_of(m.moved_on) <= *last)
                    .map(signed).sum();
                prop_assert_eq!(*b, up_to);
            }
            // Without a plan, the timeline over every month ends on the same balance.
            if let (Some(first), Some(last)) = (months.keys().next(), months.keys().last()) {
                let t = timeline(&months, &BTreeMap::new(), *first, *last, *last);
                prop_assert_eq!(t.lines.last().map(|l| l.balance), Some(plain));
            }
        }

        /// FIFO: what stays open plus what was settled is what was owed.
        #[test]
        fn fifo_keeps_the_total(amounts in prop::collection::vec(1i64..1_000_000, 0..20),
                                settled in 0i64..20_000_000) {
            let items: Vec<Item> = amounts.iter().enumerate().map(|(i, a)| Item {
                dated: add_months(d(2025, 1, 1), i as i32),
                due: None,
                amount: Decimal::new(*a, 2),
            }).collect();
            let owed: Decimal = items.iter().map(|i| i.amount).sum();
            let settled = Decimal::new(settled, 2);
            let open: Decimal = fifo_open(&items, settled).iter().map(|i| i.amount).sum();
            prop_assert_eq!(open, (owed - settled).max(Decimal::ZERO));
            prop_assert_eq!(aging(&items, settled, d(2027, 1, 1)).total(), open);
        }
    }
}
