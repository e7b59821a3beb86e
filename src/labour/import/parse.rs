//! Import files, read and checked with no I/O: an XLSX or CSV file becomes a sheet of cells
//! under known headers, and each row becomes a worker or a ticket line — or messages saying,
//! by row and column, what is wrong with it. Everything the checks need from the database
//! comes in as lookups, so the rules are tested here without one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::config::{Limit, OverLimit, UploadLimits};
use crate::i18n::{self, Locale};
use crate::labour::domain::{self, CountUnit, PayRules, PayType, WorkerId};
use crate::labour::queries::{NewLine, TicketHeader};

/// The largest file read, in bytes.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;
/// The most messages kept; the rest are counted.
pub const MAX_ERRORS: usize = 500;
/// The most lines one imported ticket may have.
pub const MAX_LINES_PER_TICKET: usize = 500;
/// The highest day rate a worker may have (as the database allows).
const MAX_DAY_RATE: i64 = 100_000;
/// How many of the first rows are searched for the header row (a title may come first).
const HEADER_SEARCH_ROWS: usize = 10;

/// What a file imports; stored as text (an unknown value in a row is a decode error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Kind {
    Workers,
    Tickets,
}

/// The columns of the workers file, in the template's order.
pub mod worker_col {
    pub const NAME: &str = "姓名";
    pub const ID_NUMBER: &str = "身份证号";
    pub const PHONE: &str = "电话";
    pub const TRADE: &str = "工种";
    pub const CREW: &str = "班组";
    pub const DAY_RATE: &str = "日工资";
    pub const BANK: &str = "开户银行";
    pub const ACCOUNT: &str = "银行卡号";
}

/// The columns of the tickets file, in the template's order.
pub mod ticket_col {
    pub const DATE: &str = "日期";
    pub const PROJECT: &str = "项目编号";
    pub const CREW: &str = "班组";
    pub const NAME: &str = "姓名";
    pub const ID_NUMBER: &str = "身份证号";
    pub const TRADE: &str = "工种";
    pub const HEADS: &str = "人数";
    pub const PAY_TYPE: &str = "工资类型";
    pub const QUANTITY: &str = "数量";
    pub const DAY_RATE: &str = "日工资";
    pub const REASON: &str = "事由";
    pub const WORK: &str = "工作内容";
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Workers => "workers",
            Kind::Tickets => "tickets",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "workers" => Some(Kind::Workers),
            "tickets" => Some(Kind::Tickets),
            _ => None,
        }
    }

    /// Every column, in the template's order.
    pub fn columns(self) -> &'static [&'static str] {
        use {ticket_col as t, worker_col as w};
        match self {
            Kind::Workers => &[
                w::NAME,
                w::ID_NUMBER,
                w::PHONE,
                w::TRADE,
                w::CREW,
                w::DAY_RATE,
                w::BANK,
                w::ACCOUNT,
            ],
            Kind::Tickets => &[
                t::DATE,
                t::PROJECT,
                t::CREW,
                t::NAME,
                t::ID_NUMBER,
                t::TRADE,
                t::HEADS,
                t::PAY_TYPE,
                t::QUANTITY,
                t::DAY_RATE,
                t::REASON,
                t::WORK,
            ],
        }
    }

    /// The columns a file must have; the others may be left out.
    pub fn required_columns(self) -> &'static [&'static str] {
        use {ticket_col as t, worker_col as w};
        match self {
            Kind::Workers => &[w::NAME, w::ID_NUMBER, w::TRADE, w::DAY_RATE],
            Kind::Tickets => &[t::DATE, t::PROJECT, t::CREW, t::QUANTITY],
        }
    }
}

/// A cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
}

/// A data row: its number as the spreadsheet shows it, and its cells by column.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: usize,
    cells: Vec<Value>,
}

/// The data rows of a file under its header row.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// Where each known column is in the rows.
    index: HashMap<&'static str, usize>,
    pub rows: Vec<Row>,
}

impl Sheet {
    /// The cell of `column` in `row`; empty when the file has no such column.
    pub fn cell<'a>(&self, row: &'a Row, column: &str) -> &'a Value {
        self.index
            .get(column)
            .and_then(|&i| row.cells.get(i))
            .unwrap_or(&Value::Empty)
    }
}

/// Why a whole file is refused before any row is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// Neither an XLSX workbook nor UTF-8 text.
    Unreadable,
    /// An old binary .xls workbook.
    OldExcel,
    /// Text that is not UTF-8 (GBK, most likely).
    NotUtf8,
    /// No row holds the required headers; these are missing from the first row.
    MissingColumns(Vec<&'static str>),
    /// Headers but no data.
    NoRows,
    /// Over one of the upload limits (rows, columns, cells, unpacked size…).
    OverLimit(OverLimit),
    /// A part of the workbook (named) has more structure than any spreadsheet program writes:
    /// more than `MAX_PART_ELEMENTS` elements, or a zip directory of more than
    /// `MAX_ZIP_ENTRIES` entries.
    TooComplex(String),
}

impl From<OverLimit> for FileError {
    fn from(e: OverLimit) -> Self {
        FileError::OverLimit(e)
    }
}

impl FileError {
    pub fn message_key(&self) -> &'static str {
        match self {
            FileError::Unreadable => "labour_import.file_unreadable",
            FileError::OldExcel => "labour_import.file_old_excel",
            FileError::NotUtf8 => "labour_import.file_not_utf8",
            FileError::MissingColumns(_) => "labour_import.file_missing_columns",
            FileError::NoRows => "labour_import.file_no_rows",
            FileError::OverLimit(e) => e.limit.message_key(),
            FileError::TooComplex(_) => "upload_limits.too_complex",
        }
    }

    /// The message for the upload form, with what it names filled in.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            FileError::MissingColumns(missing) => i18n::tf(
                locale,
                self.message_key(),
                &[("columns", &missing.join("、"))],
            ),
            FileError::OverLimit(e) => e.message(locale),
            FileError::TooComplex(part) => i18n::tf(
                locale,
                self.message_key(),
                &[("part", part), ("max", &MAX_PART_ELEMENTS)],
            ),
            _ => i18n::t(locale, self.message_key()).to_owned(),
        }
    }
}

/// Reads an XLSX workbook (its first sheet) or a UTF-8 CSV file, told apart by content,
/// within `limits`: a file over one is refused as soon as that is known, before it is
/// unpacked or read further.
pub fn read_file(bytes: &[u8], kind: Kind, limits: &UploadLimits) -> Result<Sheet, FileError> {
    let grid = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, limits)?
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(FileError::OldExcel);
    } else {
        read_csv(bytes, limits)?
    };
    sheet(grid, kind, limits)
}

/// Rows of (number, cells); empty rows are kept out.
type Grid = Vec<(usize, Vec<Value>)>;

/// The most entries the zip of a workbook may list (Excel writes a few dozen).
const MAX_ZIP_ENTRIES: u64 = 1_000;
/// The largest zip directory read, in bytes.
const MAX_ZIP_DIRECTORY: u64 = 1024 * 1024;
/// The most `KEPT_ELEMENTS` one workbook part may hold: those parts (styles, relationships,
/// the workbook) are read whole into memory. Excel allows 64,000 cell formats.
const MAX_PART_ELEMENTS: u64 = 100_000;

/// The cells of a sheet as they are read, refused as soon as they pass a limit. Only cells
/// with a value are kept; rows are as wide as their last such cell.
struct GridBuilder<'l> {
    limits: &'l UploadLimits,
    rows: BTreeMap<u32, Vec<Value>>,
    cells: u64,
    text: u64,
}

impl<'l> GridBuilder<'l> {
    fn new(limits: &'l UploadLimits) -> Self {
        GridBuilder {
            limits,
            rows: BTreeMap::new(),
            cells: 0,
            text: 0,
        }
    }

