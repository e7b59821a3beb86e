//! Lists leave Girder as CSV or XLSX: one `Table`, two formats, so every list exports the
//! same columns it shows. Numbers stay numbers in XLSX (with a number format), and a totals
//! row closes the sheet when the list has one.
//!
//! Exports are inert: in CSV a text cell that a spreadsheet would read as a formula (it
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return, OWASP "CSV injection") gets a
//! leading `'`; numbers, negative ones included, are written plainly. XLSX text is always
//! written as a string cell, which no spreadsheet evaluates.

use std::borrow::Cow;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook};

use crate::error::{AppError, AppResult};

/// One cell: text, or a number shown with a format.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Money: two decimals with thousands separators.
    Money(Decimal),
    /// Hours, 工日 and other quantities: up to two decimals.
    Quantity(Decimal),
    /// Counts.
    Integer(i64),
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl Cell {
    /// The text CSV writes: numbers plainly, without separators, so they read back exactly.
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => inert(s).into_owned(),
            Cell::Money(d) => format!("{:.2}", d.round_dp(2)),
            Cell::Quantity(d) => d.normalize().to_string(),
            Cell::Integer(n) => n.to_string(),
        }
    }
}

/// `s` as a CSV cell no spreadsheet evaluates: a leading `'` before a formula trigger,
/// unless the whole cell is a plain number (`-12.50`, `+3`, `-1,234.5`), which is no formula.
pub fn inert(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !is_plain_number(s) => {
            Cow::Owned(format!("'{s}"))
        }
        _ => Cow::Borrowed(s),
    }
}

/// An optional sign, digits (commas between them allowed), an optional decimal fraction, an
/// optional percent sign.
fn is_plain_number(s: &str) -> bool {
    let signless = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits = signless.strip_suffix('%').unwrap_or(signless);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let whole_ok = whole.starts_with(|c: char| c.is_ascii_digit())
        && whole.chars().all(|c| c.is_ascii_digit() || c == ',');
    let fraction_ok =
        fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()));
    whole_ok && fraction_ok
}

/// Headers and rows, as the page shows them, and the totals row if the list has one.
#[derive(Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub totals: Option<Vec<Cell>>,
}

/// The formats a list exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl Table {
    /// Answer with the table as a download named `name` (without extension).
    pub fn download(&self, format: ExportFormat, name: &str) -> AppResult<Response> {
        let (bytes, mime, ext) = match format {
            ExportFormat::Csv => (self.csv()?, "text/csv; charset=utf-8", "csv"),
            ExportFormat::Xlsx => (
                self.xlsx()?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
        };
        let disposition = format!("attachment; filename=\"{name}.{ext}\"");
        let mut response = bytes.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&disposition)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("file name: {e}")))?,
        );
        Ok(response)
    }

    /// UTF-8 with a byte-order mark, so Excel opens Chinese text correctly.
    pub fn csv(&self) -> AppResult<Vec<u8>> {
        let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        let internal = |e: csv::Error| AppError::Internal(e.into());
        // Column names can be user data too (cost categories).
        out.write_record(self.headers.iter().map(|h| inert(h).into_owned()))
            .map_err(internal)?;
        for row in self.rows.iter().chain(&self.totals) {
            out.write_record(row.iter().map(Cell::text))
                .map_err(internal)?;
        }
        out.into_inner()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))
    }

    pub fn xlsx(&self) -> AppResult<Vec<u8>> {
        let internal = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.into());
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let bold = Format::new().set_bold();
        let money = Format::new().set_num_format("#,##0.00");
        let quantity = Format::new().set_num_format("#,##0.##");
        let integer = Format::new().set_num_format("0");
        for (col, header) in (0u16..).zip(&self.headers) {
            sheet
                .write_string_with_format(0, col, header, &bold)
                .map_err(internal)?;
        }
        let totals_row = self.totals.as_ref().map(|t| (true, t));
        let rows = self.rows.iter().map(|r| (false, r)).chain(totals_row);
        for (row, (is_total, cells)) in (1u32..).zip(rows) {
            for (col, cell) in (0u16..).zip(cells) {
                let number = |d: &Decimal| d.to_f64().unwrap_or_default();
                let (value, format) = match cell {
                    Cell::Text(s) => {
                        let f = if is_total {
                            bold.clone()
                        } else {
                            Format::new()
                        };
                        sheet
                            .write_string_with_format(row, col, s, &f)
                            .map_err(internal)?;
                        continue;
                    }
                    Cell::Money(d) => (number(d), &money),
                    Cell::Quantity(d) => (number(d), &quantity),
                    Cell::Integer(n) => (*n as f64, &integer),
                };
                let format = if is_total {
                    format.clone().set_bold()
                } else {
                    format.clone()
                };
                sheet
                    .write_number_with_format(row, col, value, &format)
                    .map_err(internal)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(internal)?;
        sheet.autofit();
        book.save_to_buffer().map_err(internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            headers: vec!["时间".into(), "摘要".into()],
            rows: vec![vec!["2026-11-23 08:00".into(), "a, \"quoted\" note".into()]],
            totals: None,
        }
    }

    #[test]
    fn csv_has_a_bom_and_quotes_what_needs_it() {
        let text = String::from_utf8(table().csv().unwrap()).unwrap();
        assert_eq!(
            text,
            "\u{FEFF}时间,摘要\n2026-11-23 08:00,\"a, \"\"quoted\"\" note\"\n"
        );
    }

    #[test]
    fn numbers_and_totals_are_written_plainly_to_csv() {
        let table = Table {
            headers: vec!["班组".into(), "工日".into(), "金额".into()],
            rows: vec![vec![
                "钢筋班组".into(),
                Cell::Quantity(Decimal::new(125, 1)),
                Cell::Money(Decimal::new(375000, 2)),
            ]],
            totals: Some(vec![
                "合计".into(),
                Cell::Quantity(Decimal::new(125, 1)),
                Cell::Money(Decimal::new(3750, 0)),
            ]),
        };
        let text = String::from_utf8(table.csv().unwrap()).unwrap();
        assert_eq!(
            text,
            "\u{FEFF}班组,工日,金额\n钢筋班组,12.5,3750.00\n合计,12.5,3750.00\n"
        );
    }

    #[test]
    fn formula_triggers_get_a_quote_and_numbers_stay_numbers() {
        let table = Table {
            headers: vec!["=cat".into(), "金额".into()],
            rows: vec![
                vec![
                    "=HYPERLINK(\"http://x\",\"x\")".into(),
                    Cell::Money(Decimal::new(-125, 2)),
                ],
                vec!["+86 138".into(), "-12.50".into()],
                vec!["@SUM(A1)".into(), "-1,234.5".into()],
                vec!["-".into(), "-12.5%".into()],
                vec!["\tcmd".into(), "-2+3".into()],
                vec!["\rcmd".into(), "钢筋 -".into()],
            ],
            totals: None,
        };
        let text = String::from_utf8(table.csv().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "\u{FEFF}'=cat,金额");
        assert_eq!(
            lines[1],
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"x\"\")\",-1.25"
        );
        assert_eq!(lines[2], "'+86 138,-12.50");
        assert_eq!(lines[3], "'@SUM(A1),\"-1,234.5\"");
        assert_eq!(lines[4], "'-,-12.5%");
        assert_eq!(lines[5], "'\tcmd,'-2+3");
        assert!(text.contains("\"'\rcmd\",钢筋 -"));
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = table().xlsx().unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
