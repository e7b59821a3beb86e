//! The cash-flow chart: each month's inflow and outflow as bars, the balance as a line (dashed
//! where projected from the plan), as a responsive server-side SVG styled by `.flow-chart` in
//! `static/css/girder.css`. Amounts are drawn with floats; the figures in words and tables
//! come from the `Decimal`s.

use std::fmt::{self, Write as _};

use super::domain::MonthLine;
use crate::cost::to_f64;
use crate::web::svg::{Esc, FONT_PX, N, text_width};

/// Words drawn in the chart, in the viewer's language.
#[derive(Debug, Clone)]
pub struct ChartLabels {
    pub inflow: String,
    pub outflow: String,
    pub balance: String,
    pub yuan: String,
    pub wan: String,
    pub title: String,
    pub desc: String,
}

const W: f64 = 640.0;
const H: f64 = 280.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 24.0;
const RIGHT: f64 = 10.0;
const WAN_FROM: f64 = 100_000.0;

/// A symmetric-enough scale from `lo` (≤ 0) to `hi` (≥ 0) with round ticks.
struct Axis {
    lo: f64,
    hi: f64,
    step: f64,
    wan: bool,
}

impl Axis {
    fn new(lo: f64, hi: f64) -> Axis {
        let lo = if lo.is_finite() { lo.min(0.0) } else { 0.0 };
        let hi = if hi.is_finite() { hi.max(0.0) } else { 0.0 };
        let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
        let raw = span / 5.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .into_iter()
            .map(|m| m * magnitude)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * magnitude);
        Axis {
            lo: (lo / step).floor() * step,
            hi: ((hi / step).ceil() * step).max(step),
            step,
            wan: hi.max(-lo) >= WAN_FROM,
        }
    }

    fn label(&self, v: f64) -> String {
        let v = if self.wan { v / 10_000.0 } else { v };
        let text = format!("{v:.1}");
        let t = text.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" {
            "0".to_owned()
        } else {
            t.to_owned()
        }
    }

    fn ticks(&self) -> Vec<f64> {
        let n = ((self.hi - self.lo) / self.step).round() as i64;
        (0..=n.clamp(0, 20))
            .map(|k| self.lo + k as f64 * self.step)
            .collect()
    }

    fn y(&self, v: f64) -> f64 {
        let v = if v.is_finite() {
            v.clamp(self.lo, self.hi)
        } else {
            0.0
        };
        H - BOTTOM - (v - self.lo) / (self.hi - self.lo) * (H - TOP - BOTTOM)
    }
}

/// Draws `lines` (in month order).
pub fn render(lines: &[MonthLine], labels: &ChartLabels) -> String {
    let mut out = String::with_capacity(2048 + lines.len() * 400);
    // Writing into a `String` cannot fail; the `fmt::Result` only carries `?` through.
    let _ = write_chart(&mut out, lines, labels);
    out
}

