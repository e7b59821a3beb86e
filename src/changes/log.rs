//! A project's change log (/projects/{project_id}/changes/log): the decided requests in the
//! order they were decided — what each approved one did to the budget, the finish and the
//! income contract, why each rejected one was refused — and the approved impact against the
//! original budget and finish. Exports to CSV and XLSX.

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::domain::{RequestKind, Status};
use super::overview::signed_days;
use super::queries;
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::i18n::{Locale, t};
use crate::ids::TenantId;
use crate::tenancy::Changes;
use crate::tenancy::ProjectId;
use crate::tenancy::ProjectTx;
use crate::tenancy::project::Project;
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::format::{date, money};
use crate::web::{Layout, Page};

pub fn router() -> axum::Router<crate::state::AppState> {
    axum::Router::new().route(
        "/projects/{project_id}/changes/log",
        axum::routing::get(show),
    )
}

/// The arithmetic of the log, pure.
pub mod domain {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    /// A decided request's figures.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Decided {
        pub approved: bool,
        pub cost: Decimal,
        pub revenue: Decimal,
        pub budget_before: Option<Decimal>,
        pub finish_before: Option<NaiveDate>,
        pub finish_after: Option<NaiveDate>,
    }

    /// The calendar days a finish moved (later is positive).
    pub fn days_moved(before: Option<NaiveDate>, after: Option<NaiveDate>) -> Option<i64> {
        Some(after?.signed_duration_since(before?).num_days())
    }

    /// The approved impact against the original budget, finish and contract value.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Totals {
        pub approved: usize,
        pub rejected: usize,
        /// The budget before the first approved change (else the current one).
        pub original_budget: Decimal,
        pub approved_cost: Decimal,
        pub current_budget: Decimal,
        /// The approved cost impact / the original budget in percent, one decimal; none
        /// without a budget. Budget revisions made outside change requests do not count.
        pub budget_change_percent: Option<Decimal>,
        pub original_finish: Option<NaiveDate>,
        pub current_finish: Option<NaiveDate>,
        /// The calendar days the approved changes moved the finish, summed (progress and
        /// other edits of the schedule do not count).
        pub days_moved: Option<i64>,
        pub approved_revenue: Decimal,
        pub contract_before: Decimal,
        pub contract_now: Decimal,
    }

    /// `decided` in the order of decision; the current budget total, finish and income
    /// contract value (with its variations).
    pub fn totals(
        decided: &[Decided],
        current_budget: Decimal,
        current_finish: Option<NaiveDate>,
        contract_now: Decimal,
    ) -> Totals {
        let approved: Vec<&Decided> = decided.iter().filter(|d| d.approved).collect();
        let first = approved.first();
        let original_budget = first
            .and_then(|d| d.budget_before)
            .unwrap_or(current_budget);
        let original_finish = match first {
            Some(d) => d.finish_before.or(current_finish),
            None => current_finish,
        };
        let approved_cost: Decimal = approved.iter().map(|d| d.cost).sum();
        let approved_revenue: Decimal = approved.iter().map(|d| d.revenue).sum();
        let budget_change_percent = (!original_budget.is_zero())
            .then(|| (approved_cost * Decimal::ONE_HUNDRED / original_budget).round_dp(1));
        let moved: Vec<i64> = approved
            .iter()
            .filter_map(|d| days_moved(d.finish_before, d.finish_after))
            .collect();
        Totals {
            approved: approved.len(),
            rejected: decided.len() - approved.len(),
            original_budget,
            approved_cost,
            current_budget,
            budget_change_percent,
            original_finish,
            current_finish,
            days_moved: original_finish
                .or(current_finish)
                .map(|_| moved.iter().sum()),
            approved_revenue,
            contract_before: contract_now - approved_revenue,
            contract_now,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
            NaiveDate::from_ymd_opt(y, m, day)
        }

        fn decided(approved: bool, cost: i64, revenue: i64, before: i64) -> Decided {
            Decided {
                approved,
                cost: Decimal::from(cost),
                revenue: Decimal::from(revenue),
                budget_before: Some(Decimal::from(before)),
                finish_before: d(2026, 6, 30),
                finish_after: d(2026, 7, 10),
            }
        }

        #[test]
        fn the_original_is_before_the_first_approved_change() {
            let list = [
                decided(false, 999, 999, 1),
                decided(true, 300, 500, 10_000),
                Decided {
                    finish_before: d(2026, 7, 10),
                    finish_after: d(2026, 7, 14),
                    ..decided(true, -100, 0, 10_300)
                },
            ];
            let t = totals(
                &list,
                Decimal::from(10_200),
                d(2026, 7, 14),
                Decimal::from(50_500),
            );
            assert_eq!(t.approved, 2);
            assert_eq!(t.rejected, 1);
            assert_eq!(t.original_budget, Decimal::from(10_000));
            assert_eq!(t.approved_cost, Decimal::from(200));
            assert_eq!(t.budget_change_percent, Some(Decimal::new(20, 1)));
            assert_eq!(t.original_finish, d(2026, 6, 30));
            assert_eq!(t.days_moved, Some(14));
            assert_eq!(t.approved_revenue, Decimal::from(500));
            assert_eq!(t.contract_before, Decimal::from(50_000));
        }

        #[test]
        fn without_approved_changes_the_original_is_the_current() {
            let t = totals(
                &[decided(false, 5, 5, 1)],
                Decimal::from(800),
                d(2026, 3, 1),
                Decimal::from(900),
            );
            assert_eq!(t.original_budget, Decimal::from(800));
            assert_eq!(t.approved_cost, Decimal::ZERO);
            assert_eq!(t.budget_change_percent, Some(Decimal::ZERO));
            assert_eq!(t.days_moved, Some(0));
            assert_eq!(t.contract_before, Decimal::from(900));
            let empty = totals(&[], Decimal::ZERO, None, Decimal::ZERO);
            assert_eq!(empty.budget_change_percent, None);
            assert_eq!(empty.days_moved, None);
        }

        #[test]
        fn finishes_move_by_calendar_days_either_way() {
            assert_eq!(days_moved(d(2026, 2, 27), d(2026, 3, 2)), Some(3));
            assert_eq!(days_moved(d(2026, 3, 2), d(2026, 2, 27)), Some(-3));
            assert_eq!(days_moved(None, d(2026, 3, 2)), None);
        }
    }
}

