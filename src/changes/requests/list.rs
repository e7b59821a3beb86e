//! The project's change requests with their impact, filtered by status.

use askama::Template;
use axum::extract::Query;
use axum::response::Html;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::views::{ListPage, ListView};
use super::{base, queries};
use crate::changes::domain::Status;
use crate::error::AppResult;
use crate::i18n;
use crate::roles::Permission;
use crate::tenancy::Changes;
use crate::tenancy::ProjectTx;
use crate::web::form::Choice;
use crate::web::{Page, format};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
}

pub async fn index(
    mut p: ProjectTx<Changes>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let locale = p.tx.user().locale;
    let tz = p.tx.tenant().time_zone;
    let status = Status::parse(q.status.trim());
    let project = p.project.id;
    let rows = queries::list(&mut p.tx, project, status).await?;
    let base = base(project);
    // Only approved requests changed anything: drafts and rejections are not added up.
    let approved = || rows.iter().filter(|r| r.status == Status::Approved);
    let cost_total: Decimal = approved().map(|r| r.cost_total).sum();
    let revenue_total: Decimal = approved().map(|r| r.revenue_amount).sum();
    let when = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map_or_else(|| "—".to_owned(), |at| format::date(at, tz))
    };
    let rows = rows
        .into_iter()
        .map(|r| ListView {
            href: format!("{base}/{}", r.id),
            kind_key: r.kind.label_key(),
            status_key: r.status.label_key(),
            cost: format::money(r.cost_total),
            revenue: format::money(r.revenue_amount),
            submitted: when(r.submitted_at),
            decided: when(r.decided_at),
            number: r.number,
            title: r.title,
            requester: r.requester_name,
            status: r.status.as_str().to_owned(),
            days_added: r.days_added,
            days_removed: r.days_removed,
        })
        .collect();
    Ok(Html(
        ListPage {
            layout: page.layout(&p.tx, "changes_requests.title"),
            project: p.project.clone(),
            tab: "changes",
            rows,
            status: status.map_or("", Status::as_str).to_owned(),
            statuses: Status::ALL
                .iter()
                .map(|s| Choice {
                    value: s.as_str().to_owned(),
                    label: i18n::t(locale, &s.label_key()).to_owned(),
                })
                .collect(),
            can_raise: p.tx.user().role.has(Permission::RaiseChange),
            cost_total: format::money(cost_total),
            revenue_total: format::money(revenue_total),
            base,
        }
        .render()?,
    ))
}
