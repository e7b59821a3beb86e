//! What the server-side SVG charts (the Gantt chart, the S-curve) share: coordinates,
//! escaping and text widths.

use std::fmt::{self, Display};

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
