//! Formatting for pages: instants in the tenant's time zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// `2026-11-23 20:15` in `tz`.
pub fn datetime(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// `2026-11-23` in `tz`.
pub fn date(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn instants_show_in_the_tenant_time_zone() {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 20, 15, 0).unwrap();
        assert_eq!(datetime(at, chrono_tz::Asia::Shanghai), "2026-11-24 04:15");
        assert_eq!(date(at, chrono_tz::UTC), "2026-11-23");
    }
}
