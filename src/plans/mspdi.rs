//! Microsoft Project XML (MSPDI, `http://schemas.microsoft.com/project`) import and export.
//!
//! Pure: bytes in, [`MspdiProject`] out, and back to a `String`. Only what Girder schedules
//! is kept (outline, durations, links, SNET constraints, the project calendar, progress);
//! resources, assignments and everything else are skipped without being buffered.
//!
//! Uploads are hostile until proven otherwise: the size is capped, any `<!DOCTYPE` is
//! refused (so no entity can be declared, let alone expanded), every value is checked, and
//! tasks, links, calendars and their exceptions are counted as they are read against
//! `UploadLimits`, reading stopping at the first one over.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::config::{Limit, OverLimit, UploadLimits};
use crate::schedule::{LinkKind, WEEK};

/// The largest file [`parse`] accepts.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// A working day is 8 hours = 480 minutes; MSPDI lags count tenths of a minute.
const MINUTES_PER_DAY: f64 = 480.0;
const LAG_UNITS_PER_DAY: f64 = 4800.0;
/// Elapsed lags (`LagFormat` 4, 6, 8 …) count calendar time: 24 h per day.
const ELAPSED_LAG_UNITS_PER_DAY: f64 = 14_400.0;
/// Durations and lags beyond 10,000 working days (~40 years) are nonsense; Girder's tables
/// refuse them too.
const MAX_DAYS: f64 = 10_000.0;
/// Cap on calendar days visited while expanding exceptions, so a tiny file cannot
/// describe millions of holidays.
const MAX_EXCEPTION_DAYS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MspdiProject {
    pub name: String,
    pub start_date: NaiveDate,
    pub calendar: MspdiCalendar,
    /// File order, which is outline order.
    pub tasks: Vec<MspdiTask>,
    /// Grouped by successor, in task order.
    pub links: Vec<MspdiLink>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MspdiCalendar {
    pub name: String,
    /// Monday first.
    pub working_weekdays: Vec<Weekday>,
    /// Non-working exception days, one entry per day, sorted by date.
    pub holidays: Vec<(NaiveDate, String)>,
    /// Working exception days, one entry per day, sorted by date. These are mostly weekend
    /// days worked in exchange for a holiday (调休); a working exception on a day that is
    /// already a working weekday is kept too, as it changes nothing.
    pub make_up_workdays: Vec<(NaiveDate, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MspdiTask {
    pub uid: i64,
    pub name: String,
    /// 1 = top level; the parent is the nearest task above with a lower level.
    pub outline_level: u32,
    /// Working days of 8 h; 0 for milestones.
    pub duration_days: i32,
    pub milestone: bool,
    pub summary: bool,
    /// `ConstraintType` 4 (Start No Earlier Than); other constraints are not imported.
    pub start_no_earlier_than: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub notes: String,
    pub percent_complete: u8,
    pub actual_start: Option<NaiveDate>,
    pub actual_finish: Option<NaiveDate>,
    /// Scheduled dates: informative on import, written on export.
    pub start: Option<NaiveDate>,
    pub finish: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MspdiLink {
    pub pred_uid: i64,
    pub succ_uid: i64,
    pub kind: LinkKind,
    pub lag_days: i32,
}

/// Where in the file a problem is, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MspdiError {
    #[error(
        "The file is {:.1} MB; Girder imports MS Project XML files of up to 20 MB. Remove resources and assignments from the file, or split the project.",
        *size as f64 / 1_048_576.0
    )]
    TooLarge { size: usize },
    #[error(
        "The file is not UTF-8 text (invalid byte at {at}). Save it from MS Project as \"XML Format (*.xml)\", which writes UTF-8."
    )]
    NotUtf8 { at: Position },
    #[error(
        "The file contains a document type declaration (<!DOCTYPE …>) at {at}. MS Project XML never has one and Girder refuses it for safety; save the file from MS Project again."
    )]
    DocType { at: Position },
    #[error(
        "The file uses the undeclared entity &{name}; at {at}. Only the five standard XML entities and character references are allowed."
    )]
    UnknownEntity { name: String, at: Position },
    #[error("The file is not well-formed XML ({at}): {message}.")]
    Malformed { message: String, at: Position },
    #[error(
        "The file ends at {at} before its XML is complete; it was probably cut off. Export it from MS Project again."
    )]
    Truncated { at: Position },
    #[error(
        "The file is empty or contains no XML element; expected MS Project XML, which starts with <Project>."
    )]
    NoRoot,
    #[error("The file is not MS Project XML: its root element is <{found}>, expected <Project>.")]
    WrongRoot { found: String },
    #[error("The file has no <{element}> in {context}.")]
    MissingValue {
        element: &'static str,
        context: String,
    },
    #[error(
        "The value \"{value}\" of <{element}> in {context} at {at} is not valid: expected {expected}."
    )]
    InvalidValue {
        element: String,
        value: String,
        context: String,
        expected: &'static str,
        at: Position,
    },
    #[error("Two tasks have UID {uid}; every task in the file must have its own UID.")]
    DuplicateUid { uid: i64 },
    #[error(
        "Task {succ_uid} has a predecessor with UID {pred_uid}, but the file has no task with that UID."
    )]
    UnknownPredecessor { pred_uid: i64, succ_uid: i64 },
    #[error("Task {uid} is linked to itself; remove that predecessor in MS Project.")]
    SelfLink { uid: i64 },
    #[error(
        "Task {uid} is at outline level {level} after a task at level {previous}; the first task must be at level 1 and each task at most one level deeper than the task above it."
    )]
    OutlineJump { uid: i64, level: u32, previous: u32 },
    #[error("The file contains no tasks.")]
    NoTasks,
    #[error("The project calendar (UID {uid}) is not defined in the file's <Calendars>.")]
    UnknownCalendar { uid: i64 },
    #[error(
        "The calendar exception \"{name}\" repeats in a way Girder does not support (recurrence type {kind}); replace it in MS Project by exceptions that cover plain date ranges or recur yearly on a fixed date."
    )]
    UnsupportedRecurrence { name: String, kind: i64 },
    #[error(
        "The calendar's exceptions cover more than {MAX_EXCEPTION_DAYS} days; remove exceptions far outside the project's dates."
    )]
    TooManyExceptionDays,
    #[error("The file is over the limit {}: at most {}.", .0.limit.variable(), .0.max)]
    OverLimit(OverLimit),
    #[error(
        "The link from task {pred_uid} in {context} has a lag in percent, which Girder does not support; give it a lag in days in MS Project."
    )]
    PercentLag { pred_uid: i64, context: String },
}

type Result<T, E = MspdiError> = std::result::Result<T, E>;

/// Reads an MSPDI document within `limits`. See the module docs for what is kept.
pub fn parse(xml: &[u8], limits: &UploadLimits) -> Result<MspdiProject> {
    if xml.len() > MAX_BYTES {
        return Err(MspdiError::TooLarge { size: xml.len() });
    }
    let src = std::str::from_utf8(xml).map_err(|e| MspdiError::NotUtf8 {
        at: position(xml, e.valid_up_to()),
    })?;
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut p = Parser {
        src,
        reader: Reader::from_str(src),
        limits,
        links: 0,
        calendar_items: 0,
    };
    let root = p.root()?;

    let (mut name, mut title, mut start_date, mut calendar_uid) = (None, None, None, None);
    let (mut calendars, mut raw_tasks) = (Vec::new(), Vec::new());
    p.each(&root, |p, c| {
        match c.name {
            "Name" => name = Some(p.text(c)?),
            "Title" => title = Some(p.text(c)?),
            "StartDate" => start_date = p.date(c, "the project")?,
            "CalendarUID" => calendar_uid = Some(p.int::<i64>(c, "the project")?),
            "Calendars" => p.each(c, |p, c| match c.name {
                "Calendar" => {
                    p.count_calendar_item(c)?;
                    calendars.push(parse_calendar(p, c)?);
                    Ok(())
                }
                _ => p.skip(c),
            })?,
            "Tasks" => p.each(c, |p, c| match c.name {
                "Task" => {
                    let task = parse_task(p, c, raw_tasks.len() + 1)?;
                    // UID 0 / level 0 is the project summary task; IsNull marks a blank row.
                    if !task.is_null && task.uid != Some(0) && task.outline_level != Some(0) {
                        raw_tasks.push(task);
                        p.over(Limit::ImportTasks, raw_tasks.len(), c)?;
                    }
                    Ok(())
                }
                _ => p.skip(c),
            })?,
            _ => p.skip(c)?,
        }
        Ok(())
    })?;

    if raw_tasks.is_empty() {
        return Err(MspdiError::NoTasks);
    }
    let start_date = start_date.ok_or_else(|| MspdiError::MissingValue {
        element: "StartDate",
        context: "the project".into(),
    })?;
    let calendar = resolve_calendar(&calendars, calendar_uid.filter(|uid| *uid >= 0))?;
    let (tasks, links) = finish_tasks(raw_tasks)?;
    parent_uids(&tasks)?;
    Ok(MspdiProject {
        name: name.or(title).unwrap_or_default(),
        start_date,
        calendar,
        tasks,
        links,
    })
}

