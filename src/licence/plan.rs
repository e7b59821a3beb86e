//! The plan a tenant is on and what follows from it: trial countdown, grace, read-only,
//! seats and modules. Pure: the clock is an argument.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::roles::ModuleId;

/// Days a trial runs from sign-up.
pub const TRIAL_DAYS: i64 = 15;
/// Days the owner may add to a trial, once.
pub const TRIAL_EXTENSION_DAYS: i64 = 7;
/// Days of full access after a trial or licence ends, with a banner.
pub const GRACE_DAYS: i64 = 7;
/// The trial's last days, counted down in a banner.
pub const COUNTDOWN_DAYS: i64 = 5;
/// Active users a trial may have.
pub const TRIAL_SEATS: i32 = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    Trial,
    Licensed,
}

impl PlanKind {
    pub fn parse(s: &str) -> Self {
        if s == "licensed" {
            PlanKind::Licensed
        } else {
            PlanKind::Trial
        }
    }
}

/// What the tenant row says about its plan.
#[derive(Debug, Clone)]
pub struct PlanFacts {
    pub kind: PlanKind,
    pub trial_ends_at: DateTime<Utc>,
    pub trial_extended: bool,
    pub licence_seats: Option<i32>,
    pub licence_expires_on: Option<NaiveDate>,
    pub licence_modules: Vec<ModuleId>,
}

/// Where the tenant stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Trial {
        days_left: i64,
    },
    TrialGrace {
        days_left: i64,
    },
    Licensed {
        expires_on: Option<NaiveDate>,
    },
    LicenceGrace {
        days_left: i64,
    },
    /// Read-only: every page opens, every write is refused.
    Expired,
}

/// What the banner at the top of every page says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Banner {
    TrialEndsIn(i64),
    TrialGrace(i64),
    LicenceGrace(i64),
    ReadOnly,
}

fn whole_days_until(end: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let secs = (end - now).num_seconds().max(0);
    (secs + 86_399) / 86_400
}

impl PlanFacts {
    /// A new trial starting at `now`.
    pub fn new_trial_end(now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::days(TRIAL_DAYS)
    }

    pub fn standing(&self, now: DateTime<Utc>) -> Standing {
        match self.kind {
            PlanKind::Trial => {
                let grace_end = self.trial_ends_at + Duration::days(GRACE_DAYS);
                if now < self.trial_ends_at {
                    Standing::Trial {
                        days_left: whole_days_until(self.trial_ends_at, now),
                    }
                } else if now < grace_end {
                    Standing::TrialGrace {
                        days_left: whole_days_until(grace_end, now),
                    }
                } else {
                    Standing::Expired
                }
            }
            PlanKind::Licensed => match self.licence_expires_on {
                None => Standing::Licensed { expires_on: None },
                Some(last_day) => {
                    // A licence is good through its last day (UTC).
                    let end = last_day
                        .succ_opt()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .map(|d| d.and_utc())
                        .unwrap_or(DateTime::<Utc>::MAX_UTC);
                    let grace_end = end + Duration::days(GRACE_DAYS);
                    if now < end {
                        Standing::Licensed {
                            expires_on: Some(last_day),
                        }
                    } else if now < grace_end {
                        Standing::LicenceGrace {
                            days_left: whole_days_until(grace_end, now),
                        }
                    } else {
                        Standing::Expired
                    }
                }
            },
        }
    }

    pub fn is_read_only(&self, now: DateTime<Utc>) -> bool {
        self.standing(now) == Standing::Expired
    }

    /// Modules the plan allows (the tenant may still switch some off).
    pub fn allowed_modules(&self) -> Vec<ModuleId> {
        match self.kind {
            PlanKind::Trial => ModuleId::ALL.to_vec(),
            PlanKind::Licensed => self.licence_modules.clone(),
        }
    }

    /// How many active users the plan allows.
    pub fn seats(&self) -> i32 {
        match self.kind {
            PlanKind::Trial => TRIAL_SEATS,
            PlanKind::Licensed => self.licence_seats.unwrap_or(1),
        }
    }