    /// Puts a value at (row, column), both from 0.
    fn put(&mut self, row: u32, col: u32, value: Value) -> Result<(), FileError> {
        if is_blank(&value) {
            return Ok(());
        }
        let at = || cell_name(row, col);
        let l = self.limits;
        l.check(Limit::ImportColumns, u64::from(col) + 1, at)?;
        // The header may come a few rows down.
        l.check(Limit::ImportRows, sheet_rows(u64::from(row) + 1), at)?;
        self.cells += 1;
        l.check(Limit::ImportCells, self.cells, at)?;
        if let Value::Text(s) = &value {
            self.text += s.len() as u64;
            l.check(Limit::ImportTextMb, self.text, at)?;
        }
        let cells = self.rows.entry(row).or_default();
        let col = col as usize;
        if cells.len() <= col {
            cells.resize(col + 1, Value::Empty);
        }
        if let Some(cell) = cells.get_mut(col) {
            *cell = value;
        }
        Ok(())
    }

    fn finish(self) -> Grid {
        self.rows
            .into_iter()
            .map(|(row, cells)| (row as usize + 1, cells))
            .collect()
    }
}

/// Rows a sheet may reach counted against `GIRDER_IMPORT_MAX_ROWS`: the rows above the
/// header search are allowed on top.
fn sheet_rows(rows: u64) -> u64 {
    rows.saturating_sub(HEADER_SEARCH_ROWS as u64)
}

/// A cell's name as Excel shows it: row 0, column 0 is `A1`.
fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    let column: String = letters.into_iter().rev().collect();
    format!("{column}{}", u64::from(row) + 1)
}

/// Reads the first sheet cell by cell, as a stream: no dense grid of the sheet's declared
/// size is ever built, and the zip is checked first (`check_archive`).
fn read_xlsx(bytes: &[u8], limits: &UploadLimits) -> Result<Grid, FileError> {
    use calamine::{DataRef, Reader, Xlsx};
    check_archive(bytes, limits)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| FileError::Unreadable)?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(FileError::NoRows)?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|_| FileError::Unreadable)?;
    // The size the sheet declares (`<dimension ref="A1:XFD1048576"/>`).
    let declared = cells.dimensions();
    let (last_row, last_col) = declared.end;
    let at = || format!("A1:{}", cell_name(last_row, last_col));
    limits.check(Limit::ImportColumns, u64::from(last_col) + 1, at)?;
    limits.check(Limit::ImportRows, sheet_rows(u64::from(last_row) + 1), at)?;
    let mut grid = GridBuilder::new(limits);
    while let Some(cell) = cells.next_cell().map_err(|_| FileError::Unreadable)? {
        let (row, col) = cell.get_position();
        let value = match cell.get_value() {
            DataRef::Empty | DataRef::Error(_) => Value::Empty,
            DataRef::SharedString(s) => Value::Text((*s).to_owned()),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                Value::Text(s.clone())
            }
            DataRef::Int(n) => Value::Number(*n as f64),
            DataRef::Float(f) => Value::Number(*f),
            DataRef::Bool(b) => Value::Text(b.to_string()),
            DataRef::DateTime(d) => {
                let (y, m, day, ..) = d.to_ymd_hms_milli();
                NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(day))
                    .map_or(Value::Number(d.as_f64()), Value::Date)
            }
        };
        grid.put(row, col, value)?;
    }
    Ok(grid.finish())
}

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

/// Checks the zip of a workbook before anything reads it: the size of its directory, then
/// each entry unpacked here, counting — the sizes its headers declare are only claims, and
/// reading stops as soon as a part or the whole passes its limit. What the workbook reader
/// keeps in memory is counted too, in every part whatever its name (the names of the
/// workbook and its folder come from the file itself): see `count_xml`.
fn check_archive(bytes: &[u8], limits: &UploadLimits) -> Result<(), FileError> {
    check_zip_directory(bytes)?;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| FileError::Unreadable)?;
    let part_max = limits.max_count(Limit::ImportPartMb);
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| FileError::Unreadable)?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let at = || name.clone();
        limits.check(Limit::ImportPartMb, entry.size(), at)?;
        limits.check(
            Limit::ImportUnpackedMb,
            total.saturating_add(entry.size()),
            at,
        )?;
        let mut counted = Counted {
            inner: (&mut entry).take(part_max + 1),
            n: 0,
        };
        count_xml(&mut counted, &name, limits)?;
        // What the XML reader left (all of a part that is not XML) is unpacked and counted.
        std::io::copy(&mut counted, &mut std::io::sink()).map_err(|_| FileError::Unreadable)?;
        limits.check(Limit::ImportPartMb, counted.n, at)?;
        total += counted.n;
        limits.check(Limit::ImportUnpackedMb, total, at)?;
    }
    Ok(())
}

/// Refuses a zip whose end record lists more entries, or a larger directory, than any
/// workbook has, before the zip reader loads that directory into memory.
fn check_zip_directory(bytes: &[u8]) -> Result<(), FileError> {
    const END: &[u8] = b"PK\x05\x06";
    // The end record is 22 bytes and a comment of at most 65,535.
    let tail = bytes
        .get(bytes.len().saturating_sub(22 + 65_535)..)
        .unwrap_or(bytes);
    let at = tail
        .windows(END.len())
        .rposition(|w| w == END)
        .ok_or(FileError::Unreadable)?;
    let record = tail.get(at..at + 22).ok_or(FileError::Unreadable)?;
    let u16_at = |i: usize| u64::from(u16::from_le_bytes([record[i], record[i + 1]]));
    let entries = u16_at(10);
    let size = u16_at(12) | (u16_at(14) << 16);
    if entries > MAX_ZIP_ENTRIES || size > MAX_ZIP_DIRECTORY {
        return Err(FileError::TooComplex("zip".to_owned()));
    }
    Ok(())
}

/// Elements the workbook reader keeps one of in memory per occurrence, outside the sheet it
/// streams: styles and their parts, defined names, sheets, relationships.
const KEPT_ELEMENTS: &[&str] = &[
    "xf",
    "dxf",
    "font",
    "fill",
    "border",
    "numFmt",
    "cellStyle",
    "definedName",
    "sheet",
    "Relationship",
];

/// Reads a part through as XML (the workbook reader's way: it stops where this stops),
/// counting what the workbook reader keeps: shared strings (`si`) against the cells limit,
/// with the `count` and `uniqueCount` a string table declares (trusted for an allocation);
/// `KEPT_ELEMENTS` against `MAX_PART_ELEMENTS`. A worksheet holds none of these, so however
/// large it is nothing is counted.
fn count_xml(reader: &mut impl Read, name: &str, limits: &UploadLimits) -> Result<(), FileError> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(reader));
    let config = xml.config_mut();
    // As the workbook reader has it, so that both stop at the same place.
    config.check_end_names = false;
    config.check_comments = false;
    let mut buf = Vec::new();
    let (mut strings, mut kept) = (0u64, 0u64);
    let at = || name.to_owned();
    loop {
        buf.clear();
        let element = match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => e,
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => continue,
        };
        let local = element.local_name();
        let local = local.as_ref();
        if local == "si" {
            strings += 1;
            limits.check(Limit::ImportCells, strings, at)?;
        } else if local == "sst" {
            for attr in element.attributes().flatten() {
                if matches!(attr.key.local_name().as_ref(), "count" | "uniqueCount") {
                    let declared = attr.value.trim().parse::<u64>().unwrap_or(0);
                    limits.check(Limit::ImportCells, declared, at)?;
                }
            }
        } else if KEPT_ELEMENTS.contains(&local) {
            kept += 1;
            if kept > MAX_PART_ELEMENTS {
                return Err(FileError::TooComplex(name.to_owned()));
            }
        }
    }
}

