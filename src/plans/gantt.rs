//! The Gantt chart, rendered on the server as two SVG documents with the same row geometry:
//! a names column the page pins on the left and a timeline it scrolls horizontally, so task
//! names stay visible on a phone. Pure: no I/O; styled by the `.gantt` rules in
//! `static/css/girder.css`, so both documents must be inlined into the page.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::schedule::LinkKind;
use crate::web::svg::{Esc, N, char_width, text_width};

const ROW_H: f64 = 28.0;
const TIER_H: f64 = 22.0;
const HEADER_H: f64 = 2.0 * TIER_H;
/// Strip under the rows for the status-date and today labels, one line each so they never
/// overlap when the two dates are close.
const MARKS_H: f64 = 32.0;
const LEGEND_H: f64 = 28.0;
const PAD: f64 = 6.0;
const NAMES_MIN_W: f64 = 140.0;
/// Wider names would leave no timeline on a 375 px phone; longer names get an ellipsis.
const NAMES_MAX_W: f64 = 280.0;
const OUTLINE_MAX_W: f64 = 72.0;
const INDENT_PX: f64 = 12.0;
const MAX_INDENT_DEPTH: u32 = 10;
const TOGGLE_W: f64 = 16.0;
/// Longest time axis drawn (about ten years): one runaway date (year 9999) must not yield a
/// chart millions of pixels wide. Bars outside the window are clipped to its edges.
const MAX_AXIS_DAYS: i64 = 3653;

/// How much time one screen of timeline shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zoom {
    /// Days under weeks; non-working days shaded.
    Week,
    /// Weeks under months.
    Month,
    /// Months under quarters.
    Quarter,
}

impl Zoom {
    pub const ALL: [Zoom; 3] = [Zoom::Week, Zoom::Month, Zoom::Quarter];

    pub fn as_str(self) -> &'static str {
        match self {
            Zoom::Week => "week",
            Zoom::Month => "month",
            Zoom::Quarter => "quarter",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|z| z.as_str() == s)
    }

    fn px_per_day(self) -> f64 {
        match self {
            Zoom::Week => 24.0,
            Zoom::Month => 7.0,
            Zoom::Quarter => 2.0,
        }
    }

    /// The header's (upper, lower) tiers.
    fn tiers(self) -> (Unit, Unit) {
        match self {
            Zoom::Week => (Unit::Week, Unit::Day),
            Zoom::Month => (Unit::Month, Unit::Week),
            Zoom::Quarter => (Unit::Quarter, Unit::Month),
        }
    }
}

/// What a row draws on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Task,
    /// A WBS parent; `collapsed` picks the ▸ or ▾ toggle.
    Summary {
        collapsed: bool,
    },
    Milestone,
}

/// One visible row (rows under a collapsed summary are simply not passed in).
#[derive(Debug, Clone)]
pub struct GanttRow {
    pub id: i64,
    pub outline: String,
    pub name: String,
    pub depth: u32,
    pub kind: RowKind,
    /// Inclusive; a finish before the start is drawn as a one-day bar.
    pub start: NaiveDate,
    pub finish: NaiveDate,
    pub critical: bool,
    /// 0..=100; anything else is clamped, NaN counts as 0.
    pub percent_complete: f64,
    pub baseline: Option<(NaiveDate, NaiveDate)>,
    /// Link on the name and the bar (the task's edit page).
    pub href: Option<String>,
    /// Link on a summary's collapse/expand triangle.
    pub toggle_href: Option<String>,
}

/// A dependency; links whose ends are not among the rows are skipped.
#[derive(Debug, Clone, Copy)]
pub struct GanttLink {
    pub from: i64,
    pub to: i64,
    pub kind: LinkKind,
}

/// Words drawn in the chart, already in the viewer's language.
#[derive(Debug, Clone)]
pub struct GanttLabels {
    /// Heading of the names column.
    pub name: String,
    pub today: String,
    pub status_date: String,
    pub baseline: String,
    pub critical: String,
    pub progress_line: String,
    pub task: String,
    /// The done part of a bar.
    pub complete: String,
    pub summary: String,
    pub milestone: String,
}

pub struct GanttChart<'a> {
    pub rows: &'a [GanttRow],
    pub links: &'a [GanttLink],
    pub today: NaiveDate,
    /// Draws the dashed status line and the progress line (前锋线) when set.
    pub status_date: Option<NaiveDate>,
    pub zoom: Zoom,
    pub labels: &'a GanttLabels,
    /// Shades non-working days in Week zoom.
    pub is_working_day: &'a dyn Fn(NaiveDate) -> bool,
}

/// Two standalone `<svg>` documents of equal `height`; inline them side by side (markup in
/// girder.css): names in a fixed column, the timeline in an `overflow-x: auto` box.
#[derive(Debug, Clone)]
pub struct GanttSvg {
    pub names: String,
    pub timeline: String,
    /// Width of the timeline document.
    pub width: u32,
    pub height: u32,
    pub names_width: u32,
}

/// Renders both documents; never panics, whatever the rows hold.
pub fn render(chart: &GanttChart<'_>) -> GanttSvg {
    let axis = Axis::for_chart(chart);
    let spans: Vec<Span> = chart.rows.iter().map(|r| Span::of(r, &axis)).collect();
    let body_bottom = row_top(chart.rows.len());
    let height = (body_bottom + MARKS_H + LEGEND_H).ceil();
    let width = axis.width().max(legend_width(chart.labels)).ceil();
    let names_width = names_width(chart.rows, chart.labels);

    let mut names = String::with_capacity(1024 + chart.rows.len() * 160);
    let mut timeline = String::with_capacity(
        4096 + chart.rows.len() * 320 + chart.links.len() * 60 + days_len(&axis) * 40,
    );
    // Writing into a `String` cannot fail; the `fmt::Result`s only carry `?` through.
    let _ = write_names(&mut names, chart, names_width, height);
    let _ = write_timeline(&mut timeline, chart, &axis, &spans, width, height);
    GanttSvg {
        names,
        timeline,
        width: width as u32,
        height: height as u32,
        names_width: names_width as u32,
    }
}

// ---------------------------------------------------------------------------------------------
// Time axis

