//! Import pages — the two upload forms with their templates, and a job's progress and
//! outcome — and the template files themselves.

use askama::Template;
use rust_xlsxwriter::{DataValidation, ExcelDateTime, Format, Workbook};

use super::parse::{Kind, ticket_col, worker_col};
use crate::error::{AppError, AppResult};
use crate::jobs::JobStatus;
use crate::labour::domain::PayType;
use crate::labour::views::LabourTab;
use crate::web::Layout;
use crate::web::export::{Cell, Table};

/// One column of a template, with what goes in it.
#[derive(Debug, Clone)]
pub struct ColumnHelp {
    pub name: &'static str,
    pub required: bool,
    pub help_key: &'static str,
}

/// The columns of `kind` with their explanations.
pub fn column_help(kind: Kind) -> Vec<ColumnHelp> {
    use {ticket_col as t, worker_col as w};
    let (required, keys): (&[&str], &[(&str, &str)]) = match kind {
        Kind::Workers => (
            &[w::NAME, w::ID_NUMBER, w::TRADE, w::DAY_RATE],
            &[
                (w::NAME, "labour_import.help_worker_name"),
                (w::ID_NUMBER, "labour_import.help_worker_id_number"),
                (w::PHONE, "labour_import.help_phone"),
                (w::TRADE, "labour_import.help_worker_trade"),
                (w::CREW, "labour_import.help_worker_crew"),
                (w::DAY_RATE, "labour_import.help_worker_rate"),
                (w::BANK, "labour_import.help_bank"),
                (w::ACCOUNT, "labour_import.help_account"),
            ],
        ),
        Kind::Tickets => (
            &[t::DATE, t::PROJECT, t::CREW, t::QUANTITY],
            &[
                (t::DATE, "labour_import.help_date"),
                (t::PROJECT, "labour_import.help_project"),
                (t::CREW, "labour_import.help_crew"),
                (t::NAME, "labour_import.help_ticket_name"),
                (t::ID_NUMBER, "labour_import.help_ticket_id_number"),
                (t::TRADE, "labour_import.help_ticket_trade"),
                (t::HEADS, "labour_import.help_heads"),
                (t::PAY_TYPE, "labour_import.help_pay_type"),
                (t::QUANTITY, "labour_import.help_quantity"),
                (t::DAY_RATE, "labour_import.help_ticket_rate"),
                (t::REASON, "labour_import.help_reason"),
                (t::WORK, "labour_import.help_work"),
            ],
        ),
    };
    keys.iter()
        .map(|(name, help_key)| ColumnHelp {
            name,
            required: required.contains(name),
            help_key,
        })
        .collect()
}

/// One of the two imports on the page.
#[derive(Debug, Clone)]
pub struct ImportSection {
    pub kind: &'static str,
    pub title_key: &'static str,
    pub help_key: &'static str,
    pub columns: Vec<ColumnHelp>,
    /// Why the last upload was refused as a whole (rendered).
    pub error: Option<String>,
}

impl ImportSection {
    pub fn new(kind: Kind) -> Self {
        let (title_key, help_key) = match kind {
            Kind::Workers => ("labour_import.workers", "labour_import.workers_help"),
            Kind::Tickets => ("labour_import.tickets", "labour_import.tickets_help"),
        };
        ImportSection {
            kind: kind.as_str(),
            title_key,
            help_key,
            columns: column_help(kind),
            error: None,
        }
    }
}

/// A job in the list of recent imports.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub href: String,
    pub kind_key: &'static str,
    pub file_name: String,
    pub status_key: &'static str,
    pub status_class: &'static str,
    pub rows: String,
    pub started: String,
}

#[derive(Template)]
#[template(path = "labour/import/index.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub tab: LabourTab,
    pub sections: Vec<ImportSection>,
    pub jobs: Vec<JobRow>,
    pub max_mb: usize,
}

/// One message of a failed job.
#[derive(Debug, Clone)]
pub struct ErrorRow {
    /// Empty for a message about the file as a whole.
    pub row: String,
    pub column: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "labour/import/job.html")]
