//! The rules of a cost entry, with no I/O: reading the form (amounts in fen, never negative,
//! never absurd; tax from the rate unless typed), the tax computation, what a reversal reads
//! and which files an entry may carry.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;

use crate::ids::TaskId;
use crate::web::amount::{AmountField, AmountMessages};
use crate::web::form::{FieldErrors, text};

/// The VAT rates a form offers (China: 0, the small-taxpayer 1 and 3, and the general 6, 9
/// and 13 percent); any rate from 0 to 100 may be typed.
pub const COMMON_TAX_RATES: [&str; 6] = ["0", "1", "3", "6", "9", "13"];

/// Files one entry may carry.
pub const MAX_ATTACHMENTS: i64 = 20;

/// The longest description, supplier and document number, as the table allows.
pub const MAX_DESCRIPTION: usize = 500;
pub const MAX_SUPPLIER: usize = 200;
pub const MAX_DOCUMENT_NO: usize = 60;
pub const MAX_REASON: usize = 500;

/// The tax on `amount` at `rate_percent`, rounded half away from zero to the fen.
pub fn tax_of(amount: Decimal, rate_percent: Decimal) -> Decimal {
    (amount * rate_percent / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// A money amount typed into a form: grouping commas allowed, at most two decimals (trailing
/// zeros do not count), from zero to `MAX_AMOUNT`. Records `field`'s message otherwise.
pub fn money(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    required: bool,
) -> Option<Decimal> {
    const WORDS: AmountMessages = AmountMessages {
        invalid: "form.invalid_number",
        negative: "cost_entries.amount_negative",
        too_large: "cost_entries.amount_too_large",
        too_precise: "cost_entries.amount_decimals",
    };
    match AmountField::MONEY.parse(value) {
        Ok(None) => {
            if required {
                errors.add(field, "form.required");
            }
            None
        }
        Ok(d) => d,
        Err(e) => {
            errors.add(field, e.key(&WORDS));
            None
        }
    }
}

/// A tax rate in percent: blank is 0, else 0 to 100 with at most two decimals.
pub fn tax_rate(errors: &mut FieldErrors, field: &'static str, value: &str) -> Decimal {
    const WORDS: AmountMessages = AmountMessages {
        invalid: "form.invalid_number",
        negative: "cost_entries.tax_rate_range",
        too_large: "cost_entries.tax_rate_range",
        too_precise: "cost_entries.tax_rate_decimals",
    };
    let v = value.trim().trim_end_matches(['%', '％']);
    match AmountField::MONEY.at_most(Decimal::ONE_HUNDRED).parse(v) {
        Ok(d) => d.unwrap_or_default(),
        Err(e) => {
            errors.add(field, e.key(&WORDS));
            Decimal::ZERO
        }
    }
}

/// The entry form as posted: every field as typed, so a refused form shows it back.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EntryForm {
    pub entry_date: String,
    pub category_id: String,
    pub task_id: String,
    /// The expense contract the entry books, if any.
    pub contract_id: String,
    pub supplier: String,
    pub description: String,
    pub amount: String,
    pub tax_rate: String,
    pub tax_amount: String,
    pub document_no: String,
    /// The version the entry was read at (0 for a new one).
    pub version: i32,
}

/// A valid entry, before the database checks (the category and task exist, the month is open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInput {
    pub entry_date: NaiveDate,
    pub category_id: i64,
    pub task_id: Option<TaskId>,
    pub contract_id: Option<i64>,
    pub supplier: String,
    pub description: String,
    pub amount: Decimal,
    pub tax_rate: Decimal,
    pub tax_amount: Decimal,
    pub document_no: String,
}

impl EntryInput {
    /// The amount including tax.
    pub fn total(&self) -> Decimal {
        self.amount + self.tax_amount
    }
}

fn id(errors: &mut FieldErrors, field: &'static str, value: &str, required: bool) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() {
        if required {
            errors.add(field, "form.required");
        }
        return None;
    }
    match v.parse::<i64>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            errors.add(field, "form.invalid_choice");
            None
        }
    }
}

/// A date as `YYYY-MM-DD`, required, not after `today`.
fn entry_date(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let d = crate::web::fields::required_date(errors, field, value)?;
    if d > today {
        errors.add(field, "cost_entries.future_date");
        return None;
    }
    Some(d)
}