/// Each task's parent UID, derived from the outline levels in file order.
pub fn parent_uids(tasks: &[MspdiTask]) -> Result<Vec<Option<i64>>> {
    // `open[i]` is the UID of the latest task at level i + 1.
    let mut open: Vec<i64> = Vec::new();
    let mut parents = Vec::with_capacity(tasks.len());
    let mut previous = 0u32;
    for task in tasks {
        let level = task.outline_level;
        if level == 0 || level > previous.saturating_add(1) {
            return Err(MspdiError::OutlineJump {
                uid: task.uid,
                level,
                previous,
            });
        }
        open.truncate(level as usize - 1);
        parents.push(open.last().copied());
        open.push(task.uid);
        previous = level;
    }
    Ok(parents)
}

// ---------------------------------------------------------------------------------------
// Reading

/// An element just opened; whoever receives it must consume it (text, each or skip).
struct Child<'n> {
    name: &'n str,
    empty: bool,
    at: u64,
}

struct Parser<'a> {
    src: &'a str,
    reader: Reader<&'a [u8]>,
    limits: &'a UploadLimits,
    /// Predecessor links read so far.
    links: usize,
    /// Calendars and calendar exceptions read so far.
    calendar_items: usize,
}

impl<'a> Parser<'a> {
    /// `Err` when `count` things read so far are over `limit`; `child` says where.
    fn over(&self, limit: Limit, count: usize, child: &Child<'_>) -> Result<()> {
        self.limits
            .check(limit, count as u64, || self.at(child.at).to_string())
            .map_err(MspdiError::OverLimit)
    }

    fn count_calendar_item(&mut self, child: &Child<'_>) -> Result<()> {
        self.calendar_items += 1;
        self.over(Limit::ImportCalendarExceptions, self.calendar_items, child)
    }

    fn at(&self, offset: u64) -> Position {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        position(self.src.as_bytes(), offset)
    }

    fn truncated(&self) -> MspdiError {
        MspdiError::Truncated {
            at: self.at(self.reader.buffer_position()),
        }
    }

    fn next(&mut self) -> Result<Event<'a>> {
        let start = self.reader.buffer_position();
        match self.reader.read_event() {
            Ok(Event::DocType(_)) => Err(MspdiError::DocType { at: self.at(start) }),
            Ok(event) => Ok(event),
            Err(e) => Err(MspdiError::Malformed {
                message: e.to_string(),
                at: self.at(self.reader.error_position()),
            }),
        }
    }

    fn root(&mut self) -> Result<Child<'static>> {
        loop {
            let at = self.reader.buffer_position();
            let (start, empty) = match self.next()? {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::Eof => return Err(MspdiError::NoRoot),
                _ => continue,
            };
            let found = start.local_name().into_inner();
            if found != "Project" {
                return Err(MspdiError::WrongRoot {
                    found: truncate(found),
                });
            }
            return Ok(Child {
                name: "Project",
                empty,
                at,
            });
        }
    }

    /// Calls `f` for each child element of `parent`; `f` must consume the child.
    fn each(
        &mut self,
        parent: &Child<'_>,
        mut f: impl FnMut(&mut Self, &Child<'_>) -> Result<()>,
    ) -> Result<()> {
        if parent.empty {
            return Ok(());
        }
        loop {
            let at = self.reader.buffer_position();
            let (start, empty) = match self.next()? {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => return Ok(()),
                Event::Eof => return Err(self.truncated()),
                _ => continue,
            };
            let child = Child {
                name: start.local_name().into_inner(),
                empty,
                at,
            };
            f(self, &child)?;
        }
    }

    /// Skips an element and its content without keeping any of it.
    fn skip(&mut self, child: &Child<'_>) -> Result<()> {
        let mut depth = u64::from(!child.empty);
        while depth > 0 {
            match self.next()? {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                Event::Eof => return Err(self.truncated()),
                _ => {}
            }
        }
        Ok(())
    }

    /// The text content of a leaf element, entities resolved; nested elements are skipped.
    fn text(&mut self, child: &Child<'_>) -> Result<String> {
        let mut out = String::new();
        if child.empty {
            return Ok(out);
        }
        loop {
            let at = self.reader.buffer_position();
            match self.next()? {
                Event::Text(t) => out.push_str(&t.xml10_content()),
                Event::CData(t) => out.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => match r.resolve_char_ref() {
                    Ok(Some(ch)) => out.push(ch),
                    Ok(None) => match quick_xml::escape::resolve_predefined_entity(&r) {
                        Some(s) => out.push_str(s),
                        None => {
                            return Err(MspdiError::UnknownEntity {
                                name: truncate(&r),
                                at: self.at(at),
                            });
                        }
                    },
                    Err(e) => {
                        return Err(MspdiError::Malformed {
                            message: e.to_string(),
                            at: self.at(at),
                        });
                    }
                },
                Event::Start(e) => self.skip(&Child {
                    name: e.local_name().into_inner(),
                    empty: false,
                    at,
                })?,
                Event::End(_) => return Ok(out),
                Event::Eof => return Err(self.truncated()),
                _ => {}
            }
        }
    }

    /// A trimmed leaf value run through `parse`; `None` from it is reported as invalid.
    fn value<T>(
        &mut self,
        child: &Child<'_>,
        context: &str,
        expected: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T> {
        let raw = self.text(child)?;
        parse(raw.trim()).ok_or_else(|| MspdiError::InvalidValue {
            element: child.name.to_owned(),
            value: truncate(&raw),
            context: context.to_owned(),
            expected,
            at: self.at(child.at),
        })
    }

    fn int<T: std::str::FromStr>(&mut self, child: &Child<'_>, context: &str) -> Result<T> {
        self.value(child, context, "a whole number", |s| s.parse().ok())
    }

    fn flag(&mut self, child: &Child<'_>, context: &str) -> Result<bool> {
        self.value(child, context, "0 or 1", |s| match s {
            "0" | "false" => Some(false),
            "1" | "true" => Some(true),
            _ => None,
        })
    }

    /// An empty date element means "no date".
    fn date(&mut self, child: &Child<'_>, context: &str) -> Result<Option<NaiveDate>> {
        self.value(child, context, "a date like 2025-05-18T08:00:00", |s| {
            if s.is_empty() {
                Some(None)
            } else {
                parse_date(s).map(Some)
            }
        })
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn position(src: &[u8], offset: usize) -> Position {
    let before = src.get(..offset).unwrap_or(src);
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line_bytes = before.get(line_start..).unwrap_or_default();
    Position {
        line: before.iter().filter(|b| **b == b'\n').count() + 1,
        // Count characters, not bytes: skip UTF-8 continuation bytes.
        column: line_bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count() + 1,
    }
}

/// Keeps error messages short even when a value is megabytes long.
fn truncate(s: &str) -> String {
    const MAX_CHARS: usize = 60;
    match s.char_indices().nth(MAX_CHARS) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or_default()),
        None => s.to_owned(),
    }
}

/// `2025-05-18T08:00:00` or `2025-05-18`; the time is not needed.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let day = s.split_once('T').map_or(s, |(day, _)| day);
    // A project outside 1900–2200 is a mistake, and would make calendars walk for ever.
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()))
}

