//! The payment-request rules, pure: what a signed expense contract may still be paid (its
//! payable balance and its retention still held), how many approvals a request needs, who may
//! approve it, and the status an approval leads to.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::db::text_enum;
use crate::funds::contracts::queries::Contract;
use crate::funds::domain::current_amount;
use crate::funds::ledger::MovementKind;
use crate::roles::{Permission, Role};

text_enum! {
    /// What a request pays: a contract's progress payment, the release of its retention, or a
    /// member of staff's expenses (报销).
    RequestKind in "funds_pay" {
        Contract => "contract",
        Retention => "retention",
        Reimbursement => "reimbursement",
    }
}

text_enum! {
    /// A request's status: requested → approved → paid, or rejected or cancelled on the way.
    RequestStatus in "funds_pay" {
        Requested => "requested",
        Approved => "approved",
        Rejected => "rejected",
        Paid => "paid",
        Cancelled => "cancelled",
    }
}

/// What a request pays, as the forms and filters spell it.
pub const KINDS: [&str; 3] = ["contract", "retention", "reimbursement"];
/// A request's statuses, in their order.
pub const STATUSES: [&str; 5] = ["requested", "approved", "rejected", "paid", "cancelled"];
/// The roles that may be named approvers (Settings › Funds).
pub const APPROVER_ROLES: [&str; 4] = ["owner", "admin", "project_manager", "finance"];
/// The roles that approve when the tenant has saved none (the schema's default).
pub const DEFAULT_APPROVER_ROLES: [&str; 3] = ["owner", "admin", "finance"];
/// The amount above which a second approver is needed when the tenant has saved none.
pub const DEFAULT_SECOND_APPROVAL_ABOVE: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);

text_enum! {
    /// An approver's decision on a payment request at one step.
    Decision in "funds_pay" { Approved => "approved", Rejected => "rejected" }
}

/// The ledger kind that pays a request of `kind`.
pub fn movement_kind(kind: RequestKind) -> MovementKind {
    match kind {
        RequestKind::Retention => MovementKind::RetentionPayment,
        RequestKind::Reimbursement => MovementKind::Reimbursement,
        RequestKind::Contract => MovementKind::ContractPayment,
    }
}

/// What is known of a signed expense contract's money, amounts including VAT.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ContractMoney {
    /// The signed amount with its variations.
    pub current: Decimal,
    pub retention_percent: Decimal,
    /// Progress payments made, net of reversals.
    pub paid: Decimal,
    /// Retention paid back, net of reversals.
    pub retention_paid: Decimal,
    /// Other progress-payment requests still requested or approved.
    pub open: Decimal,
    /// Other retention requests still requested or approved.
    pub open_retention: Decimal,
}

impl ContractMoney {
    /// The retention held: the current amount × the retention percentage, to the fen.
    pub fn retention(&self) -> Decimal {
        crate::funds::domain::percent_of(self.current, self.retention_percent)
    }

    /// What may still be requested as progress payments: the current amount less the
    /// retention, the payments made and the requests under way.
    pub fn payable(&self) -> Decimal {
        self.current - self.retention() - self.paid - self.open
    }

    /// What may still be requested of the retention.
    pub fn retention_payable(&self) -> Decimal {
        self.retention() - self.retention_paid - self.open_retention
    }

    /// The balance a request of `kind` is held against.
    pub fn balance(&self, kind: RequestKind) -> Decimal {
        if kind == RequestKind::Retention {
            self.retention_payable()
        } else {
            self.payable()
        }
    }
}

/// Whether the retention may be released on `today`: on or after the contract's release date
/// (never when it has none).
pub fn retention_due(release_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    release_on.is_some_and(|d| today >= d)
}

/// Whether `amount` is above `balance` (a balance at or below zero refuses any amount).
pub fn over_balance(amount: Decimal, balance: Decimal) -> bool {
    amount > balance
}

