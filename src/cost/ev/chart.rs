//! The earned value chart: cumulative planned value over the whole plan, earned value and
//! actual cost up to the status date, as a responsive server-side SVG (styled by `.ev-chart`
//! in `static/css/girder.css`, so inline it into the page). Amounts are drawn with floats;
//! the figures shown in words come from the `Decimal` samples.

use std::fmt::{self, Write as _};

use chrono::NaiveDate;

use super::domain::Sample;
use crate::cost::domain::to_f64;
use crate::web::svg::{Esc, FONT_PX, N, text_width, write_date_ticks, write_series};

/// Words drawn in the chart, already in the viewer's language.
#[derive(Debug, Clone)]
pub struct ChartLabels {
    pub pv: String,
    pub ev: String,
    pub ac: String,
    pub status_date: String,
    /// The vertical axis title in yuan, and in 万 (ten thousand yuan) for large amounts.
    pub yuan: String,
    pub wan: String,
    /// The accessible name and description of the chart.
    pub title: String,
    pub desc: String,
}

const W: f64 = 400.0;
const H: f64 = 280.0;
const RIGHT: f64 = 16.0;
const BOTTOM: f64 = 26.0;
const LEGEND_ROW: f64 = 16.0;
/// Axis labels switch to 万 from this top value.
const WAN_FROM: f64 = 100_000.0;

/// Draws the chart of `samples` (sorted by date) with a line at `as_of`.
pub fn render(samples: &[Sample], as_of: NaiveDate, labels: &ChartLabels) -> String {
    let mut out = String::with_capacity(4096 + samples.len() * 480);
    // Writing into a `String` cannot fail; the `fmt::Result` only carries `?` through.
    let _ = write_chart(&mut out, samples, as_of, labels);
    out
}

/// The vertical scale: a rounded top and the tick step.
struct Axis {
    top: f64,
    step: f64,
    wan: bool,
}