pub struct JobPage {
    pub layout: Layout,
    pub tab: LabourTab,
    pub kind_key: &'static str,
    pub file_name: String,
    pub started: String,
    pub finished: Option<String>,
    /// `queued`, `running`, `done` or `failed`.
    pub status: &'static str,
    pub status_key: &'static str,
    pub rows_done: i32,
    pub rows_total: i32,
    pub percent: i32,
    pub progress_text: String,
    pub done_text: String,
    pub errors: Vec<ErrorRow>,
    /// Why the import failed as a whole (the server stopped, the database failed), shown
    /// instead of the table of rows.
    pub notice: Option<String>,
    /// Where the imported records are listed.
    pub result_href: &'static str,
}

impl JobPage {
    /// Not ended yet: the page reloads itself.
    pub fn running(&self) -> bool {
        JobStatus::parse(self.status).is_some_and(|s| !s.is_final())
    }

    /// What the page says while the import waits or runs.
    pub fn running_help_key(&self) -> &'static str {
        match JobStatus::parse(self.status) {
            Some(JobStatus::Queued) => "labour_import.queued_help",
            _ => "labour_import.running_help",
        }
    }
}

pub fn kind_key(kind: Kind) -> &'static str {
    match kind {
        Kind::Workers => "labour_import.kind_workers",
        Kind::Tickets => "labour_import.kind_tickets",
    }
}

/// The i18n key of an import's status, and its tag's class.
pub fn status_key(status: JobStatus) -> (&'static str, &'static str) {
    match status {
        JobStatus::Queued => ("labour_import.status_queued", ""),
        JobStatus::Running => ("labour_import.status_running", ""),
        JobStatus::Done => ("labour_import.status_done", "good"),
        JobStatus::Failed => ("labour_import.status_failed", "bad"),
    }
}

/// The example row of a template: values that import as they are where the company has
/// what they name.
#[derive(Debug, Clone)]
pub struct Example {
    pub date: chrono::NaiveDate,
    pub project: String,
    pub crew: String,
    pub trade: String,
}

fn example_row(kind: Kind, e: &Example) -> Vec<String> {
    let s = |v: &str| v.to_owned();
    match kind {
        Kind::Workers => vec![
            s("张三"),
            // The example number of GB 11643-1999.
            s("11010519491231002X"),
            s("13800138000"),
            e.trade.clone(),
            e.crew.clone(),
            s("300"),
            s("中国建设银行"),
            s("6217000010001234567"),
        ],
        Kind::Tickets => vec![
            e.date.to_string(),
            e.project.clone(),
            e.crew.clone(),
            String::new(),
            String::new(),
            e.trade.clone(),
            s("3"),
            s(super::parse::pay_type_zh(PayType::Regular)),
            s("1"),
            s("300"),
            s("图纸变更返工"),
            s("拆除并重新支设 3 层梁模板"),
        ],
    }
}

/// The template as CSV: UTF-8 with a byte-order mark, headers and the example row.
pub fn template_csv(kind: Kind, e: &Example) -> AppResult<Vec<u8>> {
    Table {
        headers: kind.columns().iter().map(|c| (*c).to_owned()).collect(),
        rows: vec![example_row(kind, e).into_iter().map(Cell::Text).collect()],
        totals: None,
    }
    .csv()
}

/// Columns Excel must keep as text (long digit strings would lose digits as numbers).
fn text_column(name: &str) -> bool {
    [
        worker_col::ID_NUMBER,
        worker_col::PHONE,
        worker_col::ACCOUNT,
        ticket_col::PROJECT,
    ]
    .contains(&name)
}

