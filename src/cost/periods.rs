//! Period close (结账): the last 24 months (and any month closed before them) with each
//! month's entry count and actual cost across the projects the user may see, open or closed,
//! who closed it and when. Finance closes a month once it has ended in the tenant's time zone;
//! an admin may reopen one, after a confirmation. Entries dated in a closed month are refused
//! by the entry pages (`queries::is_closed`).

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{DateTime, Months, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::domain::{month_of, parse_month};
use crate::audit::{Action, Change};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::ids::{TenantId, UserId};
use crate::roles::Permission;
use crate::state::AppState;
use crate::tenancy::{Cost, TenantTx};
use crate::web::form::CsrfOnly;
use crate::web::{AppForm, Layout, Page, Path, format};

/// Months the page lists back from the current one.
pub const MONTHS_SHOWN: u32 = 24;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cost/periods", get(list))
        .route("/cost/periods/{month}/close", axum::routing::post(close))
        .route(
            "/cost/periods/{month}/reopen",
            get(reopen_form).post(reopen),
        )
}

// Rules ---------------------------------------------------------------------------------------

/// The first days of the `n` months ending with `today`'s, newest first.
pub fn recent_months(today: NaiveDate, n: u32) -> Vec<NaiveDate> {
    let this = month_of(today);
    (0..n)
        .filter_map(|i| this.checked_sub_months(Months::new(i)))
        .collect()
}

/// Whether `month` (its first day) is over on `today`: only then may it be closed.
pub fn has_ended(month: NaiveDate, today: NaiveDate) -> bool {
    month_of(month) < month_of(today)
}

// Queries -------------------------------------------------------------------------------------

/// A month's entries and actual cost (entries and confirmed day labour).
#[derive(Debug, Clone)]
struct MonthFigures {
    month: NaiveDate,
    entries: i64,
    amount: Decimal,
}

async fn month_figures(scope: &mut TenantScope) -> AppResult<Vec<MonthFigures>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        MonthFigures,
        r#"select m.month,
                  coalesce(sum(m.entries) filter (where m.category_id <> 0), 0)::bigint
                    as "entries!",
                  coalesce(sum(m.amount), 0)::numeric(20, 2) as "amount!"
           from cost_actual_month m
           where m.tenant_id = $1
             and m.project_id in (select * from visible_project_ids($1))
           group by m.month"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

#[derive(Debug, Clone)]
struct ClosedPeriod {
    month: NaiveDate,
    closed_at: DateTime<Utc>,
    closed_by_name: Option<String>,
}

async fn closed_periods(scope: &mut TenantScope) -> AppResult<Vec<ClosedPeriod>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ClosedPeriod,
        r#"select p.month, p.closed_at, u.name as "closed_by_name?"
           from cost_period p
           left join app_user u on u.tenant_id = p.tenant_id and u.id = p.closed_by
           where p.tenant_id = $1
           order by p.month desc"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// Closes `month`; false when it was closed already.
async fn insert_period(scope: &mut TenantScope, month: NaiveDate, by: UserId) -> AppResult<bool> {
    // Waits for writers that checked the month open to commit first.
    crate::cost::queries::lock_periods(scope, true).await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into cost_period (tenant_id, month, closed_by) values ($1, $2, $3)
         on conflict do nothing
         returning month",
        tenant as TenantId,
        month,
        by as UserId
    )
    .fetch_optional(scope.conn())
    .await?
    .is_some())
}

/// Reopens `month`; gives when it had been closed, none when it was open.
async fn delete_period(
    scope: &mut TenantScope,
    month: NaiveDate,
) -> AppResult<Option<(DateTime<Utc>, Option<i64>)>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query!(
        "delete from cost_period where tenant_id = $1 and month = $2
         returning closed_at, closed_by",
        tenant as TenantId,
        month
    )
    .fetch_optional(scope.conn())
    .await?
    .map(|r| (r.closed_at, r.closed_by)))
}

// Pages ---------------------------------------------------------------------------------------

/// One month of the list.
#[derive(Debug, Clone)]
pub struct PeriodRow {
    /// `YYYY-MM`.
    pub month: String,
    pub entries: i64,
    pub actual: String,
    pub closed: bool,
    pub closed_by: String,
    pub closed_at: String,
    /// Over, and open: may be closed.
    pub closable: bool,
}

#[derive(Template)]
#[template(path = "cost/periods.html")]
pub struct PeriodsPage {
    pub layout: Layout,
    pub rows: Vec<PeriodRow>,
    pub can_close: bool,
    pub can_reopen: bool,
    pub refusal: Option<String>,
}

#[derive(Template)]
#[template(path = "cost/periods_reopen.html")]
pub struct ReopenPage {
    pub layout: Layout,
    pub month: String,
    pub closed: String,
}

fn today(tx: &TenantTx<Cost>) -> NaiveDate {
    let t = tx.tenant();
    t.today()
}

fn month_param(s: &str) -> AppResult<NaiveDate> {
    parse_month(s)
        .filter(|m| m.format("%Y-%m").to_string() == s)
        .ok_or(AppError::NotFound)
}