impl Axis {
    fn new(max: f64) -> Axis {
        let max = if max.is_finite() && max > 0.0 {
            max
        } else {
            1.0
        };
        let raw = max / 5.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .into_iter()
            .map(|m| m * magnitude)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * magnitude);
        let top = (max / step).ceil() * step;
        Axis {
            top,
            step,
            wan: top >= WAN_FROM,
        }
    }

    fn label(&self, v: f64) -> String {
        let v = if self.wan { v / 10_000.0 } else { v };
        let text = format!("{v:.1}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }

    fn ticks(&self) -> Vec<f64> {
        let n = (self.top / self.step).round() as i64;
        (0..=n.clamp(0, 20)).map(|k| k as f64 * self.step).collect()
    }
}

struct Frame {
    left: f64,
    top: f64,
    lo: NaiveDate,
    span_days: f64,
    axis: Axis,
}

impl Frame {
    fn x(&self, d: NaiveDate) -> f64 {
        let days = d.signed_duration_since(self.lo).num_days() as f64;
        self.left + days / self.span_days * (W - self.left - RIGHT)
    }

    fn y(&self, v: f64) -> f64 {
        let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
        H - BOTTOM - v.min(self.axis.top) / self.axis.top * (H - self.top - BOTTOM)
    }
}

fn write_chart(
    out: &mut String,
    samples: &[Sample],
    as_of: NaiveDate,
    labels: &ChartLabels,
) -> fmt::Result {
    let max = samples
        .iter()
        .flat_map(|s| [Some(s.pv), s.ev, s.ac])
        .flatten()
        .map(to_f64)
        .fold(0.0, f64::max);
    let axis = Axis::new(max);
    let widest = axis
        .ticks()
        .iter()
        .map(|t| text_width(&axis.label(*t)))
        .fold(0.0, f64::max);
    let left = (widest + 26.0).max(44.0);
    let legend = legend_layout(labels, left);
    let top = legend.last().map_or(0.0, |(_, _, _, y)| *y) + 16.0;
    write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="ev-chart" viewBox="0 0 {W} {H}" width="100%" font-size="{FONT_PX}" role="img" aria-labelledby="ev-chart-title ev-chart-desc"><title id="ev-chart-title">{}</title><desc id="ev-chart-desc">{}</desc>"#,
        Esc(&labels.title),
        Esc(&labels.desc)
    )?;
    let (lo, hi) = match (samples.first(), samples.last()) {
        (Some(a), Some(b)) => (a.date.min(as_of), b.date.max(as_of)),
        _ => (as_of, as_of),
    };
    let frame = Frame {
        left,
        top,
        lo,
        span_days: (hi.signed_duration_since(lo).num_days() as f64).max(1.0),
        axis,
    };
    let (x0, x1, bottom) = (N(left), N(W - RIGHT), N(H - BOTTOM));
    for t in frame.axis.ticks() {
        let y = frame.y(t);
        write!(
            out,
            r#"<line class="grid" x1="{x0}" x2="{x1}" y1="{}" y2="{}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            N(y),
            N(y),
            N(left - 4.0),
            N(y + 4.0),
            Esc(&frame.axis.label(t))
        )?;
    }
    let unit = if frame.axis.wan {
        &labels.wan
    } else {
        &labels.yuan
    };
    write!(
        out,
        r#"<line class="axis" x1="{x0}" x2="{x0}" y1="{}" y2="{bottom}"/><text class="axis-title" transform="translate(12 {}) rotate(-90)" text-anchor="middle">{}</text>"#,
        N(top),
        N((top + H - BOTTOM) / 2.0),
        Esc(unit)
    )?;
    for (class, label, x, y) in &legend {
        write!(
            out,
            r#"<g class="legend {class}"><line x1="{}" x2="{}" y1="{}" y2="{}"/><text x="{}" y="{}">{}</text></g>"#,
            N(*x),
            N(x + 18.0),
            N(y - 4.0),
            N(y - 4.0),
            N(x + 22.0),
            N(*y),
            Esc(label)
        )?;
    }
    if samples.is_empty() {
        out.push_str("</svg>");
        return Ok(());
    }
    // Four labels at most: the first, a full date, must not run into the next at 375 px.
    write_date_ticks(out, |d| frame.x(d), lo, hi, 3, H - BOTTOM)?;
    let x = N(frame.x(as_of));
    write!(
        out,
        r#"<line class="status" x1="{x}" x2="{x}" y1="{}" y2="{bottom}"/>"#,
        N(top)
    )?;
    let series = |value: &dyn Fn(&Sample) -> Option<rust_decimal::Decimal>, label: &str| {
        samples
            .iter()
            .filter_map(|s| value(s).map(|v| (s.date, to_f64(v))))
            .map(|(d, v)| {
                let title = format!("{d} {label}: {}", frame.axis.label(v));
                (frame.x(d), frame.y(v), title)
            })
            .collect::<Vec<_>>()
    };
    write_series(out, "pv", &series(&|s| Some(s.pv), &labels.pv), 2.5)?;
    write_series(out, "ev", &series(&|s| s.ev, &labels.ev), 2.5)?;
    write_series(out, "ac", &series(&|s| s.ac, &labels.ac), 2.5)?;
    out.push_str("</svg>");
    Ok(())
}

