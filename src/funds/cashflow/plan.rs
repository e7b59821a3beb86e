//! A project's fund plan (资金计划): planned inflow and outflow by month, a range of months
//! edited in one form and saved all or nothing. Each month carries its version: a month
//! saved by someone else since the form was read makes the whole save stale (409).

use std::collections::HashMap;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::domain::{self, Planned, plan_amount};
use super::queries::{self, PlanRow};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult};
use crate::funds::domain::MAX_AMOUNT;
use crate::i18n;
use crate::roles::Permission;
use crate::tenancy::project::Project;
use crate::tenancy::{Funds, ProjectTx};
use crate::web::form::{FieldErrors, multiline};
use crate::web::{AppForm, Layout, Page};

/// How many months the form edits.
pub const MONTHS: i32 = 12;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RangeQuery {
    /// The first month, `YYYY-MM`.
    pub from: String,
}

/// `YYYY-MM` (or a date) as the month's first day.
fn parse_month(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .map(domain::month_of)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub from: String,
    pub month: Vec<String>,
    pub planned_in: Vec<String>,
    pub planned_out: Vec<String>,
    pub note: Vec<String>,
    pub version: Vec<String>,
}

/// A month of the form, as typed, with its messages.
#[derive(Debug, Clone, Default)]
pub struct PlanLine {
    pub index: usize,
    pub month: String,
    pub label: String,
    pub planned_in: String,
    pub planned_out: String,
    pub note: String,
    pub version: i32,
    pub in_error: Option<&'static str>,
    pub out_error: Option<&'static str>,
    pub note_error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "funds/plan.html")]
pub struct PlanPage {
    pub layout: Layout,
    pub project: Project,
    pub from: String,
    pub lines: Vec<PlanLine>,
    pub notice: Option<String>,
    pub has_errors: bool,
}

fn saved_lines(first: NaiveDate, saved: &[PlanRow]) -> Vec<PlanLine> {
    let by: HashMap<NaiveDate, &PlanRow> = saved.iter().map(|r| (r.month, r)).collect();
    (0..MONTHS)
        .map(|k| {
            let m = domain::add_months(first, k);
            let row = by.get(&m);
            PlanLine {
                index: k as usize,
                month: m.to_string(),
                label: m.format("%Y-%m").to_string(),
                planned_in: row.map(|r| r.planned_in.to_string()).unwrap_or_default(),
                planned_out: row.map(|r| r.planned_out.to_string()).unwrap_or_default(),
                note: row.map(|r| r.note.clone()).unwrap_or_default(),
                version: row.map_or(0, |r| r.version),
                ..PlanLine::default()
            }
        })
        .collect()
}

async fn saved(p: &mut ProjectTx<Funds>, first: NaiveDate) -> AppResult<Vec<PlanRow>> {
    let last = domain::add_months(first, MONTHS - 1);
    Ok(queries::plans(&mut p.tx, Some(p.project.id), first)
        .await?
        .into_iter()
        .filter(|r| r.month <= last)
        .collect())
}

fn render(
    p: &ProjectTx<Funds>,
    page: &Page,
    first: NaiveDate,
    lines: Vec<PlanLine>,
    notice: Option<String>,
) -> AppResult<String> {
    let has_errors = lines
        .iter()
        .any(|l| l.in_error.is_some() || l.out_error.is_some() || l.note_error.is_some());
    Ok(PlanPage {
        layout: page.layout(&p.tx, "funds_flow.plan_title"),
        project: p.project.clone(),
        from: first.format("%Y-%m").to_string(),
        lines,
        notice,
        has_errors,
    }
    .render()?)
}

/// GET /projects/{project_id}/funds/plan?from=YYYY-MM
pub async fn edit(
    mut p: ProjectTx<Funds>,
    page: Page,
    Query(q): Query<RangeQuery>,
) -> AppResult<Html<String>> {
    p.require(Permission::PlanFunds)?;
    let first = parse_month(&q.from).unwrap_or_else(|| domain::month_of(p.tx.tenant().today()));
    let rows = saved(&mut p, first).await?;
    Ok(Html(render(
        &p,
        &page,
        first,
        saved_lines(first, &rows),
        None,
    )?))
}

/// A month as it will be saved.
#[derive(Debug, Clone, Serialize)]
struct Saved {
    month: NaiveDate,
    planned_in: rust_decimal::Decimal,
    planned_out: rust_decimal::Decimal,
    note: String,
}