async fn periods_page(
    tx: &mut TenantTx<Cost>,
    page: &Page,
    refusal: Option<String>,
) -> AppResult<String> {
    let tz = tx.tenant().time_zone;
    let today = today(tx);
    let figures = month_figures(tx).await?;
    let closed = closed_periods(tx).await?;
    let mut months = recent_months(today, MONTHS_SHOWN);
    months.extend(closed.iter().map(|c| c.month));
    months.sort_unstable_by(|a, b| b.cmp(a));
    months.dedup();
    let role = tx.user().role;
    let rows = months
        .into_iter()
        .map(|m| {
            let f = figures.iter().find(|f| f.month == m);
            let c = closed.iter().find(|c| c.month == m);
            PeriodRow {
                month: m.format("%Y-%m").to_string(),
                entries: f.map_or(0, |f| f.entries),
                actual: format::money(f.map_or(Decimal::ZERO, |f| f.amount)),
                closed: c.is_some(),
                closed_by: c.and_then(|c| c.closed_by_name.clone()).unwrap_or_default(),
                closed_at: c
                    .map(|c| format::datetime(c.closed_at, tz))
                    .unwrap_or_default(),
                closable: c.is_none() && has_ended(m, today),
            }
        })
        .collect();
    Ok(PeriodsPage {
        layout: page.layout(tx, "cost_entries.period_title"),
        rows,
        can_close: role.has(Permission::CloseCostPeriod),
        can_reopen: role.has(Permission::ManageCostSettings),
        refusal,
    }
    .render()?)
}

pub async fn list(mut tx: TenantTx<Cost>, page: Page) -> AppResult<Html<String>> {
    Ok(Html(periods_page(&mut tx, &page, None).await?))
}

async fn refused(
    mut tx: TenantTx<Cost>,
    page: Page,
    status: StatusCode,
    key: &str,
    month: NaiveDate,
) -> AppResult<Response> {
    let locale = tx.user().locale;
    let text = i18n::tf(locale, key, &[("month", &month.format("%Y-%m"))]);
    let html = periods_page(&mut tx, &page, Some(text)).await?;
    Ok((status, Html(html)).into_response())
}

/// Closes a month that has ended: no entry dated in it may be added, changed or reversed.
pub async fn close(
    mut tx: TenantTx<Cost>,
    page: Page,
    Path(month): Path<String>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Response> {
    tx.require(Permission::CloseCostPeriod)?;
    let month = month_param(&month)?;
    if !has_ended(month, today(&tx)) {
        return refused(
            tx,
            page,
            StatusCode::UNPROCESSABLE_ENTITY,
            "cost_entries.period_not_ended",
            month,
        )
        .await;
    }
    let me = tx.user().id;
    if !insert_period(&mut tx, month, me).await? {
        return refused(
            tx,
            page,
            StatusCode::CONFLICT,
            "cost_entries.period_already_closed",
            month,
        )
        .await;
    }
    let label = month.format("%Y-%m").to_string();
    tx.audit(Change {
        entity: "cost_period",
        entity_id: None,
        action: Action::Create,
        summary: &format!("cost period {label} closed"),
        before: None,
        after: Some(serde_json::json!({ "month": label })),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "cost_entries.period_closed_flash")
        .await?;
    Ok(Redirect::to("/cost/periods").into_response())
}

/// Asks before reopening a closed month.
pub async fn reopen_form(
    mut tx: TenantTx<Cost>,
    page: Page,
    Path(month): Path<String>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCostSettings)?;
    let month = month_param(&month)?;
    let closed = closed_periods(&mut tx).await?;
    let Some(c) = closed.iter().find(|c| c.month == month) else {
        return Ok(Redirect::to("/cost/periods").into_response());
    };
    let locale = tx.user().locale;
    let tz = tx.tenant().time_zone;
    let label = month.format("%Y-%m").to_string();
    let mut layout = page.layout(&tx, "cost_entries.period_reopen_title");
    layout.title = format!("{} {label}", layout.title);
    Ok(Html(
        ReopenPage {
            layout,
            closed: i18n::tf(
                locale,
                "cost_entries.period_closed_by",
                &[
                    ("name", &c.closed_by_name.as_deref().unwrap_or("—")),
                    ("at", &format::datetime(c.closed_at, tz)),
                ],
            ),
            month: label,
        }
        .render()?,
    )
    .into_response())
}

/// Reopens a closed month (an admin's correction).
pub async fn reopen(
    mut tx: TenantTx<Cost>,
    page: Page,
    Path(month): Path<String>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Response> {
    tx.require(Permission::ManageCostSettings)?;
    let month = month_param(&month)?;
    let Some((closed_at, closed_by)) = delete_period(&mut tx, month).await? else {
        return refused(
            tx,
            page,
            StatusCode::CONFLICT,
            "cost_entries.period_not_closed",
            month,
        )
        .await;
    };
    let label = month.format("%Y-%m").to_string();
    tx.audit(Change {
        entity: "cost_period",
        entity_id: None,
        action: Action::Delete,
        summary: &format!("cost period {label} reopened"),
        before: Some(serde_json::json!({
            "month": label,
            "closed_at": closed_at,
            "closed_by": closed_by,
        })),
        after: None,
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "cost_entries.period_reopened")
        .await?;
    Ok(Redirect::to("/cost/periods").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_list_covers_the_current_month_and_those_before() {
        let months = recent_months(day("2026-03-17"), 24);
        assert_eq!(months.len(), 24);
        assert_eq!(months[0], day("2026-03-01"));
        assert_eq!(months[2], day("2026-01-01"));
        assert_eq!(months[3], day("2025-12-01"));
        assert_eq!(months[23], day("2024-04-01"));
    }

    #[test]
    fn a_month_may_be_closed_only_once_over() {
        assert!(has_ended(day("2026-02-01"), day("2026-03-01")));
        assert!(!has_ended(day("2026-03-01"), day("2026-03-31")));
        assert!(!has_ended(day("2026-04-01"), day("2026-03-31")));
    }
}
