//! The daily site log's rules, pure: the form and its crew rows and the month calendar grid.
//! The checks a photo passes are in `crate::web::photo`.

use std::collections::HashSet;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::web::fields::optional_int;
use crate::web::form::{self, FieldErrors};

/// The weather choices, as stored; each has the label `site_log.weather_<key>`.
pub const WEATHER: [&str; 8] = [
    "sunny",
    "cloudy",
    "overcast",
    "light_rain",
    "rain",
    "heavy_rain",
    "snow",
    "wind",
];

/// The i18n key of a stored weather value (`None` for an unknown or empty one).
pub fn weather_key(weather: &str) -> Option<&'static str> {
    Some(match weather {
        "sunny" => "site_log.weather_sunny",
        "cloudy" => "site_log.weather_cloudy",
        "overcast" => "site_log.weather_overcast",
        "light_rain" => "site_log.weather_light_rain",
        "rain" => "site_log.weather_rain",
        "heavy_rain" => "site_log.weather_heavy_rain",
        "snow" => "site_log.weather_snow",
        "wind" => "site_log.weather_wind",
        _ => return None,
    })
}

/// Empty crew rows the form offers at least.
pub const CREW_ROWS: usize = 5;
/// Crews one log may list.
pub const MAX_CREWS: usize = 20;
pub const MAX_HEADCOUNT: i64 = 10_000;
pub const MAX_CREW_NAME: usize = 100;
pub const MAX_TEMPERATURE: usize = 40;
pub const MAX_TEXT: usize = 10_000;

/// Field names of the crew rows, so each row's message sits beside it.
pub const CREW_FIELDS: [&str; MAX_CREWS] = [
    "crew_0", "crew_1", "crew_2", "crew_3", "crew_4", "crew_5", "crew_6", "crew_7", "crew_8",
    "crew_9", "crew_10", "crew_11", "crew_12", "crew_13", "crew_14", "crew_15", "crew_16",
    "crew_17", "crew_18", "crew_19",
];
pub const HEADCOUNT_FIELDS: [&str; MAX_CREWS] = [
    "headcount_0",
    "headcount_1",
    "headcount_2",
    "headcount_3",
    "headcount_4",
    "headcount_5",
    "headcount_6",
    "headcount_7",
    "headcount_8",
    "headcount_9",
    "headcount_10",
    "headcount_11",
    "headcount_12",
    "headcount_13",
    "headcount_14",
    "headcount_15",
    "headcount_16",
    "headcount_17",
    "headcount_18",
    "headcount_19",
];

/// The log form as posted: crews come as repeated `crew` and `headcount` fields, row by row.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SiteLogForm {
    pub weather: String,
    pub temperature: String,
    pub crew: Vec<String>,
    pub headcount: Vec<String>,
    pub work_done: String,
    pub problems: String,
    /// 0 when the log does not exist yet.
    pub version: i32,
}

/// One crew on site that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrewLine {
    pub crew: String,
    pub headcount: i32,
}

/// A validated log: what is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteLogEntry {
    pub weather: String,
    pub temperature: String,
    pub crews: Vec<CrewLine>,
    pub work_done: String,
    pub problems: String,
}

impl SiteLogEntry {
    /// Everyone on site that day.
    pub fn headcount(&self) -> i64 {
        self.crews.iter().map(|c| i64::from(c.headcount)).sum()
    }
}

impl SiteLogForm {
    /// The form showing a saved log.
    pub fn from_entry(entry: &SiteLogEntry, version: i32) -> Self {
        SiteLogForm {
            weather: entry.weather.clone(),
            temperature: entry.temperature.clone(),
            crew: entry.crews.iter().map(|c| c.crew.clone()).collect(),
            headcount: entry
                .crews
                .iter()
                .map(|c| c.headcount.to_string())
                .collect(),
            work_done: entry.work_done.clone(),
            problems: entry.problems.clone(),
            version,
        }
    }

