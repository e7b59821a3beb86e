//! Lists leave Girder as CSV or XLSX: one `Table`, two formats, so every list exports the
//! same columns it shows. Numbers stay numbers in XLSX (with a number format), and a totals
//! row closes the sheet when the list has one.

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
            Cell::Text(s) => s.clone(),
            Cell::Money(d) => format!("{:.2}", d.round_dp(2)),
            Cell::Quantity(d) => d.normalize().to_string(),
            Cell::Integer(n) => n.to_string(),
        }
    }
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
        out.write_record(&self.headers).map_err(internal)?;
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
    fn xlsx_is_a_zip_workbook() {
        let bytes = table().xlsx().unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
