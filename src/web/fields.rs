//! The field parsers forms share: dates, whole numbers and decimals, each adding its message to
//! the form's `FieldErrors` and returning `None` when the field is empty or invalid.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::amount::{AmountField, AmountMessages};
use super::form::FieldErrors;

/// A date field: empty is `None`; anything else must be `YYYY-MM-DD`.
pub fn optional_date(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
) -> Option<NaiveDate> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) if (1900..=2200).contains(&chrono::Datelike::year(&d)) => Some(d),
        _ => {
            errors.add(field, "form.invalid_date");
            None
        }
    }
}

pub fn required_date(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
) -> Option<NaiveDate> {
    let d = optional_date(errors, field, value);
    if d.is_none() && !errors.has(field) {
        errors.add(field, "form.required");
    }
    d
}

/// A whole number within `range`; empty is `None`.
pub fn optional_int(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<i64>() {
        Ok(n) if range.contains(&n) => Some(n),
        Ok(_) => {
            errors.add(field, "form.out_of_range");
            None
        }
        Err(_) => {
            errors.add(field, "form.invalid_number");
            None
        }
    }
}

/// A non-negative decimal with at most `scale` places (trailing zeros not counted) and at
/// most `max`; empty is `None`.
pub fn optional_decimal(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    max: Decimal,
    scale: u32,
) -> Option<Decimal> {
    match AmountField::MONEY
        .with_scale(scale)
        .at_most(max)
        .parse(value)
    {
        Ok(d) => d,
        Err(e) => {
            errors.add(field, e.key(&AmountMessages::FORM));
            None
        }
    }
}