/// An ISO 8601 duration (`PT88H0M0S`, `PT30M`, `P2DT4H`) in whole 8-hour working days.
fn parse_duration_days(s: &str) -> Option<i32> {
    let body = s.strip_prefix('P')?;
    let (date_part, time_part) = body.split_once('T').unwrap_or((body, ""));
    let mut minutes = 0.0;
    let mut any = false;
    for (value, unit) in duration_parts(date_part)? {
        // A duration day in MSPDI is a working day.
        minutes += match unit {
            'D' => value * MINUTES_PER_DAY,
            'W' => value * MINUTES_PER_DAY * 5.0,
            _ => return None,
        };
        any = true;
    }
    for (value, unit) in duration_parts(time_part)? {
        minutes += match unit {
            'H' => value * 60.0,
            'M' => value,
            'S' => value / 60.0,
            _ => return None,
        };
        any = true;
    }
    let days = (minutes / MINUTES_PER_DAY).round();
    (any && (0.0..=MAX_DAYS).contains(&days)).then_some(days as i32)
}

/// Splits `88H0M0S` into `[(88, 'H'), (0, 'M'), (0, 'S')]`.
fn duration_parts(s: &str) -> Option<Vec<(f64, char)>> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, ch) in s.char_indices() {
        if ch.is_ascii_alphabetic() {
            let value: f64 = s.get(start..i)?.parse().ok()?;
            if !value.is_finite() || value < 0.0 {
                return None;
            }
            parts.push((value, ch));
            start = i + 1;
        }
    }
    (start == s.len()).then_some(parts)
}

#[derive(Default)]
struct RawTask {
    uid: Option<i64>,
    name: String,
    outline_level: Option<u32>,
    duration_days: i32,
    milestone: bool,
    summary: Option<bool>,
    is_null: bool,
    constraint_type: u8,
    constraint_date: Option<NaiveDate>,
    deadline: Option<NaiveDate>,
    notes: String,
    percent_complete: u8,
    actual_start: Option<NaiveDate>,
    actual_finish: Option<NaiveDate>,
    start: Option<NaiveDate>,
    finish: Option<NaiveDate>,
    predecessors: Vec<(i64, LinkKind, i32)>,
}

impl RawTask {
    fn context(&self, number: usize) -> String {
        match self.uid {
            Some(uid) => format!("task {uid}"),
            None => format!("task number {number} of <Tasks>"),
        }
    }
}

fn parse_task(p: &mut Parser<'_>, task: &Child<'_>, number: usize) -> Result<RawTask> {
    let mut t = RawTask::default();
    p.each(task, |p, c| {
        let ctx = t.context(number);
        match c.name {
            "UID" => t.uid = Some(p.int(c, &ctx)?),
            "Name" => t.name = p.text(c)?,
            "OutlineLevel" => t.outline_level = Some(p.int(c, &ctx)?),
            "Duration" => {
                t.duration_days = p.value(
                    c,
                    &ctx,
                    "an ISO 8601 duration like PT16H0M0S",
                    parse_duration_days,
                )?;
            }
            "Milestone" => t.milestone = p.flag(c, &ctx)?,
            "Summary" => t.summary = Some(p.flag(c, &ctx)?),
            "IsNull" => t.is_null = p.flag(c, &ctx)?,
            "ConstraintType" => t.constraint_type = p.int(c, &ctx)?,
            "ConstraintDate" => t.constraint_date = p.date(c, &ctx)?,
            "Deadline" => t.deadline = p.date(c, &ctx)?,
            "Notes" => t.notes = p.text(c)?,
            "PercentComplete" => {
                t.percent_complete = p.value(c, &ctx, "a percentage from 0 to 100", |s| {
                    s.parse().ok().filter(|v| *v <= 100)
                })?;
            }
            "ActualStart" => t.actual_start = p.date(c, &ctx)?,
            "ActualFinish" => t.actual_finish = p.date(c, &ctx)?,
            "Start" => t.start = p.date(c, &ctx)?,
            "Finish" => t.finish = p.date(c, &ctx)?,
            "PredecessorLink" => {
                if let Some(link) = parse_predecessor(p, c, &ctx)? {
                    t.predecessors.push(link);
                    p.links += 1;
                    p.over(Limit::ImportLinks, p.links, c)?;
                }
            }
            _ => p.skip(c)?,
        }
        Ok(())
    })?;
    Ok(t)
}

/// `None` for a link to a task in another project file.
fn parse_predecessor(
    p: &mut Parser<'_>,
    link: &Child<'_>,
    ctx: &str,
) -> Result<Option<(i64, LinkKind, i32)>> {
    let (mut pred, mut kind, mut cross) = (None, LinkKind::FS, false);
    let (mut lag, mut lag_at, mut format) = (0.0_f64, link.at, 7u8);
    p.each(link, |p, c| {
        match c.name {
            "PredecessorUID" => pred = Some(p.int(c, ctx)?),
            "Type" => {
                kind = p.value(c, ctx, "a link type from 0 to 3", |s| {
                    s.parse().ok().and_then(LinkKind::from_mspdi_code)
                })?;
            }
            "CrossProject" => cross = p.flag(c, ctx)?,
            "LinkLag" => {
                lag_at = c.at;
                lag = p.value(c, ctx, "a number", |s| {
                    s.parse().ok().filter(|v: &f64| v.is_finite())
                })?;
            }
            "LagFormat" => format = p.int(c, ctx)?,
            _ => p.skip(c)?,
        }
        Ok(())
    })?;
    if cross {
        return Ok(None);
    }
    let pred_uid = pred.ok_or_else(|| MspdiError::MissingValue {
        element: "PredecessorUID",
        context: format!("a predecessor link of {ctx}"),
    })?;
    let units = match format {
        19 | 20 | 51 | 52 => {
            return Err(MspdiError::PercentLag {
                pred_uid,
                context: ctx.to_owned(),
            });
        }
        4 | 6 | 8 | 10 | 12 | 36 | 38 | 40 | 42 | 44 => ELAPSED_LAG_UNITS_PER_DAY,
        _ => LAG_UNITS_PER_DAY,
    };
    let days = (lag / units).round();
    if days.abs() > MAX_DAYS {
        return Err(MspdiError::InvalidValue {
            element: "LinkLag".into(),
            value: lag.to_string(),
            context: ctx.to_owned(),
            expected: "a lag of at most 10000 days",
            at: p.at(lag_at),
        });
    }
    Ok(Some((pred_uid, kind, days as i32)))
}