/// A decided request as the log lists it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub number: String,
    pub kind: RequestKind,
    pub title: String,
    pub status: Status,
    pub requester_name: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub cost: Decimal,
    pub revenue_amount: Decimal,
    pub days: i64,
    pub budget_before: Option<Decimal>,
    pub budget_after: Option<Decimal>,
    pub finish_before: Option<NaiveDate>,
    pub finish_after: Option<NaiveDate>,
    pub rejection: Option<String>,
}

/// The project's approved and rejected requests in the order they were decided.
pub async fn decided(scope: &mut TenantScope, project: ProjectId) -> AppResult<Vec<Entry>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Entry,
        r#"select r.id, r.number, r.kind as "kind: RequestKind", r.title, r.status as "status: Status",
                  u.name as requester_name,
                  r.decided_at,
                  coalesce((select sum(c.amount) from change_request_cost c
                            where c.tenant_id = r.tenant_id and c.change_request_id = r.id), 0)
                      as "cost!",
                  r.revenue_amount,
                  coalesce((select sum(t.days) from change_request_task t
                            where t.tenant_id = r.tenant_id and t.change_request_id = r.id), 0)
                      as "days!",
                  r.budget_before, r.budget_after, r.finish_before, r.finish_after,
                  (select v.comment from change_vote v
                   where v.tenant_id = r.tenant_id and v.change_request_id = r.id
                     and v.round = r.round and v.decision = 'reject'
                   order by v.voted_at, v.id limit 1) as rejection
           from change_request r
           join app_user u on u.tenant_id = r.tenant_id and u.id = r.requester_id
           where r.tenant_id = $1 and r.project_id = $2 and r.status in ('approved', 'rejected')
           order by r.decided_at, r.id"#,
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// What the project's income contracts are worth now, with their variations.
pub async fn income_contract_value(
    scope: &mut TenantScope,
    project: ProjectId,
) -> AppResult<Decimal> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        r#"select coalesce(sum(k.amount + coalesce((select sum(v.amount) from contract_variation v
                                                    where v.tenant_id = k.tenant_id
                                                      and v.contract_id = k.id), 0)), 0) as "v!"
           from contract k
           where k.tenant_id = $1 and k.project_id = $2 and k.direction = 'income'
             and k.status <> 'draft'"#,
        tenant as TenantId,
        project as ProjectId
    )
    .fetch_one(scope.conn())
    .await?)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LogQuery {
    pub format: Option<ExportFormat>,
}

