//! What the server-side SVG charts (the Gantt chart, the S-curve, earned value) share:
//! coordinates, escaping, text widths, date ticks and series over time.

use std::fmt::{self, Display, Write as _};

use chrono::{Datelike, Days, NaiveDate};

/// The charts' font size, in px.
pub const FONT_PX: f64 = 12.0;

/// Estimated advance of `s` at `FONT_PX`: the server has no font metrics, so CJK, full-width
/// forms and emoji count one em and Latin a little over half, erring wide.
pub fn text_width(s: &str) -> f64 {
    s.chars().map(char_width).sum()
}

pub fn char_width(c: char) -> f64 {
    if u32::from(c) >= 0x2E80 {
        FONT_PX
    } else if c.is_ascii_uppercase() || matches!(c, 'm' | 'w' | 'M' | 'W' | '@') {
        FONT_PX * 0.75
    } else {
        FONT_PX * 0.6
    }
}

/// A coordinate with at most one decimal, written through integer formatting (it is the
/// hot path: a dozen per row). NaN writes 0 and infinities saturate rather than panic.
pub struct N(pub f64);

impl Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = (self.0 * 10.0).round() as i64;
        if tenths < 0 {
            f.write_str("-")?;
        }
        let t = tenths.unsigned_abs();
        if t.is_multiple_of(10) {
            write!(f, "{}", t / 10)
        } else {
            write!(f, "{}.{}", t / 10, t % 10)
        }
    }
}

/// Text escaped for SVG content and attribute values. Also drops the control characters XML
/// forbids: names arrive from spreadsheets and MS Project imports.
pub struct Esc<'a>(pub &'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, c) in s.char_indices() {
            let replacement = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => "",
                _ => continue,
            };
            f.write_str(&s[last..i])?;
            f.write_str(replacement)?;
            last = i + c.len_utf8();
        }
        f.write_str(&s[last..])
    }
}

/// Date labels under a chart's time axis at `axis_y`: at most `max_ticks + 1`, evenly spaced
/// from `lo` to `hi` (placed by `x`); the first is a full date, the rest month-day, or
/// year-month over spans of most of a year.
pub fn write_date_ticks(
    out: &mut String,
    x: impl Fn(NaiveDate) -> f64,
    lo: NaiveDate,
    hi: NaiveDate,
    max_ticks: i64,
    axis_y: f64,
) -> fmt::Result {
    let span = hi.signed_duration_since(lo).num_days();
    // Fewer ticks than days, so a short span never repeats a label.
    let count = span.clamp(0, max_ticks);
    for k in 0..=count {
        let offset = if count == 0 { 0 } else { span * k / count };
        let d = lo
            .checked_add_days(Days::new(offset.unsigned_abs()))
            .unwrap_or(hi);
        let anchor = match k {
            0 => "start",
            k if k == count => "end",
            _ => "middle",
        };
        write!(
            out,
            r#"<line class="tick-mark" x1="{x}" x2="{x}" y1="{}" y2="{}"/><text class="tick" x="{x}" y="{}" text-anchor="{anchor}">"#,
            N(axis_y),
            N(axis_y + 4.0),
            N(axis_y + 16.0),
            x = N(x(d))
        )?;
        if span > 300 {
            write!(out, "{}-{:02}", d.year(), d.month())?;
        } else if k == 0 {
            write!(out, "{d}")?;
        } else {
            write!(out, "{:02}-{:02}", d.month(), d.day())?;
        }
        out.push_str("</text>");
    }
    Ok(())
}

/// One series of a chart: a polyline through `points` (x, y, and the hover text of each),
/// with a dot of `radius` on every point, grouped under `class`.
pub fn write_series(
    out: &mut String,
    class: &str,
    points: &[(f64, f64, String)],
    radius: f64,
) -> fmt::Result {
    if points.is_empty() {
        return Ok(());
    }
    write!(out, r#"<g class="{class}"><polyline points=""#)?;
    for (i, (x, y, _)) in points.iter().enumerate() {
        let sep = if i == 0 { "" } else { " " };
        write!(out, "{sep}{},{}", N(*x), N(*y))?;
    }
    out.push_str(r#""/>"#);
    for (x, y, title) in points {
        write!(
            out,
            r#"<circle cx="{}" cy="{}" r="{}"><title>{}</title></circle>"#,
            N(*x),
            N(*y),
            N(radius),
            Esc(title)
        )?;
    }
    out.push_str("</g>");
    Ok(())
}

/// Checks that `svg` is one well-formed `<svg>` element (for the renderers' tests).
#[cfg(test)]
pub fn assert_well_formed(svg: &str) {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut depth = 0_i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{e}: {svg}"),
        }
    }
    assert_eq!(depth, 0, "unclosed elements: {svg}");
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
}