fn read_csv(bytes: &[u8], limits: &UploadLimits) -> Result<Grid, FileError> {
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::NotUtf8)?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if text.contains('\0') {
        return Err(FileError::Unreadable);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = GridBuilder::new(limits);
    let mut record = csv::StringRecord::new();
    for row in 0u32.. {
        if !reader
            .read_record(&mut record)
            .map_err(|_| FileError::Unreadable)?
        {
            break;
        }
        for (col, s) in (0u32..).zip(record.iter()) {
            if !s.trim().is_empty() {
                grid.put(row, col, Value::Text(s.to_owned()))?;
            }
        }
    }
    Ok(grid.finish())
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Empty => true,
        Value::Text(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A header as written, without spaces and the asterisks some offices mark required ones with.
fn header_name(v: &Value) -> String {
    text(v)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '＊')
        .collect()
}

fn sheet(grid: Grid, kind: Kind, limits: &UploadLimits) -> Result<Sheet, FileError> {
    let header_at = grid.iter().take(HEADER_SEARCH_ROWS).position(|(_, cells)| {
        let names: HashSet<String> = cells.iter().map(header_name).collect();
        kind.required_columns().iter().all(|c| names.contains(*c))
    });
    let Some(header_at) = header_at else {
        let first: HashSet<String> = grid
            .first()
            .map(|(_, cells)| cells.iter().map(header_name).collect())
            .unwrap_or_default();
        let missing = kind
            .required_columns()
            .iter()
            .copied()
            .filter(|c| !first.contains(*c))
            .collect();
        return Err(FileError::MissingColumns(missing));
    };
    let mut grid = grid.into_iter().skip(header_at);
    let headers = grid.next().map(|(_, cells)| cells).unwrap_or_default();
    let mut index = HashMap::new();
    for column in kind.columns() {
        // The first column of that name counts.
        if let Some(i) = headers.iter().position(|h| header_name(h) == *column) {
            index.insert(*column, i);
        }
    }
    let rows: Vec<Row> = grid.map(|(number, cells)| Row { number, cells }).collect();
    if rows.is_empty() {
        return Err(FileError::NoRows);
    }
    limits.check(Limit::ImportRows, rows.len() as u64, String::new)?;
    Ok(Sheet { index, rows })
}

/// A cell as text: trimmed; numbers without needless decimals; dates as `YYYY-MM-DD`.
pub fn text(v: &Value) -> String {
    match v {
        Value::Empty => String::new(),
        Value::Text(s) => s.trim().to_owned(),
        Value::Number(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Value::Number(f) => f.to_string(),
        Value::Date(d) => d.to_string(),
    }
}

/// A cell that must keep every digit (identity and card numbers): a long number has lost
/// its last digits already when Excel stored it as a number.
fn exact_text(v: &Value) -> Result<String, &'static str> {
    match v {
        Value::Number(f) if f.abs() >= 1e15 => Err("labour_import.number_lost_digits"),
        _ => Ok(text(v)),
    }
}

/// A date cell: a real date, an Excel day number, or text as offices write dates.
pub fn date(v: &Value) -> Result<NaiveDate, &'static str> {
    match v {
        Value::Empty => Err("form.required"),
        Value::Date(d) => Ok(*d),
        Value::Number(f) if (1.0..2_958_466.0).contains(f) => {
            // Excel's day 1 is 1900-01-01 and it counts a 29 February 1900 that never was.
            let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).ok_or("form.invalid_date")?;
            epoch
                .checked_add_days(chrono::Days::new(f.trunc() as u64))
                .ok_or("form.invalid_date")
        }
        Value::Number(_) => Err("form.invalid_date"),
        Value::Text(s) => {
            let s = s.trim();
            // A time after the date is ignored.
            let s = s.split([' ', 'T']).next().unwrap_or(s);
            ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
                .ok_or("form.invalid_date")
        }
    }
}

/// A message about one cell (row 0: about the file as a whole). `message` is an i18n key
/// whose `{placeholders}` are filled from `args`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
}

impl RowError {
    fn new(row: usize, column: &str, message: &str) -> Self {
        RowError {
            row,
            column: column.to_owned(),
            message: message.to_owned(),
            args: BTreeMap::new(),
        }
    }

    fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.args.insert(name.to_owned(), value.to_string());
        self
    }
}

/// The messages in row order, at most `MAX_ERRORS`, and one more that counts the rest.
pub fn cap_errors(mut errors: Vec<RowError>) -> Vec<RowError> {
    errors.sort_by_key(|e| e.row);
    if errors.len() > MAX_ERRORS {
        let rest = errors.len() - MAX_ERRORS;
        errors.truncate(MAX_ERRORS);
        errors.push(RowError::new(0, "", "labour_import.more_errors").with("n", rest));
    }
    errors
}

/// Names are compared without surrounding or inner spaces.
pub fn name_key(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The identity numbers of the file, normalised, for looking up who already exists.
pub fn id_numbers(sheet: &Sheet, column: &str) -> Vec<String> {
    let mut ids: Vec<String> = sheet
        .rows
        .iter()
        .filter_map(|r| exact_text(sheet.cell(r, column)).ok())
        .filter_map(|s| domain::check_id_number(&s).ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// A crew as rows name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrewRef {
    pub id: i64,
    pub unit: CountUnit,
    pub foreman_id: Option<i64>,
    pub active: bool,
}

/// Which crews a foreman may import for: only those they lead.
fn crew_allowed(crew: &CrewRef, foreman: Option<i64>) -> bool {
    foreman.is_none_or(|me| crew.foreman_id == Some(me))
}

/// A text cell with a length limit.
fn limited(
    errors: &mut Vec<RowError>,
    row: usize,
    column: &str,
    value: &Value,
    max: usize,
) -> String {
    let s = text(value);
    if s.chars().count() > max {
        errors.push(RowError::new(row, column, "labour_import.too_long").with("max", max));
    }
    if s.chars().any(char::is_control) {
        errors.push(RowError::new(row, column, "form.invalid_chars"));
    }
    s
}

/// A day rate: a number of at most two decimals, not negative, not absurd. Empty is `None`.
fn day_rate(value: &Value) -> Result<Option<Decimal>, &'static str> {
    let rate = domain::parse_amount(&text(value), 2)?;
    if rate.is_some_and(|r| r > Decimal::from(MAX_DAY_RATE)) {
        return Err("labour_import.rate_too_high");
    }
    Ok(rate)
}

// Workers ---------------------------------------------------------------------------------

/// What the workers check needs from the database.
#[derive(Debug, Clone, Default)]
pub struct WorkerLookup {
    /// Trades by Chinese name (and English name), spaces removed.
    pub trades: HashMap<String, i64>,
    /// Crews by name, spaces removed.
    pub crews: HashMap<String, CrewRef>,
    /// Identity numbers of the file that the company already has.
    pub existing: HashSet<String>,
    /// The user, when a foreman: crews they do not lead are refused.
    pub foreman: Option<i64>,
}

/// A worker ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWorker {
    pub row: usize,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub trade_id: i64,
    pub crew_id: Option<i64>,
    pub day_rate: Decimal,
    pub bank_name: String,
    pub bank_account: String,
}

