//! The company's change requests (/changes): every project the user sees, filtered by
//! project, status, or awaiting my vote; the requests awaiting my vote first; the approved
//! cost and revenue impact of what the list holds.

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::domain::{RequestKind, Status};
use super::queries;
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::ids::{TenantId, UserId};
use crate::tenancy::{Changes, ProjectId, TenantTx};
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::form::Choice;
use crate::web::format::{date, money};
use crate::web::{Layout, Page};

const PAGE_SIZE: i64 = 50;

pub fn router() -> axum::Router<crate::state::AppState> {
    axum::Router::new().route("/changes", axum::routing::get(show))
}

/// The list's filters as the query string carries them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OverviewQuery {
    pub project: String,
    pub status: String,
    /// `me`: only the requests awaiting my vote.
    pub awaiting: String,
    pub page: String,
    pub format: Option<ExportFormat>,
}

/// The most rows an export holds.
const EXPORT_LIMIT: i64 = 10_000;

/// Which requests a list holds.
#[derive(Debug, Clone, Copy)]
pub struct Filter<'a> {
    /// The user asking (whose projects are listed is the database's `visible_project_ids`).
    pub user: UserId,
    pub project: Option<ProjectId>,
    pub status: Option<&'a str>,
    /// Only those awaiting `user`'s vote (the caller checked they sit on the board).
    pub awaiting: bool,
}

/// A request as the lists show it.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: i64,
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub number: String,
    pub kind: RequestKind,
    pub title: String,
    pub status: Status,
    pub cost: Decimal,
    pub revenue: Decimal,
    pub days: i64,
    pub requester_name: String,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// A page of requests (newest submission first) in the projects the user sees.
pub async fn list(
    scope: &mut TenantScope,
    f: Filter<'_>,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<Row>> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        Row,
        r#"select r.id, r.project_id, p.code as project_code, p.name as project_name, r.number,
                  r.kind as "kind: RequestKind", r.title, r.status as "status: Status",
                  coalesce((select sum(c.amount) from change_request_cost c
                            where c.tenant_id = r.tenant_id and c.change_request_id = r.id), 0)
                      as "cost!",
                  r.revenue_amount as revenue,
                  coalesce((select sum(t.days) from change_request_task t
                            where t.tenant_id = r.tenant_id and t.change_request_id = r.id), 0)
                      as "days!",
                  u.name as requester_name, r.submitted_at
           from change_request r
           join project p on p.tenant_id = r.tenant_id and p.id = r.project_id
           join app_user u on u.tenant_id = r.tenant_id and u.id = r.requester_id
           where r.tenant_id = $1
             and r.project_id in (select * from visible_project_ids($1))
             and ($3::bigint is null or r.project_id = $3)
             and ($4::text is null or r.status = $4)
             and (not $5 or (r.status in ('submitted', 'under_review') and r.requester_id <> $2
                             and not exists (select 1 from change_vote v
                                             where v.tenant_id = r.tenant_id
                                               and v.change_request_id = r.id
                                               and v.round = r.round and v.voter_id = $2)))
           order by coalesce(r.submitted_at, r.created_at) desc, r.id desc
           limit $6 offset $7"#,
        tenant as TenantId,
        f.user as UserId,
        f.project as Option<ProjectId>,
        f.status,
        f.awaiting,
        limit,
        offset
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The approved cost and revenue impact of every request the filter takes.
pub async fn approved_totals(
    scope: &mut TenantScope,
    f: Filter<'_>,
) -> AppResult<(Decimal, Decimal)> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    let row = sqlx::query!(
        r#"select coalesce(sum((select coalesce(sum(c.amount), 0) from change_request_cost c
                                where c.tenant_id = r.tenant_id
                                  and c.change_request_id = r.id)), 0) as "cost!",
                  coalesce(sum(r.revenue_amount), 0) as "revenue!"
           from change_request r
           where r.tenant_id = $1 and r.status = 'approved'
             and r.project_id in (select * from visible_project_ids($1))
             and ($2::bigint is null or r.project_id = $2)
             and ($3::text is null or r.status = $3)
             and not $4"#,
        tenant as TenantId,
        f.project as Option<ProjectId>,
        f.status,
        f.awaiting
    )
    .fetch_one(scope.conn())
    .await?;
    Ok((row.cost, row.revenue))
}

/// A row as the page shows it.
#[derive(Debug, Clone)]
pub struct RowView {
    pub href: String,
    pub id: i64,
    pub number: String,
    pub kind_key: &'static str,
    pub project: String,
    pub title: String,
    pub status: String,
    pub status_key: String,
    pub cost: String,
    pub revenue: String,
    pub days: String,
    pub requester: String,
    pub submitted: String,
}

fn view(r: Row, tz: chrono_tz::Tz) -> RowView {
    let status = r.status;
    RowView {
        href: format!("/projects/{}/changes/{}", r.project_id, r.id),
        id: r.id,
        number: r.number,
        kind_key: r.kind.label_key(),
        project: format!("{} {}", r.project_code, r.project_name),
        title: r.title,
        status: status.as_str().to_owned(),
        status_key: status.label_key(),
        cost: money(r.cost),
        revenue: money(r.revenue),
        days: signed_days(r.days),
        requester: r.requester_name,
        submitted: r.submitted_at.map(|at| date(at, tz)).unwrap_or_default(),
    }
}

