//! The budget pages' rules, with no I/O: how amounts and percents are read from a form,
//! how a change's per-category deltas make a new budget from the current one, and how two
//! snapshots compare line by line.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::cost::domain::{Figures, MAX_AMOUNT};
use crate::ids::TaskId;
use crate::web::amount::{AmountField, AmountMessages};

/// A budget version: a draft (one per project at most) until approved; approved versions stay
/// for ever. Stored as text: an unknown value in a row is a decode error, never a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum BudgetStatus {
    Draft,
    Approved,
}

impl BudgetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetStatus::Draft => "draft",
            BudgetStatus::Approved => "approved",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            BudgetStatus::Draft => "cost_budget.status_draft",
            BudgetStatus::Approved => "cost_budget.status_approved",
        }
    }

    /// Whether the version may still be edited, approved or deleted: approved ones stay as
    /// they are for ever.
    pub fn is_draft(self) -> bool {
        self == BudgetStatus::Draft
    }
}

/// A budget line: a category, optionally down to one WBS task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub category_id: i64,
    pub task_id: Option<TaskId>,
    pub amount: Decimal,
}

/// A money amount typed in a form: blank is `None`; otherwise a number of two decimals at
/// most (thousands separators allowed), not negative, at most `MAX_AMOUNT`.
pub fn amount(value: &str) -> Result<Option<Decimal>, &'static str> {
    match signed_amount(value)? {
        Some(d) if d.is_sign_negative() && !d.is_zero() => Err("cost_budget.amount_negative"),
        other => Ok(other),
    }
}

/// A money amount that may be negative (a variation that lowers the contract value):
/// blank is `None`; two decimals at most; within ±`MAX_AMOUNT`.
pub fn signed_amount(value: &str) -> Result<Option<Decimal>, &'static str> {
    const WORDS: AmountMessages = AmountMessages {
        too_large: "cost_budget.amount_too_large",
        ..AmountMessages::FORM
    };
    AmountField::SIGNED_MONEY
        .parse(value)
        .map_err(|e| e.key(&WORDS))
}

/// A percent typed in a form: required, two decimals at most, within `min..=max`.
pub fn percent(value: &str, min: Decimal, max: Decimal) -> Result<Decimal, &'static str> {
    let v = value.trim().trim_end_matches(['%', '％']);
    match AmountField::SIGNED_MONEY
        .parse(v)
        .map_err(|e| e.key(&AmountMessages::FORM))?
    {
        None => Err("form.required"),
        Some(d) if d < min || d > max => Err("form.out_of_range"),
        Some(d) => Ok(d),
    }
}

/// Why a change's deltas cannot make a budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeltaError {
    /// The category's own line (not its task lines) would fall below zero.
    BelowZero { category_id: i64, result: Decimal },
    /// The category's own line would exceed `MAX_AMOUNT`.
    TooLarge { category_id: i64 },
}

/// The lines of a new budget: `lines` with each `(category, delta)` added to the category's
/// own line (the one without a task), which is created when missing. Task lines are kept as
/// they are, so a cut must fit in the category's own line; a result below zero is refused.
pub fn apply_deltas(lines: &[Line], deltas: &[(i64, Decimal)]) -> Result<Vec<Line>, DeltaError> {
    let mut out = lines.to_vec();
    for &(category_id, delta) in deltas {
        let i = match out
            .iter()
            .position(|l| l.category_id == category_id && l.task_id.is_none())
        {
            Some(i) => i,
            None => {
                out.push(Line {
                    category_id,
                    task_id: None,
                    amount: Decimal::ZERO,
                });
                out.len() - 1
            }
        };
        let result = out[i].amount + delta;
        if result.is_sign_negative() && !result.is_zero() {
            return Err(DeltaError::BelowZero {
                category_id,
                result,
            });
        }
        if result > MAX_AMOUNT {
            return Err(DeltaError::TooLarge { category_id });
        }
        out[i].amount = result;
    }
    Ok(out)
}

/// One figure of two snapshots and how it moved (`b − a`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pair {
    pub a: Decimal,
    pub b: Decimal,
    pub change: Decimal,
}

impl Pair {
    pub fn of(a: Decimal, b: Decimal) -> Pair {
        Pair {
            a,
            b,
            change: b - a,
        }
    }
}

/// Two snapshots' figures of one category (or the totals) side by side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compared {
    pub budget: Pair,
    pub actual: Pair,
    pub committed: Pair,
    pub forecast: Pair,
    pub variance: Pair,
}

impl Compared {
    pub fn of(a: &Figures, b: &Figures) -> Compared {
        Compared {
            budget: Pair::of(a.budget, b.budget),
            actual: Pair::of(a.actual, b.actual),
            committed: Pair::of(a.committed, b.committed),
            forecast: Pair::of(a.forecast, b.forecast),
            variance: Pair::of(a.variance, b.variance),
        }
    }
}