impl EntryForm {
    /// Reads the form: the date not after the tenant's `today`, a category, a description,
    /// the amount and the tax (computed from the rate when left blank, else no more than the
    /// amount).
    pub fn validate(&self, today: NaiveDate) -> Result<EntryInput, FieldErrors> {
        let mut e = FieldErrors::default();
        let date = entry_date(&mut e, "entry_date", &self.entry_date, today);
        let category = id(&mut e, "category_id", &self.category_id, true);
        let task = id(&mut e, "task_id", &self.task_id, false);
        let contract = id(&mut e, "contract_id", &self.contract_id, false);
        let supplier = text(&mut e, "supplier", &self.supplier, false, MAX_SUPPLIER);
        let description = text(
            &mut e,
            "description",
            &self.description,
            true,
            MAX_DESCRIPTION,
        );
        let document_no = text(
            &mut e,
            "document_no",
            &self.document_no,
            false,
            MAX_DOCUMENT_NO,
        );
        let amount = money(&mut e, "amount", &self.amount, true);
        let rate = tax_rate(&mut e, "tax_rate", &self.tax_rate);
        let typed_tax = money(&mut e, "tax_amount", &self.tax_amount, false);
        let tax = match (amount, typed_tax) {
            (Some(a), Some(t)) if t > a => {
                e.add("tax_amount", "cost_entries.tax_above_amount");
                None
            }
            (_, Some(t)) => Some(t),
            (Some(a), None) if !e.has("tax_rate") && !e.has("tax_amount") => Some(tax_of(a, rate)),
            _ => None,
        };
        match (date, category, amount, tax) {
            (Some(entry_date), Some(category_id), Some(amount), Some(tax_amount))
                if e.is_empty() =>
            {
                Ok(EntryInput {
                    entry_date,
                    category_id,
                    task_id: task.map(TaskId),
                    contract_id: contract,
                    supplier,
                    description,
                    amount,
                    tax_rate: rate,
                    tax_amount,
                    document_no,
                })
            }
            _ => Err(e),
        }
    }
}

/// The reversal form: why, and the date (blank: today).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReversalForm {
    pub reason: String,
    pub entry_date: String,
    pub version: i32,
}

/// A valid reversal request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReversalInput {
    pub entry_date: NaiveDate,
    pub reason: String,
}

impl ReversalForm {
    /// A reason is required; the date defaults to `today`, is not in the future and not
    /// before the entry it reverses (`original`).
    pub fn validate(
        &self,
        original: NaiveDate,
        today: NaiveDate,
    ) -> Result<ReversalInput, FieldErrors> {
        let mut e = FieldErrors::default();
        let reason = text(&mut e, "reason", &self.reason, true, MAX_REASON);
        let date = if self.entry_date.trim().is_empty() {
            Some(today)
        } else {
            entry_date(&mut e, "entry_date", &self.entry_date, today)
        };
        if let Some(d) = date
            && d < original
        {
            e.add("entry_date", "cost_entries.reversal_before_original");
        }
        match date {
            Some(entry_date) if e.is_empty() => Ok(ReversalInput { entry_date, reason }),
            _ => Err(e),
        }
    }
}