/// `+5`, `-3`, `0`.
pub fn signed_days(days: i64) -> String {
    if days > 0 {
        format!("+{days}")
    } else {
        days.to_string()
    }
}

#[derive(Template)]
#[template(path = "changes/overview.html")]
pub struct OverviewPage {
    pub layout: Layout,
    pub changes_tab: &'static str,
    pub on_board: bool,
    pub awaiting: Vec<RowView>,
    pub rows: Vec<RowView>,
    pub projects: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub project: String,
    pub status: String,
    pub awaiting_me: bool,
    pub approved_cost: String,
    pub approved_revenue: String,
    pub page: i64,
    pub has_next: bool,
    pub query: String,
}

fn status_choices(locale: Locale) -> Vec<Choice> {
    Status::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: i18n::t(locale, &s.label_key()).to_owned(),
        })
        .collect()
}

/// GET /changes
pub async fn show(
    mut tx: TenantTx<Changes>,
    page: Page,
    Query(q): Query<OverviewQuery>,
) -> AppResult<Response> {
    let locale = tx.user().locale;
    let tz = tx.tenant().time_zone;
    let me = tx.user().id;
    let role = tx.user().role;
    let projects = crate::tenancy::project::visible_projects(&mut tx).await?;
    // Unknown filter values are ignored, never an error: the list is a GET.
    let project = q
        .project
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| projects.iter().find(|p| p.id.get() == id))
        .map(|p| p.id);
    let status = Status::parse(q.status.trim());
    let on_board = queries::board_settings(&mut tx)
        .await?
        .board()
        .includes(me.0, role);
    let awaiting_me = q.awaiting == "me";
    let filter = Filter {
        user: me,
        project,
        status: status.map(Status::as_str),
        awaiting: awaiting_me,
    };
    if let Some(format) = q.format {
        let rows = if awaiting_me && !on_board {
            Vec::new()
        } else {
            list(&mut tx, filter, EXPORT_LIMIT, 0).await?
        };
        return export(locale, tz, rows, format);
    }
    let current = q.page.parse::<i64>().unwrap_or(1).max(1);
    let (mut rows, totals) = if awaiting_me && !on_board {
        (Vec::new(), (Decimal::ZERO, Decimal::ZERO))
    } else {
        let rows = list(
            &mut tx,
            filter,
            PAGE_SIZE + 1,
            (current - 1).saturating_mul(PAGE_SIZE),
        )
        .await?;
        (rows, approved_totals(&mut tx, filter).await?)
    };
    let has_next = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    let awaiting = if on_board {
        let mine = Filter {
            user: me,
            project: None,
            status: None,
            awaiting: true,
        };
        list(&mut tx, mine, PAGE_SIZE, 0).await?
    } else {
        Vec::new()
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair(
            "project",
            &project.map(|p| p.to_string()).unwrap_or_default(),
        )
        .append_pair("status", status.map(Status::as_str).unwrap_or_default())
        .append_pair("awaiting", if awaiting_me { "me" } else { "" })
        .finish();
    let html = OverviewPage {
        layout: page.layout(&tx, "changes_board.overview_title"),
        changes_tab: "requests",
        on_board,
        awaiting: awaiting.into_iter().map(|r| view(r, tz)).collect(),
        rows: rows.into_iter().map(|r| view(r, tz)).collect(),
        projects: projects
            .into_iter()
            .map(|p| Choice {
                value: p.id.to_string(),
                label: format!("{} {}", p.code, p.name),
            })
            .collect(),
        statuses: status_choices(locale),
        project: project.map(|p| p.to_string()).unwrap_or_default(),
        status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        awaiting_me,
        approved_cost: money(totals.0),
        approved_revenue: money(totals.1),
        page: current,
        has_next,
        query,
    }
    .render()?;
    Ok(Html(html).into_response())
}

/// The list as CSV or XLSX: the columns the page shows, amounts as numbers.
fn export(
    locale: Locale,
    tz: chrono_tz::Tz,
    rows: Vec<Row>,
    format: ExportFormat,
) -> AppResult<Response> {
    let headers = [
        "changes_board.col_number",
        "changes_board.col_project",
        "changes_board.col_title",
        "changes_board.col_status",
        "changes_board.col_cost",
        "changes_board.col_revenue",
        "changes_board.col_days",
        "changes_board.col_requester",
        "changes_board.col_submitted",
    ]
    .iter()
    .map(|k| i18n::t(locale, k).to_owned())
    .collect();
    let rows = rows
        .into_iter()
        .map(|r| {
            let status = r.status;
            vec![
                Cell::Text(r.number),
                Cell::Text(format!("{} {}", r.project_code, r.project_name)),
                Cell::Text(r.title),
                Cell::Text(i18n::t(locale, &status.label_key()).to_owned()),
                Cell::Money(r.cost),
                Cell::Money(r.revenue),
                Cell::Integer(r.days),
                Cell::Text(r.requester_name),
                Cell::Text(r.submitted_at.map(|at| date(at, tz)).unwrap_or_default()),
            ]
        })
        .collect();
    Table {
        headers,
        rows,
        totals: None,
    }
    .download(format, "change-requests")
}
