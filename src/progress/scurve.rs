//! The S-curve: planned cumulative progress, each task's weight spread over its working days,
//! against actual progress, drawn as a responsive server-side SVG (styled by `.scurve` in
//! `static/css/girder.css`, so inline it into the page).

use std::fmt::{self, Write as _};

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::web::svg::{Esc, FONT_PX, N, text_width, write_date_ticks, write_series};

/// The calendar is consulted for at most ~10 years from the window start; beyond it every day
/// counts as working, so one runaway date (year 9999) cannot loop over millions of days.
const MAX_CALENDAR_DAYS: i64 = 3653;
/// Weekly samples up to about two years, monthly beyond.
const WEEKLY_MAX_DAYS: i64 = 731;
/// Over twenty years, months are skipped so the curve keeps at most this many points.
const MAX_MONTHLY_SAMPLES: i64 = 240;

/// A task's contribution to the planned curve.
#[derive(Debug, Clone, Copy)]
pub struct CurveTask {
    /// Inclusive; a finish before the start is read as the same span reversed.
    pub start: NaiveDate,
    pub finish: NaiveDate,
    /// Budget, hours or any other measure; negative, NaN and infinite weights are ignored.
    pub weight: f64,
}

/// Planned cumulative percent (0..=100) at the end of each date in `dates` (sorted): each task's
/// weight is spread evenly over its working days (per `is_working`); a task with no working
/// days puts all its weight on its finish. No weight at all gives zeros.
pub fn planned_curve(
    tasks: &[CurveTask],
    is_working: &dyn Fn(NaiveDate) -> bool,
    dates: &[NaiveDate],
) -> Vec<f64> {
    let tasks: Vec<CurveTask> = tasks
        .iter()
        .filter(|t| t.weight.is_finite() && t.weight > 0.0)
        .map(|t| CurveTask {
            start: t.start.min(t.finish),
            finish: t.start.max(t.finish),
            weight: t.weight,
        })
        .collect();
    let total: f64 = tasks.iter().map(|t| t.weight).sum();
    let (Some(lo), Some(hi)) = (
        tasks.iter().map(|t| t.start).min(),
        tasks.iter().map(|t| t.finish).max(),
    ) else {
        return vec![0.0; dates.len()];
    };
    if !total.is_finite() {
        return vec![0.0; dates.len()];
    }
    let calendar = Calendar::new(lo, hi, dates.first().copied(), is_working);

    let mut done = vec![0.0; dates.len()];
    for task in &tasks {
        let (s, f) = (calendar.offset(task.start), calendar.offset(task.finish));
        let working = calendar.count(s, f + 1);
        for (acc, &date) in done.iter_mut().zip(dates) {
            let d = calendar.offset(date);
            let share = if working == 0 {
                if d >= f { 1.0 } else { 0.0 }
            } else {
                calendar.count(s, d.min(f) + 1) as f64 / working as f64
            };
            *acc += task.weight * share;
        }
    }
    done.into_iter()
        .map(|w| (w / total * 100.0).clamp(0.0, 100.0))
        .collect()
}

/// Working-day counts as prefix sums over a window of at most `MAX_CALENDAR_DAYS`; dates are
/// day offsets from the window start.
struct Calendar {
    start: NaiveDate,
    /// `prefix[i]` = working days among the window's first `i` days.
    prefix: Vec<u32>,
}

impl Calendar {
    fn new(
        lo: NaiveDate,
        hi: NaiveDate,
        first_sample: Option<NaiveDate>,
        is_working: &dyn Fn(NaiveDate) -> bool,
    ) -> Self {
        let span = hi.signed_duration_since(lo).num_days() + 1;
        // A longer span keeps the window where the caller looks: from its first sample date.
        let start = if span > MAX_CALENDAR_DAYS {
            let latest = hi
                .checked_sub_days(Days::new((MAX_CALENDAR_DAYS - 1).unsigned_abs()))
                .unwrap_or(lo);
            first_sample.unwrap_or(lo).clamp(lo, latest.max(lo))
        } else {
            lo
        };
        let len = span.min(MAX_CALENDAR_DAYS);
        let mut prefix = Vec::with_capacity(usize::try_from(len + 1).unwrap_or(0));
        prefix.push(0);
        let mut count = 0;
        let mut day = Some(start);
        for _ in 0..len {
            if let Some(d) = day {
                count += u32::from(is_working(d));
                day = d.succ_opt();
            }
            prefix.push(count);
        }
        Calendar { start, prefix }
    }