/// Two approvals above the threshold, one otherwise.
pub fn approvals_needed(amount: Decimal, second_above: Decimal) -> i16 {
    if amount > second_above { 2 } else { 1 }
}

/// Why someone may not approve (or reject) a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Their role is not among the approver roles.
    Role,
    /// They asked for the payment.
    OwnRequest,
    /// They gave the first approval already.
    SameApprover,
    /// The amount is above the most they may approve.
    AboveLimit(Decimal),
    /// The request is no longer awaiting approval.
    NotOpen,
}

/// Who is deciding and on what.
#[derive(Debug, Clone, Copy)]
pub struct Decider<'a> {
    pub user: i64,
    pub role: &'a str,
    /// Their limit (`payment_approver`); none: only the role counts.
    pub limit: Option<Decimal>,
}

/// A request as the approval rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Pending {
    pub status: RequestStatus,
    pub amount: Decimal,
    pub requested_by: i64,
    /// The member of staff a reimbursement pays, who may not approve it either.
    pub payee: Option<i64>,
    /// Who gave the first approval, if any.
    pub first_approver: Option<i64>,
}

/// Whether `who` may approve or reject `request`, given the tenant's approver roles.
pub fn may_decide(
    approver_roles: &[String],
    who: Decider<'_>,
    request: Pending,
) -> Result<(), Refusal> {
    if request.status != RequestStatus::Requested {
        return Err(Refusal::NotOpen);
    }
    if !approver_roles.iter().any(|r| r == who.role) {
        return Err(Refusal::Role);
    }
    if who.user == request.requested_by || request.payee == Some(who.user) {
        return Err(Refusal::OwnRequest);
    }
    if request.first_approver == Some(who.user) {
        return Err(Refusal::SameApprover);
    }
    match who.limit {
        Some(limit) if request.amount > limit => Err(Refusal::AboveLimit(limit)),
        _ => Ok(()),
    }
}

/// The status after approval number `step` of `needed`: still requested until the last.
pub fn status_after_approval(step: i16, needed: i16) -> RequestStatus {
    if step >= needed {
        RequestStatus::Approved
    } else {
        RequestStatus::Requested
    }
}

/// Whether a payment of `paid` settles a request of `amount` (payments are in full).
pub fn pays_in_full(paid: Decimal, amount: Decimal) -> bool {
    paid == amount
}

pub(super) fn contract_money_of(k: &Contract) -> (Decimal, Decimal) {
    (
        current_amount(k.amount, &[k.variations]),
        k.retention_percent,
    )
}

