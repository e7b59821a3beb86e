//! The monthly wage sheet (工资表) of a project, optionally one crew: per worker their 工日,
//! hours by pay type, day rate, gross, advances, paid and unpaid, with a totals row; its
//! export, and the payout list (代发工资清单) for the project's wage account.

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, Response};
use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::domain::{money, quantity};
use super::queries::{self, SheetRow};
use super::views::{
    AdvanceInput, PayAllInput, PayoutInput, SheetLine, SheetView, UnnamedView, WageSheetPage,
};
use super::{chosen_crew, chosen_project, crew_choices, method_choices, project_choices};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::labour::domain::{
    PayMethod, WorkerId, mask_id_number, month_end, month_of, parse_month, unpaid,
};
use crate::labour::queries::CrewRow;
use crate::labour::views::LabourTab;
use crate::roles::Permission;
use crate::tenancy::ProjectId;
use crate::tenancy::{Labour, TenantTx};
use crate::web::Page;
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::form::Choice;
use crate::web::form::FieldErrors;

/// Which sheet: a project, optionally a crew, and a month (`YYYY-MM`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SheetQuery {
    pub project: String,
    pub crew: String,
    pub month: String,
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(flatten)]
    pub sheet: SheetQuery,
    pub format: ExportFormat,
}

/// What a sheet page shows beyond the sheet: forms as typed, and why one was refused.
#[derive(Debug, Default)]
pub struct SheetParts {
    pub advance: Option<AdvanceInput>,
    pub advance_errors: FieldErrors,
    pub payout: Option<PayoutInput>,
    pub payout_errors: FieldErrors,
    pub pay_all: Option<PayAllInput>,
    pub pay_all_errors: FieldErrors,
    pub refusal: Option<String>,
}

/// The sheet's month: the one asked for, else the tenant's current month.
pub fn sheet_month(tx: &TenantTx<Labour>, month: &str) -> NaiveDate {
    parse_month(month).unwrap_or_else(|| month_of(super::today(tx)))
}

/// The link to a sheet.
pub fn sheet_href(project: ProjectId, crew: Option<i64>, month: NaiveDate) -> String {
    format!("/labour/wages?{}", sheet_query(project, crew, month))
}

fn sheet_query(project: ProjectId, crew: Option<i64>, month: NaiveDate) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("project", &project.to_string())
        .append_pair("crew", &crew.map(|c| c.to_string()).unwrap_or_default())
        .append_pair("month", &month.format("%Y-%m").to_string())
        .finish()
}

/// A loaded sheet: what it is of, and its rows.
pub struct Sheet {
    pub project: queries::ProjectPick,
    pub crew: Option<CrewRow>,
    pub month: NaiveDate,
    pub rows: Vec<SheetRow>,
}

impl Sheet {
    pub fn title(&self) -> String {
        let crew = self
            .crew
            .as_ref()
            .map(|c| format!(" · {}", c.name))
            .unwrap_or_default();
        format!(
            "{} {}{crew} · {}",
            self.project.code,
            self.project.name,
            self.month.format("%Y-%m")
        )
    }

    fn file_name(&self, what: &str) -> String {
        format!(
            "{what}-{}-{}",
            self.project
                .code
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
            self.month.format("%Y-%m")
        )
    }
}

/// Loads the sheet `q` names; `None` when it names no project.
pub async fn load(tx: &mut TenantTx<Labour>, q: &SheetQuery) -> AppResult<Option<Sheet>> {
    let Some(project) = chosen_project(tx, &q.project).await? else {
        return Ok(None);
    };
    let crew = chosen_crew(tx, &q.crew).await?;
    let month = sheet_month(tx, &q.month);
    let rows = queries::wage_sheet(
        tx,
        project.id,
        crew.as_ref().map(|c| c.id),
        month,
        month_end(month),
    )
    .await?;
    Ok(Some(Sheet {
        project,
        crew,
        month,
        rows,
    }))
}

/// What is still to pay a worker for the sheet's month.
pub fn row_unpaid(r: &SheetRow) -> Decimal {
    unpaid(r.gross, r.advances, r.paid)
}

fn line(r: &SheetRow) -> SheetLine {
    let owed = row_unpaid(r);
    SheetLine {
        worker_id: r.worker_id.0,
        name: r.name.clone(),
        days: quantity(r.days),
        regular: quantity(r.regular_hours),
        overtime: quantity(r.overtime_hours),
        rest_day: quantity(r.rest_day_hours),
        holiday: quantity(r.holiday_hours),
        rate: money(r.day_rate),
        gross: money(r.gross),
        advances: money(r.advances),
        paid: money(r.paid),
        unpaid: money(owed),
        owed: owed > Decimal::ZERO,
        overpaid: owed < Decimal::ZERO,
    }
}

