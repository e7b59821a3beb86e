//! The funds rules, pure: the unified social credit code's check character (GB 32100-2015),
//! the retention cap, a contract's current amount with its variations, the amount without
//! VAT, and the kinds of contracts and counterparties that go together.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::db::text_enum;
use crate::web::amount::{AmountField, AmountMessages};
use crate::web::form::FieldErrors;

pub use crate::web::amount::MAX_AMOUNT;

text_enum! {
    /// A counterparty's kind (往来单位): the client, or a subcontractor or supplier.
    CounterpartyKind in "funds" {
        Client => "client",
        Subcontractor => "subcontractor",
        Supplier => "supplier",
    }
}

/// Kinds of counterparty (往来单位), as the forms spell them.
pub const COUNTERPARTY_KINDS: [&str; 3] = ["client", "subcontractor", "supplier"];
/// Contract directions: money in from the client, money out to subcontractors and suppliers.
pub const DIRECTIONS: [&str; 2] = ["income", "expense"];
/// Contract statuses, in their order.
pub const STATUSES: [&str; 3] = ["draft", "signed", "closed"];
text_enum! {
    /// A contract's direction: money in from the client, or out to a subcontractor or supplier.
    ContractDirection in "funds" { Income => "income", Expense => "expense" }
}

text_enum! {
    /// A contract's status: draft → signed → closed.
    ContractStatus in "funds" { Draft => "draft", Signed => "signed", Closed => "closed" }
}

text_enum! {
    /// A contract's kind: the main (income) contract, and the expense kinds.
    ContractKind in "funds" {
        Main => "main",
        Subcontract => "subcontract",
        Purchase => "purchase",
        Lease => "lease",
        Service => "service",
    }
}

/// The characters of a unified social credit code, by value (no I, O, S, V, Z).
const CREDIT_CODE_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weights of the first 17 characters (3^i mod 31).
const CREDIT_CODE_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Whether `code` is a unified social credit code (统一社会信用代码) whose 18th character is
/// the check character GB 32100-2015 computes from the other 17.
pub fn credit_code_valid(code: &str) -> bool {
    let value = |c: u8| CREDIT_CODE_CHARS.iter().position(|&x| x == c);
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return false;
    }
    let mut sum = 0u32;
    for (i, &w) in CREDIT_CODE_WEIGHTS.iter().enumerate() {
        match value(bytes[i]) {
            // At most 30 × 30 × 17: no overflow.
            Some(v) => sum += v as u32 * w,
            None => return false,
        }
    }
    let check = (31 - sum % 31) % 31;
    value(bytes[17]) == Some(check as usize)
}

/// Whether a retention percentage is within the tenant's cap (建质〔2017〕138号 第七条: 3 %).
pub fn retention_within_cap(percent: Decimal, cap: Decimal) -> bool {
    percent <= cap
}

/// A contract's current amount: the signed amount plus its approved variations.
pub fn current_amount(amount: Decimal, variations: &[Decimal]) -> Decimal {
    variations.iter().fold(amount, |sum, v| sum + v)
}

