//! The pure rules of wages and settlements: money a user types for an advance or a payout,
//! the running balance of a worker's statement, the capital-money words (大写金额) a
//! settlement statement is signed for, and money as people read it.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::labour::domain::{parse_amount, round2};

/// The largest single advance or payout accepted: ten million yuan.
pub const MAX_PAYMENT: Decimal = Decimal::from_parts(10_000_000, 0, 0, false, 0);

/// An advance or payout amount: required, positive, to the fen, at most `MAX_PAYMENT`.
pub fn payment_amount(value: &str) -> Result<Decimal, &'static str> {
    match parse_amount(value, 2)? {
        None => Err("form.required"),
        Some(d) if d <= Decimal::ZERO => Err("labour_wages.amount_positive"),
        Some(d) if d > MAX_PAYMENT => Err("labour_wages.amount_too_large"),
        Some(d) => Ok(d),
    }
}

/// A date of payment: not after the tenant's today.
pub fn check_paid_on(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    if date > today {
        Err("labour_wages.future_date")
    } else {
        Ok(date)
    }
}

/// Which table a statement entry comes from: a ticket line, an advance or a payout. Read from
/// the statement's union only (never shown, never bound), so a plain `sqlx::Type`: an unknown
/// value is a decode error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum StatementSource {
    Line,
    Advance,
    Payout,
}

/// What moves a worker's balance on a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A ticket line: wages earned (only confirmed and settled lines count).
    Line { counts: bool },
    /// 借支: paid ahead, owed less.
    Advance,
    /// 发放: wages paid.
    Payout,
}

impl EntryKind {
    /// How `amount` changes what is owed to the worker.
    pub fn effect(self, amount: Decimal) -> Decimal {
        match self {
            EntryKind::Line { counts: true } => amount,
            EntryKind::Line { counts: false } => Decimal::ZERO,
            EntryKind::Advance | EntryKind::Payout => -amount,
        }
    }
}

/// The balance owed after each entry, starting from `opening`.
pub fn running_balance(opening: Decimal, entries: &[(EntryKind, Decimal)]) -> Vec<Decimal> {
    entries
        .iter()
        .scan(opening, |balance, (kind, amount)| {
            *balance += kind.effect(*amount);
            Some(*balance)
        })
        .collect()
}

const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];

/// 1..=9999 in capitals: 壹仟零壹拾, 壹拾 (banks write the 壹 of 壹拾).
fn section_words(section: u64) -> String {
    let mut out = String::new();
    let mut zero = false;
    for (power, unit) in [(1000, "仟"), (100, "佰"), (10, "拾"), (1, "")] {
        let digit = (section / power % 10) as usize;
        if digit == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        out.push_str(DIGITS[digit]);
        out.push_str(unit);
    }
    out
}

/// A whole number of yuan below 10¹⁶ in capitals, in sections of four digits (万, 亿, 万亿).
fn integer_words(n: u64) -> String {
    let sections = [
        n % 10_000,
        n / 10_000 % 10_000,
        n / 100_000_000 % 10_000,
        n / 1_000_000_000_000 % 10_000,
    ];
    let mut out = String::new();
    let mut gap = false;
    for i in (0..sections.len()).rev() {
        let section = sections[i];
        if section == 0 {
            gap = !out.is_empty();
            continue;
        }
        if !out.is_empty() && (gap || section < 1000) {
            out.push('零');
        }
        out.push_str(&section_words(section));
        out.push_str(match i {
            1 => "万",
            2 => "亿",
            3 if sections[2] == 0 => "万亿",
            3 => "万",
            _ => "",
        });
        gap = false;
    }
    out
}

/// An amount in Chinese capital money words as cheques and statements write it:
/// 12,345.67 → 壹万贰仟叁佰肆拾伍元陆角柒分; 0 → 零元整; 0.05 → 伍分;
/// 100,000,000.01 → 壹亿元零壹分. Rounded to the fen first; negative amounts start with 负.
/// Amounts of 10¹⁶ yuan or more (beyond any `NUMERIC(18,2)`) are written in figures.
pub fn capital_money(amount: Decimal) -> String {
    let rounded = round2(amount);
    let Some(fen_total) = (rounded.abs() * Decimal::ONE_HUNDRED).to_u64() else {
        return rounded.to_string();
    };
    let yuan = fen_total / 100;
    if yuan >= 10_000_000_000_000_000 {
        return rounded.to_string();
    }
    let jiao = (fen_total / 10 % 10) as usize;
    let fen = (fen_total % 10) as usize;
    let mut out = String::new();
    if rounded.is_sign_negative() && fen_total > 0 {
        out.push('负');
    }
    if yuan > 0 {
        out.push_str(&integer_words(yuan));
        out.push('元');
    }
    match (jiao, fen) {
        (0, 0) if yuan == 0 => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        _ => {
            if jiao > 0 {
                out.push_str(DIGITS[jiao]);
                out.push('角');
            } else if yuan > 0 {
                out.push('零');
            }
            if fen > 0 {
                out.push_str(DIGITS[fen]);
                out.push('分');
            }
        }
    }
    out
}