fn write_chart(out: &mut String, lines: &[MonthLine], labels: &ChartLabels) -> fmt::Result {
    let bars = |l: &MonthLine| {
        if l.projected {
            let p = l.plan.unwrap_or_default();
            (to_f64(p.planned_in), to_f64(p.planned_out))
        } else {
            (to_f64(l.actual.inflow), to_f64(l.actual.outflow))
        }
    };
    let hi = lines
        .iter()
        .flat_map(|l| {
            let (i, o) = bars(l);
            [i, o, to_f64(l.balance)]
        })
        .fold(0.0, f64::max);
    let lo = lines.iter().map(|l| to_f64(l.balance)).fold(0.0, f64::min);
    let axis = Axis::new(lo, hi);
    let widest = axis
        .ticks()
        .iter()
        .map(|t| text_width(&axis.label(*t)))
        .fold(0.0, f64::max);
    let left = (widest + 12.0).max(36.0);
    write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="flow-chart" viewBox="0 0 {W} {H}" width="100%" font-size="{FONT_PX}" role="img" aria-labelledby="flow-chart-title flow-chart-desc"><title id="flow-chart-title">{}</title><desc id="flow-chart-desc">{}</desc>"#,
        Esc(&labels.title),
        Esc(&labels.desc)
    )?;
    // Legend.
    let mut x = left;
    for (class, text) in [
        ("in", &labels.inflow),
        ("out", &labels.outflow),
        ("balance", &labels.balance),
    ] {
        write!(
            out,
            r#"<g class="legend {class}"><rect x="{}" y="6" width="12" height="12"/><text x="{}" y="16">{}</text></g>"#,
            N(x),
            N(x + 16.0),
            Esc(text)
        )?;
        x += 28.0 + text_width(text);
    }
    let unit = if axis.wan { &labels.wan } else { &labels.yuan };
    write!(
        out,
        r#"<text class="axis-title" x="{}" y="16" text-anchor="end">{}</text>"#,
        N(W - RIGHT),
        Esc(unit)
    )?;
    for t in axis.ticks() {
        let y = axis.y(t);
        write!(
            out,
            r#"<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            N(left),
            N(W - RIGHT),
            N(y),
            N(y),
            N(left - 4.0),
            N(y + 4.0),
            Esc(&axis.label(t))
        )?;
    }
    let zero = axis.y(0.0);
    write!(
        out,
        r#"<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/>"#,
        N(left),
        N(W - RIGHT),
        N(zero),
        N(zero)
    )?;
    let n = lines.len().max(1) as f64;
    let slot = (W - left - RIGHT) / n;
    let bar = (slot * 0.36).min(18.0);
    let label_every = (lines.len() / 12 + 1).max(1);
    let mut points = Vec::with_capacity(lines.len());
    for (k, l) in lines.iter().enumerate() {
        let cx = left + slot * (k as f64 + 0.5);
        let (i, o) = bars(l);
        let projected = if l.projected { " projected" } else { "" };
        for (class, v, dx) in [("in", i, -bar), ("out", o, 0.0)] {
            if v > 0.0 {
                let y = axis.y(v);
                write!(
                    out,
                    r#"<rect class="{class}{projected}" x="{}" y="{}" width="{}" height="{}"/>"#,
                    N(cx + dx),
                    N(y),
                    N(bar),
                    N((zero - y).max(0.0))
                )?;
            }
        }
        if k % label_every == 0 {
            write!(
                out,
                r#"<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                N(cx),
                N(H - 6.0),
                l.month.format("%y-%m")
            )?;
        }
        points.push((cx, axis.y(to_f64(l.balance)), l.projected));
    }
    let actual: Vec<String> = points
        .iter()
        .filter(|p| !p.2)
        .map(|(x, y, _)| format!("{},{}", N(*x), N(*y)))
        .collect();
    // The projection starts from the last actual point.
    let first_projected = points.iter().position(|p| p.2);
    let projected: Vec<String> = match first_projected {
        Some(i) => points[i.saturating_sub(1)..]
            .iter()
            .map(|(x, y, _)| format!("{},{}", N(*x), N(*y)))
            .collect(),
        None => Vec::new(),
    };
    if !actual.is_empty() {
        write!(
            out,
            r#"<polyline class="balance" points="{}"/>"#,
            actual.join(" ")
        )?;
    }
    if projected.len() > 1 {
        write!(
            out,
            r#"<polyline class="balance projected" points="{}"/>"#,
            projected.join(" ")
        )?;
    }
    out.push_str("</svg>");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::funds::cashflow::domain::{Flow, MonthLine};
    use chrono::NaiveDate;
    use rust_decimal::dec;

    #[test]
    fn draws_bars_and_both_lines() {
        let m = |mo| NaiveDate::from_ymd_opt(2026, mo, 1).unwrap_or_default();
        let lines = vec![
            MonthLine {
                month: m(1),
                actual: Flow {
                    inflow: dec!(200000),
                    outflow: dec!(50000),
                },
                plan: None,
                variance: None,
                balance: dec!(150000),
                projected: false,
            },
            MonthLine {
                month: m(2),
                actual: Flow::default(),
                plan: None,
                variance: None,
                balance: dec!(-20000),
                projected: true,
            },
        ];
        let labels = ChartLabels {
            inflow: "流入".into(),
            outflow: "流出".into(),
            balance: "余额".into(),
            yuan: "元".into(),
            wan: "万元".into(),
            title: "<t>".into(),
            desc: "d".into(),
        };
        let svg = render(&lines, &labels);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"<rect class="in""#));
        assert!(svg.contains(r#"class="balance projected""#));
        assert!(svg.contains("万元") && svg.contains("&lt;t&gt;"));
    }
}
