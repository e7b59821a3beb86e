//! The report pages' own rules, with no I/O: actual cost by month pivoted into top-level
//! categories with a running total, the order that puts the worst project first, and the
//! estimate-to-complete field's check.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::cost::domain::{Alert, Category, LABOUR, MAX_AMOUNT, in_report_order};

/// Actual cost of one category (0: day labour) in one month, as `cost_actual_month` keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthCell {
    pub category_id: i64,
    pub month: NaiveDate,
    pub amount: Decimal,
}

/// One month of the pivot: an amount per column, the month's total and the total to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRow {
    pub month: NaiveDate,
    pub amounts: Vec<Decimal>,
    pub total: Decimal,
    /// Everything recorded up to and including this month (earlier years too).
    pub cumulative: Decimal,
}

/// Actual cost by month (rows) and top-level category (columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthPivot {
    /// Top-level categories in report order; `None` gathers costs on no known category.
    pub columns: Vec<Option<i64>>,
    pub rows: Vec<MonthRow>,
    /// Per column, over the rows shown.
    pub totals: Vec<Decimal>,
    /// Over the rows shown.
    pub total: Decimal,
}

/// The top-level category a recorded category adds into: day labour (0) lands on the labour
/// category, a child on its parent. `None` when the category is unknown.
pub fn top_level_of(categories: &[Category], id: i64) -> Option<i64> {
    let id = if id == 0 {
        categories
            .iter()
            .find(|c| c.builtin.as_deref() == Some(LABOUR))?
            .id
    } else {
        id
    };
    let c = categories.iter().find(|c| c.id == id)?;
    match c.parent_id {
        Some(p) if categories.iter().any(|x| x.id == p) => Some(p),
        _ => Some(c.id),
    }
}

/// Pivots monthly actual cost into top-level categories, months in order, with the total to
/// date; `year` keeps that year's months only (their running totals still count earlier
/// years). A column shows when its category is active or has any cost.
pub fn pivot(categories: &[Category], cells: &[MonthCell], year: Option<i32>) -> MonthPivot {
    let mut by_month: std::collections::BTreeMap<NaiveDate, HashMap<Option<i64>, Decimal>> =
        std::collections::BTreeMap::new();
    let mut used: HashMap<Option<i64>, bool> = HashMap::new();
    for cell in cells {
        let column = top_level_of(categories, cell.category_id);
        *by_month
            .entry(cell.month)
            .or_default()
            .entry(column)
            .or_default() += cell.amount;
        if !cell.amount.is_zero() {
            used.insert(column, true);
        }
    }
    let mut columns: Vec<Option<i64>> = in_report_order(categories)
        .into_iter()
        .filter(|c| top_level_of(categories, c.id) == Some(c.id))
        .filter(|c| c.active || used.contains_key(&Some(c.id)))
        .map(|c| Some(c.id))
        .collect();
    if used.contains_key(&None) {
        columns.push(None);
    }
    let mut rows = Vec::new();
    let mut cumulative = Decimal::ZERO;
    for (month, amounts) in by_month {
        let total: Decimal = amounts.values().copied().sum();
        cumulative += total;
        if year.is_some_and(|y| month.year() != y) {
            continue;
        }
        rows.push(MonthRow {
            month,
            amounts: columns
                .iter()
                .map(|c| amounts.get(c).copied().unwrap_or_default())
                .collect(),
            total,
            cumulative,
        });
    }
    let totals = (0..columns.len())
        .map(|i| rows.iter().map(|r| r.amounts[i]).sum())
        .collect();
    let total = rows.iter().map(|r| r.total).sum();
    MonthPivot {
        columns,
        rows,
        totals,
        total,
    }
}

/// The years the months fall in, latest first (the year filter's choices).
pub fn years(cells: &[MonthCell]) -> Vec<i32> {
    let mut years: Vec<i32> = cells.iter().map(|c| c.month.year()).collect();
    years.sort_unstable_by_key(|y| std::cmp::Reverse(*y));
    years.dedup();
    years
}

/// How bad a project stands, to sort the worst first: an overrun, then a warning, then only
/// a margin below the floor, then none; within each, the higher percent used first.
pub fn worst_key(
    alert: Option<Alert>,
    below_floor: bool,
    percent_used: Option<Decimal>,
) -> (u8, Decimal) {
    let rank = match alert {
        Some(Alert::Overrun) => 3,
        Some(Alert::Warning) => 2,
        None if below_floor => 1,
        None => 0,
    };
    (rank, percent_used.unwrap_or(Decimal::MIN))
}

/// Whether a project raises anything at all (an alerted category or a thin margin).
pub fn is_alerted(alert: Option<Alert>, below_floor: bool) -> bool {
    alert.is_some() || below_floor
}

