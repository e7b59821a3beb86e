//! Tender-deposit rules, pure: when a paid deposit is overdue.

use chrono::NaiveDate;

/// Whether a paid deposit is past the date it should have come back.
pub fn overdue(status: &str, due_back_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    status == "paid" && due_back_on.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paid_deposit_past_its_date_is_overdue() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
        let before = NaiveDate::from_ymd_opt(2026, 11, 1);
        assert!(overdue("paid", before, today));
        assert!(!overdue("paid", Some(today), today));
        assert!(!overdue("refunded", before, today));
        assert!(!overdue("paid", None, today));
    }
}