    fn offset(&self, d: NaiveDate) -> i64 {
        d.signed_duration_since(self.start).num_days()
    }

    fn len(&self) -> i64 {
        self.prefix.len() as i64 - 1
    }

    fn prefix_at(&self, offset: i64) -> i64 {
        let i = usize::try_from(offset.clamp(0, self.len())).unwrap_or(0);
        self.prefix.get(i).copied().map_or(0, i64::from)
    }

    /// Working days in the offsets `[a, b)`; outside the window every day counts.
    fn count(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        let before = b.min(0) - a.min(0);
        let after = b.max(self.len()) - a.max(self.len());
        before + after + self.prefix_at(b) - self.prefix_at(a)
    }
}

/// Sample dates from `from` to `to` inclusive: weekly (every 7 days, always ending at `to`),
/// switching to month ends when the span is over ~2 years. Swapped bounds are put in order.
pub fn sample_dates(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let (from, to) = (from.min(to), from.max(to));
    let mut out = vec![from];
    if to.signed_duration_since(from).num_days() <= WEEKLY_MAX_DAYS {
        let mut d = from;
        while let Some(next) = d.checked_add_days(Days::new(7)).filter(|n| *n < to) {
            out.push(next);
            d = next;
        }
    } else {
        let months = i64::from(to.year() - from.year()) * 12 + i64::from(to.month())
            - i64::from(from.month());
        let step = (months + MAX_MONTHLY_SAMPLES - 1) / MAX_MONTHLY_SAMPLES;
        let step = Months::new(u32::try_from(step.max(1)).unwrap_or(1));
        // Month ends are the day before the first of each following month.
        let mut first = from
            .with_day(1)
            .and_then(|f| f.checked_add_months(Months::new(1)));
        while let Some(month_end) = first.and_then(|f| f.pred_opt()).filter(|e| *e < to) {
            if month_end > from {
                out.push(month_end);
            }
            first = first.and_then(|f| f.checked_add_months(step));
        }
    }
    if out.last() != Some(&to) {
        out.push(to);
    }
    out
}

/// Words drawn in the chart, already in the viewer's language.
#[derive(Debug, Clone)]
pub struct CurveLabels {
    pub planned: String,
    pub actual: String,
    pub status_date: String,
    /// The vertical axis title, e.g. "累计完成 %".
    pub percent: String,
}

const W: f64 = 480.0;
const H: f64 = 280.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 26.0;

/// Draws the planned curve (`planned[i]` at `dates[i]`), the actual points (up to the last
/// one) and the status date. The SVG scales to its container's width.
pub fn render(
    dates: &[NaiveDate],
    planned: &[f64],
    actual: &[(NaiveDate, f64)],
    status_date: Option<NaiveDate>,
    labels: &CurveLabels,
) -> String {
    let planned: Vec<(NaiveDate, f64)> = dates
        .iter()
        .zip(planned)
        .filter(|(_, p)| p.is_finite())
        .map(|(d, p)| (*d, p.clamp(0.0, 100.0)))
        .collect();
    let mut actual: Vec<(NaiveDate, f64)> = actual
        .iter()
        .filter(|(_, p)| p.is_finite())
        .map(|(d, p)| (*d, p.clamp(0.0, 100.0)))
        .collect();
    actual.sort_by_key(|(d, _)| *d);

    let mut out = String::with_capacity(4096 + (planned.len() + actual.len()) * 160);
    // Writing into a `String` cannot fail; the `fmt::Result` only carries `?` through.
    let _ = write_chart(&mut out, &planned, &actual, status_date, labels);
    out
}

