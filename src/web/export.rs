//! Lists leave Girder as CSV or XLSX: one `Table`, two formats, so every list exports the
//! same columns it shows.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};

use crate::error::{AppError, AppResult};

/// Headers and rows of text, as the page shows them.
#[derive(Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
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
        for row in &self.rows {
            out.write_record(row).map_err(internal)?;
        }
        out.into_inner()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))
    }

    pub fn xlsx(&self) -> AppResult<Vec<u8>> {
        let internal = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.into());
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let bold = Format::new().set_bold();
        for (col, header) in (0u16..).zip(&self.headers) {
            sheet
                .write_string_with_format(0, col, header, &bold)
                .map_err(internal)?;
        }
        for (row, cells) in (1u32..).zip(&self.rows) {
            for (col, cell) in (0u16..).zip(cells) {
                sheet.write_string(row, col, cell).map_err(internal)?;
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
    fn xlsx_is_a_zip_workbook() {
        let bytes = table().xlsx().unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
