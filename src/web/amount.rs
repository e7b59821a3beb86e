//! One rule for a number typed into a form (an amount, a quantity, a percent): grouping
//! commas (`,` or `，`), spaces and a currency sign (`¥`, `￥`) are ignored; trailing zeros are
//! dropped, then the number may have at most the field's scale of decimals (2 for money);
//! its size is at most 99,999,999,999.99 (what `NUMERIC(18,2)` holds to the fen) unless the
//! field says less; a minus sign only where the field is signed. Each form words the
//! refusals itself, through `AmountError`.

use rust_decimal::Decimal;
use rust_decimal::dec;

/// The largest amount any field takes.
pub const MAX_AMOUNT: Decimal = dec!(99999999999.99);

/// Why a typed number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Not a number.
    Invalid,
    /// Below zero where the field is not signed.
    Negative,
    /// Beyond the field's largest size.
    TooLarge,
    /// More decimals than the field's scale (trailing zeros not counted).
    TooPrecise,
}

/// A number field: its scale, its largest size and whether it takes a minus sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountField {
    pub scale: u32,
    pub max: Decimal,
    pub signed: bool,
}

impl AmountField {
    /// Money of zero or more, to the fen.
    pub const MONEY: AmountField = AmountField {
        scale: 2,
        max: MAX_AMOUNT,
        signed: false,
    };

    /// Money of either sign (a reversal, a variation that lowers a value).
    pub const SIGNED_MONEY: AmountField = AmountField {
        scale: 2,
        max: MAX_AMOUNT,
        signed: true,
    };

    /// This field with at most `scale` decimals.
    pub const fn with_scale(self, scale: u32) -> Self {
        AmountField { scale, ..self }
    }

    /// This field, at most `max` in size (never more than `MAX_AMOUNT`).
    pub fn at_most(self, max: Decimal) -> Self {
        AmountField {
            max: max.min(MAX_AMOUNT),
            ..self
        }
    }

    /// The number typed in `text`: blank is `None`; otherwise the number with its trailing
    /// zeros dropped, or why it is refused.
    pub fn parse(self, text: &str) -> Result<Option<Decimal>, AmountError> {
        let v: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '，' | '¥' | '￥'))
            .collect();
        if v.is_empty() {
            return Ok(None);
        }
        // "1e3" is a number too; a long row of digits is one too large to hold, not garbage.
        let d = match v
            .parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(&v))
        {
            Ok(d) => d,
            Err(_) if is_long_number(&v) => return Err(AmountError::TooLarge),
            Err(_) => return Err(AmountError::Invalid),
        };
        let d = if d.is_zero() {
            Decimal::ZERO
        } else {
            d.normalize()
        };
        if d.is_sign_negative() && !self.signed {
            Err(AmountError::Negative)
        } else if d.abs() > self.max.min(MAX_AMOUNT) {
            Err(AmountError::TooLarge)
        } else if d.scale() > self.scale {
            Err(AmountError::TooPrecise)
        } else {
            Ok(Some(d))
        }
    }
}