/// Checks UIDs and links, derives missing summary flags, and splits out the links.
fn finish_tasks(raw: Vec<RawTask>) -> Result<(Vec<MspdiTask>, Vec<MspdiLink>)> {
    let levels: Vec<u32> = raw.iter().map(|t| t.outline_level.unwrap_or(1)).collect();
    let mut seen = HashSet::new();
    let mut tasks = Vec::with_capacity(raw.len());
    let mut links = Vec::new();
    for (i, t) in raw.into_iter().enumerate() {
        let uid = t.uid.ok_or_else(|| MspdiError::MissingValue {
            element: "UID",
            context: t.context(i + 1),
        })?;
        if !seen.insert(uid) {
            return Err(MspdiError::DuplicateUid { uid });
        }
        let level = levels.get(i).copied().unwrap_or(1);
        // Without a <Summary> flag, a task is a summary if the next one is its child.
        let has_children = levels.get(i + 1).is_some_and(|next| *next > level);
        links.extend(
            t.predecessors
                .iter()
                .map(|&(pred_uid, kind, lag_days)| MspdiLink {
                    pred_uid,
                    succ_uid: uid,
                    kind,
                    lag_days,
                }),
        );
        tasks.push(MspdiTask {
            uid,
            name: t.name,
            outline_level: level,
            duration_days: if t.milestone { 0 } else { t.duration_days },
            milestone: t.milestone,
            summary: t.summary.unwrap_or(has_children),
            start_no_earlier_than: t.constraint_date.filter(|_| t.constraint_type == 4),
            deadline: t.deadline,
            notes: t.notes,
            percent_complete: t.percent_complete,
            actual_start: t.actual_start,
            actual_finish: t.actual_finish,
            start: t.start,
            finish: t.finish,
        });
    }
    // A link listed twice is one link.
    let mut pairs = HashSet::new();
    links.retain(|l| pairs.insert((l.pred_uid, l.succ_uid)));
    for link in &links {
        if link.pred_uid == link.succ_uid {
            return Err(MspdiError::SelfLink { uid: link.succ_uid });
        }
        if !seen.contains(&link.pred_uid) {
            return Err(MspdiError::UnknownPredecessor {
                pred_uid: link.pred_uid,
                succ_uid: link.succ_uid,
            });
        }
    }
    Ok((tasks, links))
}

#[derive(Default)]
struct RawCalendar {
    uid: Option<i64>,
    name: String,
    is_base: bool,
    base_uid: Option<i64>,
    /// Monday first; `None` = not given here (inherit from the base calendar).
    weekdays: [Option<bool>; 7],
    /// Exceptions in `<Exceptions>` (Project 2007+).
    exceptions: Vec<RawException>,
    /// Exceptions as `<WeekDay>` with `DayType` 0 (Project 2003); files often carry both.
    old_exceptions: Vec<RawException>,
}

/// A `<WeekDay>` or an `<Exception>`: they share most fields.
#[derive(Default)]
struct RawException {
    day_type: Option<u8>,
    working: Option<bool>,
    name: String,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    recurrence: Option<i64>,
    period: Option<u64>,
    month: Option<u32>,
    month_day: Option<u32>,
}

fn parse_calendar(p: &mut Parser<'_>, calendar: &Child<'_>) -> Result<RawCalendar> {
    let mut cal = RawCalendar::default();
    p.each(calendar, |p, c| {
        let ctx = format!("calendar \"{}\"", cal.name);
        match c.name {
            "UID" => cal.uid = Some(p.int(c, &ctx)?),
            "Name" => cal.name = p.text(c)?,
            "IsBaseCalendar" => cal.is_base = p.flag(c, &ctx)?,
            "BaseCalendarUID" => cal.base_uid = Some(p.int(c, &ctx)?),
            "WeekDays" => p.each(c, |p, c| {
                if c.name != "WeekDay" {
                    return p.skip(c);
                }
                let day = parse_day(p, c, &ctx)?;
                match day.day_type {
                    Some(0) => {
                        p.count_calendar_item(c)?;
                        cal.old_exceptions.push(day);
                    }
                    // DayType 1 = Sunday … 7 = Saturday; `weekdays` is Monday first.
                    Some(t @ 1..=7) => {
                        if let Some(slot) = cal.weekdays.get_mut(usize::from((t + 5) % 7)) {
                            *slot = day.working;
                        }
                    }
                    _ => {}
                }
                Ok(())
            })?,
            "Exceptions" => p.each(c, |p, c| match c.name {
                "Exception" => {
                    p.count_calendar_item(c)?;
                    cal.exceptions.push(parse_day(p, c, &ctx)?);
                    Ok(())
                }
                _ => p.skip(c),
            })?,
            _ => p.skip(c)?,
        }
        Ok(())
    })?;
    Ok(cal)
}

fn parse_day(p: &mut Parser<'_>, day: &Child<'_>, ctx: &str) -> Result<RawException> {
    let mut d = RawException::default();
    p.each(day, |p, c| {
        match c.name {
            "DayType" => d.day_type = Some(p.int(c, ctx)?),
            "DayWorking" => d.working = Some(p.flag(c, ctx)?),
            "Name" => d.name = p.text(c)?,
            "Type" => d.recurrence = Some(p.int(c, ctx)?),
            "Period" => d.period = Some(p.int(c, ctx)?),
            "Month" => d.month = Some(p.int(c, ctx)?),
            "MonthDay" => d.month_day = Some(p.int(c, ctx)?),
            "TimePeriod" => p.each(c, |p, c| {
                match c.name {
                    "FromDate" => d.from = p.date(c, ctx)?,
                    "ToDate" => d.to = p.date(c, ctx)?,
                    _ => p.skip(c)?,
                }
                Ok(())
            })?,
            _ => p.skip(c)?,
        }
        Ok(())
    })?;
    Ok(d)
}

/// The project calendar, with weekdays and exceptions inherited from its base calendars.
fn resolve_calendar(calendars: &[RawCalendar], uid: Option<i64>) -> Result<MspdiCalendar> {
    let find = |uid: i64| calendars.iter().find(|c| c.uid == Some(uid));
    let chosen = match uid {
        Some(uid) => Some(find(uid).ok_or(MspdiError::UnknownCalendar { uid })?),
        None => calendars.iter().find(|c| c.is_base).or(calendars.first()),
    };
    let Some(chosen) = chosen else {
        return Ok(MspdiCalendar {
            name: "Standard".into(),
            working_weekdays: WEEK.iter().copied().take(5).collect(),
            holidays: Vec::new(),
            make_up_workdays: Vec::new(),
        });
    };
    // Derived first; the length cap also stops base-calendar cycles.
    let mut chain = vec![chosen];
    while chain.len() < 8
        && let Some(base) = chain.last().and_then(|c| c.base_uid).and_then(find)
    {
        chain.push(base);
    }

    let working_weekdays = WEEK
        .iter()
        .enumerate()
        .filter(|&(i, day)| {
            let given = chain
                .iter()
                .find_map(|c| c.weekdays.get(i).copied().flatten());
            given.unwrap_or(!matches!(day, Weekday::Sat | Weekday::Sun))
        })
        .map(|(_, day)| *day)
        .collect();

    // Base first, so the derived calendar's exceptions win on the same date.
    let mut days: BTreeMap<NaiveDate, (bool, &str)> = BTreeMap::new();
    let mut budget = MAX_EXCEPTION_DAYS;
    for cal in chain.iter().rev() {
        let list = if cal.exceptions.is_empty() {
            &cal.old_exceptions
        } else {
            &cal.exceptions
        };
        for e in list {
            expand_exception(e, &mut budget, &mut days)?;
        }
    }
    let (mut holidays, mut make_up_workdays) = (Vec::new(), Vec::new());
    for (date, (working, name)) in days {
        let list = if working {
            &mut make_up_workdays
        } else {
            &mut holidays
        };
        list.push((date, name.to_owned()));
    }
    Ok(MspdiCalendar {
        name: chosen.name.clone(),
        working_weekdays,
        holidays,
        make_up_workdays,
    })
}