/// Legend entries (class, label, x, baseline y), wrapped onto a new row when one is full.
fn legend_layout(labels: &ChartLabels, left: f64) -> Vec<(&'static str, String, f64, f64)> {
    let mut out = Vec::new();
    let (mut x, mut y) = (left, 14.0);
    for (class, label) in [
        ("pv", &labels.pv),
        ("ev", &labels.ev),
        ("ac", &labels.ac),
        ("status", &labels.status_date),
    ] {
        let width = 22.0 + text_width(label) + 14.0;
        if x > left && x + width > W - RIGHT {
            x = left;
            y += LEGEND_ROW;
        }
        out.push((class, label.clone(), x, y));
        x += width;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::svg::assert_well_formed;
    use rust_decimal::Decimal;
    use rust_decimal::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn labels() -> ChartLabels {
        ChartLabels {
            pv: "计划值 PV".into(),
            ev: "挣值 <EV>".into(),
            ac: "Actual & cost".into(),
            status_date: "状态日期".into(),
            yuan: "金额（元）".into(),
            wan: "金额（万元）".into(),
            title: "挣值曲线".into(),
            desc: "PV, EV & AC".into(),
        }
    }

    fn sample(date: &str, pv: Decimal, ev: Option<Decimal>, ac: Option<Decimal>) -> Sample {
        Sample {
            date: d(date),
            pv,
            ev,
            ac,
        }
    }

    #[test]
    fn draws_three_series_a_status_line_and_a_legend() {
        let samples = [
            sample("2026-03-02", dec!(0), Some(dec!(0)), Some(dec!(0))),
            sample(
                "2026-03-09",
                dec!(200000),
                Some(dec!(150000)),
                Some(dec!(180000)),
            ),
            sample("2026-03-16", dec!(400000), None, None),
            sample("2026-03-23", dec!(1000000), None, None),
        ];
        let svg = render(&samples, d("2026-03-09"), &labels());
        assert_well_formed(&svg);
        assert!(svg.contains(r#"width="100%""#) && svg.contains("viewBox="));
        assert!(svg.contains(r#"<title id="ev-chart-title">挣值曲线</title>"#));
        assert!(svg.contains("PV, EV &amp; AC"));
        for class in ["pv", "ev", "ac"] {
            assert!(
                svg.contains(&format!(r#"<g class="{class}"><polyline points=""#)),
                "{class}"
            );
            assert!(svg.contains(&format!(r#"<g class="legend {class}">"#)));
        }
        assert!(svg.contains(r#"<line class="status""#));
        // Over 100,000 the axis is in 万: the top tick is 100.
        assert!(svg.contains("金额（万元）"));
        assert!(svg.contains(">100</text>"));
        assert!(svg.contains("2026-03-09 Actual &amp; cost: 18</title>"));
        assert!(!svg.contains("<EV>"));
        // EV and AC stop at the status date: two points each.
        let ev = svg
            .split(r#"<g class="ev"><polyline points=""#)
            .nth(1)
            .unwrap();
        assert_eq!(ev.split('"').next().unwrap().split(' ').count(), 2);
        assert_eq!(svg.matches("<circle").count(), 4 + 2 + 2);
    }

    #[test]
    fn small_amounts_stay_in_yuan() {
        let samples = [
            sample("2026-03-02", dec!(0), Some(dec!(0)), Some(dec!(0))),
            sample("2026-03-03", dec!(900), Some(dec!(450.5)), Some(dec!(300))),
        ];
        let svg = render(&samples, d("2026-03-03"), &labels());
        assert_well_formed(&svg);
        assert!(svg.contains("金额（元）"));
        assert!(svg.contains(">1000</text>"));
    }

    #[test]
    fn survives_empty_and_degenerate_data() {
        let svg = render(&[], d("2026-03-02"), &labels());
        assert_well_formed(&svg);
        assert!(!svg.contains("polyline points"));
        let one = render(
            &[sample("2026-03-02", dec!(0), Some(dec!(-5)), None)],
            d("2026-03-02"),
            &labels(),
        );
        assert_well_formed(&one);
        assert!(!one.contains("NaN"));
    }

    #[test]
    fn axis_steps_are_round() {
        let a = Axis::new(1_234_567.0);
        assert_eq!((a.step, a.top), (250_000.0, 1_250_000.0));
        assert_eq!(a.label(250_000.0), "25");
        let b = Axis::new(0.0);
        assert!(b.top > 0.0);
        assert_eq!(Axis::new(45_000.0).label(12_500.0), "12500");
    }
}