/// An entry as the page shows it.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub id: i64,
    pub href: String,
    pub number: String,
    pub title: String,
    pub kind_key: &'static str,
    pub approved: bool,
    pub status: String,
    pub status_key: String,
    pub requester: String,
    pub decided: String,
    pub cost: String,
    pub revenue: String,
    pub days: String,
    pub budget_before: String,
    pub budget_after: String,
    pub finish_before: String,
    pub finish_after: String,
    pub moved: String,
    pub rejection: String,
}

/// The totals as the page shows them.
#[derive(Debug, Clone)]
pub struct TotalsView {
    pub approved: usize,
    pub rejected: usize,
    pub original_budget: String,
    pub approved_cost: String,
    pub current_budget: String,
    pub budget_change: String,
    pub original_finish: String,
    pub current_finish: String,
    pub days_moved: String,
    pub approved_revenue: String,
    pub contract_before: String,
    pub contract_now: String,
}

#[derive(Template)]
#[template(path = "changes/log.html")]
pub struct ChangeLogPage {
    pub layout: Layout,
    pub project: Project,
    pub entries: Vec<EntryView>,
    pub totals: TotalsView,
}

fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn opt_money(m: Option<Decimal>) -> String {
    m.map(money).unwrap_or_default()
}

/// GET /projects/{project_id}/changes/log (`?format=csv|xlsx` downloads it).
pub async fn show(
    mut p: ProjectTx<Changes>,
    page: Page,
    Query(q): Query<LogQuery>,
) -> AppResult<Response> {
    let locale = page.locale;
    let project = p.project.clone();
    let tz = p.tx.tenant().time_zone;
    let entries = decided(&mut p.tx, project.id).await?;
    let current_budget = queries::budget_total(&mut p.tx, project.id).await?;
    let current_finish = queries::project_finish(&mut p.tx, project.id).await?;
    let contract_now = income_contract_value(&mut p.tx, project.id).await?;
    let figures: Vec<domain::Decided> = entries
        .iter()
        .map(|e| domain::Decided {
            approved: e.status == Status::Approved,
            cost: e.cost,
            revenue: e.revenue_amount,
            budget_before: e.budget_before,
            finish_before: e.finish_before,
            finish_after: e.finish_after,
        })
        .collect();
    let totals = domain::totals(&figures, current_budget, current_finish, contract_now);
    if let Some(format) = q.format {
        return export(locale, &project, &entries, &totals, tz, format);
    }
    let views = entries
        .into_iter()
        .map(|e| {
            let approved = e.status == Status::Approved;
            EntryView {
                id: e.id,
                href: format!("/projects/{}/changes/{}", project.id, e.id),
                kind_key: e.kind.label_key(),
                approved,
                status_key: e.status.label_key(),
                decided: e.decided_at.map(|at| date(at, tz)).unwrap_or_default(),
                cost: money(e.cost),
                revenue: money(e.revenue_amount),
                days: signed_days(e.days),
                budget_before: opt_money(e.budget_before),
                budget_after: opt_money(e.budget_after),
                finish_before: opt_date(e.finish_before),
                finish_after: opt_date(e.finish_after),
                moved: domain::days_moved(e.finish_before, e.finish_after)
                    .map(signed_days)
                    .unwrap_or_default(),
                rejection: e.rejection.unwrap_or_default(),
                number: e.number,
                title: e.title,
                status: e.status.as_str().to_owned(),
                requester: e.requester_name,
            }
        })
        .collect();
    let html = ChangeLogPage {
        layout: page.layout(&p.tx, "changes_board.log_title"),
        entries: views,
        totals: TotalsView {
            approved: totals.approved,
            rejected: totals.rejected,
            original_budget: money(totals.original_budget),
            approved_cost: money(totals.approved_cost),
            current_budget: money(totals.current_budget),
            budget_change: totals
                .budget_change_percent
                .map(|p| {
                    if p > Decimal::ZERO {
                        format!("+{p:.1}%")
                    } else {
                        format!("{p:.1}%")
                    }
                })
                .unwrap_or_default(),
            original_finish: opt_date(totals.original_finish),
            current_finish: opt_date(totals.current_finish),
            days_moved: totals.days_moved.map(signed_days).unwrap_or_default(),
            approved_revenue: money(totals.approved_revenue),
            contract_before: money(totals.contract_before),
            contract_now: money(totals.contract_now),
        },
        project,
    }
    .render()?;
    Ok(Html(html).into_response())
}

