//! The shape of a summary apart from the database: the order of its groups (months in order,
//! everything else by name, the unnamed group last) and, by anything then month, one row per
//! key with a column per month — a year of 5,000 workers is 5,000 rows, not 60,000.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::Dimension;
use super::queries::SummaryRow;

/// The names of a dimension's keys (`None`: the unnamed group).
pub type Names = HashMap<Option<i64>, String>;

/// The position of each key of a dimension: named before unnamed, months by date, the rest
/// by name, then by id (two workers of one name stay apart and the order is stable).
fn ranks(
    d: Dimension,
    keys: impl Iterator<Item = Option<i64>>,
    names: &Names,
) -> HashMap<Option<i64>, usize> {
    let mut keys: Vec<Option<i64>> = keys.collect();
    keys.sort_unstable();
    keys.dedup();
    let sort_key = |key: &Option<i64>| {
        let month = if d == Dimension::Month {
            key.unwrap_or(i64::MAX)
        } else {
            0
        };
        let name = names.get(key).map_or("", String::as_str);
        (key.is_none(), month, name, *key)
    };
    keys.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect()
}

/// Sorts the groups for the page and the export: by the first dimension, then the second.
pub fn sort_rows(
    rows: &mut [SummaryRow],
    by: Dimension,
    then: Option<Dimension>,
    names1: &Names,
    names2: &Names,
) {
    let rank1 = ranks(by, rows.iter().map(|r| r.key1), names1);
    let rank2 = match then {
        Some(d) => ranks(d, rows.iter().map(|r| r.key2), names2),
        None => HashMap::new(),
    };
    // Each row's place is looked up once, not on every comparison.
    rows.sort_by_cached_key(|r| {
        (
            rank1.get(&r.key1).copied().unwrap_or(usize::MAX),
            rank2.get(&r.key2).copied().unwrap_or(usize::MAX),
        )
    });
}

/// One row of a pivot: a key, its amount in each month that has lines, and its totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PivotRow {
    pub key: Option<i64>,
    /// (column, amount) of the months with lines, in column order.
    pub cells: Vec<(usize, Decimal)>,
    pub days: Decimal,
    pub amount: Decimal,
}

impl PivotRow {
    /// One entry per column, `None` where the month has no lines.
    pub fn dense(&self, columns: usize) -> Vec<Option<Decimal>> {
        let mut out = vec![None; columns];
        for (col, amount) in &self.cells {
            if let Some(cell) = out.get_mut(*col) {
                *cell = Some(*amount);
            }
        }
        out
    }
}

/// Groups by a key and a month turned into a table: a row per key, a column per month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pivot {
    /// The months present (second keys), in order; a group without one comes last.
    pub columns: Vec<Option<i64>>,
    /// In the order the keys first come in `rows`.
    pub rows: Vec<PivotRow>,
    /// Each column's amount over every row.
    pub column_amounts: Vec<Decimal>,
    pub days: Decimal,
    pub amount: Decimal,
}