/// Maps dates and percents into the plot area.
struct Scale {
    lo: NaiveDate,
    span_days: f64,
}

impl Scale {
    fn x(&self, d: NaiveDate) -> f64 {
        let days = d.signed_duration_since(self.lo).num_days() as f64;
        LEFT + days / self.span_days * (W - LEFT - RIGHT)
    }

    fn y(percent: f64) -> f64 {
        H - BOTTOM - percent / 100.0 * (H - TOP - BOTTOM)
    }
}

fn write_chart(
    out: &mut String,
    planned: &[(NaiveDate, f64)],
    actual: &[(NaiveDate, f64)],
    status_date: Option<NaiveDate>,
    labels: &CurveLabels,
) -> fmt::Result {
    write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="scurve" viewBox="0 0 {W} {H}" width="100%" font-size="{FONT_PX}" role="img" aria-label="{} / {}">"#,
        Esc(&labels.planned),
        Esc(&labels.actual)
    )?;
    let (left, right, bottom) = (N(LEFT), N(W - RIGHT), N(H - BOTTOM));
    for p in (0..=100).step_by(20) {
        let y = N(Scale::y(f64::from(p)));
        write!(
            out,
            r#"<line class="grid" x1="{left}" x2="{right}" y1="{y}" y2="{y}"/><text class="tick" x="{}" y="{}" text-anchor="end">{p}</text>"#,
            N(LEFT - 4.0),
            N(Scale::y(f64::from(p)) + 4.0)
        )?;
    }
    write!(
        out,
        r#"<line class="axis" x1="{left}" x2="{left}" y1="{}" y2="{bottom}"/><text class="axis-title" transform="translate(12 {}) rotate(-90)" text-anchor="middle">{}</text>"#,
        N(TOP),
        N((TOP + H - BOTTOM) / 2.0),
        Esc(&labels.percent)
    )?;
    write_legend(out, labels)?;

    let mut all = planned.iter().chain(actual).map(|(d, _)| *d);
    let Some(first) = all.next() else {
        out.push_str("</svg>");
        return Ok(());
    };
    let (lo, hi) = all.fold((first, first), |(lo, hi), d| (lo.min(d), hi.max(d)));
    let scale = Scale {
        lo,
        span_days: (hi.signed_duration_since(lo).num_days() as f64).max(1.0),
    };
    write_date_ticks(out, |d| scale.x(d), lo, hi, 4, H - BOTTOM)?;
    if let Some(status) = status_date.filter(|s| (lo..=hi).contains(s)) {
        let x = N(scale.x(status));
        write!(
            out,
            r#"<line class="status" x1="{x}" x2="{x}" y1="{}" y2="{bottom}"/><text class="status-label" x="{}" y="{}">{} {status}</text>"#,
            N(TOP),
            N(scale.x(status) + 3.0),
            N(TOP + 12.0),
            Esc(&labels.status_date)
        )?;
    }
    for (class, label, points) in [
        ("planned", &labels.planned, planned),
        ("actual", &labels.actual, actual),
    ] {
        let points: Vec<(f64, f64, String)> = points
            .iter()
            .map(|&(d, p)| (scale.x(d), Scale::y(p), format!("{d} {label}: {p:.1}%")))
            .collect();
        write_series(out, class, &points, 3.0)?;
    }
    out.push_str("</svg>");
    Ok(())
}