/// Who may withdraw a request not yet paid: the requester while it awaits approval; once
/// approved (or its payment reversed) also whoever records payments, who decides not to pay.
pub(super) fn may_cancel(status: RequestStatus, requester: bool, role: Role) -> bool {
    match status {
        RequestStatus::Requested => requester,
        RequestStatus::Approved => requester || role.has(Permission::RecordFunds),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn money() -> ContractMoney {
        ContractMoney {
            current: dec!(113000),
            retention_percent: dec!(3),
            paid: dec!(20000),
            retention_paid: Decimal::ZERO,
            open: dec!(10000),
            open_retention: Decimal::ZERO,
        }
    }

    #[test]
    fn the_payable_balance_holds_back_retention_payments_and_open_requests() {
        let m = money();
        assert_eq!(m.retention(), dec!(3390.00));
        assert_eq!(m.payable(), dec!(79610.00));
        assert_eq!(m.balance(RequestKind::Contract), dec!(79610.00));
        assert!(!over_balance(dec!(79610.00), m.payable()));
        assert!(over_balance(dec!(79610.01), m.payable()));
    }

    #[test]
    fn retention_is_released_after_its_date_up_to_what_is_held() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(!retention_due(None, day("2030-01-01")));
        assert!(!retention_due(Some(day("2028-03-10")), day("2028-03-09")));
        assert!(retention_due(Some(day("2028-03-10")), day("2028-03-10")));
        let m = ContractMoney {
            retention_paid: dec!(1000),
            open_retention: dec!(390),
            ..money()
        };
        assert_eq!(m.balance(RequestKind::Retention), dec!(2000.00));
    }

    #[test]
    fn retention_rounds_half_away_from_zero() {
        let m = ContractMoney {
            current: dec!(100.50),
            retention_percent: dec!(5),
            ..ContractMoney::default()
        };
        assert_eq!(m.retention(), dec!(5.03));
    }

    #[test]
    fn two_approvals_only_above_the_threshold() {
        assert_eq!(approvals_needed(dec!(100000), dec!(100000)), 1);
        assert_eq!(approvals_needed(dec!(100000.01), dec!(100000)), 2);
        assert_eq!(status_after_approval(1, 2), RequestStatus::Requested);
        assert_eq!(status_after_approval(2, 2), RequestStatus::Approved);
        assert_eq!(status_after_approval(1, 1), RequestStatus::Approved);
    }

    fn roles() -> Vec<String> {
        DEFAULT_APPROVER_ROLES
            .iter()
            .map(|r| (*r).to_owned())
            .collect()
    }

    fn pending(amount: Decimal) -> Pending {
        Pending {
            status: RequestStatus::Requested,
            amount,
            requested_by: 1,
            payee: None,
            first_approver: None,
        }
    }

    #[test]
    fn approvers_need_the_role_and_a_high_enough_limit() {
        let finance = Decider {
            user: 2,
            role: "finance",
            limit: None,
        };
        assert_eq!(may_decide(&roles(), finance, pending(dec!(5000))), Ok(()));
        let pm = Decider {
            role: "project_manager",
            ..finance
        };
        assert_eq!(
            may_decide(&roles(), pm, pending(dec!(5000))),
            Err(Refusal::Role)
        );
        let limited = Decider {
            limit: Some(dec!(5000)),
            ..finance
        };
        assert_eq!(may_decide(&roles(), limited, pending(dec!(5000))), Ok(()));
        assert_eq!(
            may_decide(&roles(), limited, pending(dec!(5000.01))),
            Err(Refusal::AboveLimit(dec!(5000)))
        );
    }

    #[test]
    fn nobody_approves_their_own_request_or_twice() {
        let owner = Decider {
            user: 1,
            role: "owner",
            limit: None,
        };
        assert_eq!(
            may_decide(&roles(), owner, pending(dec!(1))),
            Err(Refusal::OwnRequest)
        );
        let admin = Decider {
            user: 2,
            role: "admin",
            limit: None,
        };
        let second = Pending {
            first_approver: Some(2),
            ..pending(dec!(200000))
        };
        assert_eq!(
            may_decide(&roles(), admin, second),
            Err(Refusal::SameApprover)
        );
        let other = Decider { user: 3, ..admin };
        assert_eq!(may_decide(&roles(), other, second), Ok(()));
        let done = Pending {
            status: RequestStatus::Approved,
            ..second
        };
        assert_eq!(may_decide(&roles(), other, done), Err(Refusal::NotOpen));
    }

    #[test]
    fn payments_are_in_full_and_of_the_right_kind() {
        assert!(pays_in_full(dec!(100.00), dec!(100)));
        assert!(!pays_in_full(dec!(99.99), dec!(100)));
        assert_eq!(
            movement_kind(RequestKind::Contract),
            MovementKind::ContractPayment
        );
        assert_eq!(
            movement_kind(RequestKind::Retention),
            MovementKind::RetentionPayment
        );
        assert_eq!(
            movement_kind(RequestKind::Reimbursement),
            MovementKind::Reimbursement
        );
    }

    #[test]
    fn the_payee_of_a_reimbursement_does_not_approve_it() {
        let payee = Decider {
            user: 7,
            role: "finance",
            limit: None,
        };
        let request = Pending {
            payee: Some(7),
            ..pending(dec!(900))
        };
        assert_eq!(
            may_decide(&roles(), payee, request),
            Err(Refusal::OwnRequest)
        );
    }
}
