//! The ledger's pure rules: the month range of the filter, paging, what may be reversed.

use chrono::{Months, NaiveDate};

use crate::db::text_enum;
use crate::funds::ledger::MovementKind;

/// Rows per page of the ledger.
pub const PAGE_SIZE: i64 = 50;
/// Files a movement may carry.
pub const MAX_ATTACHMENTS: i64 = 5;
/// The kinds the ledger records by itself (the others come from their own pages).
pub const OTHER_KINDS: [MovementKind; 2] = [MovementKind::OtherIn, MovementKind::OtherOut];

text_enum! {
    /// Where a ledger line comes from: a fund movement, or the labour wage account's payout
    /// or advance.
    LedgerSource in "funds_ledger" {
        Movement => "movement",
        LabourPayout => "labour_payout",
        LabourAdvance => "labour_advance",
    }
}

/// The first day of a month written `YYYY-MM` (as `<input type="month">` sends it).
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
}

/// The dates a month range covers: from the first day of `from` to before the first day
/// after `to` (both inclusive months). A reversed range is swapped.
pub fn month_range(from: &str, to: &str) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let (mut a, mut b) = (parse_month(from), parse_month(to));
    if let (Some(x), Some(y)) = (a, b)
        && x > y
    {
        (a, b) = (Some(y), Some(x));
    }
    (a, b.and_then(|m| m.checked_add_months(Months::new(1))))
}

/// The page number asked for (1 when missing or nonsense) and its offset.
pub fn page_offset(page: &str) -> (i64, i64) {
    let n = page
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=100_000).contains(n))
        .unwrap_or(1);
    (n, (n - 1) * PAGE_SIZE)
}

/// The number of pages `count` rows take (at least one).
pub fn page_count(count: i64) -> i64 {
    ((count + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
}

/// Why a movement may not be reversed: it is itself a reversal, or was reversed already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoReversal {
    IsReversal,
    AlreadyReversed,
}

pub fn may_reverse(reverses: Option<i64>, reversed_by: Option<i64>) -> Result<(), NoReversal> {
    if reverses.is_some() {
        Err(NoReversal::IsReversal)
    } else if reversed_by.is_some() {
        Err(NoReversal::AlreadyReversed)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn a_month_range_covers_whole_months_either_way_round() {
        assert_eq!(
            month_range("2026-03", "2026-05"),
            (Some(d(2026, 3, 1)), Some(d(2026, 6, 1)))
        );
        assert_eq!(
            month_range("2026-12", "2026-11"),
            (Some(d(2026, 11, 1)), Some(d(2027, 1, 1)))
        );
        assert_eq!(month_range("", "x"), (None, None));
        assert_eq!(parse_month("2026-13"), None);
    }

    #[test]
    fn pages_of_fifty() {
        assert_eq!(page_offset(""), (1, 0));
        assert_eq!(page_offset("3"), (3, 100));
        assert_eq!(page_offset("-2"), (1, 0));
        assert_eq!(page_count(0), 1);
        assert_eq!(page_count(50), 1);
        assert_eq!(page_count(51), 2);
    }

    #[test]
    fn a_reversal_and_a_reversed_movement_are_not_reversed() {
        assert_eq!(may_reverse(None, None), Ok(()));
        assert_eq!(may_reverse(Some(1), None), Err(NoReversal::IsReversal));
        assert_eq!(may_reverse(None, Some(2)), Err(NoReversal::AlreadyReversed));
    }
}