fn expand_exception<'e>(
    e: &'e RawException,
    budget: &mut usize,
    days: &mut BTreeMap<NaiveDate, (bool, &'e str)>,
) -> Result<()> {
    let (Some(from), Some(to)) = (e.from, e.to) else {
        return Ok(());
    };
    let value = (e.working.unwrap_or(false), e.name.as_str());
    // Every step costs budget, even one that adds no day, so no range loops for long.
    let mut spend = || {
        *budget = budget
            .checked_sub(1)
            .ok_or(MspdiError::TooManyExceptionDays)?;
        Ok::<_, MspdiError>(())
    };
    match e.recurrence.unwrap_or(1) {
        // Daily: every `Period` days from FromDate to ToDate.
        1 => {
            let step = Days::new(e.period.unwrap_or(1).max(1));
            let mut date = Some(from);
            while let Some(d) = date.filter(|d| *d <= to) {
                spend()?;
                days.insert(d, value);
                date = d.checked_add_days(step);
            }
        }
        // Yearly on a fixed date; `Month` is 0-based.
        2 => {
            let (Some(month), Some(month_day)) = (e.month, e.month_day) else {
                return Ok(());
            };
            for year in from.year()..=to.year() {
                spend()?;
                if let Some(d) = NaiveDate::from_ymd_opt(year, month.saturating_add(1), month_day)
                    && (from..=to).contains(&d)
                {
                    days.insert(d, value);
                }
            }
        }
        kind => {
            return Err(MspdiError::UnsupportedRecurrence {
                name: e.name.clone(),
                kind,
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Writing

/// A complete MSPDI document for MS Project (2010+) and ProjectLibre. Elements follow the
/// schema's order, which MS Project enforces.
pub fn write(project: &MspdiProject) -> String {
    let cal = &project.calendar;
    let mut w = XmlOut::default();
    w.out
        .push_str(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#);
    w.out
        .push_str("\n<Project xmlns=\"http://schemas.microsoft.com/project\">");
    w.depth = 1;
    w.leaf("SaveVersion", 14);
    w.leaf("Name", clip(&project.name));
    w.leaf("ScheduleFromStart", 1);
    w.leaf("StartDate", format_args!("{}T08:00:00", project.start_date));
    w.leaf("CalendarUID", 1);
    w.leaf("DefaultStartTime", "08:00:00");
    w.leaf("DefaultFinishTime", "17:00:00");
    w.leaf("MinutesPerDay", 480);
    w.leaf("MinutesPerWeek", 480 * cal.working_weekdays.len());
    w.leaf("DaysPerMonth", 20);
    w.leaf("DurationFormat", 7);
    w.leaf("NewTasksAreManual", 0);

    w.open("Calendars");
    w.open("Calendar");
    w.leaf("UID", 1);
    w.leaf("Name", &cal.name);
    w.leaf("IsBaseCalendar", 1);
    w.leaf("IsBaselineCalendar", 0);
    w.leaf("BaseCalendarUID", -1);
    w.open("WeekDays");
    // DayType 1 = Sunday … 7 = Saturday.
    for &day in WEEK.iter().cycle().skip(6).take(7) {
        let working = cal.working_weekdays.contains(&day);
        w.open("WeekDay");
        w.leaf("DayType", day.number_from_sunday());
        w.day_working(working);
        w.close("WeekDay");
    }
    let runs = exception_runs(cal);
    // Also in the Project 2003 form (`DayType` 0), as MPXJ writes it, for older readers.
    for run in &runs {
        w.open("WeekDay");
        w.leaf("DayType", 0);
        w.leaf("DayWorking", u8::from(run.working));
        w.time_period(run);
        w.working_times(run.working);
        w.close("WeekDay");
    }
    w.close("WeekDays");
    w.open("Exceptions");
    for run in &runs {
        w.open("Exception");
        w.leaf("EnteredByOccurrences", 0);
        w.time_period(run);
        w.leaf("Occurrences", 1);
        w.leaf("Name", run.name);
        w.leaf("Type", 1);
        w.day_working(run.working);
        w.close("Exception");
    }
    w.close("Exceptions");
    w.close("Calendar");
    w.close("Calendars");

    w.open("Tasks");
    w.open("Task");
    w.leaf("UID", 0);
    w.leaf("ID", 0);
    w.leaf("Name", clip(&project.name));
    w.leaf("Type", 1);
    w.leaf("IsNull", 0);
    w.leaf("WBS", 0);
    w.leaf("OutlineNumber", 0);
    w.leaf("OutlineLevel", 0);
    w.leaf("Summary", 1);
    w.close("Task");
    let mut preds: HashMap<i64, Vec<&MspdiLink>> = HashMap::new();
    for link in &project.links {
        preds.entry(link.succ_uid).or_default().push(link);
    }
    let mut outline: Vec<u32> = Vec::new();
    for (id, task) in (1..).zip(&project.tasks) {
        // Clamped so a bad level neither allocates wildly nor leaves a gap in the number.
        let depth = (task.outline_level as usize).clamp(1, outline.len() + 1);
        outline.resize(depth, 0);
        if let Some(last) = outline.last_mut() {
            *last += 1;
        }
        let number = outline
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".");
        let snet = task.start_no_earlier_than.is_some();
        w.open("Task");
        w.leaf("UID", task.uid);
        w.leaf("ID", id);
        w.leaf("Name", clip(&task.name));
        w.leaf("Active", 1);
        w.leaf("Manual", 0);
        w.leaf("Type", 0);
        w.leaf("IsNull", 0);
        w.leaf("WBS", &number);
        w.leaf("OutlineNumber", &number);
        w.leaf("OutlineLevel", task.outline_level);
        w.date("Start", task.start, "08:00:00");
        w.date("Finish", task.finish, "17:00:00");
        w.leaf(
            "Duration",
            format_args!("PT{}H0M0S", 8 * i64::from(task.duration_days.max(0))),
        );
        w.leaf("DurationFormat", 7);
        w.leaf("Estimated", 0);
        w.leaf("Milestone", u8::from(task.milestone));
        w.leaf("Summary", u8::from(task.summary));
        w.leaf("PercentComplete", task.percent_complete);
        w.date("ActualStart", task.actual_start, "08:00:00");
        w.date("ActualFinish", task.actual_finish, "17:00:00");
        w.leaf("ConstraintType", if snet { 4 } else { 0 });
        w.date("ConstraintDate", task.start_no_earlier_than, "08:00:00");
        w.date("Deadline", task.deadline, "17:00:00");
        if !task.notes.is_empty() {
            w.leaf("Notes", &task.notes);
        }
        for link in preds.get(&task.uid).into_iter().flatten() {
            w.open("PredecessorLink");
            w.leaf("PredecessorUID", link.pred_uid);
            w.leaf("Type", link.kind.mspdi_code());
            w.leaf("CrossProject", 0);
            w.leaf("LinkLag", i64::from(link.lag_days) * 4800);
            w.leaf("LagFormat", 7);
            w.close("PredecessorLink");
        }
        w.close("Task");
    }
    w.close("Tasks");
    w.close("Project");
    w.out.push('\n');
    w.out
}

/// Consecutive exception days with the same name and kind, written as one exception.
struct Run<'c> {
    from: NaiveDate,
    to: NaiveDate,
    working: bool,
    name: &'c str,
}

fn exception_runs(cal: &MspdiCalendar) -> Vec<Run<'_>> {
    // MS Project refuses overlapping exceptions: a date that is both keeps the make-up day.
    let mut days: BTreeMap<NaiveDate, (bool, &str)> = BTreeMap::new();
    for (date, name) in &cal.holidays {
        days.insert(*date, (false, name));
    }
    for (date, name) in &cal.make_up_workdays {
        days.insert(*date, (true, name));
    }
    let mut runs: Vec<Run<'_>> = Vec::new();
    for (date, (working, name)) in days {
        match runs.last_mut() {
            Some(run)
                if run.working == working
                    && run.name == name
                    && run.to.succ_opt() == Some(date) =>
            {
                run.to = date;
            }
            _ => runs.push(Run {
                from: date,
                to: date,
                working,
                name,
            }),
        }
    }
    runs
}

#[derive(Default)]
struct XmlOut {
    out: String,
    depth: usize,
}

impl XmlOut {
    fn indent(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
    }

    fn open(&mut self, name: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn leaf(&mut self, name: &str, value: impl fmt::Display) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        push_escaped(&mut self.out, &value.to_string());
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn date(&mut self, name: &str, date: Option<NaiveDate>, time: &str) {
        if let Some(date) = date {
            self.leaf(name, format_args!("{date}T{time}"));
        }
    }

    fn day_working(&mut self, working: bool) {
        self.leaf("DayWorking", u8::from(working));
        self.working_times(working);
    }

    fn working_times(&mut self, working: bool) {
        if !working {
            return;
        }
        self.open("WorkingTimes");
        for (from, to) in [("08:00:00", "12:00:00"), ("13:00:00", "17:00:00")] {
            self.open("WorkingTime");
            self.leaf("FromTime", from);
            self.leaf("ToTime", to);
            self.close("WorkingTime");
        }
        self.close("WorkingTimes");
    }

    fn time_period(&mut self, run: &Run<'_>) {
        self.open("TimePeriod");
        self.leaf("FromDate", format_args!("{}T00:00:00", run.from));
        self.leaf("ToDate", format_args!("{}T23:59:00", run.to));
        self.close("TimePeriod");
    }
}

/// MS Project's schema limits names to 512 characters.
fn clip(name: &str) -> &str {
    name.char_indices()
        .nth(512)
        .map_or(name, |(i, _)| name.get(..i).unwrap_or(name))
}

/// Escapes text content. Unlike quick-xml's `escape`, it keeps `\r` (as `&#13;`, which a
/// parser would otherwise turn into `\n`) and drops the control characters XML 1.0 forbids
/// even escaped, so the output always parses.
fn push_escaped(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(ch),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use serde_json::Value;

    use super::*;

    fn parse(xml: &[u8]) -> Result<MspdiProject> {
        super::parse(xml, &UploadLimits::DEFAULT)
    }

    fn case_dirs() -> Vec<PathBuf> {
        crate::schedule::oracle::reference_cases()
    }

    fn date(value: &Value) -> NaiveDate {
        parse_date(value.as_str().expect("a date string")).expect("a valid date")
    }

    fn day_set(value: &Value) -> BTreeSet<(NaiveDate, String)> {
        let days = value.as_array().expect("a list of days");
        days.iter()
            .map(|d| {
                (
                    date(&d["date"]),
                    d["name"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Everything `input.json` says about the network must come out of the XML.
    fn assert_matches_input(p: &MspdiProject, input: &Value, label: &str) {
        assert_eq!(
            p.start_date,
            date(&input["project"]["start_date"]),
            "{label}"
        );
        let cal = &input["calendar"];
        assert_eq!(
            p.calendar.name,
            cal["name"].as_str().unwrap_or_default(),
            "{label}"
        );
        let weekdays: Vec<Weekday> = cal["working_weekdays"]
            .as_array()
            .expect("weekdays")
            .iter()
            .map(|d| d.as_str().unwrap_or_default().parse().expect("a weekday"))
            .collect();
        assert_eq!(p.calendar.working_weekdays, weekdays, "{label}");
        let holidays: BTreeSet<_> = p.calendar.holidays.iter().cloned().collect();
        assert_eq!(holidays, day_set(&cal["holidays"]), "{label}");
        let make_up: BTreeSet<_> = p.calendar.make_up_workdays.iter().cloned().collect();
        assert_eq!(make_up, day_set(&cal["make_up_workdays"]), "{label}");

        let expected = input["tasks"].as_array().expect("tasks");
        assert_eq!(p.tasks.len(), expected.len(), "{label}");
        let parents = parent_uids(&p.tasks).expect("valid outline");
        for ((task, parent), want) in p.tasks.iter().zip(&parents).zip(expected) {
            let label = format!("{label} task {}", task.uid);
            assert_eq!(Some(task.uid), want["uid"].as_i64(), "{label}");
            assert_eq!(*parent, want["parent_uid"].as_i64(), "{label}");
            assert_eq!(
                Some(u64::from(task.outline_level)),
                want["outline_level"].as_u64(),
                "{label}"
            );
            assert_eq!(Some(task.summary), want["summary"].as_bool(), "{label}");
            assert_eq!(Some(task.milestone), want["milestone"].as_bool(), "{label}");
            if let Some(days) = want["duration_days"].as_i64() {
                assert_eq!(i64::from(task.duration_days), days, "{label}");
            }
        }

        let links: BTreeSet<_> = p
            .links
            .iter()
            .map(|l| {
                (
                    l.pred_uid,
                    l.succ_uid,
                    l.kind.as_str().to_owned(),
                    i64::from(l.lag_days),
                )
            })
            .collect();
        let expected: BTreeSet<_> = input["links"]
            .as_array()
            .expect("links")
            .iter()
            .map(|l| {
                let uid = |k: &str| l[k].as_i64().expect("a UID");
                let kind = l["type"].as_str().expect("a link type").to_owned();
                (
                    uid("pred_uid"),
                    uid("succ_uid"),
                    kind,
                    l["lag_days"].as_i64().expect("a lag"),
                )
            })
            .collect();
        assert_eq!(links, expected, "{label}");
        assert_eq!(p.links.len(), expected.len(), "{label}: no duplicate links");
    }

    #[test]
    fn reference_files_match_their_input_json_and_round_trip() {
        let dirs = case_dirs();
        assert!(
            dirs.len() >= 12,
            "expected the 12 reference cases under tests/scheduling"
        );
        for dir in dirs {
            let input: Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join("input.json")).expect("input.json readable"),
            )
            .expect("input.json is JSON");
            for (file, scheduled) in [("network.xml", false), ("scheduled.xml", true)] {
                let label = format!("{}/{file}", dir.display());
                let xml = std::fs::read(dir.join(file)).expect("XML readable");
                let p = parse(&xml).unwrap_or_else(|e| panic!("{label}: {e}"));
                assert_matches_input(&p, &input, &label);
                let dated = p
                    .tasks
                    .iter()
                    .all(|t| t.start.is_some() && t.finish.is_some());
                assert_eq!(dated, scheduled, "{label}: scheduled dates");

                let again = parse(write(&p).as_bytes()).unwrap_or_else(|e| panic!("{label}: {e}"));
                assert_eq!(again, p, "{label}: round trip");
            }
        }
    }

    fn sample() -> MspdiProject {
        let d = |s: &str| parse_date(s).expect("a valid date");
        let task = |uid, level, name: &str| MspdiTask {
            uid,
            name: name.into(),
            outline_level: level,
            duration_days: 3,
            milestone: false,
            summary: false,
            start_no_earlier_than: None,
            deadline: None,
            notes: String::new(),
            percent_complete: 0,
            actual_start: None,
            actual_finish: None,
            start: None,
            finish: None,
        };
        let mut tasks = vec![
            MspdiTask {
                summary: true,
                ..task(10, 1, "Phase <1> & \"friends\"")
            },
            task(11, 2, "Dig 基坑 'now'"),
            MspdiTask {
                milestone: true,
                duration_days: 0,
                ..task(12, 2, "Done")
            },
            task(20, 1, "  padded  "),
        ];
        if let Some(t) = tasks.get_mut(1) {
            t.start_no_earlier_than = Some(d("2025-03-03"));
            t.deadline = Some(d("2025-04-01"));
            t.notes = "line 1\r\nline 2\n\ttabbed & <b>".into();
            t.percent_complete = 40;
            t.actual_start = Some(d("2025-03-03"));
            t.actual_finish = Some(d("2025-03-05"));
            t.start = Some(d("2025-03-03"));
            t.finish = Some(d("2025-03-05"));
        }
        let link = |pred_uid, succ_uid, kind, lag_days| MspdiLink {
            pred_uid,
            succ_uid,
            kind,
            lag_days,
        };
        MspdiProject {
            name: "Tower A & B".into(),
            start_date: d("2025-03-01"),
            calendar: MspdiCalendar {
                name: "Six days".into(),
                working_weekdays: WEEK.iter().copied().take(6).collect(),
                holidays: vec![
                    (d("2025-04-04"), "Qingming".into()),
                    (d("2025-04-05"), "Qingming".into()),
                    (d("2025-04-07"), "Qingming".into()),
                    (d("2025-05-01"), "Labour Day".into()),
                ],
                make_up_workdays: vec![(d("2025-04-27"), "Make-up".into())],
            },
            tasks,
            links: vec![
                link(11, 12, LinkKind::FS, 0),
                link(11, 20, LinkKind::SS, -2),
                link(12, 20, LinkKind::FF, 5),
            ],
        }
    }

    #[test]
    fn every_field_round_trips() {
        let p = sample();
        let xml = write(&p);
        assert_eq!(parse(xml.as_bytes()), Ok(p));
        assert!(xml.contains("<MinutesPerWeek>2880</MinutesPerWeek>"));
        assert!(xml.contains("<WBS>1.2</WBS>") && xml.contains("<OutlineNumber>2</OutlineNumber>"));
        assert!(xml.contains("<ConstraintType>4</ConstraintType>"));
        assert!(xml.contains("<LinkLag>-9600</LinkLag>"));
    }

    #[test]
    fn parent_uids_follow_the_outline() {
        let p = sample();
        assert_eq!(
            parent_uids(&p.tasks),
            Ok(vec![None, Some(10), Some(10), None])
        );
    }

    #[test]
    fn reads_either_calendar_exception_format() {
        let dir = case_dirs().into_iter().next().expect("a reference case");
        let xml = std::fs::read_to_string(dir.join("network.xml")).expect("XML readable");
        let both = parse(xml.as_bytes()).expect("parses");
        let (head, rest) = xml
            .split_once("<Exceptions>")
            .expect("new-style exceptions");
        let (_, tail) = rest.split_once("</Exceptions>").expect("closed");
        let old_only = parse(format!("{head}{tail}").as_bytes()).expect("parses");
        // The old format has no names: compare the days.
        let dates = |days: &[(NaiveDate, String)]| days.iter().map(|(d, _)| *d).collect::<Vec<_>>();
        let (old, new) = (&old_only.calendar, &both.calendar);
        assert_eq!(old.working_weekdays, new.working_weekdays);
        assert_eq!(dates(&old.holidays), dates(&new.holidays));
        assert_eq!(dates(&old.make_up_workdays), dates(&new.make_up_workdays));
        assert!(!both.calendar.holidays.is_empty());
    }

    #[test]
    fn derived_calendars_and_yearly_exceptions() {
        let exception = |kind: u8, extra: &str| {
            format!(
                "<Exception><TimePeriod><FromDate>2024-01-01T00:00:00</FromDate>\
                 <ToDate>2026-12-31T23:59:00</ToDate></TimePeriod><Name>New Year</Name>\
                 <Type>{kind}</Type>{extra}<DayWorking>0</DayWorking></Exception>"
            )
        };
        let calendars = |kind: u8, extra: &str| {
            format!(
                "<CalendarUID>2</CalendarUID><Calendars>\
                 <Calendar><UID>1</UID><Name>Base</Name><IsBaseCalendar>1</IsBaseCalendar>\
                 <WeekDays><WeekDay><DayType>7</DayType><DayWorking>1</DayWorking></WeekDay></WeekDays>\
                 <Exceptions>{}</Exceptions></Calendar>\
                 <Calendar><UID>2</UID><Name>Site</Name><BaseCalendarUID>1</BaseCalendarUID>\
                 <WeekDays><WeekDay><DayType>2</DayType><DayWorking>0</DayWorking></WeekDay></WeekDays>\
                 </Calendar></Calendars>",
                exception(kind, extra)
            )
        };
        let with =
            |cals: String| doc(&task(1, 1, "")).replace("<Tasks>", &format!("{cals}<Tasks>"));
        let yearly = with(calendars(2, "<Month>0</Month><MonthDay>1</MonthDay>"));
        let cal = parse(yearly.as_bytes()).expect("parses").calendar;
        assert_eq!(cal.name, "Site");
        assert_eq!(
            cal.working_weekdays,
            [
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat
            ]
        );
        let days: Vec<String> = cal.holidays.iter().map(|(d, _)| d.to_string()).collect();
        assert_eq!(days, ["2024-01-01", "2025-01-01", "2026-01-01"]);

        let weekly = with(calendars(6, ""));
        assert!(matches!(
            parse(weekly.as_bytes()),
            Err(MspdiError::UnsupportedRecurrence { kind: 6, .. })
        ));
        let missing = with(calendars(1, "")).replace("<CalendarUID>2<", "<CalendarUID>7<");
        assert_eq!(
            parse(missing.as_bytes()),
            Err(MspdiError::UnknownCalendar { uid: 7 })
        );
    }

    fn doc(tasks: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project"><Name>t</Name>
<StartDate>2025-01-06T08:00:00</StartDate><Tasks>{tasks}</Tasks></Project>"#
        )
    }

    fn task(uid: i64, level: u32, extra: &str) -> String {
        format!(
            "<Task><UID>{uid}</UID><Name>T{uid}</Name><OutlineLevel>{level}</OutlineLevel>\
             <Duration>PT8H0M0S</Duration>{extra}</Task>"
        )
    }

    fn pred(uid: i64) -> String {
        format!(
            "<PredecessorLink><PredecessorUID>{uid}</PredecessorUID><Type>1</Type></PredecessorLink>"
        )
    }

    #[test]
    fn reads_a_minimal_file_and_its_details() {
        let lagged = pred(1).replace("</Type>", "</Type><LinkLag>7200</LinkLag>");
        let second = format!("<Duration>PT12H0M0S</Duration><Extra><Deep>x</Deep></Extra>{lagged}");
        let xml = doc(&format!(
            "<Task><UID>0</UID><OutlineLevel>0</OutlineLevel></Task>{}{}",
            task(1, 1, ""),
            task(2, 1, &second),
        ));
        let p = parse(xml.as_bytes()).expect("parses");
        assert_eq!(p.tasks.len(), 2, "project summary task skipped");
        assert_eq!(
            p.tasks.get(1).map(|t| t.duration_days),
            Some(2),
            "1.5 days rounds to 2"
        );
        assert_eq!(
            p.links.first().map(|l| l.lag_days),
            Some(2),
            "1.5 days of lag rounds to 2"
        );
        assert_eq!(p.calendar.working_weekdays.len(), 5, "no calendar: Mon-Fri");
        assert_eq!(parse_duration_days("PT30M"), Some(0));
        assert_eq!(parse_duration_days("PT240M"), Some(1));
        assert_eq!(parse_duration_days("P1DT0H"), Some(1));
        assert_eq!(parse_duration_days("PT-8H"), None);
        assert_eq!(parse_duration_days("8H"), None);
    }

    #[test]
    fn refuses_hostile_and_broken_files() {
        let err = |xml: &[u8]| parse(xml).expect_err("must be refused");

        let e = err(b"<?xml version=\"1.0\"?>\n<foo><bar/></foo>");
        assert_eq!(
            e,
            MspdiError::WrongRoot {
                found: "foo".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "The file is not MS Project XML: its root element is <foo>, expected <Project>."
        );

        let full = doc(&task(1, 1, ""));
        let cut = full.get(..full.len() / 2).expect("a prefix");
        assert!(
            matches!(err(cut.as_bytes()), MspdiError::Truncated { .. }),
            "{}",
            err(cut.as_bytes())
        );

        let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Project><Name>&lol3;</Name></Project>"#;
        assert_eq!(
            err(laughs.as_bytes()),
            MspdiError::DocType {
                at: Position { line: 2, column: 1 }
            }
        );

        let xxe = r#"<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Project><Name>&xxe;</Name></Project>"#;
        assert!(matches!(err(xxe.as_bytes()), MspdiError::DocType { .. }));
        let undeclared = doc(&task(1, 1, "<Notes>&xxe;</Notes>"));
        assert!(
            matches!(err(undeclared.as_bytes()), MspdiError::UnknownEntity { name, .. } if name == "xxe")
        );

        let mut huge = full.clone().into_bytes();
        huge.resize(MAX_BYTES + 1, b' ');
        assert_eq!(
            err(&huge),
            MspdiError::TooLarge {
                size: MAX_BYTES + 1
            }
        );

        let unknown = doc(&(task(1, 1, "") + &task(2, 1, &pred(99))));
        assert_eq!(
            err(unknown.as_bytes()),
            MspdiError::UnknownPredecessor {
                pred_uid: 99,
                succ_uid: 2
            }
        );
        let selfish = doc(&task(1, 1, &pred(1)));
        assert_eq!(err(selfish.as_bytes()), MspdiError::SelfLink { uid: 1 });

        let jump = doc(&(task(1, 1, "") + &task(2, 3, "")));
        assert_eq!(
            err(jump.as_bytes()),
            MspdiError::OutlineJump {
                uid: 2,
                level: 3,
                previous: 1
            }
        );
        let duplicate = doc(&(task(1, 1, "") + &task(1, 1, "")));
        assert_eq!(
            err(duplicate.as_bytes()),
            MspdiError::DuplicateUid { uid: 1 }
        );

        assert_eq!(err(doc("").as_bytes()), MspdiError::NoTasks);
        assert_eq!(err(b"<Project/>"), MspdiError::NoTasks);
        let only_summary = doc("<Task><UID>0</UID><OutlineLevel>0</OutlineLevel></Task>");
        assert_eq!(err(only_summary.as_bytes()), MspdiError::NoTasks);

        let bad_duration = doc(&task(1, 1, "<Duration>eight hours</Duration>"));
        let e = err(bad_duration.as_bytes());
        assert!(
            matches!(&e, MspdiError::InvalidValue { element, at, .. } if element == "Duration" && at.line == 3),
            "{e}"
        );
        let bad_date = doc(&task(1, 1, "<Deadline>2025-02-30T17:00:00</Deadline>"));
        assert!(
            matches!(err(bad_date.as_bytes()), MspdiError::InvalidValue { element, .. } if element == "Deadline")
        );
        let no_start = full.replace("<StartDate>2025-01-06T08:00:00</StartDate>", "");
        assert!(matches!(
            err(no_start.as_bytes()),
            MspdiError::MissingValue {
                element: "StartDate",
                ..
            }
        ));

        assert_eq!(err(b""), MspdiError::NoRoot);
        assert_eq!(err(b"just some text"), MspdiError::NoRoot);
        assert!(matches!(
            err(b"<Project><<>>&&</Project>"),
            MspdiError::Malformed { .. }
        ));
        assert!(matches!(
            err(b"<Project></Tasks>"),
            MspdiError::Malformed { .. }
        ));
        assert!(matches!(
            err(b"\x00\x9f\x92\x96\xff\xfe garbage"),
            MspdiError::NotUtf8 { .. }
        ));

        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<Project><Name>Caf\xe9</Name></Project>";
        assert_eq!(
            err(latin1),
            MspdiError::NotUtf8 {
                at: Position {
                    line: 2,
                    column: 19
                }
            }
        );
        let utf16: Vec<u8> = "\u{feff}<Project/>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(matches!(err(&utf16), MspdiError::NotUtf8 { .. }));
    }

    #[test]
    fn never_panics_on_damaged_reference_files() {
        let dir = case_dirs().into_iter().next().expect("a reference case");
        let xml = std::fs::read(dir.join("network.xml")).expect("XML readable");
        for end in (0..xml.len()).step_by(97) {
            let _ = parse(xml.get(..end).unwrap_or_default());
            let mut damaged = xml.clone();
            if let Some(byte) = damaged.get_mut(end) {
                *byte = b"<>&;/\"x\xff"[end % 8];
            }
            let _ = parse(&damaged);
        }
    }

    fn over(r: Result<MspdiProject>) -> Limit {
        match r {
            Err(MspdiError::OverLimit(e)) => e.limit,
            other => panic!("expected a limit, got {other:?}"),
        }
    }

    #[test]
    fn tasks_links_and_calendar_exceptions_are_counted_against_the_limits() {
        let limits = UploadLimits {
            import_max_tasks: 3,
            import_max_links: 2,
            import_max_calendar_exceptions: 2,
            ..UploadLimits::DEFAULT
        };
        let tasks: String = (1..=4).map(|uid| task(uid, 1, "")).collect();
        assert_eq!(
            over(super::parse(doc(&tasks).as_bytes(), &limits)),
            Limit::ImportTasks
        );
        // The project summary task does not count.
        let three = format!(
            "<Task><UID>0</UID><OutlineLevel>0</OutlineLevel></Task>{}",
            (1..=3).map(|uid| task(uid, 1, "")).collect::<String>()
        );
        assert!(super::parse(doc(&three).as_bytes(), &limits).is_ok());
        let linked = task(1, 1, "") + &task(2, 1, &pred(1)) + &task(3, 1, &(pred(1) + &pred(2)));
        let e = super::parse(doc(&linked).as_bytes(), &limits).unwrap_err();
        assert!(
            matches!(&e, MspdiError::OverLimit(o) if o.limit == Limit::ImportLinks && o.max == 2),
            "{e}"
        );
        assert!(e.to_string().contains("GIRDER_IMPORT_MAX_LINKS"), "{e}");
        let holiday = "<Exception><TimePeriod><FromDate>2025-01-01T00:00:00</FromDate>\
            <ToDate>2025-01-01T23:59:00</ToDate></TimePeriod><DayWorking>0</DayWorking></Exception>";
        let calendars = format!(
            "<Calendars><Calendar><UID>1</UID><Exceptions>{}</Exceptions></Calendar></Calendars>",
            holiday.repeat(2)
        );
        let xml = doc(&task(1, 1, "")).replace("<Tasks>", &format!("{calendars}<Tasks>"));
        assert_eq!(
            over(super::parse(xml.as_bytes(), &limits)),
            Limit::ImportCalendarExceptions
        );
    }

    #[test]
    fn twenty_five_thousand_tasks_are_refused_at_the_default_limit() {
        let tasks: String = (1..=25_000).map(|uid| task(uid, 1, "")).collect();
        let xml = doc(&tasks);
        let e = parse(xml.as_bytes()).unwrap_err();
        assert!(
            matches!(&e, MspdiError::OverLimit(o) if o.limit == Limit::ImportTasks && o.max == 20_000),
            "{e}"
        );
    }

    mod fuzz {
        use proptest::prelude::*;

        use super::*;

        fn network() -> &'static [u8] {
            static FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            FILE.get_or_init(|| {
                let dir = case_dirs().into_iter().next().expect("a reference case");
                std::fs::read(dir.join("network.xml")).expect("XML readable")
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
                let _ = parse(&bytes);
                let mut xml = b"<Project><Tasks><Task>".to_vec();
                xml.extend_from_slice(&bytes);
                let _ = parse(&xml);
            }

            #[test]
            fn truncated_files_never_panic(at in 0usize..1_000_000) {
                let file = network();
                let r = parse(&file[..at % file.len()]);
                prop_assert!(r.is_err());
            }

            #[test]
            fn damaged_files_never_panic(
                flips in proptest::collection::vec((0usize..1_000_000, any::<u8>()), 1..8)
            ) {
                let mut file = network().to_vec();
                let len = file.len();
                for (at, byte) in flips {
                    file[at % len] = byte;
                }
                let started = std::time::Instant::now();
                if let Ok(p) = parse(&file) {
                    prop_assert!(p.tasks.len() as u64 <= UploadLimits::DEFAULT.import_max_tasks);
                }
                prop_assert!(started.elapsed() < std::time::Duration::from_secs(5));
            }
        }
    }

    #[test]
    fn a_lag_beyond_ten_thousand_days_is_refused() {
        let xml =
            String::from_utf8(std::fs::read(case_dirs()[0].join("network.xml")).expect("case"))
                .expect("utf-8");
        let at = xml.find("<LinkLag>").expect("a link lag");
        let end = at + xml[at..].find("</LinkLag>").expect("closed");
        // 10,001 working days of 8 hours, in tenths of a minute.
        let huge = format!("{}<LinkLag>48004800{}", &xml[..at], &xml[end..]);
        assert!(matches!(
            parse(huge.as_bytes()),
            Err(MspdiError::InvalidValue { element, .. }) if element == "LinkLag"
        ));
    }
}
