//! Formatting for pages: instants in the tenant's time zone, money and quantities.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

/// `2026-11-23 20:15` in `tz`.
pub fn datetime(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// `2026-11-23` in `tz`.
pub fn date(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

/// `12,345.60`: two decimals, thousands grouped, a minus sign when negative.
pub fn money(amount: Decimal) -> String {
    let fixed = format!("{:.2}", amount.round_dp(2).abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if amount.is_sign_negative() && !amount.round_dp(2).is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{fraction}")
}

/// Hours, 工日 and other quantities without trailing zeros: `8`, `0.5`, `12.25`.
pub fn quantity(q: Decimal) -> String {
    q.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn money_is_grouped_with_two_decimals() {
        assert_eq!(money(Decimal::new(123456789, 2)), "1,234,567.89");
        assert_eq!(money(Decimal::new(-5, 1)), "-0.50");
        assert_eq!(money(Decimal::ZERO), "0.00");
        assert_eq!(money(Decimal::new(100000, 0)), "100,000.00");
        assert_eq!(quantity(Decimal::new(1250, 2)), "12.5");
    }

    #[test]
    fn instants_show_in_the_tenant_time_zone() {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 20, 15, 0).unwrap();
        assert_eq!(datetime(at, chrono_tz::Asia::Shanghai), "2026-11-24 04:15");
        assert_eq!(date(at, chrono_tz::UTC), "2026-11-23");
    }
}