/// Digits (with a sign and one point at most) beyond what a `Decimal` holds.
fn is_long_number(v: &str) -> bool {
    let digits = v.trim_start_matches(['-', '+']);
    digits.chars().filter(char::is_ascii_digit).count() > 20
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// The message keys a form words `AmountError`s with.
#[derive(Debug, Clone, Copy)]
pub struct AmountMessages {
    pub invalid: &'static str,
    pub negative: &'static str,
    pub too_large: &'static str,
    pub too_precise: &'static str,
}

impl AmountMessages {
    /// The generic words: not a number, out of range, too many decimals.
    pub const FORM: AmountMessages = AmountMessages {
        invalid: "form.invalid_number",
        negative: "form.out_of_range",
        too_large: "form.out_of_range",
        too_precise: "form.too_many_decimals",
    };
}

impl AmountError {
    /// The message of this refusal in `m`'s words.
    pub fn key(self, m: &AmountMessages) -> &'static str {
        match self {
            AmountError::Invalid => m.invalid,
            AmountError::Negative => m.negative,
            AmountError::TooLarge => m.too_large,
            AmountError::TooPrecise => m.too_precise,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MONEY: AmountField = AmountField::MONEY;
    const SIGNED: AmountField = AmountField::SIGNED_MONEY;

    #[test]
    fn blank_is_none() {
        assert_eq!(MONEY.parse(""), Ok(None));
        assert_eq!(MONEY.parse("  "), Ok(None));
        assert_eq!(MONEY.parse(" , "), Ok(None));
    }

    #[test]
    fn trailing_zeros_are_dropped_before_the_scale_counts() {
        assert_eq!(MONEY.parse("100.500"), Ok(Some(dec!(100.5))));
        assert_eq!(MONEY.parse("100.5000000"), Ok(Some(dec!(100.5))));
        assert_eq!(MONEY.parse("1.230"), Ok(Some(dec!(1.23))));
        assert_eq!(MONEY.parse("7.00"), Ok(Some(dec!(7))));
        assert_eq!(MONEY.parse("7.00").unwrap().unwrap().to_string(), "7");
        assert_eq!(MONEY.parse("1.234"), Err(AmountError::TooPrecise));
        assert_eq!(MONEY.parse("0.001"), Err(AmountError::TooPrecise));
    }

    #[test]
    fn the_field_sets_the_scale() {
        let whole = MONEY.with_scale(0);
        assert_eq!(whole.parse("12"), Ok(Some(dec!(12))));
        assert_eq!(whole.parse("12.000"), Ok(Some(dec!(12))));
        assert_eq!(whole.parse("12.5"), Err(AmountError::TooPrecise));
        let four = MONEY.with_scale(4);
        assert_eq!(four.parse("0.1234"), Ok(Some(dec!(0.1234))));
        assert_eq!(four.parse("0.12345"), Err(AmountError::TooPrecise));
    }

    #[test]
    fn sizes_stop_at_the_largest_amount_or_the_fields_own_limit() {
        assert_eq!(MONEY.parse("99999999999.99"), Ok(Some(MAX_AMOUNT)));
        assert_eq!(MONEY.parse("99,999,999,999.99"), Ok(Some(MAX_AMOUNT)));
        assert_eq!(MONEY.parse("100000000000"), Err(AmountError::TooLarge));
        assert_eq!(SIGNED.parse("-99999999999.99"), Ok(Some(-MAX_AMOUNT)));
        assert_eq!(SIGNED.parse("-100000000000"), Err(AmountError::TooLarge));
        let percent = MONEY.at_most(Decimal::ONE_HUNDRED);
        assert_eq!(percent.parse("100"), Ok(Some(dec!(100))));
        assert_eq!(percent.parse("100.01"), Err(AmountError::TooLarge));
        // A field cannot allow more than the largest amount.
        let wide = MONEY.at_most(dec!(100000000000000000000));
        assert_eq!(wide.parse("100000000000"), Err(AmountError::TooLarge));
        // Too many digits to hold at all is still "too large", not "not a number".
        assert_eq!(
            MONEY.parse("123456789012345678901234567890"),
            Err(AmountError::TooLarge)
        );
        assert_eq!(MONEY.parse("1e15"), Err(AmountError::TooLarge));
    }

    #[test]
    fn minus_only_where_the_field_is_signed() {
        assert_eq!(MONEY.parse("-5"), Err(AmountError::Negative));
        assert_eq!(MONEY.parse("-0.01"), Err(AmountError::Negative));
        assert_eq!(SIGNED.parse("-12.30"), Ok(Some(dec!(-12.3))));
        assert_eq!(SIGNED.parse("+12"), Ok(Some(dec!(12))));
        // Minus zero is zero, and positive.
        let zero = MONEY.parse("-0.00").unwrap().unwrap();
        assert!(zero.is_zero() && !zero.is_sign_negative());
        // A negative number that is also too precise is refused for its sign first.
        assert_eq!(MONEY.parse("-1.234"), Err(AmountError::Negative));
    }

    #[test]
    fn garbage_is_not_a_number() {
        for text in ["abc", "1.2.3", "12元", "1a", "--1", "1-", "NaN", "∞"] {
            assert_eq!(MONEY.parse(text), Err(AmountError::Invalid), "{text}");
        }
    }

    #[test]
    fn chinese_grouping_spaces_and_currency_signs_are_ignored() {
        assert_eq!(MONEY.parse("1，200.50"), Ok(Some(dec!(1200.5))));
        assert_eq!(MONEY.parse(" 1 200 "), Ok(Some(dec!(1200))));
        assert_eq!(MONEY.parse("1\u{3000}200"), Ok(Some(dec!(1200))));
        assert_eq!(MONEY.parse("¥1,200"), Ok(Some(dec!(1200))));
        assert_eq!(MONEY.parse("￥1,200.00"), Ok(Some(dec!(1200))));
        assert_eq!(MONEY.parse("1.5e2"), Ok(Some(dec!(150))));
    }

    #[test]
    fn refusals_are_worded_by_the_form() {
        let m = AmountMessages::FORM;
        assert_eq!(AmountError::Invalid.key(&m), "form.invalid_number");
        assert_eq!(AmountError::Negative.key(&m), "form.out_of_range");
        assert_eq!(AmountError::TooLarge.key(&m), "form.out_of_range");
        assert_eq!(AmountError::TooPrecise.key(&m), "form.too_many_decimals");
    }
}