/// An amount including VAT at `tax_rate` % brought down to the amount without it, rounded
/// half away from zero to the fen as PostgreSQL's `round` does (the committed-cost view).
pub fn without_vat(amount: Decimal, tax_rate: Decimal) -> Decimal {
    let divisor = Decimal::ONE + tax_rate / Decimal::ONE_HUNDRED;
    if divisor.is_zero() {
        return amount;
    }
    (amount / divisor).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// `percent` % of `amount`, to the fen, half away from zero (as PostgreSQL's `round`): the
/// one rounding of retention and payment ratios everywhere.
pub fn percent_of(amount: Decimal, percent: Decimal) -> Decimal {
    (amount * percent / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Whether a contract of `kind` goes in `direction`.
pub fn kind_fits(direction: ContractDirection, kind: ContractKind) -> bool {
    match direction {
        ContractDirection::Income => kind == ContractKind::Main,
        ContractDirection::Expense => kind != ContractKind::Main,
    }
}

/// Whether a counterparty of `kind` can be the other party of a contract in `direction`.
pub fn counterparty_fits(direction: ContractDirection, kind: CounterpartyKind) -> bool {
    match direction {
        ContractDirection::Income => kind == CounterpartyKind::Client,
        ContractDirection::Expense => matches!(
            kind,
            CounterpartyKind::Subcontractor | CounterpartyKind::Supplier
        ),
    }
}

/// The builtin cost category an expense contract of `kind` commits under when none is
/// chosen: subcontracts under subcontract, purchases under materials, leases under plant.
pub fn default_category(kind: ContractKind) -> Option<&'static str> {
    match kind {
        ContractKind::Subcontract => Some("subcontract"),
        ContractKind::Purchase => Some("materials"),
        ContractKind::Lease => Some("plant"),
        ContractKind::Service => Some("other"),
        ContractKind::Main => None,
    }
}

/// A required amount above zero, at most `MAX_AMOUNT`, with two decimals at most.
pub fn positive_amount(errors: &mut FieldErrors, field: &'static str, value: &str) -> Decimal {
    match signed_amount(errors, field, value) {
        Some(d) if d <= Decimal::ZERO => {
            errors.add(field, "funds.amount_positive");
            Decimal::ZERO
        }
        Some(d) => d,
        None => Decimal::ZERO,
    }
}

/// A required amount other than zero, either sign, within ±`MAX_AMOUNT`, two decimals at most
/// (a variation may lower the contract).
pub fn nonzero_amount(errors: &mut FieldErrors, field: &'static str, value: &str) -> Decimal {
    match signed_amount(errors, field, value) {
        Some(d) if d.is_zero() => {
            errors.add(field, "funds.amount_nonzero");
            Decimal::ZERO
        }
        Some(d) => d,
        None => Decimal::ZERO,
    }
}

fn signed_amount(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<Decimal> {
    match AmountField::SIGNED_MONEY.parse(value) {
        Ok(None) => {
            errors.add(field, "form.required");
            None
        }
        Ok(d) => d,
        Err(e) => {
            errors.add(field, e.key(&AMOUNT_WORDS));
            None
        }
    }
}

/// An amount of either sign, two decimals; empty is zero.
pub fn signed_amount_or_zero(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
) -> Decimal {
    match AmountField::SIGNED_MONEY.parse(value) {
        Ok(d) => d.unwrap_or_default(),
        Err(e) => {
            errors.add(field, e.key(&AMOUNT_WORDS));
            Decimal::ZERO
        }
    }
}

/// How funds' forms word a refused amount.
pub const AMOUNT_WORDS: AmountMessages = AmountMessages {
    too_large: "funds.amount_too_large",
    ..AmountMessages::FORM
};

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn credit_codes_check_their_last_character() {
        assert!(credit_code_valid("91350100M000100Y43"));
        assert!(credit_code_valid("91110000802100433B"));
        // One character changed, the check character wrong, a letter that is not used.
        assert!(!credit_code_valid("91350100M000100Y44"));
        assert!(!credit_code_valid("91350100M000200Y43"));
        assert!(!credit_code_valid("91350100I000100Y43"));
        assert!(!credit_code_valid("91350100M000100Y4"));
        assert!(!credit_code_valid(""));
        assert!(!credit_code_valid("91350100m000100y43"));
    }

    #[test]
    fn retention_is_capped() {
        assert!(retention_within_cap(dec!(3), dec!(3)));
        assert!(retention_within_cap(dec!(0), dec!(3)));
        assert!(!retention_within_cap(dec!(3.01), dec!(3)));
        assert!(!retention_within_cap(dec!(5), dec!(3)));
    }

    #[test]
    fn variations_adjust_the_amount() {
        assert_eq!(current_amount(dec!(113000), &[]), dec!(113000));
        assert_eq!(
            current_amount(dec!(113000), &[dec!(11300), dec!(-1000.50)]),
            dec!(123299.50)
        );
    }

    #[test]
    fn vat_comes_off_rounded_half_away_from_zero() {
        assert_eq!(without_vat(dec!(113000.00), dec!(13)), dec!(100000.00));
        assert_eq!(without_vat(dec!(124300.00), dec!(13)), dec!(110000.00));
        assert_eq!(without_vat(dec!(100), dec!(0)), dec!(100));
        // 1.09 / 1.06 = 1.028301…; 0.05 / 1.0 stays; a half fen goes up.
        assert_eq!(without_vat(dec!(1.09), dec!(6)), dec!(1.03));
        assert_eq!(without_vat(dec!(0.005), dec!(0)), dec!(0.01));
    }

    #[test]
    fn kinds_and_counterparties_go_together() {
        use ContractDirection::{Expense, Income};
        assert!(kind_fits(Income, ContractKind::Main));
        assert!(!kind_fits(Income, ContractKind::Subcontract));
        assert!(kind_fits(Expense, ContractKind::Purchase));
        assert!(!kind_fits(Expense, ContractKind::Main));
        assert!(counterparty_fits(Income, CounterpartyKind::Client));
        assert!(!counterparty_fits(Income, CounterpartyKind::Supplier));
        assert!(counterparty_fits(Expense, CounterpartyKind::Subcontractor));
        assert!(!counterparty_fits(Expense, CounterpartyKind::Client));
        assert_eq!(default_category(ContractKind::Purchase), Some("materials"));
        assert_eq!(default_category(ContractKind::Main), None);
    }

    #[test]
    fn amounts_are_checked() {
        let mut e = FieldErrors::default();
        assert_eq!(positive_amount(&mut e, "a", "113,000.00"), dec!(113000.00));
        assert!(e.is_empty());
        for (bad, key) in [
            ("0", "funds.amount_positive"),
            ("-5", "funds.amount_positive"),
            ("1.005", "form.too_many_decimals"),
            ("100000000000", "funds.amount_too_large"),
            ("abc", "form.invalid_number"),
            ("", "form.required"),
        ] {
            let mut e = FieldErrors::default();
            positive_amount(&mut e, "a", bad);
            assert_eq!(e.get("a"), Some(key), "{bad}");
        }
        let mut e = FieldErrors::default();
        assert_eq!(nonzero_amount(&mut e, "a", "-1000"), dec!(-1000));
        nonzero_amount(&mut e, "b", "0.00");
        assert_eq!(e.get("b"), Some("funds.amount_nonzero"));
    }
}