    /// The crew rows to show: the posted or saved ones, padded with empty rows.
    pub fn crew_rows(&self) -> Vec<(String, String)> {
        let filled = self.crew.len().max(self.headcount.len());
        let rows = filled
            .saturating_add(1)
            .clamp(CREW_ROWS, MAX_CREWS.max(filled));
        (0..rows)
            .map(|i| {
                (
                    self.crew.get(i).cloned().unwrap_or_default(),
                    self.headcount.get(i).cloned().unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Checks the form for the log of `date`, given the tenant's `today`.
    pub fn validate(&self, date: NaiveDate, today: NaiveDate) -> Result<SiteLogEntry, FieldErrors> {
        let mut e = FieldErrors::default();
        if date > today {
            e.add("log_date", "site_log.future_date");
        }
        let weather = self.weather.trim();
        if weather.is_empty() {
            e.add("weather", "form.required");
        } else if !WEATHER.contains(&weather) {
            e.add("weather", "form.invalid_choice");
        }
        let temperature = form::text(
            &mut e,
            "temperature",
            &self.temperature,
            false,
            MAX_TEMPERATURE,
        );
        let crews = crew_lines(&mut e, &self.crew, &self.headcount);
        let work_done = form::multiline(&mut e, "work_done", &self.work_done, MAX_TEXT);
        let problems = form::multiline(&mut e, "problems", &self.problems, MAX_TEXT);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(SiteLogEntry {
            weather: weather.to_owned(),
            temperature,
            crews,
            work_done,
            problems,
        })
    }
}

/// A free text of up to `MAX_TEXT` characters over several lines.
/// The crew rows as lines: empty rows are skipped, a name needs a headcount and a headcount
/// a name, names are unique within the log.
pub fn crew_lines(e: &mut FieldErrors, names: &[String], counts: &[String]) -> Vec<CrewLine> {
    let rows = names.len().max(counts.len());
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for i in 0..rows {
        let name = names.get(i).map_or("", |s| s.trim());
        let count = counts.get(i).map_or("", |s| s.trim());
        if name.is_empty() && count.is_empty() {
            continue;
        }
        let (Some(&crew_field), Some(&count_field)) = (CREW_FIELDS.get(i), HEADCOUNT_FIELDS.get(i))
        else {
            e.add("crews", "site_log.too_many_crews");
            break;
        };
        let crew = form::text(e, crew_field, name, true, MAX_CREW_NAME);
        let headcount = optional_int(e, count_field, count, 0..=MAX_HEADCOUNT);
        if count.is_empty() {
            e.add(count_field, "form.required");
        }
        if !crew.is_empty() && !seen.insert(crew.to_lowercase()) {
            e.add(crew_field, "site_log.duplicate_crew");
        }
        if let Some(headcount) = headcount.and_then(|n| i32::try_from(n).ok())
            && !e.has(crew_field)
        {
            out.push(CrewLine { crew, headcount });
        }
    }
    out
}

/// A log's date from the URL: exactly `YYYY-MM-DD`.
pub fn parse_log_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()))
}

/// The first day of the month named `YYYY-MM`.
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    let (y, m) = s.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    let month: u32 = m.parse().ok()?;
    if !(1900..=2200).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// The first day of `date`'s month.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

pub fn previous_month(first: NaiveDate) -> NaiveDate {
    first.checked_sub_months(Months::new(1)).unwrap_or(first)
}

pub fn next_month(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(Months::new(1)).unwrap_or(first)
}

/// The weeks (Monday to Sunday) that cover the month starting on `first`, with the days of
/// the neighbouring months that fill the first and last week.
pub fn month_grid(first: NaiveDate) -> Vec<[NaiveDate; 7]> {
    let first = month_start(first);
    let last = next_month(first).pred_opt().unwrap_or(first);
    let offset = u64::from(first.weekday().num_days_from_monday());
    let mut monday = first.checked_sub_days(Days::new(offset)).unwrap_or(first);
    let mut weeks = Vec::new();
    while monday <= last {
        let mut week = [monday; 7];
        for (i, day) in week.iter_mut().enumerate() {
            *day = monday
                .checked_add_days(Days::new(i as u64))
                .unwrap_or(monday);
        }
        weeks.push(week);
        match monday.checked_add_days(Days::new(7)) {
            Some(next) => monday = next,
            None => break,
        }
    }
    weeks
}

/// Photos one log may hold.
pub const MAX_PHOTOS_PER_LOG: i64 = 20;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn form(crews: &[(&str, &str)]) -> SiteLogForm {
        SiteLogForm {
            weather: "sunny".into(),
            temperature: "12–20℃".into(),
            crew: crews.iter().map(|c| c.0.to_owned()).collect(),
            headcount: crews.iter().map(|c| c.1.to_owned()).collect(),
            work_done: "浇筑三层楼板\r\n绑扎钢筋".into(),
            problems: String::new(),
            version: 0,
        }
    }

    #[test]
    fn a_good_log_is_accepted_with_empty_rows_skipped() {
        let f = form(&[("木工班", "12"), ("", ""), (" 钢筋班 ", "8"), ("", " ")]);
        let entry = f.validate(d("2026-03-10"), d("2026-03-10")).unwrap();
        assert_eq!(entry.weather, "sunny");
        assert_eq!(entry.temperature, "12–20℃");
        assert_eq!(
            entry.crews,
            vec![
                CrewLine {
                    crew: "木工班".into(),
                    headcount: 12
                },
                CrewLine {
                    crew: "钢筋班".into(),
                    headcount: 8
                },
            ]
        );
        assert_eq!(entry.headcount(), 20);
        assert_eq!(entry.work_done, "浇筑三层楼板\n绑扎钢筋");
    }

    #[test]
    fn future_dates_are_refused() {
        let e = form(&[])
            .validate(d("2026-03-11"), d("2026-03-10"))
            .unwrap_err();
        assert_eq!(e.get("log_date"), Some("site_log.future_date"));
    }