/// Money as people read it: two decimals with thousands separators, `12,345.60`.
pub fn money(amount: Decimal) -> String {
    let text = format!("{:.2}", round2(amount).abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if amount.is_sign_negative() && !round2(amount).is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{fraction}")
}

/// Hours and 工日 as people read them: no trailing zeros, `12.5`.
pub fn quantity(value: Decimal) -> String {
    value.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn capital_money_words_follow_the_banks_rules() {
        assert_eq!(capital_money(dec!(0.00)), "零元整");
        assert_eq!(capital_money(dec!(0.05)), "伍分");
        assert_eq!(capital_money(dec!(10.10)), "壹拾元壹角");
        assert_eq!(capital_money(dec!(1000000.00)), "壹佰万元整");
        assert_eq!(
            capital_money(dec!(12345.67)),
            "壹万贰仟叁佰肆拾伍元陆角柒分"
        );
        assert_eq!(capital_money(dec!(100000000.01)), "壹亿元零壹分");
    }

    #[test]
    fn capital_money_writes_one_zero_for_each_gap() {
        assert_eq!(capital_money(dec!(1010.50)), "壹仟零壹拾元伍角");
        assert_eq!(capital_money(dec!(10.05)), "壹拾元零伍分");
        assert_eq!(capital_money(dec!(100010)), "壹拾万零壹拾元整");
        assert_eq!(capital_money(dec!(1000100)), "壹佰万零壹佰元整");
        assert_eq!(capital_money(dec!(100001000)), "壹亿零壹仟元整");
        assert_eq!(capital_money(dec!(20304.00)), "贰万零叁佰零肆元整");
        assert_eq!(capital_money(dec!(1000000000000)), "壹万亿元整");
        assert_eq!(capital_money(dec!(1000100000000)), "壹万零壹亿元整");
        assert_eq!(
            capital_money(dec!(9999999999999999.99)),
            "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"
        );
        assert_eq!(capital_money(dec!(-3.2)), "负叁元贰角");
        assert_eq!(capital_money(dec!(0.004)), "零元整");
    }

    #[test]
    fn payment_amounts_are_positive_and_bounded() {
        assert_eq!(payment_amount("1,200.50"), Ok(dec!(1200.5)));
        assert_eq!(payment_amount("10000000"), Ok(dec!(10000000)));
        assert_eq!(payment_amount(""), Err("form.required"));
        assert_eq!(payment_amount("0"), Err("labour_wages.amount_positive"));
        assert_eq!(payment_amount("-5"), Err("labour.negative"));
        assert_eq!(
            payment_amount("10000000.01"),
            Err("labour_wages.amount_too_large")
        );
        assert_eq!(payment_amount("1.234"), Err("form.too_many_decimals"));
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        assert!(check_paid_on(today, today).is_ok());
        assert_eq!(
            check_paid_on(today.succ_opt().unwrap(), today),
            Err("labour_wages.future_date")
        );
    }

    #[test]
    fn the_balance_runs_up_with_wages_and_down_with_payments() {
        let entries = [
            (EntryKind::Line { counts: true }, dec!(300)),
            (EntryKind::Line { counts: false }, dec!(150)),
            (EntryKind::Advance, dec!(100)),
            (EntryKind::Line { counts: true }, dec!(450)),
            (EntryKind::Payout, dec!(500)),
        ];
        assert_eq!(
            running_balance(dec!(50), &entries),
            vec![dec!(350), dec!(350), dec!(250), dec!(700), dec!(200)]
        );
        assert!(running_balance(dec!(0), &[]).is_empty());
    }

    #[test]
    fn money_reads_with_separators() {
        assert_eq!(money(dec!(1234567.891)), "1,234,567.89");
        assert_eq!(money(dec!(0)), "0.00");
        assert_eq!(money(dec!(-1500)), "-1,500.00");
        assert_eq!(money(dec!(999)), "999.00");
        assert_eq!(quantity(dec!(12.50)), "12.5");
    }
}