/// Every row checked: the workers, or every message.
pub fn workers(sheet: &Sheet, lookup: &WorkerLookup) -> Result<Vec<NewWorker>, Vec<RowError>> {
    use worker_col as c;
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(sheet.rows.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in &sheet.rows {
        let n = r.number;
        let before = errors.len();
        let name = limited(&mut errors, n, c::NAME, sheet.cell(r, c::NAME), 50);
        if name.is_empty() {
            errors.push(RowError::new(n, c::NAME, "form.required"));
        }
        let id_number = match exact_text(sheet.cell(r, c::ID_NUMBER)) {
            Err(key) => {
                errors.push(RowError::new(n, c::ID_NUMBER, key));
                String::new()
            }
            Ok(s) if s.is_empty() => {
                errors.push(RowError::new(n, c::ID_NUMBER, "form.required"));
                s
            }
            Ok(s) => match domain::check_id_number(&s) {
                Err(e) => {
                    errors.push(RowError::new(n, c::ID_NUMBER, e.message_key()));
                    s
                }
                Ok(id) => {
                    if let Some(first) = seen.get(&id) {
                        errors.push(
                            RowError::new(n, c::ID_NUMBER, "labour_import.duplicate_in_file")
                                .with("row", first),
                        );
                    } else {
                        seen.insert(id.clone(), n);
                    }
                    if lookup.existing.contains(&id) {
                        errors.push(RowError::new(
                            n,
                            c::ID_NUMBER,
                            "labour_import.worker_exists",
                        ));
                    }
                    id
                }
            },
        };
        let phone = limited(&mut errors, n, c::PHONE, sheet.cell(r, c::PHONE), 30);
        if !phone
            .chars()
            .all(|ch| ch.is_ascii_digit() || " +-()（）".contains(ch))
        {
            errors.push(RowError::new(n, c::PHONE, "form.invalid_phone"));
        }
        let trade = text(sheet.cell(r, c::TRADE));
        let trade_id = if trade.is_empty() {
            errors.push(RowError::new(n, c::TRADE, "form.required"));
            None
        } else {
            let id = lookup.trades.get(&name_key(&trade)).copied();
            if id.is_none() {
                errors.push(RowError::new(n, c::TRADE, "labour_import.unknown_trade"));
            }
            id
        };
        let crew = text(sheet.cell(r, c::CREW));
        let crew_id = if crew.is_empty() {
            None
        } else {
            match lookup.crews.get(&name_key(&crew)) {
                None => {
                    errors.push(RowError::new(n, c::CREW, "labour_import.unknown_crew"));
                    None
                }
                Some(cr) if !crew_allowed(cr, lookup.foreman) => {
                    errors.push(RowError::new(n, c::CREW, "labour_import.not_your_crew"));
                    None
                }
                Some(cr) => Some(cr.id),
            }
        };
        let rate = match day_rate(sheet.cell(r, c::DAY_RATE)) {
            Ok(Some(rate)) => rate,
            Ok(None) => {
                errors.push(RowError::new(n, c::DAY_RATE, "form.required"));
                Decimal::ZERO
            }
            Err(key) => {
                errors.push(RowError::new(n, c::DAY_RATE, key));
                Decimal::ZERO
            }
        };
        let bank_name = limited(&mut errors, n, c::BANK, sheet.cell(r, c::BANK), 100);
        let account = match exact_text(sheet.cell(r, c::ACCOUNT)) {
            Ok(s) => {
                let digits: String = s.chars().filter(|ch| !ch.is_whitespace()).collect();
                if !digits.is_empty()
                    && (!digits.chars().all(|ch| ch.is_ascii_digit())
                        || !(8..=30).contains(&digits.len()))
                {
                    errors.push(RowError::new(n, c::ACCOUNT, "labour_import.bad_account"));
                }
                digits
            }
            Err(key) => {
                errors.push(RowError::new(n, c::ACCOUNT, key));
                String::new()
            }
        };
        if errors.len() > before {
            continue;
        }
        if let Some(trade_id) = trade_id {
            out.push(NewWorker {
                row: n,
                name,
                id_number,
                phone,
                trade_id,
                crew_id,
                day_rate: rate,
                bank_name,
                bank_account: account,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

// Tickets ---------------------------------------------------------------------------------

/// A project as rows name it by its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRef {
    pub id: i64,
    /// The user is a member, or sees every project.
    pub visible: bool,
    pub archived: bool,
}

/// A worker as ticket rows name them by identity number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerRef {
    pub id: i64,
    pub name: String,
    pub trade_id: i64,
    pub day_rate: Decimal,
    pub active: bool,
}

/// What the tickets check needs from the database.
#[derive(Debug, Clone, Default)]
pub struct TicketLookup {
    /// The tenant's today: later dates are refused.
    pub today: NaiveDate,
    /// Projects by code.
    pub projects: HashMap<String, ProjectRef>,
    pub crews: HashMap<String, CrewRef>,
    /// Workers of the file by identity number.
    pub workers: HashMap<String, WorkerRef>,
    pub trades: HashMap<String, i64>,
    pub rules: PayRules,
    pub foreman: Option<i64>,
}

/// A row that passed its own checks: one line of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketLine {
    pub row: usize,
    pub date: NaiveDate,
    pub project_id: i64,
    pub crew_id: i64,
    pub unit: CountUnit,
    pub reason: String,
    pub work_content: String,
    pub line: NewLine,
}

/// The pay type as a site office writes it (or as Girder stores it).
pub fn pay_type(s: &str) -> Option<PayType> {
    match name_key(s).as_str() {
        "" | "正常" | "平时" | "正常班" => Some(PayType::Regular),
        "加班" => Some(PayType::Overtime),
        "休息日" | "周末" | "双休日" => Some(PayType::RestDay),
        "法定节假日" | "节假日" | "法定假日" => Some(PayType::Holiday),
        other => PayType::parse(&other.to_ascii_lowercase()),
    }
}

/// The Chinese name of a pay type, as the template writes it.
pub fn pay_type_zh(p: PayType) -> &'static str {
    match p {
        PayType::Regular => "正常",
        PayType::Overtime => "加班",
        PayType::RestDay => "休息日",
        PayType::Holiday => "法定节假日",
    }
}

/// Each row on its own: the lines that passed, and the messages of those that did not.
/// The hours a worker has in a day are checked afterwards, by `day_hours`, once the hours
/// already booked are known.
pub fn ticket_lines(sheet: &Sheet, lookup: &TicketLookup) -> (Vec<TicketLine>, Vec<RowError>) {
    use ticket_col as c;
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(sheet.rows.len());
    for r in &sheet.rows {
        let n = r.number;
        let before = errors.len();
        let date = match date(sheet.cell(r, c::DATE)) {
            Ok(d) if d > lookup.today => {
                errors.push(RowError::new(n, c::DATE, "labour_import.future_date"));
                None
            }
            Ok(d) => Some(d),
            Err(key) => {
                errors.push(RowError::new(n, c::DATE, key));
                None
            }
        };
        let code = text(sheet.cell(r, c::PROJECT));
        let project = if code.is_empty() {
            errors.push(RowError::new(n, c::PROJECT, "form.required"));
            None
        } else {
            match lookup.projects.get(&code) {
                None => {
                    errors.push(RowError::new(
                        n,
                        c::PROJECT,
                        "labour_import.unknown_project",
                    ));
                    None
                }
                Some(p) if !p.visible => {
                    errors.push(RowError::new(n, c::PROJECT, "labour_import.not_member"));
                    None
                }
                Some(p) if p.archived => {
                    errors.push(RowError::new(
                        n,
                        c::PROJECT,
                        "labour_import.archived_project",
                    ));
                    None
                }
                Some(p) => Some(p.id),
            }
        };
        let crew_name = text(sheet.cell(r, c::CREW));
        let crew = if crew_name.is_empty() {
            errors.push(RowError::new(n, c::CREW, "form.required"));
            None
        } else {
            match lookup.crews.get(&name_key(&crew_name)) {
                None => {
                    errors.push(RowError::new(n, c::CREW, "labour_import.unknown_crew"));
                    None
                }
                Some(cr) if !crew_allowed(cr, lookup.foreman) => {
                    errors.push(RowError::new(n, c::CREW, "labour_import.not_your_crew"));
                    None
                }
                Some(cr) if !cr.active => {
                    errors.push(RowError::new(n, c::CREW, "labour_import.inactive_crew"));
                    None
                }
                Some(cr) => Some(cr),
            }
        };
        let name = text(sheet.cell(r, c::NAME));
        let worker = match exact_text(sheet.cell(r, c::ID_NUMBER)) {
            Err(key) => {
                errors.push(RowError::new(n, c::ID_NUMBER, key));
                None
            }
            Ok(id) if id.is_empty() => {
                if !name.is_empty() {
                    errors.push(RowError::new(
                        n,
                        c::ID_NUMBER,
                        "labour_import.id_number_needed",
                    ));
                }
                None
            }
            Ok(id) => match domain::check_id_number(&id) {
                Err(e) => {
                    errors.push(RowError::new(n, c::ID_NUMBER, e.message_key()));
                    None
                }
                Ok(id) => match lookup.workers.get(&id) {
                    None => {
                        errors.push(RowError::new(
                            n,
                            c::ID_NUMBER,
                            "labour_import.unknown_worker",
                        ));
                        None
                    }
                    Some(w) if !name.is_empty() && name_key(&name) != name_key(&w.name) => {
                        errors.push(
                            RowError::new(n, c::NAME, "labour_import.name_mismatch")
                                .with("name", &w.name),
                        );
                        None
                    }
                    Some(w) if !w.active => {
                        errors.push(RowError::new(
                            n,
                            c::ID_NUMBER,
                            "labour_import.inactive_worker",
                        ));
                        None
                    }
                    Some(w) => Some(w),
                },
            },
        };
        let named = !text(sheet.cell(r, c::ID_NUMBER)).is_empty() || !name.is_empty();
        let trade_name = text(sheet.cell(r, c::TRADE));
        let trade = if trade_name.is_empty() {
            if !named {
                errors.push(RowError::new(n, c::TRADE, "labour_import.trade_needed"));
            }
            worker.map(|w| w.trade_id)
        } else {
            let id = lookup.trades.get(&name_key(&trade_name)).copied();
            if id.is_none() {
                errors.push(RowError::new(n, c::TRADE, "labour_import.unknown_trade"));
            }
            id
        };
        let heads_text = text(sheet.cell(r, c::HEADS));
        let heads = if named {
            if !heads_text.is_empty() && heads_text != "1" {
                errors.push(RowError::new(n, c::HEADS, "labour_import.heads_named"));
            }
            1
        } else {
            match heads_text.parse::<i32>() {
                Ok(h) if (1..=1000).contains(&h) => h,
                _ if heads_text.is_empty() => {
                    errors.push(RowError::new(n, c::HEADS, "labour_import.heads_needed"));
                    1
                }
                _ => {
                    errors.push(RowError::new(n, c::HEADS, "labour_import.bad_heads"));
                    1
                }
            }
        };
        let pay = pay_type(&text(sheet.cell(r, c::PAY_TYPE)));
        if pay.is_none() {
            errors.push(RowError::new(n, c::PAY_TYPE, "labour_import.bad_pay_type"));
        }
        let quantity = crew.and_then(|cr| {
            domain::check_quantity(cr.unit, &text(sheet.cell(r, c::QUANTITY)))
                .map_err(|key| errors.push(RowError::new(n, c::QUANTITY, key)))
                .ok()
        });
        let rate = match day_rate(sheet.cell(r, c::DAY_RATE)) {
            Ok(Some(rate)) => Some(rate),
            Ok(None) => {
                if !named {
                    errors.push(RowError::new(n, c::DAY_RATE, "labour_import.rate_needed"));
                }
                worker.map(|w| w.day_rate)
            }
            Err(key) => {
                errors.push(RowError::new(n, c::DAY_RATE, key));
                None
            }
        };
        let reason = limited(&mut errors, n, c::REASON, sheet.cell(r, c::REASON), 500);
        let work = limited(&mut errors, n, c::WORK, sheet.cell(r, c::WORK), 2000);
        if errors.len() > before {
            continue;
        }
        let (
            Some(date),
            Some(project_id),
            Some(crew),
            Some(trade_id),
            Some(pay),
            Some(q),
            Some(rate),
        ) = (date, project, crew, trade, pay, quantity, rate)
        else {
            continue;
        };
        let f = lookup.rules.figures(crew.unit, q, heads, rate, pay);
        out.push(TicketLine {
            row: n,
            date,
            project_id,
            crew_id: crew.id,
            unit: crew.unit,
            reason,
            work_content: work,
            line: NewLine {
                worker_id: worker.map(|w| WorkerId(w.id)),
                trade_id,
                head_count: heads,
                pay_type: pay,
                hours: f.hours,
                days: f.days,
                rate,
                multiplier: f.multiplier,
                amount: f.amount,
            },
        });
    }
    (out, errors)
}

/// The workers named on each day of `lines`, to look up the hours they already have.
pub fn workers_by_day(lines: &[TicketLine]) -> BTreeMap<NaiveDate, Vec<i64>> {
    let mut days: BTreeMap<NaiveDate, Vec<i64>> = BTreeMap::new();
    for l in lines {
        if let Some(w) = l.line.worker_id {
            days.entry(l.date).or_default().push(w.0);
        }
    }
    for workers in days.values_mut() {
        workers.sort_unstable();
        workers.dedup();
    }
    days
}

/// A worker may have at most 24 hours in a day, over the file and the tickets already kept
/// (`booked`: hours by day and worker). Every row of a worker over it is named.
pub fn day_hours(
    lines: &[TicketLine],
    booked: &HashMap<(NaiveDate, i64), Decimal>,
) -> Vec<RowError> {
    let mut by_day: BTreeMap<NaiveDate, Vec<(usize, i64, Decimal)>> = BTreeMap::new();
    for l in lines {
        if let Some(w) = l.line.worker_id {
            by_day
                .entry(l.date)
                .or_default()
                .push((l.row, w.0, l.line.hours));
        }
    }
    let mut errors = Vec::new();
    for (day, rows) in by_day {
        let before: HashMap<i64, Decimal> = rows
            .iter()
            .filter_map(|(_, w, _)| booked.get(&(day, *w)).map(|h| (*w, *h)))
            .collect();
        let over: HashSet<usize> = domain::over_booked(&before, &rows).into_iter().collect();
        let mut total: HashMap<i64, Decimal> = before.clone();
        for (_, w, h) in &rows {
            *total.entry(*w).or_default() += *h;
        }
        for (row, w, _) in rows.iter().filter(|(row, _, _)| over.contains(row)) {
            errors.push(
                RowError::new(*row, ticket_col::QUANTITY, "labour_import.over_24_hours").with(
                    "hours",
                    total.get(w).copied().unwrap_or_default().normalize(),
                ),
            );
        }
    }
    errors
}

/// A ticket to write: its header, its lines, and the file's row of its first line.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub first_row: usize,
    pub rows: usize,
    pub header: TicketHeader,
    pub lines: Vec<NewLine>,
}

/// Lines with the same project, day and crew make one ticket, in the order of the file.
/// Its reason and work content are the first given among its rows.
pub fn group_tickets(lines: Vec<TicketLine>) -> Result<Vec<NewTicket>, Vec<RowError>> {
    let mut at: HashMap<(i64, NaiveDate, i64), usize> = HashMap::new();
    let mut tickets: Vec<NewTicket> = Vec::new();
    let mut errors = Vec::new();
    for l in lines {
        let key = (l.project_id, l.date, l.crew_id);
        let i = *at.entry(key).or_insert_with(|| {
            tickets.push(NewTicket {
                first_row: l.row,
                rows: 0,
                header: TicketHeader {
                    project_id: l.project_id,
                    ticket_date: l.date,
                    crew_id: l.crew_id,
                    task_id: None,
                    reason: String::new(),
                    work_content: String::new(),
                    count_unit: l.unit,
                },
                lines: Vec::new(),
            });
            tickets.len() - 1
        });
        let t = &mut tickets[i];
        if t.lines.len() >= MAX_LINES_PER_TICKET {
            errors.push(
                RowError::new(l.row, ticket_col::CREW, "labour_import.ticket_too_long")
                    .with("max", MAX_LINES_PER_TICKET)
                    .with("row", t.first_row),
            );
            continue;
        }
        if t.header.reason.is_empty() {
            t.header.reason = l.reason;
        }
        if t.header.work_content.is_empty() {
            t.header.work_content = l.work_content;
        }
        t.rows += 1;
        t.lines.push(l.line);
    }
    if errors.is_empty() {
        Ok(tickets)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    /// The GB 11643 example and two more numbers with right check digits.
    const ID_A: &str = "11010519491231002X";
    const ID_B: &str = "440524198001010013";
    const ID_C: &str = "110101199003070038";

    fn csv(s: &str, kind: Kind) -> Sheet {
        read_file(s.as_bytes(), kind, &UploadLimits::DEFAULT).unwrap()
    }

    fn crew(id: i64, unit: CountUnit, foreman: Option<i64>) -> CrewRef {
        CrewRef {
            id,
            unit,
            foreman_id: foreman,
            active: true,
        }
    }

    fn worker_lookup() -> WorkerLookup {
        WorkerLookup {
            trades: HashMap::from([("普工".into(), 1), ("木工".into(), 2)]),
            crews: HashMap::from([
                ("木工一班".into(), crew(10, CountUnit::Day, Some(5))),
                ("钢筋班".into(), crew(11, CountUnit::Hour, Some(6))),
            ]),
            existing: HashSet::new(),
            foreman: None,
        }
    }

    const WORKERS_HEAD: &str = "姓名,身份证号,电话,工种,班组,日工资,开户银行,银行卡号\n";

    #[test]
    fn ids_are_all_checked() {
        assert!(domain::check_id_number(ID_B).is_ok());
        assert!(domain::check_id_number(ID_C).is_ok());
    }

    #[test]
    fn a_good_workers_file_becomes_workers() {
        let s = csv(
            &format!(
                "\u{FEFF}{WORKERS_HEAD}张三,{ID_A},13800138000,普工,木工一班,300,建设银行,6217 0000 1000 1234\n\
                 ,,,,,,,\n李 四,{},,木工,,350.5,,\n",
                ID_B.to_lowercase()
            ),
            Kind::Workers,
        );
        let w = workers(&s, &worker_lookup()).unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].row, 2);
        assert_eq!(w[0].crew_id, Some(10));
        assert_eq!(w[0].bank_account, "6217000010001234");
        // The blank row is skipped but still counted.
        assert_eq!(w[1].row, 4);
        assert_eq!(w[1].id_number, ID_B);
        assert_eq!(w[1].day_rate, dec!(350.5));
        assert_eq!(w[1].crew_id, None);
    }

    #[test]
    fn every_bad_worker_cell_is_named_by_row_and_column() {
        let mut lookup = worker_lookup();
        lookup.existing.insert(ID_C.into());
        lookup.foreman = Some(5);
        let s = csv(
            &format!(
                "{WORKERS_HEAD}张三,110105194912310021,,普工,,300,,\n\
                 ,{ID_A},abc,瓦工,钢筋班,-5,,12ab\n\
                 王五,{ID_A},,普工,无此班,300,,\n\
                 赵六,{ID_C},,普工,,,,\n"
            ),
            Kind::Workers,
        );
        let errors = workers(&s, &lookup).unwrap_err();
        let got: Vec<(usize, &str, &str)> = errors
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "身份证号", "labour.id_number.check_digit"),
                (3, "姓名", "form.required"),
                (3, "电话", "form.invalid_phone"),
                (3, "工种", "labour_import.unknown_trade"),
                (3, "班组", "labour_import.not_your_crew"),
                (3, "日工资", "labour.negative"),
                (3, "银行卡号", "labour_import.bad_account"),
                (4, "身份证号", "labour_import.duplicate_in_file"),
                (4, "班组", "labour_import.unknown_crew"),
                (5, "身份证号", "labour_import.worker_exists"),
                (5, "日工资", "form.required"),
            ]
        );
        assert_eq!(errors[7].args.get("row").map(String::as_str), Some("3"));
    }

    #[test]
    fn headers_may_follow_a_title_and_carry_asterisks() {
        let s = csv(
            &format!("工人花名册,,\n*姓名,*身份证号,*工种,*日工资\n张三,{ID_A},普工,300\n"),
            Kind::Workers,
        );
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].number, 3);
        assert_eq!(text(s.cell(&s.rows[0], worker_col::NAME)), "张三");
        assert_eq!(s.cell(&s.rows[0], worker_col::BANK), &Value::Empty);
    }

    #[test]
    fn files_without_the_columns_or_rows_are_refused_whole() {
        assert_eq!(
            read_file(
                "姓名,电话\n张三,1\n".as_bytes(),
                Kind::Workers,
                &UploadLimits::DEFAULT
            ),
            Err(FileError::MissingColumns(vec![
                "身份证号",
                "工种",
                "日工资"
            ]))
        );
        assert_eq!(
            read_file(
                WORKERS_HEAD.as_bytes(),
                Kind::Workers,
                &UploadLimits::DEFAULT
            ),
            Err(FileError::NoRows)
        );
        // "姓名" in GBK.
        assert_eq!(
            read_file(
                &[0xD0, 0xD5, 0xC3, 0xFB, b'\n'],
                Kind::Workers,
                &UploadLimits::DEFAULT
            ),
            Err(FileError::NotUtf8)
        );
        assert_eq!(
            read_file(
                &[0xD0, 0xCF, 0x11, 0xE0, 0, 0],
                Kind::Workers,
                &UploadLimits::DEFAULT
            ),
            Err(FileError::OldExcel)
        );
        assert_eq!(
            read_file(b"PK\x03\x04garbage", Kind::Workers, &UploadLimits::DEFAULT),
            Err(FileError::Unreadable)
        );
    }

    #[test]
    fn dates_are_read_as_offices_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        for s in [
            "2026-03-05",
            "2026/3/5",
            "2026.3.5",
            "2026年3月5日",
            "20260305",
            "2026-03-05 00:00:00",
        ] {
            assert_eq!(date(&Value::Text(s.into())), Ok(d), "{s}");
        }
        assert_eq!(date(&Value::Number(46086.0)), Ok(d));
        assert_eq!(
            date(&Value::Text("2026-02-30".into())),
            Err("form.invalid_date")
        );
        assert_eq!(date(&Value::Empty), Err("form.required"));
    }

    #[test]
    fn long_numbers_stored_as_numbers_are_refused_not_guessed() {
        assert_eq!(
            exact_text(&Value::Number(110105194912310020.0)),
            Err("labour_import.number_lost_digits")
        );
        assert_eq!(text(&Value::Number(13800138000.0)), "13800138000");
        assert_eq!(text(&Value::Number(7.5)), "7.5");
    }

    /// The parts of a zip, in order.
    fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut f = zip.by_index(i).unwrap();
                let mut out = Vec::new();
                f.read_to_end(&mut out).unwrap();
                (f.name().unwrap().into_owned(), out)
            })
            .collect()
    }

    fn rezip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
        use std::io::Write;
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in parts {
            zip.start_file(name.as_str(), options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// A tickets workbook of `rows` data rows.
    fn tickets_xlsx(rows: u32) -> Vec<u8> {
        use rust_xlsxwriter::Workbook;
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (i, h) in Kind::Tickets.columns().iter().enumerate() {
            sheet.write_string(0, i as u16, *h).unwrap();
        }
        for r in 1..=rows {
            sheet.write_string(r, 0, "2026-03-05").unwrap();
            sheet.write_string(r, 1, format!("P-{r}")).unwrap();
            sheet.write_number(r, 8, 1.0).unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    fn limit_of(r: Result<Sheet, FileError>) -> Limit {
        match r {
            Err(FileError::OverLimit(e)) => e.limit,
            other => panic!("expected a limit, got {other:?}"),
        }
    }

    #[test]
    fn a_cell_in_the_far_corner_is_refused_before_any_grid_is_built() {
        use rust_xlsxwriter::Workbook;
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "日期").unwrap();
        sheet.write_string(1_048_575, 16_383, "x").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let r = read_file(&bytes, Kind::Tickets, &UploadLimits::DEFAULT);
        let Err(FileError::OverLimit(e)) = r else {
            panic!("{r:?}");
        };
        assert_eq!(e.limit, Limit::ImportColumns);
        assert_eq!(e.at, "A1:XFD1048576");
        assert!(
            e.message(Locale::ZhCn)
                .contains("GIRDER_IMPORT_MAX_COLUMNS"),
            "{}",
            e.message(Locale::ZhCn)
        );
        // Without the declared size, the cell itself is refused.
        let parts: Vec<_> = unzip(&bytes)
            .into_iter()
            .map(|(name, data)| {
                let data = String::from_utf8(data).unwrap();
                let data = match data.find("<dimension ") {
                    Some(at) => {
                        let end = at + data[at..].find("/>").unwrap() + 2;
                        format!("{}{}", &data[..at], &data[end..])
                    }
                    None => data,
                };
                (name, data.into_bytes())
            })
            .collect();
        let e = read_file(&rezip(&parts), Kind::Tickets, &UploadLimits::DEFAULT);
        assert!(
            matches!(&e, Err(FileError::OverLimit(o)) if o.limit == Limit::ImportColumns && o.at == "XFD1048576"),
            "{e:?}"
        );
        // A far row in a narrow sheet passes the rows limit.
        let mut book = Workbook::new();
        book.add_worksheet().write_string(500_000, 0, "x").unwrap();
        let far = book.save_to_buffer().unwrap();
        assert_eq!(
            limit_of(read_file(&far, Kind::Tickets, &UploadLimits::DEFAULT)),
            Limit::ImportRows
        );
    }

    #[test]
    fn rows_cells_and_text_over_the_limits_are_refused() {
        let limits = |f: fn(&mut UploadLimits)| {
            let mut l = UploadLimits::DEFAULT;
            f(&mut l);
            l
        };
        let bytes = tickets_xlsx(30);
        assert_eq!(
            read_file(&bytes, Kind::Tickets, &UploadLimits::DEFAULT)
                .unwrap()
                .rows
                .len(),
            30
        );
        let rows = limits(|l| l.import_max_rows = 29);
        assert_eq!(
            limit_of(read_file(&bytes, Kind::Tickets, &rows)),
            Limit::ImportRows
        );
        let cells = limits(|l| l.import_max_cells = 50);
        assert_eq!(
            limit_of(read_file(&bytes, Kind::Tickets, &cells)),
            Limit::ImportCells
        );
        let text = limits(|l| l.import_max_text_mb = 0);
        assert_eq!(
            limit_of(read_file(&bytes, Kind::Tickets, &text)),
            Limit::ImportTextMb
        );
        let csv = format!("{}\n{}", "日期,".repeat(200), "x,".repeat(5));
        assert_eq!(
            limit_of(read_file(
                csv.as_bytes(),
                Kind::Tickets,
                &UploadLimits::DEFAULT
            )),
            Limit::ImportColumns
        );
    }

    #[test]
    fn a_zip_bomb_is_refused_while_it_unpacks_whatever_its_headers_say() {
        let limits = UploadLimits {
            import_max_part_mb: 1,
            import_max_unpacked_mb: 2,
            ..UploadLimits::DEFAULT
        };
        let bomb = |mb: usize| {
            let parts: Vec<_> = unzip(&tickets_xlsx(1))
                .into_iter()
                .map(|(name, data)| {
                    if name.contains("worksheets/") {
                        let mut padded = data[..data.len() - "</worksheet>".len()].to_vec();
                        padded.resize(padded.len() + mb * 1024 * 1024, b' ');
                        padded.extend_from_slice(b"</worksheet>");
                        (name, padded)
                    } else {
                        (name, data)
                    }
                })
                .collect();
            rezip(&parts)
        };
        let big = bomb(3);
        assert!(big.len() < 64 * 1024, "{}", big.len());
        assert_eq!(
            limit_of(read_file(&big, Kind::Tickets, &limits)),
            Limit::ImportPartMb
        );
        // Headers that claim a small part: the unpacking finds out.
        let mut lying = big;
        let mut claims = 0;
        for sig in [&b"PK\x01\x02"[..], &b"PK\x03\x04"[..]] {
            let mut i = 0;
            while let Some(at) = lying[i..].windows(4).position(|w| w == sig) {
                let at = i + at;
                // Uncompressed size: offset 24 in a central header, 22 in a local one.
                let field = at + if sig[2] == 1 { 24 } else { 22 };
                let size = u32::from_le_bytes(lying[field..field + 4].try_into().unwrap());
                if size > 1024 * 1024 {
                    lying[field..field + 4].copy_from_slice(&1000u32.to_le_bytes());
                    claims += 1;
                }
                i = at + 4;
            }
        }
        assert_eq!(claims, 2);
        assert!(read_file(&lying, Kind::Tickets, &limits).is_err());
        // Many parts, each under the part limit, over the whole.
        let mut parts = unzip(&tickets_xlsx(1));
        for i in 0..3 {
            parts.push((format!("xl/media/pad{i}.bin"), vec![0; 900 * 1024]));
        }
        assert_eq!(
            limit_of(read_file(&rezip(&parts), Kind::Tickets, &limits)),
            Limit::ImportUnpackedMb
        );
    }

    #[test]
    fn parts_read_whole_are_counted_before_they_are_read() {
        let patch = |part: &str, f: &dyn Fn(String) -> String| {
            let parts: Vec<_> = unzip(&tickets_xlsx(2))
                .into_iter()
                .map(|(name, data)| {
                    if name.ends_with(part) {
                        (name, f(String::from_utf8(data).unwrap()).into_bytes())
                    } else {
                        (name, data)
                    }
                })
                .collect();
            rezip(&parts)
        };
        // calamine reserves room for the count of strings the file declares.
        let lie = patch("sharedStrings.xml", &|s| {
            s.replacen("uniqueCount=\"", "uniqueCount=\"999999999999", 1)
        });
        assert_eq!(
            limit_of(read_file(&lie, Kind::Tickets, &UploadLimits::DEFAULT)),
            Limit::ImportCells
        );
        let many = patch("sharedStrings.xml", &|s| {
            s.replacen("<si>", &"<si><t>x</t></si>".repeat(2_000), 1)
        });
        let few = UploadLimits {
            import_max_cells: 1_000,
            ..UploadLimits::DEFAULT
        };
        assert_eq!(
            limit_of(read_file(&many, Kind::Tickets, &few)),
            Limit::ImportCells
        );
        let styles = patch("styles.xml", &|s| {
            s.replacen("</cellXfs>", &"<xf></xf>".repeat(200_000), 1) + "</cellXfs>"
        });
        assert!(matches!(
            read_file(&styles, Kind::Tickets, &UploadLimits::DEFAULT),
            Err(FileError::TooComplex(part)) if part == "xl/styles.xml"
        ));
        // Whatever the part is called: the workbook names its own parts.
        let mut parts = unzip(&tickets_xlsx(2));
        parts.push((
            "xl/worksheets/sheet9.xml".to_owned(),
            format!("<styleSheet>{}</styleSheet>", "<xf/>".repeat(200_000)).into_bytes(),
        ));
        assert!(matches!(
            read_file(&rezip(&parts), Kind::Tickets, &UploadLimits::DEFAULT),
            Err(FileError::TooComplex(part)) if part == "xl/worksheets/sheet9.xml"
        ));
    }

    #[test]
    fn a_zip_listing_too_many_entries_is_refused_before_it_is_opened() {
        let mut bytes = tickets_xlsx(1);
        let end = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
        bytes[end + 10..end + 12].copy_from_slice(&60_000u16.to_le_bytes());
        assert!(matches!(
            read_file(&bytes, Kind::Tickets, &UploadLimits::DEFAULT),
            Err(FileError::TooComplex(_))
        ));
    }

    mod fuzz {
        use proptest::prelude::*;

        use super::*;

        fn valid() -> &'static [u8] {
            static FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            FILE.get_or_init(|| tickets_xlsx(20))
        }

        /// Small limits, so that a damaged file that passes them cannot be costly either.
        const SMALL: UploadLimits = UploadLimits {
            import_max_part_mb: 4,
            import_max_unpacked_mb: 8,
            ..UploadLimits::DEFAULT
        };

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            #[test]
            fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
                let _ = read_file(&bytes, Kind::Tickets, &SMALL);
                let mut zipped = b"PK\x03\x04".to_vec();
                zipped.extend_from_slice(&bytes);
                let _ = read_file(&zipped, Kind::Workers, &SMALL);
            }

            #[test]
            fn truncated_workbooks_never_panic(at in 0usize..100_000) {
                let file = valid();
                let _ = read_file(&file[..at % file.len()], Kind::Tickets, &SMALL);
            }

            #[test]
            fn damaged_workbooks_never_panic(
                flips in proptest::collection::vec((0usize..100_000, any::<u8>()), 1..8)
            ) {
                let mut file = valid().to_vec();
                let len = file.len();
                for (at, byte) in flips {
                    file[at % len] = byte;
                }
                let started = std::time::Instant::now();
                let _ = read_file(&file, Kind::Tickets, &SMALL);
                prop_assert!(started.elapsed() < std::time::Duration::from_secs(5));
            }
        }
    }

    #[test]
    fn xlsx_cells_are_read_with_their_row_numbers() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (i, h) in Kind::Tickets.columns().iter().enumerate() {
            sheet.write_string(1, i as u16, *h).unwrap();
        }
        let date = ExcelDateTime::from_ymd(2026, 3, 5).unwrap();
        sheet
            .write_datetime_with_format(2, 0, &date, &Format::new().set_num_format("yyyy-mm-dd"))
            .unwrap();
        sheet.write_string(2, 1, "P-1").unwrap();
        sheet.write_number(2, 8, 7.5).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let s = read_file(&bytes, Kind::Tickets, &UploadLimits::DEFAULT).unwrap();
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].number, 3);
        let r = &s.rows[0];
        assert_eq!(
            s.cell(r, ticket_col::DATE),
            &Value::Date(NaiveDate::from_ymd_opt(2026, 3, 5).unwrap())
        );
        assert_eq!(text(s.cell(r, ticket_col::PROJECT)), "P-1");
        assert_eq!(text(s.cell(r, ticket_col::QUANTITY)), "7.5");
    }

    fn ticket_lookup() -> TicketLookup {
        let worker = |id, name: &str, rate| WorkerRef {
            id,
            name: name.into(),
            trade_id: 2,
            day_rate: rate,
            active: true,
        };
        TicketLookup {
            today: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
            projects: HashMap::from([
                (
                    "P-1".into(),
                    ProjectRef {
                        id: 100,
                        visible: true,
                        archived: false,
                    },
                ),
                (
                    "P-2".into(),
                    ProjectRef {
                        id: 200,
                        visible: false,
                        archived: false,
                    },
                ),
            ]),
            crews: worker_lookup().crews,
            workers: HashMap::from([
                (ID_A.into(), worker(1, "张三", dec!(320))),
                (ID_B.into(), worker(2, "李四", dec!(300))),
            ]),
            trades: worker_lookup().trades,
            rules: PayRules::default(),
            foreman: None,
        }
    }

    const TICKETS_HEAD: &str =
        "日期,项目编号,班组,姓名,身份证号,工种,人数,工资类型,数量,日工资,事由,工作内容\n";

    #[test]
    fn rows_of_a_project_day_and_crew_become_one_ticket() {
        let s = csv(
            &format!(
                "{TICKETS_HEAD}2026-03-09,P-1,木工一班,张三,{ID_A},,,正常,1,,图纸变更,拆模\n\
                 2026-03-09,P-1,木工一班,李四,{ID_B},,,加班,0.5,,,\n\
                 2026-03-09,P-1,木工一班,,,普工,3,,1,200,,\n\
                 2026-03-09,P-1,钢筋班,张三,{ID_A},,,正常,4,,,\n"
            ),
            Kind::Tickets,
        );
        let (lines, errors) = ticket_lines(&s, &ticket_lookup());
        assert!(errors.is_empty(), "{errors:?}");
        let tickets = group_tickets(lines).unwrap();
        assert_eq!(tickets.len(), 2);
        let t = &tickets[0];
        assert_eq!((t.first_row, t.rows), (2, 3));
        assert_eq!(t.header.reason, "图纸变更");
        assert_eq!(t.header.work_content, "拆模");
        assert_eq!(t.header.count_unit, CountUnit::Day);
        let amounts: Vec<Decimal> = t.lines.iter().map(|l| l.amount).collect();
        // 1 × 320; 0.5 × 300 × 1.5; 3 heads × 200.
        assert_eq!(amounts, vec![dec!(320), dec!(225), dec!(600)]);
        assert_eq!(t.lines[2].worker_id, None);
        assert_eq!(t.lines[2].head_count, 3);
        assert_eq!(t.lines[2].trade_id, 1);
        // Hours on an hourly crew: 4 h of a 320 day.
        assert_eq!(tickets[1].lines[0].hours, dec!(4));
        assert_eq!(tickets[1].lines[0].amount, dec!(160));
    }

    #[test]
    fn bad_ticket_rows_say_what_is_wrong() {
        let mut lookup = ticket_lookup();
        lookup.foreman = Some(5);
        let s = csv(
            &format!(
                "{TICKETS_HEAD}2026-03-11,P-9,钢筋班,张三,{ID_A},,,正常,1,,,\n\
                 2026-03-09,P-2,木工一班,王五,{ID_C},,,调休,0.3,,,\n\
                 2026-03-09,P-1,木工一班,李四,{ID_A},,2,,1,-1,,\n\
                 2026-03-09,P-1,木工一班,,,,,,1,,,\n\
                 2026-03-09,P-1,木工一班,王五,,,,,1,,,\n"
            ),
            Kind::Tickets,
        );
        let (lines, errors) = ticket_lines(&s, &lookup);
        assert!(lines.is_empty());
        let got: Vec<(usize, &str, &str)> = errors
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "日期", "labour_import.future_date"),
                (2, "项目编号", "labour_import.unknown_project"),
                (2, "班组", "labour_import.not_your_crew"),
                (3, "项目编号", "labour_import.not_member"),
                (3, "身份证号", "labour_import.unknown_worker"),
                (3, "工资类型", "labour_import.bad_pay_type"),
                (3, "数量", "labour.half_days"),
                (4, "姓名", "labour_import.name_mismatch"),
                (4, "人数", "labour_import.heads_named"),
                (4, "日工资", "labour.negative"),
                (5, "工种", "labour_import.trade_needed"),
                (5, "人数", "labour_import.heads_needed"),
                (5, "日工资", "labour_import.rate_needed"),
                (6, "身份证号", "labour_import.id_number_needed"),
            ]
        );
    }

    #[test]
    fn a_worker_over_24_hours_counts_the_file_and_what_is_booked() {
        let s = csv(
            &format!(
                "{TICKETS_HEAD}2026-03-09,P-1,钢筋班,张三,{ID_A},,,正常,12,,,\n\
                 2026-03-09,P-1,钢筋班,张三,{ID_A},,,加班,8,,,\n\
                 2026-03-09,P-1,钢筋班,李四,{ID_B},,,正常,12,,,\n\
                 2026-03-08,P-1,钢筋班,张三,{ID_A},,,正常,12,,,\n"
            ),
            Kind::Tickets,
        );
        let (lines, errors) = ticket_lines(&s, &ticket_lookup());
        assert!(errors.is_empty());
        let d9 = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(workers_by_day(&lines)[&d9], vec![1, 2]);
        assert!(day_hours(&lines, &HashMap::new()).is_empty());
        let booked = HashMap::from([((d9, 1), dec!(4.5))]);
        let errors = day_hours(&lines, &booked);
        let rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![2, 3]);
        assert_eq!(errors[0].args["hours"], "24.5");
    }

    #[test]
    fn errors_are_capped_with_a_count_of_the_rest() {
        let errors: Vec<RowError> = (0..MAX_ERRORS + 7)
            .rev()
            .map(|i| RowError::new(i + 2, "姓名", "form.required"))
            .collect();
        let capped = cap_errors(errors);
        assert_eq!(capped.len(), MAX_ERRORS + 1);
        assert_eq!(capped[0].row, 2);
        let last = capped.last().unwrap();
        assert_eq!((last.row, last.args["n"].as_str()), (0, "7"));
    }

    #[test]
    fn pay_types_read_in_chinese_and_as_stored() {
        assert_eq!(pay_type(""), Some(PayType::Regular));
        assert_eq!(pay_type(" 加班 "), Some(PayType::Overtime));
        assert_eq!(pay_type("Holiday"), Some(PayType::Holiday));
        assert_eq!(pay_type("调休"), None);
        for p in PayType::ALL {
            assert_eq!(pay_type(pay_type_zh(*p)), Some(*p));
        }
    }
}
