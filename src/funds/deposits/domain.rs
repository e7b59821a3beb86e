//! Tender-deposit rules, pure: when a paid deposit is overdue.

use chrono::NaiveDate;

use crate::db::text_enum;

text_enum! {
    /// A tender deposit's status: paid out, then refunded or converted (into the performance
    /// security or the contract's payment).
    DepositStatus in "funds_ledger" { Paid => "paid", Refunded => "refunded", Converted => "converted" }
}

/// Whether a paid deposit is past the date it should have come back.
pub fn overdue(status: DepositStatus, due_back_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    status == DepositStatus::Paid && due_back_on.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paid_deposit_past_its_date_is_overdue() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
        let before = NaiveDate::from_ymd_opt(2026, 11, 1);
        assert!(overdue(DepositStatus::Paid, before, today));
        assert!(!overdue(DepositStatus::Paid, Some(today), today));
        assert!(!overdue(DepositStatus::Refunded, before, today));
        assert!(!overdue(DepositStatus::Paid, None, today));
    }
}