/// The template as XLSX: bold headers, text columns formatted as text, dates as dates, the
/// pay types as a drop-down, and the example row.
pub fn template_xlsx(kind: Kind, e: &Example) -> AppResult<Vec<u8>> {
    let internal = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.into());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .set_name(match kind {
            Kind::Workers => "工人",
            Kind::Tickets => "点工单",
        })
        .map_err(internal)?;
    let bold = Format::new().set_bold();
    let as_text = Format::new().set_num_format("@");
    let as_date = Format::new().set_num_format("yyyy-mm-dd");
    let example = example_row(kind, e);
    for (col, (name, value)) in (0u16..).zip(kind.columns().iter().zip(&example)) {
        let width = if *name == ticket_col::WORK { 30 } else { 14 };
        sheet.set_column_width(col, width).map_err(internal)?;
        sheet
            .write_string_with_format(0, col, *name, &bold)
            .map_err(internal)?;
        if kind == Kind::Tickets && *name == ticket_col::DATE {
            sheet.set_column_format(col, &as_date).map_err(internal)?;
            use chrono::Datelike;
            let d = ExcelDateTime::from_ymd(
                u16::try_from(e.date.year()).unwrap_or(2000),
                e.date.month() as u8,
                e.date.day() as u8,
            )
            .map_err(internal)?;
            sheet
                .write_datetime_with_format(1, col, &d, &as_date)
                .map_err(internal)?;
            continue;
        }
        if text_column(name) {
            sheet.set_column_format(col, &as_text).map_err(internal)?;
        }
        if kind == Kind::Tickets && *name == ticket_col::PAY_TYPE {
            let choices: Vec<&str> = PayType::ALL
                .iter()
                .map(|p| super::parse::pay_type_zh(*p))
                .collect();
            let v = DataValidation::new()
                .allow_list_strings(&choices)
                .map_err(internal)?;
            sheet
                .add_data_validation(1, col, 100_000, col, &v)
                .map_err(internal)?;
        }
        let numeric = [
            worker_col::DAY_RATE,
            ticket_col::HEADS,
            ticket_col::QUANTITY,
        ]
        .contains(name);
        match value.parse::<f64>() {
            Ok(n) if numeric => sheet.write_number(1, col, n).map_err(internal)?,
            _ if text_column(name) => sheet
                .write_string_with_format(1, col, value, &as_text)
                .map_err(internal)?,
            _ => sheet.write_string(1, col, value).map_err(internal)?,
        };
    }
    sheet.set_freeze_panes(1, 0).map_err(internal)?;
    book.save_to_buffer().map_err(internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UploadLimits;
    use crate::labour::import::parse::{self, read_file, text};

    fn example() -> Example {
        Example {
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
            project: "P-001".into(),
            crew: "木工一班".into(),
            trade: "普工".into(),
        }
    }

    #[test]
    fn templates_read_back_with_every_column_and_the_example() {
        for kind in [Kind::Workers, Kind::Tickets] {
            for bytes in [
                template_xlsx(kind, &example()).unwrap(),
                template_csv(kind, &example()).unwrap(),
            ] {
                let sheet = read_file(&bytes, kind, &UploadLimits::DEFAULT).unwrap();
                assert_eq!(sheet.rows.len(), 1);
                let row = &sheet.rows[0];
                assert_eq!(row.number, 2);
                for (col, want) in kind.columns().iter().zip(example_row(kind, &example())) {
                    assert_eq!(text(sheet.cell(row, col)), want, "{kind:?} {col}");
                }
            }
        }
        let sheet = read_file(
            &template_xlsx(Kind::Tickets, &example()).unwrap(),
            Kind::Tickets,
            &UploadLimits::DEFAULT,
        )
        .unwrap();
        assert_eq!(
            parse::date(sheet.cell(&sheet.rows[0], ticket_col::DATE)),
            Ok(example().date)
        );
    }

    #[test]
    fn every_column_is_explained() {
        for kind in [Kind::Workers, Kind::Tickets] {
            let help = column_help(kind);
            let names: Vec<&str> = help.iter().map(|c| c.name).collect();
            assert_eq!(names, kind.columns());
            let required: Vec<&str> = help.iter().filter(|c| c.required).map(|c| c.name).collect();
            assert_eq!(required, kind.required_columns());
        }
    }
}
