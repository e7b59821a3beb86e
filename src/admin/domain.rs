//! Rules of the settings forms.

use serde::Deserialize;

use crate::i18n::Locale;
use crate::web::form::{self, FieldErrors};

/// Time zones offered for a company (mainland China first, then where Chinese firms build).
pub const TIME_ZONES: [&str; 12] = [
    "Asia/Shanghai",
    "Asia/Urumqi",
    "Asia/Hong_Kong",
    "Asia/Macau",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Jakarta",
    "Asia/Dubai",
    "Africa/Nairobi",
    "Europe/London",
    "UTC",
];

/// Currencies offered, ISO 4217.
pub const CURRENCIES: [&str; 8] = ["CNY", "HKD", "MOP", "USD", "EUR", "SGD", "MYR", "AED"];

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CompanyForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub default_locale: String,
    #[serde(default)]
    pub version: i32,
}

#[derive(Debug, PartialEq, Eq)]
pub struct ValidCompany {
    pub name: String,
    pub time_zone: String,
    pub currency: String,
    pub default_locale: Locale,
}

impl CompanyForm {
    pub fn validate(&self) -> Result<ValidCompany, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = form::text(&mut errors, "name", &self.name, true, 200);
        if !TIME_ZONES.contains(&self.time_zone.as_str()) {
            errors.add("time_zone", "form.choose_from_list");
        }
        if !CURRENCIES.contains(&self.currency.as_str()) {
            errors.add("currency", "form.choose_from_list");
        }
        let locale = Locale::parse(&self.default_locale);
        if locale.is_none() {
            errors.add("default_locale", "form.choose_from_list");
        }
        match locale {
            Some(default_locale) if errors.is_empty() => Ok(ValidCompany {
                name,
                time_zone: self.time_zone.clone(),
                currency: self.currency.clone(),
                default_locale,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_settings_take_only_listed_values() {
        let ok = CompanyForm {
            name: "华建".into(),
            time_zone: "Asia/Shanghai".into(),
            currency: "CNY".into(),
            default_locale: "en".into(),
            version: 1,
        };
        assert_eq!(ok.validate().unwrap().default_locale, Locale::En);
        let bad = CompanyForm {
            time_zone: "Mars/Olympus".into(),
            currency: "XXX".into(),
            default_locale: "fr".into(),
            ..ok
        };
        let e = bad.validate().unwrap_err();
        assert!(e.has("time_zone") && e.has("currency") && e.has("default_locale"));
    }

    #[test]
    fn every_listed_time_zone_is_known_to_chrono_tz() {
        for tz in TIME_ZONES {
            assert!(tz.parse::<chrono_tz::Tz>().is_ok(), "{tz}");
        }
    }
}