/// The sums of the sheet's columns (the day rate has none).
fn sums(rows: &[SheetRow]) -> SheetRow {
    let mut t = SheetRow {
        // The totals row belongs to no worker.
        worker_id: WorkerId(0),
        name: String::new(),
        id_number: String::new(),
        bank_name: String::new(),
        bank_account: String::new(),
        day_rate: Decimal::ZERO,
        days: Decimal::ZERO,
        regular_hours: Decimal::ZERO,
        overtime_hours: Decimal::ZERO,
        rest_day_hours: Decimal::ZERO,
        holiday_hours: Decimal::ZERO,
        gross: Decimal::ZERO,
        advances: Decimal::ZERO,
        paid: Decimal::ZERO,
    };
    for r in rows {
        t.days += r.days;
        t.regular_hours += r.regular_hours;
        t.overtime_hours += r.overtime_hours;
        t.rest_day_hours += r.rest_day_hours;
        t.holiday_hours += r.holiday_hours;
        t.gross += r.gross;
        t.advances += r.advances;
        t.paid += r.paid;
    }
    t
}

/// The wage sheet page for `q`, with the forms of `parts`.
pub async fn sheet_page(
    tx: &mut TenantTx<Labour>,
    page: &Page,
    q: &SheetQuery,
    parts: SheetParts,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let today = super::today(tx);
    let projects = project_choices(tx).await?;
    let crews = crew_choices(tx).await?;
    let loaded = load(tx, q).await?;
    let month = loaded
        .as_ref()
        .map_or_else(|| sheet_month(tx, &q.month), |s| s.month);
    let mut payees = Vec::new();
    let sheet = match &loaded {
        None => None,
        Some(s) => {
            let crew = s.crew.as_ref().map(|c| c.id);
            let unnamed =
                queries::unnamed_work(tx, s.project.id, crew, s.month, month_end(s.month)).await?;
            let ids: Vec<WorkerId> = s.rows.iter().map(|r| r.worker_id).collect();
            payees = queries::payee_choices(tx, s.project.id, crew, &ids)
                .await?
                .into_iter()
                .map(|(id, name)| Choice {
                    value: id.to_string(),
                    label: name,
                })
                .collect();
            let prev = s
                .month
                .checked_sub_months(Months::new(1))
                .unwrap_or(s.month);
            let next = s
                .month
                .checked_add_months(Months::new(1))
                .unwrap_or(s.month);
            let mut totals = line(&sums(&s.rows));
            totals.rate = String::new();
            Some(SheetView {
                title: s.title(),
                rows: s.rows.iter().map(line).collect(),
                any_unpaid: s.rows.iter().any(|r| row_unpaid(r) > Decimal::ZERO),
                totals,
                unnamed: (unnamed.heads > 0).then(|| UnnamedView {
                    heads: unnamed.heads,
                    days: quantity(unnamed.days),
                    hours: quantity(unnamed.hours),
                    amount: money(unnamed.amount),
                }),
                query: sheet_query(s.project.id, crew, s.month),
                prev_href: sheet_href(s.project.id, crew, prev),
                next_href: sheet_href(s.project.id, crew, next),
            })
        }
    };
    let month_text = month.format("%Y-%m").to_string();
    Ok(WageSheetPage {
        layout: page.layout(tx, "labour_wages.sheet_title"),
        tab: LabourTab::Wages,
        projects,
        crews,
        project: loaded
            .as_ref()
            .map(|s| s.project.id.to_string())
            .unwrap_or_default(),
        crew: loaded
            .as_ref()
            .and_then(|s| s.crew.as_ref())
            .map(|c| c.id.to_string())
            .unwrap_or_default(),
        sheet,
        can_pay: tx.user().role.has(Permission::PayLabour),
        payees,
        methods: method_choices(locale),
        advance: parts.advance.unwrap_or_else(|| AdvanceInput {
            adv_paid_on: today.to_string(),
            adv_method: PayMethod::Cash.as_str().to_owned(),
            ..AdvanceInput::default()
        }),
        advance_errors: parts.advance_errors,
        payout: parts.payout.unwrap_or_else(|| PayoutInput {
            pay_period: month_text.clone(),
            pay_paid_on: today.to_string(),
            pay_method: PayMethod::Bank.as_str().to_owned(),
            ..PayoutInput::default()
        }),
        payout_errors: parts.payout_errors,
        pay_all: parts.pay_all.unwrap_or_else(|| PayAllInput {
            all_paid_on: today.to_string(),
            all_method: PayMethod::Bank.as_str().to_owned(),
            ..PayAllInput::default()
        }),
        pay_all_errors: parts.pay_all_errors,
        refusal: parts.refusal,
        month: month_text,
    }
    .render()?)
}