/// POST /projects/{project_id}/funds/plan
pub async fn save(
    mut p: ProjectTx<Funds>,
    page: Page,
    AppForm(f): AppForm<PlanForm>,
) -> AppResult<Response> {
    p.require(Permission::PlanFunds)?;
    let locale = page.locale;
    let first = parse_month(&f.from).ok_or(AppError::BadRequest("malformed plan form".into()))?;
    let n = f.month.len();
    if n == 0
        || n > MONTHS as usize
        || [
            f.planned_in.len(),
            f.planned_out.len(),
            f.note.len(),
            f.version.len(),
        ]
        .iter()
        .any(|l| *l != n)
    {
        return Err(AppError::BadRequest("malformed plan form".into()));
    }
    let last = domain::add_months(first, MONTHS - 1);
    let mut lines = Vec::with_capacity(n);
    let mut values = Vec::with_capacity(n);
    let mut seen = Vec::with_capacity(n);
    for i in 0..n {
        let month = parse_month(&f.month[i])
            .filter(|m| *m >= first && *m <= last && !seen.contains(m))
            .ok_or(AppError::BadRequest("malformed plan form".into()))?;
        seen.push(month);
        let version: i32 = f.version[i]
            .trim()
            .parse()
            .map_err(|_| AppError::BadRequest("malformed plan form".into()))?;
        let pin = plan_amount(&f.planned_in[i], MAX_AMOUNT);
        let pout = plan_amount(&f.planned_out[i], MAX_AMOUNT);
        let mut e = FieldErrors::default();
        let note = multiline(&mut e, "note", &f.note[i], 500);
        lines.push(PlanLine {
            index: i,
            month: month.to_string(),
            label: month.format("%Y-%m").to_string(),
            planned_in: f.planned_in[i].trim().to_owned(),
            planned_out: f.planned_out[i].trim().to_owned(),
            note: f.note[i].clone(),
            version,
            in_error: pin.err(),
            out_error: pout.err(),
            note_error: e.get("note"),
        });
        if let (Ok(a), Ok(b)) = (pin, pout) {
            values.push((
                Saved {
                    month,
                    planned_in: a,
                    planned_out: b,
                    note,
                },
                version,
            ));
        }
    }
    if values.len() < n || lines.iter().any(|l| l.note_error.is_some()) {
        let html = render(&p, &page, first, lines, None)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    let project = p.project.id;
    // Lock the saved months, so the versions checked are the ones written over.
    queries::lock_plan_months(&mut p.tx, project, first, last).await?;
    let current = saved(&mut p, first).await?;
    let by: HashMap<NaiveDate, &PlanRow> = current.iter().map(|r| (r.month, r)).collect();
    let stale = values
        .iter()
        .any(|(s, version)| by.get(&s.month).map_or(0, |r| r.version) != *version);
    if stale {
        let notice = Some(i18n::t(locale, "funds_flow.plan_stale").to_owned());
        let html = render(&p, &page, first, saved_lines(first, &current), notice)?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    let mut before = Vec::new();
    let mut after = Vec::new();
    for (s, version) in &values {
        let old = by.get(&s.month);
        let unchanged = match old {
            Some(r) => {
                r.planned_in == s.planned_in && r.planned_out == s.planned_out && r.note == s.note
            }
            None => s.planned_in.is_zero() && s.planned_out.is_zero() && s.note.is_empty(),
        };
        if unchanged {
            continue;
        }
        let planned = Planned {
            planned_in: s.planned_in,
            planned_out: s.planned_out,
        };
        let by_user = p.tx.user().id;
        queries::save_plan_month(
            &mut p.tx, project, s.month, planned, &s.note, *version, by_user,
        )
        .await?
        .ok_or(AppError::Conflict)?;
        if let Some(r) = old {
            before.push(Saved {
                month: r.month,
                planned_in: r.planned_in,
                planned_out: r.planned_out,
                note: r.note.clone(),
            });
        }
        after.push(s.clone());
    }
    if !after.is_empty() {
        let summary = format!(
            "{} {} – {}",
            p.project.code,
            first.format("%Y-%m"),
            last.format("%Y-%m")
        );
        p.tx.audit(Change {
            entity: "fund_plan",
            entity_id: Some(project.get()),
            action: Action::Update,
            summary: &summary,
            before: snapshot(&before),
            after: snapshot(&after),
        })
        .await?;
    }
    p.commit().await?;
    page.session.flash(true, "funds_flow.plan_saved").await?;
    Ok(Redirect::to(&format!(
        "/projects/{project}/funds/plan?from={}",
        first.format("%Y-%m")
    ))
    .into_response())
}