    pub fn banner(&self, now: DateTime<Utc>) -> Option<Banner> {
        match self.standing(now) {
            Standing::Trial { days_left } if days_left <= COUNTDOWN_DAYS => {
                Some(Banner::TrialEndsIn(days_left))
            }
            Standing::TrialGrace { days_left } => Some(Banner::TrialGrace(days_left)),
            Standing::LicenceGrace { days_left } => Some(Banner::LicenceGrace(days_left)),
            Standing::Expired => Some(Banner::ReadOnly),
            _ => None,
        }
    }

    /// The owner may extend a trial once, until it is read-only.
    pub fn can_extend_trial(&self, now: DateTime<Utc>) -> bool {
        self.kind == PlanKind::Trial && !self.trial_extended && !self.is_read_only(now)
    }

    /// The trial's end after the owner's one extension.
    pub fn extended_trial_end(&self) -> DateTime<Utc> {
        self.trial_ends_at + Duration::days(TRIAL_EXTENSION_DAYS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap()
    }

    fn trial() -> PlanFacts {
        PlanFacts {
            kind: PlanKind::Trial,
            trial_ends_at: PlanFacts::new_trial_end(t0()),
            trial_extended: false,
            licence_seats: None,
            licence_expires_on: None,
            licence_modules: vec![],
        }
    }

    #[test]
    fn a_new_trial_has_fifteen_days_and_no_banner() {
        let p = trial();
        assert_eq!(p.standing(t0()), Standing::Trial { days_left: 15 });
        assert_eq!(p.banner(t0()), None);
        assert_eq!(p.allowed_modules().len(), 6);
    }

    #[test]
    fn the_last_five_days_are_counted_down() {
        let p = trial();
        assert_eq!(p.banner(t0() + Duration::days(9)), None);
        assert_eq!(
            p.banner(t0() + Duration::days(10)),
            Some(Banner::TrialEndsIn(5))
        );
        assert_eq!(
            p.banner(t0() + Duration::days(14) + Duration::hours(23)),
            Some(Banner::TrialEndsIn(1))
        );
    }

    #[test]
    fn grace_follows_the_trial_then_read_only() {
        let p = trial();
        let end = p.trial_ends_at;
        assert_eq!(p.standing(end), Standing::TrialGrace { days_left: 7 });
        assert!(!p.is_read_only(end + Duration::days(6)));
        assert!(p.is_read_only(end + Duration::days(7)));
        assert_eq!(p.banner(end + Duration::days(8)), Some(Banner::ReadOnly));
    }

    #[test]
    fn a_trial_extends_once_and_not_when_read_only() {
        let mut p = trial();
        assert!(p.can_extend_trial(t0()));
        assert_eq!(p.extended_trial_end(), p.trial_ends_at + Duration::days(7));
        p.trial_extended = true;
        assert!(!p.can_extend_trial(t0()));
        let fresh = trial();
        assert!(!fresh.can_extend_trial(fresh.trial_ends_at + Duration::days(30)));
    }

    #[test]
    fn a_licence_runs_through_its_last_day_then_grace() {
        let last = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let p = PlanFacts {
            kind: PlanKind::Licensed,
            licence_seats: Some(10),
            licence_expires_on: Some(last),
            licence_modules: vec![ModuleId::Plans, ModuleId::Cost],
            ..trial()
        };
        let last_evening = Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap();
        assert_eq!(
            p.standing(last_evening),
            Standing::Licensed {
                expires_on: Some(last)
            }
        );
        let next_day = Utc.with_ymd_and_hms(2027, 1, 1, 1, 0, 0).unwrap();
        assert_eq!(
            p.standing(next_day),
            Standing::LicenceGrace { days_left: 7 }
        );
        assert!(p.is_read_only(next_day + Duration::days(7)));
        assert_eq!(p.seats(), 10);
        assert_eq!(p.allowed_modules(), vec![ModuleId::Plans, ModuleId::Cost]);
    }

    #[test]
    fn a_perpetual_licence_never_expires() {
        let p = PlanFacts {
            kind: PlanKind::Licensed,
            licence_seats: Some(3),
            ..trial()
        };
        assert_eq!(
            p.standing(t0() + Duration::days(10_000)),
            Standing::Licensed { expires_on: None }
        );
    }
}