/// A unit of the header: each tier partitions the axis into cells of one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Day,
    Week,
    Month,
    Quarter,
}

impl Unit {
    /// First day of the unit containing `d`.
    fn floor(self, d: NaiveDate) -> NaiveDate {
        match self {
            Unit::Day => d,
            Unit::Week => sub_days(d, i64::from(d.weekday().num_days_from_monday())),
            Unit::Month => d.with_day(1).unwrap_or(d),
            Unit::Quarter => {
                NaiveDate::from_ymd_opt(d.year(), (d.month0() / 3) * 3 + 1, 1).unwrap_or(d)
            }
        }
    }

    /// First day of the unit after the one containing `d`; `None` at the end of the calendar.
    fn next(self, d: NaiveDate) -> Option<NaiveDate> {
        let start = self.floor(d);
        match self {
            Unit::Day => start.succ_opt(),
            Unit::Week => start.checked_add_days(Days::new(7)),
            Unit::Month => start.checked_add_months(Months::new(1)),
            Unit::Quarter => start.checked_add_months(Months::new(3)),
        }
    }

    /// The cell label: "23", "11-23", "2026-11" (upper tier) or "11" (lower), "2026 Q4".
    fn write_label(self, out: &mut String, d: NaiveDate, upper: bool) -> fmt::Result {
        match self {
            Unit::Day => write!(out, "{}", d.day()),
            Unit::Week => write!(out, "{:02}-{:02}", d.month(), d.day()),
            Unit::Month if upper => write!(out, "{}-{:02}", d.year(), d.month()),
            Unit::Month => write!(out, "{}", d.month()),
            Unit::Quarter => write!(out, "{} Q{}", d.year(), d.month0() / 3 + 1),
        }
    }
}

/// Maps dates to x: day `start + n` covers `[n * ppd, (n + 1) * ppd)`.
struct Axis {
    start: NaiveDate,
    /// Exclusive.
    end: NaiveDate,
    days: i64,
    ppd: f64,
    zoom: Zoom,
}

impl Axis {
    fn for_chart(chart: &GanttChart<'_>) -> Self {
        let mut dates = chart.rows.iter().flat_map(|r| {
            let base = r.baseline.map(|(s, f)| [s, f]);
            [r.start, r.finish]
                .into_iter()
                .chain(base.into_iter().flatten())
        });
        let (mut lo, mut hi) = match dates.next() {
            Some(first) => dates.fold((first, first), |(lo, hi), d| (lo.min(d), hi.max(d))),
            // Nothing to draw: show the coming four weeks.
            None => (chart.today, add_days(chart.today, 28)),
        };
        if let Some(status) = chart.status_date {
            (lo, hi) = (lo.min(status), hi.max(status));
        }
        let focus = chart.status_date.unwrap_or(chart.today);
        (lo, hi) = clamp_window(lo, hi, focus);

        // A little air either side, then whole upper-tier cells so every label is complete.
        let (upper, _) = chart.zoom.tiers();
        let start = upper.floor(sub_days(lo, 2));
        let end_floor = upper.floor(add_days(hi, 7));
        let end = upper.next(end_floor).unwrap_or(end_floor);
        let days = end.signed_duration_since(start).num_days().max(1);
        Axis {
            start,
            end,
            days,
            ppd: chart.zoom.px_per_day(),
            zoom: chart.zoom,
        }
    }

    fn offset(&self, d: NaiveDate) -> i64 {
        d.signed_duration_since(self.start).num_days()
    }

    fn x_at(&self, day_offset: i64) -> f64 {
        day_offset.clamp(0, self.days) as f64 * self.ppd
    }

    /// Start (00:00) of `d`.
    fn x_start(&self, d: NaiveDate) -> f64 {
        self.x_at(self.offset(d))
    }

    /// End (24:00) of `d`.
    fn x_end(&self, d: NaiveDate) -> f64 {
        self.x_at(self.offset(d).saturating_add(1))
    }

    fn contains(&self, d: NaiveDate) -> bool {
        (0..self.days).contains(&self.offset(d))
    }

    fn width(&self) -> f64 {
        self.days as f64 * self.ppd
    }

    /// Calls `f(first_day, x0, x1)` for each cell of `unit` across the axis.
    fn for_each_cell(
        &self,
        unit: Unit,
        mut f: impl FnMut(NaiveDate, f64, f64) -> fmt::Result,
    ) -> fmt::Result {
        let mut d = self.start;
        while d < self.end {
            let next = unit.next(d).map_or(self.end, |n| n.min(self.end));
            f(d, self.x_start(d), self.x_start(next))?;
            if next <= d {
                break;
            }
            d = next;
        }
        Ok(())
    }
}

/// Narrows `[lo, hi]` to at most `MAX_AXIS_DAYS`, keeping `focus` in view.
fn clamp_window(lo: NaiveDate, hi: NaiveDate, focus: NaiveDate) -> (NaiveDate, NaiveDate) {
    if hi.signed_duration_since(lo).num_days() <= MAX_AXIS_DAYS {
        return (lo, hi);
    }
    let focus = focus.clamp(lo, hi);
    let start = lo.max(sub_days(focus, MAX_AXIS_DAYS / 2));
    let end = hi.min(add_days(start, MAX_AXIS_DAYS));
    (lo.max(sub_days(end, MAX_AXIS_DAYS)), end)
}

/// Saturates at the end of chrono's calendar instead of panicking.
fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_days(Days::new(n.unsigned_abs())).unwrap_or(d)
}

fn sub_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_sub_days(Days::new(n.unsigned_abs())).unwrap_or(d)
}

fn days_len(axis: &Axis) -> usize {
    usize::try_from(axis.days).unwrap_or(0)
}

fn row_top(i: usize) -> f64 {
    HEADER_H + i as f64 * ROW_H
}

fn percent(row: &GanttRow) -> f64 {
    if row.percent_complete.is_nan() {
        0.0
    } else {
        row.percent_complete.clamp(0.0, 100.0)
    }
}

/// A row's horizontal extent; a milestone has `x0 == x1` at the middle of its day.
#[derive(Debug, Clone, Copy)]
struct Span {
    x0: f64,
    x1: f64,
}

