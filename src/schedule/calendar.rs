//! Working calendars: working weekdays, holidays and make-up working days (调休), and the
//! timeline that numbers a calendar's working days.

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// The days of the week, Monday first (ISO order).
pub const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// How far a search for a working day may go before the calendar is judged to have none.
const MAX_GAP_DAYS: u64 = 3 * 366;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the calendar has no working weekday")]
    NoWorkingWeekday,
    #[error("{0} is both a holiday and a make-up working day")]
    HolidayAndWorkday(NaiveDate),
    #[error("the schedule runs outside the dates a calendar can hold")]
    OutOfRange,
}

/// A working calendar. A date is a working day if it is a make-up workday, or if it is not a
/// holiday and its weekday is a working weekday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Indexed by `Weekday::num_days_from_monday`.
    weekdays: [bool; 7],
    holidays: HashSet<NaiveDate>,
    make_up_workdays: HashSet<NaiveDate>,
}

impl Calendar {
    pub fn new(
        working_weekdays: impl IntoIterator<Item = Weekday>,
        holidays: impl IntoIterator<Item = NaiveDate>,
        make_up_workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<Self, CalendarError> {
        let mut weekdays = [false; 7];
        for day in working_weekdays {
            weekdays[day.num_days_from_monday() as usize] = true;
        }
        if !weekdays.contains(&true) {
            return Err(CalendarError::NoWorkingWeekday);
        }
        let holidays: HashSet<NaiveDate> = holidays.into_iter().collect();
        let make_up_workdays: HashSet<NaiveDate> = make_up_workdays.into_iter().collect();
        if let Some(day) = holidays.intersection(&make_up_workdays).min() {
            return Err(CalendarError::HolidayAndWorkday(*day));
        }
        Ok(Self {
            weekdays,
            holidays,
            make_up_workdays,
        })
    }

    /// Monday to Friday with no exceptions.
    pub fn mon_fri() -> Self {
        Self {
            weekdays: [true, true, true, true, true, false, false],
            holidays: HashSet::new(),
            make_up_workdays: HashSet::new(),
        }
    }

    pub fn is_working(&self, day: NaiveDate) -> bool {
        self.make_up_workdays.contains(&day)
            || (!self.holidays.contains(&day)
                && self.weekdays[day.weekday().num_days_from_monday() as usize])
    }

    /// The first working day on or after `day`.
    pub fn working_on_or_after(&self, day: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.search(day, |d| d.checked_add_days(Days::new(1)))
    }

    /// The last working day on or before `day`.
    pub fn working_on_or_before(&self, day: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.search(day, |d| d.checked_sub_days(Days::new(1)))
    }

    fn search(
        &self,
        mut day: NaiveDate,
        step: impl Fn(NaiveDate) -> Option<NaiveDate>,
    ) -> Result<NaiveDate, CalendarError> {
        // A calendar has a working weekday, so a working day is never more than a few years
        // of holidays away; the bound only guards against absurd input.
        for _ in 0..MAX_GAP_DAYS {
            if self.is_working(day) {
                return Ok(day);
            }
            day = step(day).ok_or(CalendarError::OutOfRange)?;
        }
        Err(CalendarError::OutOfRange)
    }

    /// Working days from `from` to `to`, both inclusive (0 when `to` is before `from`).
    /// Whole weeks are counted at once and the exceptions corrected one by one, so a span
    /// of centuries costs no more than a week.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return 0;
        }
        let weekday_works =
            |d: NaiveDate| self.weekdays[d.weekday().num_days_from_monday() as usize];
        let span = (to - from).num_days() + 1;
        let per_week = self.weekdays.iter().filter(|w| **w).count() as i64;
        let mut count = span / 7 * per_week;
        // The days past the last whole week.
        let whole_weeks = u64::try_from(span / 7 * 7).unwrap_or(0);
        let tail_start = from.checked_add_days(Days::new(whole_weeks)).unwrap_or(to);
        count += tail_start
            .iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| weekday_works(*d))
            .count() as i64;
        let within = |d: &&NaiveDate| (from..=to).contains(*d);
        count -= self
            .holidays
            .iter()
            .filter(within)
            .filter(|d| weekday_works(**d))
            .count() as i64;
        count += self
            .make_up_workdays
            .iter()
            .filter(within)
            .filter(|d| !weekday_works(**d))
            .count() as i64;
        count
    }
}

/// Numbers a calendar's working days from an origin: position 0 is the origin's working day,
/// 1 the next, −1 the one before. It grows on demand in both directions.
#[derive(Debug, Clone)]
pub struct Timeline<'c> {
    calendar: &'c Calendar,
    /// Working days at positions 0, 1, 2, …
    forward: Vec<NaiveDate>,
    /// Working days at positions −1, −2, …
    backward: Vec<NaiveDate>,
}

impl<'c> Timeline<'c> {
    /// A timeline whose position 0 is the first working day on or after `origin`.
    pub fn new(calendar: &'c Calendar, origin: NaiveDate) -> Result<Self, CalendarError> {
        let first = calendar.working_on_or_after(origin)?;
        Ok(Self {
            calendar,
            forward: vec![first],
            backward: Vec::new(),
        })
    }