/// An estimate to complete as typed: blank is none (the remaining budget stands in); else an
/// amount from 0 to `MAX_AMOUNT` with at most two decimals. The error is an i18n key.
pub fn parse_estimate(value: &str) -> Result<Option<Decimal>, &'static str> {
    let v = value.trim().replace([',', '，', ' '], "");
    if v.is_empty() {
        return Ok(None);
    }
    let d: Decimal = v.parse().map_err(|_| "form.invalid_number")?;
    if d.is_sign_negative() && !d.is_zero() {
        Err("cost_report.etc_negative")
    } else if d.normalize().scale() > 2 {
        Err("cost_report.etc_decimals")
    } else if d > MAX_AMOUNT {
        Err("cost_report.etc_too_large")
    } else {
        Ok(Some(d.abs().round_dp(2)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn category(id: i64, parent: Option<i64>, code: &str, builtin: Option<&str>) -> Category {
        Category {
            id,
            parent_id: parent,
            code: code.into(),
            name_zh: code.into(),
            name_en: String::new(),
            builtin: builtin.map(str::to_owned),
            active: true,
            sort_order: 0,
        }
    }

    fn month(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 1).unwrap()
    }

    fn cell(category_id: i64, month: NaiveDate, amount: Decimal) -> MonthCell {
        MonthCell {
            category_id,
            month,
            amount,
        }
    }

    fn categories() -> Vec<Category> {
        let mut quiet = category(4, None, "04", None);
        quiet.active = false;
        vec![
            category(1, None, "01", Some("labour")),
            category(2, None, "02", Some("materials")),
            category(3, Some(2), "0201", None),
            quiet,
        ]
    }

    #[test]
    fn labour_and_children_land_on_their_top_level_category() {
        let c = categories();
        assert_eq!(top_level_of(&c, 0), Some(1));
        assert_eq!(top_level_of(&c, 3), Some(2));
        assert_eq!(top_level_of(&c, 2), Some(2));
        assert_eq!(top_level_of(&c, 99), None);
        assert_eq!(top_level_of(&c[1..], 0), None);
    }

    #[test]
    fn months_pivot_into_top_level_columns_with_a_running_total() {
        let c = categories();
        let cells = [
            cell(0, month(2026, 2), dec!(100)),
            cell(1, month(2026, 2), dec!(50)),
            cell(3, month(2026, 2), dec!(30)),
            cell(2, month(2026, 1), dec!(20)),
            cell(3, month(2025, 12), dec!(5.5)),
        ];
        let p = pivot(&c, &cells, None);
        // The inactive category without cost has no column; the child has none of its own.
        assert_eq!(p.columns, vec![Some(1), Some(2)]);
        let months: Vec<NaiveDate> = p.rows.iter().map(|r| r.month).collect();
        assert_eq!(
            months,
            vec![month(2025, 12), month(2026, 1), month(2026, 2)]
        );
        assert_eq!(p.rows[2].amounts, vec![dec!(150), dec!(30)]);
        assert_eq!(p.rows[2].total, dec!(180));
        assert_eq!(p.rows[2].cumulative, dec!(205.5));
        assert_eq!(p.totals, vec![dec!(150), dec!(55.5)]);
        assert_eq!(p.total, dec!(205.5));

        // A year keeps its months; their running totals still count the year before.
        let y = pivot(&c, &cells, Some(2026));
        assert_eq!(y.rows.len(), 2);
        assert_eq!(y.rows[0].cumulative, dec!(25.5));
        assert_eq!(y.total, dec!(200));
        assert_eq!(years(&cells), vec![2026, 2025]);
    }

    #[test]
    fn costs_on_unknown_categories_get_a_column_of_their_own() {
        let c = categories();
        let p = pivot(&c[1..], &[cell(0, month(2026, 3), dec!(7))], None);
        assert_eq!(p.columns, vec![Some(2), None]);
        assert_eq!(p.rows[0].amounts, vec![dec!(0), dec!(7)]);
    }

    #[test]
    fn an_inactive_category_with_cost_keeps_its_column() {
        let c = categories();
        let p = pivot(&c, &[cell(4, month(2026, 3), dec!(1))], None);
        assert_eq!(p.columns, vec![Some(1), Some(2), Some(4)]);
    }

    #[test]
    fn the_worst_project_sorts_first() {
        let mut keys = [
            worst_key(None, false, Some(dec!(10))),
            worst_key(Some(Alert::Warning), false, Some(dec!(91))),
            worst_key(None, true, Some(dec!(50))),
            worst_key(Some(Alert::Overrun), false, Some(dec!(101))),
            worst_key(Some(Alert::Warning), true, Some(dec!(95))),
            worst_key(None, false, None),
        ];
        keys.sort_by_key(|k| std::cmp::Reverse(*k));
        let ranks: Vec<(u8, Decimal)> = keys.to_vec();
        assert_eq!(ranks[0], (3, dec!(101)));
        assert_eq!(ranks[1], (2, dec!(95)));
        assert_eq!(ranks[2], (2, dec!(91)));
        assert_eq!(ranks[3], (1, dec!(50)));
        assert_eq!(ranks[4], (0, dec!(10)));
        assert!(is_alerted(None, true));
        assert!(!is_alerted(None, false));
    }

    #[test]
    fn estimates_are_blank_or_sensible_amounts() {
        assert_eq!(parse_estimate("  "), Ok(None));
        assert_eq!(parse_estimate("1,200.5"), Ok(Some(dec!(1200.5))));
        assert_eq!(parse_estimate("0"), Ok(Some(dec!(0))));
        assert_eq!(parse_estimate("-0"), Ok(Some(dec!(0))));
        assert_eq!(parse_estimate("3.10"), Ok(Some(dec!(3.10))));
        assert_eq!(parse_estimate("-1"), Err("cost_report.etc_negative"));
        assert_eq!(parse_estimate("1.234"), Err("cost_report.etc_decimals"));
        assert_eq!(
            parse_estimate("100000000000"),
            Err("cost_report.etc_too_large")
        );
        assert_eq!(parse_estimate("abc"), Err("form.invalid_number"));
        assert_eq!(parse_estimate("99999999999.99"), Ok(Some(MAX_AMOUNT)));
    }
}