    #[test]
    fn weather_must_be_one_of_the_choices() {
        let mut f = form(&[]);
        f.weather = "hail".into();
        let e = f.validate(d("2026-03-10"), d("2026-03-10")).unwrap_err();
        assert_eq!(e.get("weather"), Some("form.invalid_choice"));
        f.weather = String::new();
        let e = f.validate(d("2026-03-10"), d("2026-03-10")).unwrap_err();
        assert_eq!(e.get("weather"), Some("form.required"));
        for w in WEATHER {
            assert!(weather_key(w).is_some());
        }
    }

    #[test]
    fn crew_rows_are_checked_row_by_row() {
        let f = form(&[
            ("木工班", "12"),
            ("木工班", "3"),
            ("瓦工班", "-1"),
            ("", "4"),
            ("架子工", ""),
            ("电工", "10001"),
            ("水工", "two"),
        ]);
        let e = f.validate(d("2026-03-10"), d("2026-03-10")).unwrap_err();
        assert_eq!(e.get("crew_1"), Some("site_log.duplicate_crew"));
        assert_eq!(e.get("headcount_2"), Some("form.out_of_range"));
        assert_eq!(e.get("crew_3"), Some("form.required"));
        assert_eq!(e.get("headcount_4"), Some("form.required"));
        assert_eq!(e.get("headcount_5"), Some("form.out_of_range"));
        assert_eq!(e.get("headcount_6"), Some("form.invalid_number"));
        assert!(!e.has("crew_0"));
    }

    #[test]
    fn duplicate_crews_differ_only_in_case_or_spaces() {
        let f = form(&[("Team A", "1"), (" team a ", "2")]);
        let e = f.validate(d("2026-03-10"), d("2026-03-10")).unwrap_err();
        assert_eq!(e.get("crew_1"), Some("site_log.duplicate_crew"));
    }

    #[test]
    fn too_many_crews_and_long_texts_are_refused() {
        let rows: Vec<(String, String)> = (0..=MAX_CREWS)
            .map(|i| (format!("班组{i}"), "1".to_owned()))
            .collect();
        let refs: Vec<(&str, &str)> = rows.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let mut f = form(&refs);
        f.temperature = "x".repeat(MAX_TEMPERATURE + 1);
        f.problems = "问".repeat(MAX_TEXT + 1);
        let e = f.validate(d("2026-03-10"), d("2026-03-10")).unwrap_err();
        assert_eq!(e.get("crews"), Some("site_log.too_many_crews"));
        assert_eq!(e.get("temperature"), Some("form.too_long"));
        assert_eq!(e.get("problems"), Some("form.too_long"));
        let mut ok = form(&[]);
        ok.work_done = "问".repeat(MAX_TEXT);
        assert!(ok.validate(d("2026-03-10"), d("2026-03-10")).is_ok());
    }

    #[test]
    fn the_form_offers_at_least_five_rows_and_one_empty() {
        assert_eq!(SiteLogForm::default().crew_rows().len(), CREW_ROWS);
        let f = form(&[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")]);
        let rows = f.crew_rows();
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[0], ("a".to_owned(), "1".to_owned()));
        assert_eq!(rows[5], (String::new(), String::new()));
        let entry = f.validate(d("2026-03-10"), d("2026-03-10")).unwrap();
        let back = SiteLogForm::from_entry(&entry, 3);
        assert_eq!(back.crew, f.crew);
        assert_eq!(back.version, 3);
    }

    #[test]
    fn dates_and_months_parse_strictly() {
        assert_eq!(parse_log_date("2026-03-10"), Some(d("2026-03-10")));
        assert_eq!(parse_log_date("2026-3-10"), None);
        assert_eq!(parse_log_date("2026-02-30"), None);
        assert_eq!(parse_log_date("photos"), None);
        assert_eq!(parse_month("2026-03"), Some(d("2026-03-01")));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("26-03"), None);
        assert_eq!(parse_month(""), None);
        assert_eq!(previous_month(d("2026-01-01")), d("2025-12-01"));
        assert_eq!(next_month(d("2026-12-01")), d("2027-01-01"));
    }

    #[test]
    fn the_month_grid_runs_monday_to_sunday() {
        // March 2026 starts on a Sunday and ends on a Tuesday: six weeks.
        let weeks = month_grid(d("2026-03-01"));
        assert_eq!(weeks.len(), 6);
        assert_eq!(weeks[0][0], d("2026-02-23"));
        assert_eq!(weeks[0][6], d("2026-03-01"));
        assert_eq!(weeks[5][1], d("2026-03-31"));
        assert_eq!(weeks[5][6], d("2026-04-05"));
        // February 2027 starts on a Monday and has exactly four weeks.
        let weeks = month_grid(d("2027-02-01"));
        assert_eq!(weeks.len(), 4);
        assert_eq!(weeks[0][0], d("2027-02-01"));
        assert_eq!(weeks[3][6], d("2027-02-28"));
        for w in month_grid(d("2026-08-01")) {
            assert_eq!(w[0].weekday(), chrono::Weekday::Mon);
        }
    }
}