/// The first `max` characters of `s`.
pub fn truncate_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::domain::MAX_AMOUNT;
    use rust_decimal::dec;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn form(amount: &str, rate: &str, tax: &str) -> EntryForm {
        EntryForm {
            entry_date: "2026-03-10".into(),
            category_id: "2".into(),
            task_id: String::new(),
            contract_id: String::new(),
            supplier: "华东建材".into(),
            description: "钢筋 HRB400".into(),
            amount: amount.into(),
            tax_rate: rate.into(),
            tax_amount: tax.into(),
            document_no: "FP-001".into(),
            version: 0,
        }
    }

    fn error(f: &EntryForm, field: &str) -> Option<&'static str> {
        f.validate(day("2026-03-31"))
            .err()
            .and_then(|e| e.get(field))
    }

    #[test]
    fn tax_rounds_half_away_from_zero_to_the_fen() {
        assert_eq!(tax_of(dec!(100), dec!(13)), dec!(13.00));
        // 0.125 → 0.13, not banker's 0.12.
        assert_eq!(tax_of(dec!(12.50), dec!(1)), dec!(0.13));
        assert_eq!(tax_of(dec!(-12.50), dec!(1)), dec!(-0.13));
        assert_eq!(tax_of(dec!(33.33), dec!(9)), dec!(3.00));
        assert_eq!(tax_of(dec!(1234.56), dec!(6)), dec!(74.07));
        assert_eq!(tax_of(dec!(1000), dec!(0)), dec!(0));
        assert_eq!(tax_of(MAX_AMOUNT, dec!(100)), MAX_AMOUNT);
    }

    #[test]
    fn a_blank_tax_is_computed_and_a_typed_one_kept() {
        let input = form("12,345.60", "13", "")
            .validate(day("2026-03-31"))
            .unwrap();
        assert_eq!(input.amount, dec!(12345.60));
        assert_eq!(input.tax_rate, dec!(13));
        assert_eq!(input.tax_amount, dec!(1604.93));
        assert_eq!(input.total(), dec!(13950.53));
        let typed = form("100", "13", "12.99")
            .validate(day("2026-03-31"))
            .unwrap();
        assert_eq!(typed.tax_amount, dec!(12.99));
        let none = form("100", "", "").validate(day("2026-03-31")).unwrap();
        assert_eq!((none.tax_rate, none.tax_amount), (dec!(0), dec!(0)));
    }

    #[test]
    fn bad_amounts_are_refused_with_their_reason() {
        assert_eq!(
            error(&form("-1", "", ""), "amount"),
            Some("cost_entries.amount_negative")
        );
        assert_eq!(
            error(&form("1e15", "", ""), "amount"),
            Some("cost_entries.amount_too_large")
        );
        assert_eq!(
            error(&form("1000000000000000000000000000000", "", ""), "amount"),
            Some("cost_entries.amount_too_large")
        );
        assert_eq!(
            error(&form("100000000000", "", ""), "amount"),
            Some("cost_entries.amount_too_large")
        );
        assert_eq!(
            error(&form("12.345", "", ""), "amount"),
            Some("cost_entries.amount_decimals")
        );
        assert_eq!(error(&form("12.340", "", ""), "amount"), None);
        assert_eq!(
            error(&form("abc", "", ""), "amount"),
            Some("form.invalid_number")
        );
        assert_eq!(error(&form("", "", ""), "amount"), Some("form.required"));
        assert_eq!(error(&form("99999999999.99", "", ""), "amount"), None);
    }

    #[test]
    fn tax_rates_and_typed_taxes_are_checked() {
        assert_eq!(
            error(&form("100", "101", ""), "tax_rate"),
            Some("cost_entries.tax_rate_range")
        );
        assert_eq!(
            error(&form("100", "-3", ""), "tax_rate"),
            Some("cost_entries.tax_rate_range")
        );
        assert_eq!(
            error(&form("100", "3.125", ""), "tax_rate"),
            Some("cost_entries.tax_rate_decimals")
        );
        assert_eq!(
            error(&form("100", "x", ""), "tax_rate"),
            Some("form.invalid_number")
        );
        assert_eq!(
            error(&form("100", "13", "100.01"), "tax_amount"),
            Some("cost_entries.tax_above_amount")
        );
        assert_eq!(
            error(&form("100", "13", "-1"), "tax_amount"),
            Some("cost_entries.amount_negative")
        );
        assert_eq!(
            form("100", "13%", "")
                .validate(day("2026-03-31"))
                .unwrap()
                .tax_amount,
            dec!(13.00)
        );
    }

    #[test]
    fn dates_categories_and_descriptions_are_required() {
        let mut f = form("1", "", "");
        f.entry_date = "2026-04-01".into();
        assert_eq!(error(&f, "entry_date"), Some("cost_entries.future_date"));
        f.entry_date = "2026-3-1x".into();
        assert_eq!(error(&f, "entry_date"), Some("form.invalid_date"));
        let mut f = form("1", "", "");
        f.category_id = String::new();
        f.description = "  ".into();
        f.task_id = "abc".into();
        assert_eq!(error(&f, "category_id"), Some("form.required"));
        assert_eq!(error(&f, "description"), Some("form.required"));
        assert_eq!(error(&f, "task_id"), Some("form.invalid_choice"));
    }

    #[test]
    fn a_reversal_needs_a_reason_and_a_date_not_before_the_original() {
        let today = day("2026-05-20");
        let f = ReversalForm {
            reason: "发票作废".into(),
            ..ReversalForm::default()
        };
        assert_eq!(
            f.validate(day("2026-03-10"), today).unwrap(),
            ReversalInput {
                entry_date: today,
                reason: "发票作废".into()
            }
        );
        let early = ReversalForm {
            reason: "x".into(),
            entry_date: "2026-03-09".into(),
            version: 1,
        };
        assert_eq!(
            early
                .validate(day("2026-03-10"), today)
                .unwrap_err()
                .get("entry_date"),
            Some("cost_entries.reversal_before_original")
        );
        let blank = ReversalForm::default();
        assert_eq!(
            blank
                .validate(day("2026-03-10"), today)
                .unwrap_err()
                .get("reason"),
            Some("form.required")
        );
    }
}