fn write_legend(out: &mut String, labels: &CurveLabels) -> fmt::Result {
    let mut x = LEFT;
    let y = 14.0;
    for (class, label) in [
        ("planned", &labels.planned),
        ("actual", &labels.actual),
        ("status", &labels.status_date),
    ] {
        write!(
            out,
            r#"<g class="legend {class}"><line x1="{}" x2="{}" y1="{}" y2="{}"/><text x="{}" y="{}">{}</text></g>"#,
            N(x),
            N(x + 18.0),
            N(y - 4.0),
            N(y - 4.0),
            N(x + 22.0),
            N(y),
            Esc(label)
        )?;
        x += 22.0 + text_width(label) + 16.0;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::svg::assert_well_formed;
    use chrono::Weekday;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn weekdays(day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
    }

    fn every_day(_: NaiveDate) -> bool {
        true
    }

    fn days(from: &str, to: &str) -> Vec<NaiveDate> {
        d(from).iter_days().take_while(|x| *x <= d(to)).collect()
    }

    fn task(start: &str, finish: &str, weight: f64) -> CurveTask {
        CurveTask {
            start: d(start),
            finish: d(finish),
            weight,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn planned_curve_reaches_100_and_never_falls() {
        let tasks = [
            task("2026-03-02", "2026-03-20", 3.0),
            task("2026-03-10", "2026-04-30", 5.0),
            task("2026-05-01", "2026-05-01", 2.0), // a holiday-only or milestone-like task
        ];
        let dates = sample_dates(d("2026-02-23"), d("2026-05-08"));
        let curve = planned_curve(&tasks, &weekdays, &dates);
        assert_eq!(curve.len(), dates.len());
        assert!(close(curve[0], 0.0));
        assert!(close(*curve.last().unwrap(), 100.0));
        assert!(curve.windows(2).all(|w| w[0] <= w[1]), "{curve:?}");
        assert!(curve.iter().all(|p| (0.0..=100.0).contains(p)));
    }

    #[test]
    fn weight_is_spread_over_working_days_only() {
        // Mon 2026-03-02 .. Fri 2026-03-13: ten weekdays, a weekend in the middle.
        let tasks = [task("2026-03-02", "2026-03-13", 10.0)];
        let dates = days("2026-03-02", "2026-03-13");
        let curve = planned_curve(&tasks, &weekdays, &dates);
        let expect = [10., 20., 30., 40., 50., 50., 50., 60., 70., 80., 90., 100.];
        for (got, want) in curve.iter().zip(expect) {
            assert!(close(*got, want), "{curve:?}");
        }
    }

    #[test]
    fn task_without_working_days_lands_on_its_finish() {
        // Saturday and Sunday only.
        let tasks = [
            task("2026-03-07", "2026-03-08", 1.0),
            task("2026-03-09", "2026-03-09", 1.0),
        ];
        let dates = days("2026-03-06", "2026-03-09");
        let curve = planned_curve(&tasks, &weekdays, &dates);
        assert_eq!(curve, vec![0.0, 0.0, 50.0, 100.0]);
    }

    #[test]
    fn zero_or_invalid_weight_gives_zeros_not_nan() {
        let dates = days("2026-03-01", "2026-03-10");
        for tasks in [
            vec![],
            vec![task("2026-03-02", "2026-03-06", 0.0)],
            vec![
                task("2026-03-02", "2026-03-06", f64::NAN),
                task("2026-03-02", "2026-03-06", -1.0),
            ],
            vec![
                task("2026-03-02", "2026-03-06", f64::MAX),
                task("2026-03-02", "2026-03-06", f64::MAX),
            ],
        ] {
            let curve = planned_curve(&tasks, &every_day, &dates);
            assert_eq!(curve, vec![0.0; dates.len()]);
        }
    }

    #[test]
    fn reversed_and_runaway_dates_do_not_panic() {
        let tasks = [
            task("2026-03-13", "2026-03-02", 1.0),
            CurveTask {
                start: NaiveDate::MIN,
                finish: NaiveDate::MAX,
                weight: 1.0,
            },
        ];
        let dates = sample_dates(d("2026-01-01"), d("2027-01-01"));
        let curve = planned_curve(&tasks, &weekdays, &dates);
        assert!(curve.iter().all(|p| p.is_finite()));
        assert!(curve.windows(2).all(|w| w[0] <= w[1]));
        // The reversed task is done by the end (50); the endless one, counted in calendar days
        // outside the window, is about half way through chrono's calendar (~25).
        assert!(
            curve.last().is_some_and(|p| *p > 75.0 && *p < 76.0),
            "{curve:?}"
        );
    }

    #[test]
    fn sample_dates_are_weekly_and_end_on_to() {
        let dates = sample_dates(d("2026-03-02"), d("2026-04-01"));
        assert_eq!(
            dates,
            [
                "2026-03-02",
                "2026-03-09",
                "2026-03-16",
                "2026-03-23",
                "2026-03-30",
                "2026-04-01"
            ]
            .map(d)
        );
        assert_eq!(
            sample_dates(d("2026-03-02"), d("2026-03-02")),
            vec![d("2026-03-02")]
        );
        assert_eq!(
            sample_dates(d("2026-03-16"), d("2026-03-02")),
            vec![d("2026-03-02"), d("2026-03-09"), d("2026-03-16")]
        );
    }

    #[test]
    fn long_spans_are_sampled_at_month_ends() {
        let dates = sample_dates(d("2026-03-15"), d("2029-06-10"));
        assert_eq!(
            &dates[..3],
            &["2026-03-15", "2026-03-31", "2026-04-30"].map(d)
        );
        assert_eq!(dates.last(), Some(&d("2029-06-10")));
        assert_eq!(dates[dates.len() - 2], d("2029-05-31"));
        assert!(dates.windows(2).all(|w| w[0] < w[1]));

        let huge = sample_dates(NaiveDate::MIN, NaiveDate::MAX);
        assert!(
            huge.len() <= MAX_MONTHLY_SAMPLES as usize + 3,
            "{}",
            huge.len()
        );
        assert_eq!(huge.last(), Some(&NaiveDate::MAX));
    }

    fn labels() -> CurveLabels {
        CurveLabels {
            planned: "计划 <plan>".into(),
            actual: "Actual & real".into(),
            status_date: "状态日期".into(),
            percent: "累计 %".into(),
        }
    }

    #[test]
    fn render_shows_both_series_and_escapes_labels() {
        let dates = sample_dates(d("2026-03-02"), d("2026-05-25"));
        let tasks = [task("2026-03-02", "2026-05-22", 1.0)];
        let planned = planned_curve(&tasks, &weekdays, &dates);
        let actual = [
            (d("2026-03-16"), 12.0),
            (d("2026-03-02"), 0.0),
            (d("2026-03-30"), 20.0),
        ];
        let svg = render(&dates, &planned, &actual, Some(d("2026-03-30")), &labels());
        assert_well_formed(&svg);
        assert!(svg.contains(r#"width="100%""#) && svg.contains("viewBox="));
        assert!(svg.contains(r#"<g class="planned"><polyline points=""#));
        assert!(svg.contains(r#"<g class="actual"><polyline points=""#));
        assert_eq!(svg.matches("<circle").count(), dates.len() + actual.len());
        assert!(svg.contains(r#"<line class="status""#));
        assert!(svg.contains("2026-03-30 Actual &amp; real: 20.0%"));
        assert!(!svg.contains("<plan>"));
        assert!(svg.contains("计划 &lt;plan&gt;"));
        // Actual stops at its last point: three points in the polyline.
        let actual_line = svg
            .split(r#"<g class="actual"><polyline points=""#)
            .nth(1)
            .unwrap();
        let points = actual_line.split('"').next().unwrap();
        assert_eq!(points.split(' ').count(), 3);
    }

    #[test]
    fn render_without_data_is_a_valid_empty_frame() {
        let svg = render(&[], &[], &[], None, &labels());
        assert_well_formed(&svg);
        assert!(!svg.contains("polyline points"));
        let one = render(
            &[d("2026-03-02")],
            &[f64::NAN],
            &[(d("2026-03-02"), 5.0)],
            None,
            &labels(),
        );
        assert_well_formed(&one);
    }
}