impl Span {
    fn of(row: &GanttRow, axis: &Axis) -> Self {
        match row.kind {
            RowKind::Milestone => {
                let x = (axis.x_start(row.start) + axis.x_end(row.start)) / 2.0;
                Span { x0: x, x1: x }
            }
            RowKind::Task | RowKind::Summary { .. } => Span {
                x0: axis.x_start(row.start),
                x1: axis.x_end(row.finish.max(row.start)),
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Names column

/// X of a row's name: outline column, indent, toggle slot.
fn name_x(outline_w: f64, depth: u32) -> f64 {
    PAD + outline_w + 8.0 + f64::from(depth.min(MAX_INDENT_DEPTH)) * INDENT_PX + TOGGLE_W
}

fn outline_width(rows: &[GanttRow]) -> f64 {
    rows.iter()
        .map(|r| text_width(&r.outline))
        .fold(0.0, f64::max)
        .min(OUTLINE_MAX_W)
}

fn names_width(rows: &[GanttRow], labels: &GanttLabels) -> f64 {
    let outline_w = outline_width(rows);
    rows.iter()
        .map(|r| name_x(outline_w, r.depth) + text_width(&r.name) + PAD)
        .fold(PAD * 2.0 + text_width(&labels.name), f64::max)
        .clamp(NAMES_MIN_W, NAMES_MAX_W)
        .ceil()
}

fn write_names(out: &mut String, chart: &GanttChart<'_>, width: f64, height: f64) -> fmt::Result {
    let rows = chart.rows;
    open_svg(out, "gantt-names", width, height)?;
    write!(
        out,
        r#"<rect class="gantt-head" width="{w}" height="{h}"/>"#,
        w = N(width),
        h = N(HEADER_H)
    )?;
    write_stripes(out, rows.len(), width)?;
    write!(
        out,
        r#"<text class="col-head" x="{x}" y="{y}">{}</text>"#,
        Esc(&chart.labels.name),
        x = N(PAD),
        y = N(HEADER_H / 2.0 + 4.0)
    )?;
    let outline_w = outline_width(rows);
    for (i, row) in rows.iter().enumerate() {
        let top = row_top(i);
        let baseline_y = N(top + ROW_H / 2.0 + 4.0);
        let (outline, _) = truncate(&row.outline, outline_w);
        write!(
            out,
            r#"<text class="outline" x="{x}" y="{baseline_y}">{}</text>"#,
            Esc(outline),
            x = N(PAD)
        )?;
        let x = name_x(outline_w, row.depth);
        if let RowKind::Summary { collapsed } = row.kind {
            let glyph = if collapsed { "▸" } else { "▾" };
            let tx = N(x - TOGGLE_W);
            match &row.toggle_href {
                // The transparent rect makes a finger-sized target on a phone.
                Some(href) => write!(
                    out,
                    r#"<a class="toggle" href="{}"><rect class="hit" x="{tx}" y="{y}" width="{w}" height="{h}"/><text x="{tx}" y="{baseline_y}">{glyph}</text></a>"#,
                    Esc(href),
                    y = N(top),
                    w = N(TOGGLE_W),
                    h = N(ROW_H)
                )?,
                None => write!(
                    out,
                    r#"<text class="toggle" x="{tx}" y="{baseline_y}">{glyph}</text>"#
                )?,
            }
        }
        if let Some(href) = &row.href {
            write!(out, r#"<a href="{}">"#, Esc(href))?;
        }
        let class = match row.kind {
            RowKind::Summary { .. } => "name sum",
            RowKind::Task | RowKind::Milestone => "name",
        };
        write!(
            out,
            r#"<text class="{class}" x="{x}" y="{baseline_y}">"#,
            x = N(x)
        )?;
        let (shown, cut) = truncate(&row.name, width - x - PAD);
        if cut {
            write!(out, "<title>{}</title>{}…", Esc(&row.name), Esc(shown))?;
        } else {
            write!(out, "{}", Esc(shown))?;
        }
        out.push_str("</text>");
        if row.href.is_some() {
            out.push_str("</a>");
        }
    }
    out.push_str("</svg>");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Timeline

fn write_timeline(
    out: &mut String,
    chart: &GanttChart<'_>,
    axis: &Axis,
    spans: &[Span],
    width: f64,
    height: f64,
) -> fmt::Result {
    let rows = chart.rows;
    let body_bottom = row_top(rows.len());
    open_svg(out, "gantt-timeline", width, height)?;
    out.push_str(concat!(
        r#"<defs><marker id="gantt-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="6" markerHeight="6" orient="auto"><path class="arrowhead" d="M0 0L8 4L0 8z"/></marker>"#,
        r#"<marker id="gantt-arrow-crit" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="6" markerHeight="6" orient="auto"><path class="arrowhead crit" d="M0 0L8 4L0 8z"/></marker></defs>"#,
    ));
    write!(
        out,
        r#"<rect class="gantt-head" width="{w}" height="{h}"/>"#,
        w = N(width),
        h = N(HEADER_H)
    )?;
    write_stripes(out, rows.len(), width)?;
    if axis.zoom == Zoom::Week {
        write_non_working(out, axis, chart.is_working_day, body_bottom)?;
    }
    write_header(out, axis, body_bottom)?;
    write_bars(out, rows, spans, axis)?;
    write_links(out, chart, spans)?;
    write_date_lines(out, chart, axis, spans, body_bottom)?;
    write_legend(out, chart.labels, body_bottom + MARKS_H)?;
    out.push_str("</svg>");
    Ok(())
}

fn write_non_working(
    out: &mut String,
    axis: &Axis,
    is_working: &dyn Fn(NaiveDate) -> bool,
    bottom: f64,
) -> fmt::Result {
    out.push_str(r#"<path class="nonwork" d=""#);
    // Consecutive days merge into one rectangle: a weekend is one subpath, not two.
    let mut run_start: Option<i64> = None;
    let mut d = axis.start;
    for i in 0..=axis.days {
        let working = i == axis.days || is_working(d);
        match (working, run_start) {
            (false, None) => run_start = Some(i),
            (true, Some(s)) => {
                let (x0, x1) = (axis.x_at(s), axis.x_at(i));
                write!(
                    out,
                    "M{} {}h{}V{}H{}z",
                    N(x0),
                    N(TIER_H),
                    N(x1 - x0),
                    N(bottom),
                    N(x0)
                )?;
                run_start = None;
            }
            _ => {}
        }
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    out.push_str(r#""/>"#);
    Ok(())
}

fn write_header(out: &mut String, axis: &Axis, body_bottom: f64) -> fmt::Result {
    let (upper, lower) = axis.zoom.tiers();
    // Week zoom has a column per day: gridlines at weeks are enough.
    let grid_unit = if axis.zoom == Zoom::Week {
        upper
    } else {
        lower
    };
    out.push_str(r#"<path class="grid" d=""#);
    axis.for_each_cell(grid_unit, |_, x0, _| {
        if x0 > 0.0 {
            write!(out, "M{} {}V{}", N(x0), N(HEADER_H), N(body_bottom))?;
        }
        Ok(())
    })?;
    out.push_str(r#""/><path class="tier" d=""#);
    write!(
        out,
        "M0 {t}H{w}M0 {h}H{w}",
        t = N(TIER_H),
        h = N(HEADER_H),
        w = N(axis.width())
    )?;
    for (unit, y0) in [(upper, 0.0), (lower, TIER_H)] {
        axis.for_each_cell(unit, |_, x0, _| {
            if x0 > 0.0 {
                write!(out, "M{} {}v{}", N(x0), N(y0), N(TIER_H))?;
            }
            Ok(())
        })?;
    }
    out.push_str(r#""/>"#);

    let mut label = String::with_capacity(16);
    for (unit, y0, class) in [(upper, 0.0, "tick up"), (lower, TIER_H, "tick")] {
        let is_upper = unit == upper;
        axis.for_each_cell(unit, |d, x0, x1| {
            label.clear();
            unit.write_label(&mut label, d, is_upper)?;
            let cell = x1 - x0;
            // A label that does not fit its cell would collide with the next one.
            if text_width(&label) + 4.0 > cell {
                return Ok(());
            }
            let y = N(y0 + TIER_H / 2.0 + 4.0);
            if unit == Unit::Day {
                write!(
                    out,
                    r#"<text class="{class}" x="{}" y="{y}" text-anchor="middle">{label}</text>"#,
                    N(x0 + cell / 2.0)
                )
            } else {
                write!(
                    out,
                    r#"<text class="{class}" x="{}" y="{y}">{label}</text>"#,
                    N(x0 + 4.0)
                )
            }
        })?;
    }
    Ok(())
}

fn write_bars(out: &mut String, rows: &[GanttRow], spans: &[Span], axis: &Axis) -> fmt::Result {
    for (i, (row, span)) in rows.iter().zip(spans).enumerate() {
        let top = row_top(i);
        let crit = if row.critical { " crit" } else { "" };
        let pct = percent(row);
        // The tooltip (and link) covers every shape of the row, so it is a `<g>` or `<a>`.
        match &row.href {
            Some(href) => write!(out, r#"<a href="{}">"#, Esc(href))?,
            None => out.push_str("<g>"),
        }
        writeln!(out, "<title>{} {}", Esc(&row.outline), Esc(&row.name))?;
        match row.kind {
            RowKind::Milestone => write!(out, "{}", row.start)?,
            RowKind::Task | RowKind::Summary { .. } => {
                write!(out, "{} – {}", row.start, row.finish.max(row.start))?;
            }
        }
        write!(out, "\n{pct:.0}%</title>")?;
        if let Some((bs, bf)) = row.baseline {
            let (x0, x1) = (axis.x_start(bs), axis.x_end(bf.max(bs)));
            write!(
                out,
                r#"<rect class="baseline" x="{}" y="{}" width="{}" height="4"/>"#,
                N(x0),
                N(top + 21.0),
                N(x1 - x0)
            )?;
        }
        let (x0, x1) = (span.x0, span.x1);
        match row.kind {
            RowKind::Task => {
                write!(
                    out,
                    r#"<rect class="bar{crit}" x="{}" y="{}" width="{}" height="12" rx="2"/>"#,
                    N(x0),
                    N(top + 7.0),
                    N(x1 - x0)
                )?;
                if pct > 0.0 {
                    write!(
                        out,
                        r#"<rect class="bar-done{crit}" x="{}" y="{}" width="{}" height="6"/>"#,
                        N(x0),
                        N(top + 10.0),
                        N((x1 - x0) * pct / 100.0)
                    )?;
                }
            }
            RowKind::Summary { .. } => write!(
                out,
                r#"<path class="summary{crit}" d="M{a} {t}H{b}V{p}L{b5} {m}H{a5}L{a} {p}Z"/>"#,
                a = N(x0),
                b = N(x1),
                a5 = N(x0 + 5.0),
                b5 = N(x1 - 5.0),
                t = N(top + 8.0),
                m = N(top + 14.0),
                p = N(top + 20.0)
            )?,
            RowKind::Milestone => write!(
                out,
                r#"<path class="milestone{crit}" d="M{} {}l7 7l-7 7l-7-7z"/>"#,
                N(x0),
                N(top + 7.0)
            )?,
        }
        out.push_str(if row.href.is_some() { "</a>" } else { "</g>" });
    }
    Ok(())
}

fn write_links(out: &mut String, chart: &GanttChart<'_>, spans: &[Span]) -> fmt::Result {
    let rows = chart.rows;
    let index: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    // Links into collapsed (absent) rows are skipped, as are self-links.
    let ends = |link: &GanttLink| {
        let from = *index.get(&link.from)?;
        let to = *index.get(&link.to)?;
        (from != to).then_some((from, to))
    };
    // Critical links get their own group so their arrowheads can be red too.
    for crit in [false, true] {
        let suffix = if crit { "-crit" } else { "" };
        write!(
            out,
            r#"<g class="links{}" marker-end="url(#gantt-arrow{suffix})">"#,
            if crit { " crit" } else { "" }
        )?;
        for link in chart.links {
            let Some((from, to)) = ends(link) else {
                continue;
            };
            if (rows[from].critical && rows[to].critical) != crit {
                continue;
            }
            let (a, b) = (
                anchors(&rows[from], spans[from]),
                anchors(&rows[to], spans[to]),
            );
            write_link(out, link.kind, a, from, b, to)?;
        }
        out.push_str("</g>");
    }
    Ok(())
}

/// Where arrows attach: a milestone's diamond edges rather than its centre.
fn anchors(row: &GanttRow, span: Span) -> Span {
    match row.kind {
        RowKind::Milestone => Span {
            x0: span.x0 - 7.0,
            x1: span.x1 + 7.0,
        },
        RowKind::Task | RowKind::Summary { .. } => span,
    }
}

/// An elbow from the predecessor's start or finish to the successor's start or finish.
fn write_link(
    out: &mut String,
    kind: LinkKind,
    from: Span,
    from_row: usize,
    to: Span,
    to_row: usize,
) -> fmt::Result {
    const STUB: f64 = 8.0;
    let y1 = row_top(from_row) + ROW_H / 2.0;
    let y2 = row_top(to_row) + ROW_H / 2.0;
    // Leave the predecessor outwards: rightwards from a finish, leftwards from a start.
    let (x1, leave_right) = if kind.from_finish() {
        (from.x1, true)
    } else {
        (from.x0, false)
    };
    // Arrive travelling rightwards at a start, leftwards at a finish.
    let (x2, arrive_right) = if kind.to_finish() {
        (to.x1, false)
    } else {
        (to.x0, true)
    };
    let dir = |right: bool| if right { 1.0 } else { -1.0 };
    let a = x1 + dir(leave_right) * STUB;
    let b = x2 - dir(arrive_right) * STUB;
    write!(out, r#"<path class="link" d="M{} {}H"#, N(x1), N(y1))?;
    if leave_right == arrive_right && (b - a) * dir(leave_right) >= 0.0 {
        // One turn: along the predecessor's row, then across to the successor's row.
        write!(out, r#"{}V{}H{}"/>"#, N(b), N(y2), N(x2))
    } else {
        // Doubling back: turn again on the row boundary next to the successor.
        let y_mid = if y2 > y1 {
            y2 - ROW_H / 2.0
        } else {
            y2 + ROW_H / 2.0
        };
        write!(
            out,
            r#"{}V{}H{}V{}H{}"/>"#,
            N(a),
            N(y_mid),
            N(b),
            N(y2),
            N(x2)
        )
    }
}

/// Today (middle of its day), the status date (end of its day: progress is reported up to
/// and including it) and the progress line.
fn write_date_lines(
    out: &mut String,
    chart: &GanttChart<'_>,
    axis: &Axis,
    spans: &[Span],
    body_bottom: f64,
) -> fmt::Result {
    let labels = chart.labels;
    if axis.contains(chart.today) {
        let x = (axis.x_start(chart.today) + axis.x_end(chart.today)) / 2.0;
        write_vline(out, "today", x, body_bottom)?;
        write_mark_label(out, "today", x, body_bottom + 27.0, axis.width(), |out| {
            write!(out, "{} {}", Esc(&labels.today), chart.today)
        })?;
    }
    let Some(status) = chart.status_date else {
        return Ok(());
    };
    let sx = axis.x_end(status);
    if axis.contains(status) {
        write_vline(out, "status", sx, body_bottom)?;
        write_mark_label(out, "status", sx, body_bottom + 13.0, axis.width(), |out| {
            write!(out, "{} {}", Esc(&labels.status_date), status)
        })?;
    }
    write!(
        out,
        r#"<polyline class="frontline" points="{},{}"#,
        N(sx),
        N(HEADER_H)
    )?;
    for (i, (row, span)) in chart.rows.iter().zip(spans).enumerate() {
        let x = frontline_x(row, *span, status, sx);
        write!(out, " {},{}", N(x), N(row_top(i) + ROW_H / 2.0))?;
    }
    write!(out, r#" {},{}"/>"#, N(sx), N(body_bottom))
}

/// 前锋线: a row's point is where its progress reaches on the bar; rows complete, or not
/// started and not yet due, sit on the status line. Left of it = behind, right = ahead.
fn frontline_x(row: &GanttRow, span: Span, status: NaiveDate, status_x: f64) -> f64 {
    let pct = percent(row);
    if pct >= 100.0 || (pct <= 0.0 && row.start > status) {
        status_x
    } else {
        span.x0 + (span.x1 - span.x0) * pct / 100.0
    }
}

fn write_vline(out: &mut String, class: &str, x: f64, body_bottom: f64) -> fmt::Result {
    write!(
        out,
        r#"<line class="{class}" x1="{x}" x2="{x}" y1="{}" y2="{}"/>"#,
        N(HEADER_H),
        N(body_bottom + MARKS_H),
        x = N(x)
    )
}

/// A line's label right of it, or left when it would run off the chart.
fn write_mark_label(
    out: &mut String,
    class: &str,
    x: f64,
    y: f64,
    width: f64,
    text: impl FnOnce(&mut String) -> fmt::Result,
) -> fmt::Result {
    let start = out.len();
    write!(
        out,
        r#"<text class="{class}-label" x="{}" y="{}">"#,
        N(x + 3.0),
        N(y)
    )?;
    let text_start = out.len();
    text(out)?;
    let text_w = text_width(&out[text_start..]);
    out.push_str("</text>");
    if x + 3.0 + text_w > width {
        // Re-anchor at the end; rare enough that rewriting the tag is simpler than measuring first.
        let tag = format!(
            r#"<text class="{class}-label" x="{}" y="{}" text-anchor="end">"#,
            N(x - 3.0),
            N(y)
        );
        out.replace_range(start..text_start, &tag);
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum Swatch {
    Bar,
    Done,
    Critical,
    Summary,
    Milestone,
    Baseline,
    Today,
    Status,
    Frontline,
}

const SWATCH_W: f64 = 18.0;

fn legend_items(labels: &GanttLabels) -> [(Swatch, &str); 9] {
    [
        (Swatch::Bar, &labels.task),
        (Swatch::Done, &labels.complete),
        (Swatch::Critical, &labels.critical),
        (Swatch::Summary, &labels.summary),
        (Swatch::Milestone, &labels.milestone),
        (Swatch::Baseline, &labels.baseline),
        (Swatch::Today, &labels.today),
        (Swatch::Status, &labels.status_date),
        (Swatch::Frontline, &labels.progress_line),
    ]
}

fn legend_item_width(label: &str) -> f64 {
    SWATCH_W + 4.0 + text_width(label) + 14.0
}

fn legend_width(labels: &GanttLabels) -> f64 {
    legend_items(labels)
        .iter()
        .map(|(_, label)| legend_item_width(label))
        .sum::<f64>()
        + 2.0 * PAD
}

fn write_legend(out: &mut String, labels: &GanttLabels, top: f64) -> fmt::Result {
    out.push_str(r#"<g class="legend">"#);
    let y = top + LEGEND_H / 2.0;
    let mut x = PAD;
    for (swatch, label) in legend_items(labels) {
        let (l, r, m) = (N(x), N(x + SWATCH_W), N(x + SWATCH_W / 2.0));
        match swatch {
            Swatch::Bar | Swatch::Critical => write!(
                out,
                r#"<rect class="bar{}" x="{l}" y="{}" width="{}" height="12" rx="2"/>"#,
                if matches!(swatch, Swatch::Critical) {
                    " crit"
                } else {
                    ""
                },
                N(y - 6.0),
                N(SWATCH_W)
            )?,
            Swatch::Done => write!(
                out,
                r#"<rect class="bar-done" x="{l}" y="{}" width="{}" height="6"/>"#,
                N(y - 3.0),
                N(SWATCH_W)
            )?,
            Swatch::Summary => write!(
                out,
                r#"<path class="summary" d="M{l} {t}H{r}V{p}L{} {y0}H{}L{l} {p}Z"/>"#,
                N(x + SWATCH_W - 4.0),
                N(x + 4.0),
                t = N(y - 6.0),
                y0 = N(y),
                p = N(y + 5.0)
            )?,
            Swatch::Milestone => write!(
                out,
                r#"<path class="milestone" d="M{m} {}l6 6l-6 6l-6-6z"/>"#,
                N(y - 6.0)
            )?,
            Swatch::Baseline => write!(
                out,
                r#"<rect class="baseline" x="{l}" y="{}" width="{}" height="4"/>"#,
                N(y - 2.0),
                N(SWATCH_W)
            )?,
            Swatch::Today | Swatch::Status => write!(
                out,
                r#"<line class="{}" x1="{m}" x2="{m}" y1="{}" y2="{}"/>"#,
                if matches!(swatch, Swatch::Today) {
                    "today"
                } else {
                    "status"
                },
                N(y - 8.0),
                N(y + 8.0)
            )?,
            Swatch::Frontline => write!(
                out,
                r#"<polyline class="frontline" points="{m},{} {l},{} {m},{}"/>"#,
                N(y - 8.0),
                N(y),
                N(y + 8.0)
            )?,
        }
        write!(
            out,
            r#"<text x="{}" y="{}">{}</text>"#,
            N(x + SWATCH_W + 4.0),
            N(y + 4.0),
            Esc(label)
        )?;
        x += legend_item_width(label);
    }
    out.push_str("</g>");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// SVG helpers

fn open_svg(out: &mut String, class: &str, width: f64, height: f64) -> fmt::Result {
    write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="{class}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-size="12">"#,
        w = N(width),
        h = N(height)
    )
}

/// Shades every other row, as one path, so the eye can follow a row across both documents.
fn write_stripes(out: &mut String, rows: usize, width: f64) -> fmt::Result {
    if rows < 2 {
        return Ok(());
    }
    out.push_str(r#"<path class="stripe" d=""#);
    for i in (1..rows).step_by(2) {
        write!(out, "M0 {}h{}v{}H0z", N(row_top(i)), N(width), N(ROW_H))?;
    }
    out.push_str(r#""/>"#);
    Ok(())
}

/// The longest prefix of `s` that fits `max` px with an ellipsis after it; `true` if cut.
fn truncate(s: &str, max: f64) -> (&str, bool) {
    if text_width(s) <= max {
        return (s, false);
    }
    let budget = max - char_width('…');
    let mut used = 0.0;
    for (i, c) in s.char_indices() {
        used += char_width(c);
        if used > budget {
            return (&s[..i], true);
        }
    }
    (s, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::svg::assert_well_formed;
    use chrono::Weekday;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn labels() -> GanttLabels {
        GanttLabels {
            name: "Task name".into(),
            today: "Today".into(),
            status_date: "Status date".into(),
            baseline: "Baseline".into(),
            critical: "Critical".into(),
            progress_line: "Progress line".into(),
            task: "Task".into(),
            complete: "Complete".into(),
            summary: "Summary".into(),
            milestone: "Milestone".into(),
        }
    }

    fn row(id: i64, kind: RowKind, start: &str, finish: &str) -> GanttRow {
        GanttRow {
            id,
            outline: id.to_string(),
            name: format!("Task {id}"),
            depth: 0,
            kind,
            start: d(start),
            finish: d(finish),
            critical: false,
            percent_complete: 0.0,
            baseline: None,
            href: None,
            toggle_href: None,
        }
    }

    fn weekdays(day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
    }

    fn draw(rows: &[GanttRow], links: &[GanttLink], zoom: Zoom) -> GanttSvg {
        draw_at(rows, links, zoom, d("2026-11-24"), Some(d("2026-11-25")))
    }

    fn draw_at(
        rows: &[GanttRow],
        links: &[GanttLink],
        zoom: Zoom,
        today: NaiveDate,
        status_date: Option<NaiveDate>,
    ) -> GanttSvg {
        let labels = labels();
        let svg = render(&GanttChart {
            rows,
            links,
            today,
            status_date,
            zoom,
            labels: &labels,
            is_working_day: &weekdays,
        });
        assert_well_formed(&svg.names);
        assert_well_formed(&svg.timeline);
        svg
    }

    /// The chart without its legend, whose swatches reuse the bar classes.
    fn body(svg: &str) -> &str {
        svg.split(r#"<g class="legend">"#).next().unwrap()
    }

    fn sample() -> Vec<GanttRow> {
        let mut crit = row(3, RowKind::Task, "2026-11-30", "2026-12-04");
        crit.critical = true;
        vec![
            row(
                1,
                RowKind::Summary { collapsed: false },
                "2026-11-23",
                "2026-12-04",
            ),
            row(2, RowKind::Task, "2026-11-23", "2026-11-27"),
            crit,
            row(4, RowKind::Task, "2026-12-07", "2026-12-08"),
            row(5, RowKind::Milestone, "2026-12-08", "2026-12-08"),
        ]
    }

    #[test]
    fn zoom_round_trips() {
        for zoom in Zoom::ALL {
            assert_eq!(Zoom::parse(zoom.as_str()), Some(zoom));
        }
        assert_eq!(Zoom::parse("year"), None);
    }

    #[test]
    fn one_bar_per_task_row_with_crit_on_critical_ones() {
        let svg = draw(&sample(), &[], Zoom::Week);
        let b = body(&svg.timeline);
        assert_eq!(b.matches(r#"<rect class="bar""#).count(), 2);
        assert_eq!(b.matches(r#"<rect class="bar crit""#).count(), 1);
    }

    #[test]
    fn milestones_are_diamonds_and_summaries_brackets() {
        let svg = draw(&sample(), &[], Zoom::Week);
        let b = body(&svg.timeline);
        assert_eq!(b.matches(r#"<path class="milestone""#).count(), 1);
        assert!(b.contains("l7 7l-7 7l-7-7z"));
        assert_eq!(b.matches(r#"<path class="summary""#).count(), 1);
    }

    #[test]
    fn done_part_is_drawn_only_for_started_tasks() {
        let mut rows = sample();
        rows[1].percent_complete = 40.0;
        let svg = draw(&rows, &[], Zoom::Week);
        assert_eq!(body(&svg.timeline).matches(r#"class="bar-done"#).count(), 1);
    }

    #[test]
    fn baseline_bars_only_when_given() {
        let mut rows = sample();
        let none = draw(&rows, &[], Zoom::Week);
        assert!(!body(&none.timeline).contains(r#"class="baseline""#));

        rows[2].baseline = Some((d("2026-11-23"), d("2026-11-27")));
        let some = draw(&rows, &[], Zoom::Week);
        assert_eq!(
            body(&some.timeline).matches(r#"class="baseline""#).count(),
            1
        );
    }

    #[test]
    fn arrows_only_for_links_with_both_ends_visible() {
        let links = [
            GanttLink {
                from: 2,
                to: 3,
                kind: LinkKind::FS,
            },
            GanttLink {
                from: 3,
                to: 4,
                kind: LinkKind::SS,
            },
            GanttLink {
                from: 4,
                to: 5,
                kind: LinkKind::FF,
            },
            GanttLink {
                from: 2,
                to: 99,
                kind: LinkKind::FS,
            }, // 99 is under a collapsed summary
            GanttLink {
                from: 2,
                to: 2,
                kind: LinkKind::FS,
            },
        ];
        let svg = draw(&sample(), &links, Zoom::Week);
        assert_eq!(svg.timeline.matches(r#"class="link""#).count(), 3);
        assert!(svg.timeline.contains(r#"marker-end="url(#gantt-arrow)""#));
    }

    #[test]
    fn finish_to_start_elbow_runs_from_finish_to_start() {
        let links = [GanttLink {
            from: 2,
            to: 3,
            kind: LinkKind::FS,
        }];
        let svg = draw(&sample(), &links, Zoom::Week);
        // Axis starts Monday 11-16 at 24 px/day: task 2 ends at 12 * 24, task 3 starts at 14 * 24.
        // Rows 1 and 2 are centred at 44 + 28 + 14 and 44 + 56 + 14.
        assert!(
            svg.timeline
                .contains(r#"<path class="link" d="M288 86H328V114H336"/>"#),
            "{}",
            svg.timeline
        );
    }

    #[test]
    fn today_and_status_lines_sit_at_their_days() {
        let rows = [row(1, RowKind::Task, "2026-11-23", "2026-11-27")];
        let svg = draw(&rows, &[], Zoom::Week);
        // Axis: Monday 2026-11-16 (two days' air before 11-23, snapped to the week), 24 px/day.
        // Today 11-24 is day 8: the middle of it is 8.5 * 24. Status 11-25 ends at 10 * 24.
        assert!(
            svg.timeline
                .contains(r#"<line class="today" x1="204" x2="204""#)
        );
        assert!(
            svg.timeline
                .contains(r#"<line class="status" x1="240" x2="240""#)
        );
        assert!(svg.timeline.contains("Status date 2026-11-25"));
    }

    #[test]
    fn frontline_passes_through_progress() {
        let mut half = row(1, RowKind::Task, "2026-11-23", "2026-11-27");
        half.percent_complete = 50.0;
        let mut done = row(2, RowKind::Task, "2026-11-18", "2026-11-20");
        done.percent_complete = 100.0;
        let future = row(3, RowKind::Task, "2026-11-30", "2026-12-04");
        let late = row(4, RowKind::Task, "2026-11-23", "2026-11-24");
        let svg = draw(&[half, done, future, late], &[], Zoom::Week);
        // Bar 11-23..11-27 spans x 168..288; half of it is 228. Row centres are 58, 86, 114, 142.
        // Done and future rows stay on the status line (240); the late one sits at its start.
        assert!(
            svg.timeline.contains(
                r#"<polyline class="frontline" points="240,44 228,58 240,86 240,114 168,142 240,156"/>"#
            ),
            "{}",
            svg.timeline
        );
    }

    #[test]
    fn no_status_date_no_status_line_nor_frontline() {
        let svg = draw_at(&sample(), &[], Zoom::Week, d("2026-11-24"), None);
        let b = body(&svg.timeline);
        assert!(!b.contains(r#"class="status""#));
        assert!(!b.contains("frontline"));
    }

    #[test]
    fn user_text_is_escaped() {
        let mut rows = sample();
        rows[1].name = r#"<script>alert("x")</script> & 'co'"#.into();
        rows[1].href = Some(r#"/t?a=1&b="2""#.into());
        let svg = draw(&rows, &[], Zoom::Week);
        for doc in [&svg.names, &svg.timeline] {
            assert!(!doc.contains("<script>"));
            assert!(
                doc.contains(
                    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;"
                )
            );
        }
        assert!(
            svg.names
                .contains(r#"<a href="/t?a=1&amp;b=&quot;2&quot;">"#)
        );
    }

    #[test]
    fn names_show_outline_indent_toggle_and_links() {
        let mut rows = sample();
        rows[0].kind = RowKind::Summary { collapsed: true };
        rows[0].toggle_href = Some("/p/1/gantt?expand=1".into());
        rows[1].depth = 1;
        rows[1].href = Some("/p/1/tasks/2".into());
        let svg = draw(&rows, &[], Zoom::Week);
        assert!(
            svg.names
                .contains(r#"<a class="toggle" href="/p/1/gantt?expand=1">"#)
        );
        assert!(svg.names.contains("▸"));
        assert!(
            svg.names
                .contains(r#"<a href="/p/1/tasks/2"><text class="name""#)
        );
        let x = |depth| N(name_x(outline_width(&rows), depth)).to_string();
        assert!(svg.names.contains(&format!(r#"class="name" x="{}""#, x(1))));
        assert!(
            svg.names
                .contains(&format!(r#"class="name sum" x="{}""#, x(0)))
        );
    }

    #[test]
    fn long_names_are_cut_with_the_full_name_in_a_title() {
        let mut rows = sample();
        rows[1].name = "基础施工".repeat(40);
        let svg = draw(&rows, &[], Zoom::Week);
        assert_eq!(svg.names_width, NAMES_MAX_W as u32);
        assert!(
            svg.names
                .contains(&format!("<title>{}</title>", rows[1].name))
        );
        assert!(svg.names.contains("…</text>"));
    }

    #[test]
    fn both_documents_share_the_height() {
        let svg = draw(&sample(), &[], Zoom::Month);
        let attr = format!(r#"height="{}""#, svg.height);
        assert!(svg.names.contains(&attr) && svg.timeline.contains(&attr));
        assert_eq!(
            svg.height as f64,
            HEADER_H + 5.0 * ROW_H + MARKS_H + LEGEND_H
        );
    }

    #[test]
    fn week_zoom_labels_days_under_weeks_and_shades_weekends() {
        let svg = draw(&sample(), &[], Zoom::Week);
        assert!(svg.timeline.contains(">11-23</text>"));
        assert!(svg.timeline.contains(r#"text-anchor="middle">23</text>"#));
        // Saturday 11-21 and Sunday 11-22 (days 5 and 6) are one shaded rectangle.
        assert!(svg.timeline.contains("M120 22h48V"));
    }

    #[test]
    fn month_zoom_labels_weeks_under_months() {
        let svg = draw(&sample(), &[], Zoom::Month);
        assert!(svg.timeline.contains(">2026-11</text>"));
        assert!(svg.timeline.contains(">11-23</text>"));
        assert!(!svg.timeline.contains("nonwork"));
    }

    #[test]
    fn quarter_zoom_labels_months_under_quarters() {
        let svg = draw(&sample(), &[], Zoom::Quarter);
        assert!(svg.timeline.contains(">2026 Q4</text>"));
        assert!(svg.timeline.contains(">11</text>"));
    }

    #[test]
    fn empty_chart_is_a_small_valid_svg() {
        for zoom in Zoom::ALL {
            let svg = draw_at(&[], &[], zoom, d("2026-11-24"), None);
            assert_eq!(svg.height as f64, HEADER_H + MARKS_H + LEGEND_H);
            assert!(svg.width < 2000);
            assert!(svg.timeline.contains(r#"class="today""#));
        }
    }

    #[test]
    fn bad_and_extreme_dates_do_not_panic_and_the_axis_is_clamped() {
        let mut rows = vec![
            row(1, RowKind::Task, "2026-11-27", "2026-11-23"),
            row(2, RowKind::Task, "1900-01-01", "9999-12-31"),
            row(3, RowKind::Milestone, "2026-11-23", "2026-11-23"),
        ];
        rows.push(GanttRow {
            start: NaiveDate::MIN,
            finish: NaiveDate::MAX,
            baseline: Some((NaiveDate::MAX, NaiveDate::MIN)),
            percent_complete: f64::NAN,
            depth: u32::MAX,
            ..row(
                4,
                RowKind::Summary { collapsed: false },
                "2026-01-01",
                "2026-01-01",
            )
        });
        rows[0].percent_complete = 1e300;
        let links = [GanttLink {
            from: 2,
            to: 4,
            kind: LinkKind::SF,
        }];
        for zoom in Zoom::ALL {
            for today in [NaiveDate::MIN, NaiveDate::MAX, d("2026-11-24")] {
                let svg = draw_at(&rows, &links, zoom, today, Some(NaiveDate::MAX));
                let max = (MAX_AXIS_DAYS + 200) as f64 * zoom.px_per_day();
                assert!(f64::from(svg.width) < max, "{zoom:?}: {}", svg.width);
            }
        }
    }

    #[test]
    fn renders_two_thousand_rows_and_three_thousand_links() {
        let start = d("2026-01-05");
        let rows: Vec<GanttRow> = (0..2000)
            .map(|i| {
                let s = add_days(start, i64::from(i % 400));
                let kind = match i % 10 {
                    0 => RowKind::Summary { collapsed: false },
                    9 => RowKind::Milestone,
                    _ => RowKind::Task,
                };
                GanttRow {
                    name: format!("施工任务 {i}"),
                    depth: i as u32 % 4,
                    critical: i % 3 == 0,
                    percent_complete: f64::from(i % 101),
                    baseline: (i % 2 == 0).then(|| (s, add_days(s, 9))),
                    href: Some(format!("/tasks/{i}")),
                    finish: add_days(s, i64::from(i % 30)),
                    start: s,
                    ..row(i64::from(i), kind, "2026-01-01", "2026-01-01")
                }
            })
            .collect();
        let links: Vec<GanttLink> = (0..3000)
            .map(|i: i64| GanttLink {
                from: i % 2000,
                to: (i * 7 + 1) % 2000,
                kind: LinkKind::ALL[(i % 4) as usize],
            })
            .collect();
        for zoom in Zoom::ALL {
            let svg = draw(&rows, &links, zoom);
            assert_eq!(
                svg.height as f64,
                HEADER_H + 2000.0 * ROW_H + MARKS_H + LEGEND_H
            );
        }
    }
}