impl Pivot {
    /// The table of `rows` (`key1` the row, `key2` the month); sorted rows give sorted rows.
    pub fn of(rows: &[SummaryRow]) -> Pivot {
        let mut columns: Vec<Option<i64>> = rows.iter().map(|r| r.key2).collect();
        columns.sort_unstable_by_key(|k| (k.is_none(), *k));
        columns.dedup();
        let column_of: HashMap<Option<i64>, usize> =
            columns.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let mut column_amounts = vec![Decimal::ZERO; columns.len()];
        let mut row_of: HashMap<Option<i64>, usize> = HashMap::new();
        let mut out: Vec<PivotRow> = Vec::new();
        let (mut days, mut amount) = (Decimal::ZERO, Decimal::ZERO);
        for r in rows {
            let Some(&col) = column_of.get(&r.key2) else {
                continue;
            };
            let i = *row_of.entry(r.key1).or_insert_with(|| {
                out.push(PivotRow {
                    key: r.key1,
                    cells: Vec::new(),
                    days: Decimal::ZERO,
                    amount: Decimal::ZERO,
                });
                out.len() - 1
            });
            let Some(row) = out.get_mut(i) else {
                continue;
            };
            row.cells.push((col, r.amount));
            row.days += r.days;
            row.amount += r.amount;
            column_amounts[col] += r.amount;
            days += r.days;
            amount += r.amount;
        }
        for row in &mut out {
            row.cells.sort_by_key(|c| c.0);
            // The same key and month twice (not from `summarize`) make one cell.
            row.cells.dedup_by(|b, a| {
                let same = a.0 == b.0;
                if same {
                    a.1 += b.1;
                }
                same
            });
        }
        Pivot {
            columns,
            rows: out,
            column_amounts,
            days,
            amount,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn row(key1: Option<i64>, key2: Option<i64>, days: Decimal, amount: Decimal) -> SummaryRow {
        SummaryRow {
            key1,
            key2,
            tickets: 1,
            lines: 1,
            head_count: 1,
            hours: days * dec!(8),
            days,
            amount,
        }
    }

    fn names(pairs: &[(Option<i64>, &str)]) -> Names {
        pairs.iter().map(|(k, n)| (*k, (*n).to_owned())).collect()
    }

    #[test]
    fn groups_sort_by_name_months_by_date_and_the_unnamed_last() {
        let workers = names(&[
            (Some(1), "王五"),
            (Some(2), "张三"),
            (Some(3), "李四"),
            (None, "未登记"),
        ]);
        let months = names(&[(Some(20_393), "2025-11"), (Some(20_362), "2025-10")]);
        let mut rows = vec![
            row(None, Some(20_362), dec!(1), dec!(1)),
            row(Some(2), Some(20_393), dec!(1), dec!(2)),
            row(Some(1), Some(20_393), dec!(1), dec!(3)),
            row(Some(2), Some(20_362), dec!(1), dec!(4)),
            row(Some(3), Some(20_362), dec!(1), dec!(5)),
        ];
        sort_rows(
            &mut rows,
            Dimension::Worker,
            Some(Dimension::Month),
            &workers,
            &months,
        );
        let keys: Vec<_> = rows.iter().map(|r| (r.key1, r.key2)).collect();
        // By name as the strings compare (code points): 张 < 李 < 王.
        assert_eq!(
            keys,
            vec![
                (Some(2), Some(20_362)),
                (Some(2), Some(20_393)),
                (Some(3), Some(20_362)),
                (Some(1), Some(20_393)),
                (None, Some(20_362)),
            ]
        );
        // Two workers of one name stay apart, ordered by id.
        let same = names(&[(Some(9), "张三"), (Some(4), "张三")]);
        let mut rows = vec![
            row(Some(9), Some(1), dec!(1), dec!(1)),
            row(Some(4), Some(2), dec!(1), dec!(1)),
            row(Some(9), Some(2), dec!(1), dec!(1)),
        ];
        sort_rows(
            &mut rows,
            Dimension::Worker,
            Some(Dimension::Month),
            &same,
            &Names::new(),
        );
        let keys: Vec<_> = rows.iter().map(|r| (r.key1, r.key2)).collect();
        assert_eq!(
            keys,
            vec![(Some(4), Some(2)), (Some(9), Some(1)), (Some(9), Some(2))]
        );
    }

    #[test]
    fn a_pivot_has_a_column_per_month_and_totals_of_every_row() {
        let rows = vec![
            row(Some(2), Some(20_362), dec!(1), dec!(320)),
            row(Some(2), Some(20_393), dec!(0.5), dec!(160)),
            row(Some(1), Some(20_393), dec!(2), dec!(560)),
            row(None, Some(20_423), dec!(3), dec!(600)),
            row(Some(1), Some(20_423), dec!(-1), dec!(-280)),
        ];
        let p = Pivot::of(&rows);
        assert_eq!(p.columns, vec![Some(20_362), Some(20_393), Some(20_423)]);
        let keys: Vec<_> = p.rows.iter().map(|r| r.key).collect();
        assert_eq!(keys, vec![Some(2), Some(1), None]);
        assert_eq!(
            p.rows[0].dense(3),
            vec![Some(dec!(320)), Some(dec!(160)), None]
        );
        assert_eq!(
            p.rows[1].dense(3),
            vec![None, Some(dec!(560)), Some(dec!(-280))]
        );
        assert_eq!((p.rows[1].days, p.rows[1].amount), (dec!(1), dec!(280)));
        assert_eq!(p.column_amounts, vec![dec!(320), dec!(720), dec!(320)]);
        // The totals are every row's, and equal the groups' own.
        assert_eq!(p.amount, rows.iter().map(|r| r.amount).sum::<Decimal>());
        assert_eq!(p.days, dec!(5.5));
        assert_eq!(p.column_amounts.iter().sum::<Decimal>(), p.amount);
        assert_eq!(p.rows.iter().map(|r| r.amount).sum::<Decimal>(), p.amount);
    }

    #[test]
    fn a_repeated_key_and_month_make_one_cell_and_an_empty_summary_an_empty_table() {
        let p = Pivot::of(&[
            row(Some(1), Some(5), dec!(1), dec!(100)),
            row(Some(1), Some(5), dec!(1), dec!(50)),
        ]);
        assert_eq!(p.rows[0].cells, vec![(0, dec!(150))]);
        assert_eq!(p.column_amounts, vec![dec!(150)]);
        let empty = Pivot::of(&[]);
        assert!(empty.columns.is_empty() && empty.rows.is_empty());
        assert_eq!(empty.amount, Decimal::ZERO);
    }
}
