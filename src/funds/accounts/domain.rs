//! Bank-account rules, pure: the masked number readers see, the month a balance counts from,
//! and the account form with its checks.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::queries::{Account, AccountFields};
use crate::web::fields::required_date;
use crate::web::form::{self, FieldErrors};

pub(super) fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day0(0).unwrap_or(d)
}

/// An account number as a reader without the right to record funds sees it: the last four
/// digits only.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.is_empty() {
        return String::new();
    }
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("**** {tail}")
}

/// An amount that may be negative or zero (an overdrawn opening balance), two decimals.
pub(super) fn balance_amount(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
) -> Decimal {
    crate::funds::domain::signed_amount_or_zero(errors, field, value)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AccountForm {
    pub name: String,
    pub bank_name: String,
    pub account_number: String,
    pub opening_balance: String,
    pub opened_on: String,
    pub version: i32,
}

impl AccountForm {
    pub(super) fn of(a: &Account) -> Self {
        AccountForm {
            name: a.name.clone(),
            bank_name: a.bank_name.clone(),
            account_number: a.account_number.clone(),
            opening_balance: a.opening_balance.to_string(),
            opened_on: a.opened_on.to_string(),
            version: a.version,
        }
    }

    pub(super) fn validate(
        &self,
        others: &[Account],
        editing: Option<i64>,
        today: NaiveDate,
    ) -> Result<AccountFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = form::text(&mut e, "name", &self.name, true, 100);
        let bank_name = form::text(&mut e, "bank_name", &self.bank_name, false, 200);
        let account_number = form::text(&mut e, "account_number", &self.account_number, false, 60);
        let opening_balance = balance_amount(&mut e, "opening_balance", &self.opening_balance);
        let opened_on = required_date(&mut e, "opened_on", &self.opened_on);
        if opened_on.is_some_and(|d| d > today) {
            e.add("opened_on", "funds_ledger.opened_in_future");
        }
        if !e.has("name")
            && others
                .iter()
                .any(|a| a.name == name && Some(a.id) != editing)
        {
            e.add("name", "funds_ledger.account_name_taken");
        }
        match opened_on {
            Some(opened_on) if e.is_empty() => Ok(AccountFields {
                name,
                bank_name,
                account_number,
                opening_balance,
                opened_on,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_see_the_last_four_digits() {
        assert_eq!(mask("6222 0212 3456 7890"), "**** 7890");
        assert_eq!(mask("123"), "**** 123");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn an_opening_balance_may_be_negative_but_not_fractional_fen() {
        let mut e = FieldErrors::default();
        assert_eq!(
            balance_amount(&mut e, "b", "-1,000.50"),
            Decimal::new(-100050, 2)
        );
        assert!(e.is_empty());
        balance_amount(&mut e, "b", "1.005");
        assert_eq!(e.get("b"), Some("form.too_many_decimals"));
    }
}