pub async fn show(
    mut tx: TenantTx<Labour>,
    page: Page,
    Query(q): Query<SheetQuery>,
) -> AppResult<Html<String>> {
    Ok(Html(
        sheet_page(&mut tx, &page, &q, SheetParts::default()).await?,
    ))
}

/// The sheet as a table: the columns the page shows, and the totals.
fn sheet_table(locale: Locale, rows: &[SheetRow]) -> Table {
    let t = |k| i18n::t(locale, k).to_owned();
    let cells = |r: &SheetRow, name: String, rate: Cell| {
        vec![
            Cell::Text(name),
            Cell::Quantity(r.days),
            Cell::Quantity(r.regular_hours),
            Cell::Quantity(r.overtime_hours),
            Cell::Quantity(r.rest_day_hours),
            Cell::Quantity(r.holiday_hours),
            rate,
            Cell::Money(r.gross),
            Cell::Money(r.advances),
            Cell::Money(r.paid),
            Cell::Money(row_unpaid(r)),
        ]
    };
    Table {
        headers: vec![
            t("labour_wages.worker"),
            t("labour_wages.days"),
            t("labour_wages.hours_regular"),
            t("labour_wages.hours_overtime"),
            t("labour_wages.hours_rest_day"),
            t("labour_wages.hours_holiday"),
            t("labour_wages.day_rate"),
            t("labour_wages.gross"),
            t("labour_wages.advances"),
            t("labour_wages.paid"),
            t("labour_wages.unpaid"),
        ],
        rows: rows
            .iter()
            .map(|r| cells(r, r.name.clone(), Cell::Money(r.day_rate)))
            .collect(),
        totals: Some(cells(
            &sums(rows),
            t("labour_wages.total"),
            Cell::Text(String::new()),
        )),
    }
}

/// The wage sheet as XLSX or CSV.
pub async fn export(mut tx: TenantTx<Labour>, Query(q): Query<ExportQuery>) -> AppResult<Response> {
    let sheet = load(&mut tx, &q.sheet).await?.ok_or(AppError::NotFound)?;
    let locale = tx.user().locale;
    sheet_table(locale, &sheet.rows).download(q.format, &sheet.file_name("wages"))
}

/// 代发工资清单: every worker of the sheet with something unpaid, with their bank account,
/// for the bank that pays the project's wage account. Identity numbers are masked unless the
/// user may see them.
pub async fn payout_list(
    mut tx: TenantTx<Labour>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    let sheet = load(&mut tx, &q.sheet).await?.ok_or(AppError::NotFound)?;
    let locale = tx.user().locale;
    let full_ids = tx.user().role.has(Permission::SeeIdNumbers);
    let t = |k| i18n::t(locale, k).to_owned();
    let payable: Vec<(&SheetRow, Decimal)> = sheet
        .rows
        .iter()
        .map(|r| (r, row_unpaid(r)))
        .filter(|(_, owed)| *owed > Decimal::ZERO)
        .collect();
    let total: Decimal = payable.iter().map(|(_, owed)| *owed).sum();
    let count = i64::try_from(payable.len()).unwrap_or(i64::MAX);
    let table = Table {
        headers: vec![
            t("labour_wages.worker"),
            t("labour_wages.id_number"),
            t("labour_wages.bank_name"),
            t("labour_wages.bank_account"),
            t("labour_wages.amount_to_pay"),
        ],
        rows: payable
            .iter()
            .map(|(r, owed)| {
                vec![
                    Cell::Text(r.name.clone()),
                    Cell::Text(if full_ids {
                        r.id_number.clone()
                    } else {
                        mask_id_number(&r.id_number)
                    }),
                    Cell::Text(r.bank_name.clone()),
                    Cell::Text(r.bank_account.clone()),
                    Cell::Money(*owed),
                ]
            })
            .collect(),
        totals: Some(vec![
            Cell::Text(t("labour_wages.total")),
            Cell::Text(i18n::tf(locale, "labour_wages.people", &[("n", &count)])),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Money(total),
        ]),
    };
    table.download(q.format, &sheet.file_name("payout-list"))
}