    pub fn calendar(&self) -> &'c Calendar {
        self.calendar
    }

    /// The working day at position `pos`.
    pub fn date(&mut self, pos: i64) -> Result<NaiveDate, CalendarError> {
        if pos >= 0 {
            let index = usize::try_from(pos).map_err(|_| CalendarError::OutOfRange)?;
            while self.forward.len() <= index {
                let last = *self.forward.last().ok_or(CalendarError::OutOfRange)?;
                let next = last
                    .checked_add_days(Days::new(1))
                    .ok_or(CalendarError::OutOfRange)?;
                self.forward.push(self.calendar.working_on_or_after(next)?);
            }
            self.forward
                .get(index)
                .copied()
                .ok_or(CalendarError::OutOfRange)
        } else {
            let index = usize::try_from(-pos - 1).map_err(|_| CalendarError::OutOfRange)?;
            while self.backward.len() <= index {
                let last = match self.backward.last() {
                    Some(day) => *day,
                    None => *self.forward.first().ok_or(CalendarError::OutOfRange)?,
                };
                let prev = last
                    .checked_sub_days(Days::new(1))
                    .ok_or(CalendarError::OutOfRange)?;
                self.backward
                    .push(self.calendar.working_on_or_before(prev)?);
            }
            self.backward
                .get(index)
                .copied()
                .ok_or(CalendarError::OutOfRange)
        }
    }

    /// The position of the first working day on or after `day`: the instant 08:00 of `day`,
    /// or of the next working day.
    pub fn start_of(&mut self, day: NaiveDate) -> Result<i64, CalendarError> {
        if day > self.date(0)? {
            let mut len = self.forward.len() as i64;
            while self.date(len - 1)? < day {
                len += 1;
            }
            // `forward` ascends: the first index whose day is not before `day`.
            Ok(self.forward.partition_point(|d| *d < day) as i64)
        } else {
            let mut len = self.backward.len() as i64;
            while self.date(-len - 1)? >= day {
                len += 1;
            }
            // `backward` descends from position −1: count the days still on or after `day`.
            Ok(-(self.backward.partition_point(|d| *d >= day) as i64))
        }
    }

    /// The position just after the last working day on or before `day`: the instant 17:00
    /// of `day`, or of the working day before it.
    pub fn end_of(&mut self, day: NaiveDate) -> Result<i64, CalendarError> {
        let next = day
            .checked_add_days(Days::new(1))
            .ok_or(CalendarError::OutOfRange)?;
        self.start_of(next)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::schedule) fn date(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    /// Mon–Fri, with 2025's National Day week off and its two make-up days.
    pub(in crate::schedule) fn china_2025() -> Calendar {
        Calendar::new(
            [
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            date("2025-10-01").iter_days().take(8),
            [date("2025-09-28"), date("2025-10-11")],
        )
        .unwrap_or_else(|_| Calendar::mon_fri())
    }

    #[test]
    fn make_up_days_work_and_holidays_do_not() {
        let cal = china_2025();
        assert!(cal.is_working(date("2025-09-28")), "Sunday make-up day");
        assert!(!cal.is_working(date("2025-10-01")));
        assert!(!cal.is_working(date("2025-10-08")), "Wednesday holiday");
        assert!(cal.is_working(date("2025-10-09")));
        assert!(!cal.is_working(date("2025-10-12")), "plain Sunday");
    }

    #[test]
    fn timeline_counts_working_days_both_ways() {
        let cal = china_2025();
        let mut tl = Timeline::new(&cal, date("2025-09-27")).expect("timeline");
        assert_eq!(tl.date(0), Ok(date("2025-09-28")));
        assert_eq!(tl.date(1), Ok(date("2025-09-29")));
        assert_eq!(tl.date(2), Ok(date("2025-09-30")));
        assert_eq!(tl.date(3), Ok(date("2025-10-09")));
        assert_eq!(tl.date(-1), Ok(date("2025-09-26")));
        assert_eq!(tl.start_of(date("2025-10-01")), Ok(3));
        assert_eq!(tl.end_of(date("2025-10-01")), Ok(3));
        assert_eq!(tl.end_of(date("2025-10-09")), Ok(4));
        assert_eq!(tl.start_of(date("2025-09-20")), Ok(-5));
        assert_eq!(
            tl.start_of(date("2026-09-28")),
            tl.start_of(date("2026-09-28"))
        );
    }

    #[test]
    fn counting_by_weeks_matches_counting_day_by_day() {
        let cal = china_2025();
        let from = date("2025-09-01");
        for len in 0..120 {
            let to = from + chrono::Duration::days(len);
            let slow = from
                .iter_days()
                .take_while(|d| *d <= to)
                .filter(|d| cal.is_working(*d))
                .count() as i64;
            assert_eq!(cal.working_days_between(from, to), slow, "to {to}");
        }
        // Centuries away, instantly.
        assert!(cal.working_days_between(from, date("2199-12-31")) > 45_000);
    }

    #[test]
    fn refuses_a_calendar_without_working_days() {
        assert_eq!(
            Calendar::new([], [], []),
            Err(CalendarError::NoWorkingWeekday)
        );
        let day = date("2025-10-01");
        assert_eq!(
            Calendar::new([Weekday::Mon], [day], [day]),
            Err(CalendarError::HolidayAndWorkday(day))
        );
    }

    #[test]
    fn working_days_between_is_inclusive() {
        let cal = china_2025();
        assert_eq!(
            cal.working_days_between(date("2025-09-26"), date("2025-10-10")),
            6
        );
        assert_eq!(
            cal.working_days_between(date("2025-10-10"), date("2025-09-26")),
            0
        );
    }
}