/// Categories' totals of `lines`, by category.
pub fn totals_by_category(lines: &[Line]) -> HashMap<i64, Decimal> {
    let mut out: HashMap<i64, Decimal> = HashMap::new();
    for l in lines {
        *out.entry(l.category_id).or_default() += l.amount;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn line(category_id: i64, task_id: Option<i64>, amount: Decimal) -> Line {
        Line {
            category_id,
            task_id: task_id.map(TaskId),
            amount,
        }
    }

    #[test]
    fn amounts_are_plain_non_negative_money() {
        assert_eq!(amount(""), Ok(None));
        assert_eq!(amount(" 1,234.50 "), Ok(Some(dec!(1234.5))));
        assert_eq!(amount("0"), Ok(Some(dec!(0))));
        assert_eq!(amount("-0"), Ok(Some(dec!(0))));
        assert_eq!(amount("-1"), Err("cost_budget.amount_negative"));
        assert_eq!(amount("1e15"), Err("cost_budget.amount_too_large"));
        assert_eq!(amount("100000000000"), Err("cost_budget.amount_too_large"));
        assert_eq!(amount("99999999999.99"), Ok(Some(MAX_AMOUNT)));
        assert_eq!(amount("1.005"), Err("form.too_many_decimals"));
        assert_eq!(amount("1.500"), Ok(Some(dec!(1.5))));
        assert_eq!(amount("abc"), Err("form.invalid_number"));
        assert_eq!(signed_amount("-12.30"), Ok(Some(dec!(-12.3))));
        assert_eq!(
            signed_amount("-100000000000"),
            Err("cost_budget.amount_too_large")
        );
    }

    #[test]
    fn percents_are_bounded() {
        let (lo, hi) = (dec!(1), dec!(1000));
        assert_eq!(percent("90", lo, hi), Ok(dec!(90)));
        assert_eq!(percent("92.5%", lo, hi), Ok(dec!(92.5)));
        assert_eq!(percent("", lo, hi), Err("form.required"));
        assert_eq!(percent("0", lo, hi), Err("form.out_of_range"));
        assert_eq!(percent("1001", lo, hi), Err("form.out_of_range"));
        assert_eq!(percent("1.234", lo, hi), Err("form.too_many_decimals"));
        assert_eq!(percent("x", lo, hi), Err("form.invalid_number"));
        assert_eq!(percent("-5", dec!(-100), dec!(100)), Ok(dec!(-5)));
    }

    #[test]
    fn deltas_add_to_the_category_line_and_keep_task_lines() {
        let lines = vec![
            line(1, None, dec!(1000)),
            line(1, Some(7), dec!(500)),
            line(2, Some(8), dec!(300)),
        ];
        let out = apply_deltas(&lines, &[(1, dec!(-200)), (2, dec!(50)), (3, dec!(10))]).unwrap();
        assert_eq!(
            out,
            vec![
                line(1, None, dec!(800)),
                line(1, Some(7), dec!(500)),
                line(2, Some(8), dec!(300)),
                line(2, None, dec!(50)),
                line(3, None, dec!(10)),
            ]
        );
        let totals = totals_by_category(&out);
        assert_eq!(totals[&1], dec!(1300));
        assert_eq!(totals[&2], dec!(350));
        // The input is untouched.
        assert_eq!(lines[0].amount, dec!(1000));
    }

    #[test]
    fn a_cut_below_zero_is_refused() {
        let lines = vec![line(1, None, dec!(100)), line(1, Some(7), dec!(500))];
        assert_eq!(
            apply_deltas(&lines, &[(1, dec!(-150))]),
            Err(DeltaError::BelowZero {
                category_id: 1,
                result: dec!(-50)
            })
        );
        assert_eq!(
            apply_deltas(&lines, &[(1, dec!(-100))]).unwrap()[0].amount,
            dec!(0)
        );
        assert_eq!(
            apply_deltas(&lines, &[(2, dec!(-1))]),
            Err(DeltaError::BelowZero {
                category_id: 2,
                result: dec!(-1)
            })
        );
        assert_eq!(
            apply_deltas(&lines, &[(1, MAX_AMOUNT)]),
            Err(DeltaError::TooLarge { category_id: 1 })
        );
    }

    #[test]
    fn compared_figures_move_from_a_to_b() {
        let a = Figures {
            budget: dec!(100),
            actual: dec!(40),
            forecast: dec!(100),
            ..Figures::default()
        };
        let b = Figures {
            budget: dec!(120),
            actual: dec!(90),
            forecast: dec!(130),
            variance: dec!(-10),
            ..Figures::default()
        };
        let c = Compared::of(&a, &b);
        assert_eq!(c.budget.change, dec!(20));
        assert_eq!(c.actual.change, dec!(50));
        assert_eq!(c.forecast.change, dec!(30));
        assert_eq!(c.variance.change, dec!(-10));
        assert_eq!(c.committed, Pair::default());
    }

    /// The text sqlx binds for `v`: what a row stores.
    fn stored<T: for<'q> sqlx::Encode<'q, sqlx::Postgres>>(v: T) -> String {
        let mut buf = sqlx::postgres::PgArgumentBuffer::default();
        let _ = sqlx::Encode::<sqlx::Postgres>::encode_by_ref(&v, &mut buf).unwrap();
        String::from_utf8(buf.to_vec()).unwrap()
    }

    #[test]
    fn budget_statuses_are_stored_as_named_and_only_a_draft_changes() {
        assert_eq!(stored(BudgetStatus::Draft), "draft");
        assert_eq!(stored(BudgetStatus::Approved), "approved");
        assert!(BudgetStatus::Draft.is_draft());
        assert!(!BudgetStatus::Approved.is_draft());
    }
}
