//! Site log pages: the month calendar and the log of one day.

use askama::Template;
use chrono::NaiveDate;

use super::domain::{CrewLine, SiteLogForm};
use crate::tenancy::project::Project;
use crate::web::Layout;
use crate::web::form::Choice;
use crate::web::form::FieldErrors;

/// The column heads of the calendar, Monday first.
pub const WEEKDAY_KEYS: [&str; 7] = [
    "site_log.mon",
    "site_log.tue",
    "site_log.wed",
    "site_log.thu",
    "site_log.fri",
    "site_log.sat",
    "site_log.sun",
];

/// What a calendar day with a log shows.
#[derive(Debug, Clone)]
pub struct CellLog {
    pub headcount_label: String,
    pub weather_key: Option<&'static str>,
    pub photos: i64,
}

/// One day of the month grid.
#[derive(Debug, Clone)]
pub struct DayCell {
    /// `YYYY-MM-DD`, for the link.
    pub date: String,
    pub day: u32,
    pub in_month: bool,
    pub today: bool,
    pub future: bool,
    pub log: Option<CellLog>,
}

impl DayCell {
    /// The CSS classes of the cell.
    pub fn classes(&self) -> String {
        let mut c = vec!["day"];
        if !self.in_month {
            c.push("other-month");
        }
        if self.today {
            c.push("today");
        }
        if self.future {
            c.push("future");
        }
        if self.log.is_some() {
            c.push("has-log");
        }
        c.join(" ")
    }
}

/// A log in the month's list under the grid.
#[derive(Debug, Clone)]
pub struct MonthLogRow {
    pub date: String,
    pub weekday_key: &'static str,
    pub weather_key: Option<&'static str>,
    pub headcount_label: String,
    pub photos: i64,
}

#[derive(Template)]
#[template(path = "progress/site_logs.html")]
pub struct SiteLogCalendarPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    /// `/projects/{id}/site-logs`.
    pub base: String,
    pub month_title: String,
    pub prev_href: String,
    pub next_href: String,
    /// The link back to the current month, when another month is shown.
    pub this_month_href: Option<String>,
    pub today: String,
    pub weekdays: [&'static str; 7],
    pub weeks: Vec<Vec<DayCell>>,
    pub logs: Vec<MonthLogRow>,
    pub can_write: bool,
}

/// One crew row of the form.
#[derive(Debug, Clone)]
pub struct CrewRow {
    pub crew_id: String,
    pub headcount_id: String,
    pub crew: String,
    pub headcount: String,
    pub crew_error: Option<&'static str>,
    pub headcount_error: Option<&'static str>,
}

/// A log as read (for those who may not write, and the other person's save on a conflict).
#[derive(Debug, Clone)]
pub struct LogSummary {
    pub weather_key: Option<&'static str>,
    pub temperature: String,
    pub crews: Vec<CrewLine>,
    pub headcount: i64,
    pub work_done: String,
    pub problems: String,
}

/// A photo of the log.
#[derive(Debug, Clone)]
pub struct PhotoView {
    pub id: i64,
    pub file_name: String,
    pub size_label: String,
    pub href: String,
    pub thumb_href: String,
}

#[derive(Template)]
#[template(path = "progress/site_log.html")]
pub struct SiteLogPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub date: NaiveDate,
    pub weekday_key: &'static str,
    /// `/projects/{id}/site-logs`, the base of every link of the page.
    pub base: String,
    pub month: String,
    pub prev_day: String,
    /// `None` when the next day is in the future.
    pub next_day: Option<String>,
    /// The log is saved (else the form creates it).
    pub exists: bool,
    pub future: bool,
    pub can_write: bool,
    pub form: SiteLogForm,
    pub rows: Vec<CrewRow>,
    pub errors: FieldErrors,
    pub weathers: Vec<Choice>,
    /// The saved log, shown read-only to those who may not write.
    pub saved: Option<LogSummary>,
    /// On a stale save: what the other person saved meanwhile.
    pub theirs: Option<LogSummary>,
    /// Who saved last, and when (in the tenant's time zone).
    pub updated: Option<String>,
    /// The date "copy yesterday" would copy from.
    pub copy_from: Option<NaiveDate>,
    /// Why an action on the page was refused (an i18n key).
    pub refusal: Option<&'static str>,
    pub photos: Vec<PhotoView>,
    pub photo_error: Option<&'static str>,
    pub can_add_photo: bool,
    pub max_photos: i64,
    /// What the upload accepts, in words.
    pub photo_help: String,
}

/// The form's crew rows with their messages.
pub fn crew_rows(form: &SiteLogForm, errors: &FieldErrors) -> Vec<CrewRow> {
    form.crew_rows()
        .into_iter()
        .enumerate()
        .map(|(i, (crew, headcount))| {
            let crew_id = format!("crew_{i}");
            let headcount_id = format!("headcount_{i}");
            CrewRow {
                crew_error: errors.get(&crew_id),
                headcount_error: errors.get(&headcount_id),
                crew_id,
                headcount_id,
                crew,
                headcount,
            }
        })
        .collect()
}