fn export(
    locale: Locale,
    project: &Project,
    entries: &[Entry],
    totals: &domain::Totals,
    tz: chrono_tz::Tz,
    format: ExportFormat,
) -> AppResult<Response> {
    let h = |key: &str| t(locale, key).to_owned();
    let text = |s: String| Cell::Text(s);
    let headers = [
        "changes_board.col_number",
        "changes_board.col_title",
        "changes_board.col_status",
        "changes_board.col_decided",
        "changes_board.col_cost",
        "changes_board.col_revenue",
        "changes_board.col_days",
        "changes_board.budget_before",
        "changes_board.budget_after",
        "changes_board.finish_before",
        "changes_board.finish_after",
        "changes_board.col_moved",
        "changes_board.col_comment",
    ]
    .iter()
    .map(|k| h(k))
    .collect();
    let rows = entries
        .iter()
        .map(|e| {
            let approved = e.status == Status::Approved;
            let opt = |m: Option<Decimal>| m.map_or_else(|| text(String::new()), Cell::Money);
            vec![
                text(e.number.clone()),
                text(e.title.clone()),
                text(t(locale, &e.status.label_key()).to_owned()),
                text(e.decided_at.map(|at| date(at, tz)).unwrap_or_default()),
                Cell::Money(e.cost),
                Cell::Money(e.revenue_amount),
                Cell::Integer(e.days),
                opt(e.budget_before),
                opt(e.budget_after),
                text(opt_date(e.finish_before)),
                text(opt_date(e.finish_after)),
                domain::days_moved(e.finish_before, e.finish_after)
                    .map_or_else(|| text(String::new()), Cell::Integer),
                text(if approved {
                    String::new()
                } else {
                    e.rejection.clone().unwrap_or_default()
                }),
            ]
        })
        .collect();
    let totals_row = vec![
        text(h("changes_board.total_approved")),
        text(String::new()),
        text(String::new()),
        text(String::new()),
        Cell::Money(totals.approved_cost),
        Cell::Money(totals.approved_revenue),
        text(String::new()),
        Cell::Money(totals.original_budget),
        Cell::Money(totals.current_budget),
        text(opt_date(totals.original_finish)),
        text(opt_date(totals.current_finish)),
        totals
            .days_moved
            .map_or_else(|| text(String::new()), Cell::Integer),
        text(String::new()),
    ];
    Table {
        headers,
        rows,
        totals: Some(totals_row),
    }
    .download(format, &format!("change-log-{}", project.id))
}
