//! The Gantt page: the project's outline drawn by `gantt::render`, with zoom, a chosen
//! baseline and collapsed summaries carried in the query string (no JavaScript needed).

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::Query;
use axum::response::Html;
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;

use super::baselines;
use super::gantt::{self, GanttChart, GanttLabels, GanttLink, GanttRow, GanttSvg, RowKind, Zoom};
use super::queries::{self, Link, Task};
use super::tasks::Outline;
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::ids::TaskId;
use crate::tenancy::Plans;
use crate::tenancy::ProjectId;
use crate::tenancy::ProjectTx;
use crate::tenancy::project::Project;
use crate::web::pager::Pager;
use crate::web::{Layout, Page};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GanttQuery {
    pub zoom: String,
    pub baseline: Option<i32>,
    /// Comma-separated ids of collapsed summary tasks.
    pub collapsed: String,
    /// Which window of `ROWS_PER_PAGE` rows to draw.
    pub page: i64,
}

/// Rows drawn per page: a window of the outline, its timescale fitted to the rows shown, so a
/// 20,000-task project gives pages of a few hundred KB rather than one of hundreds of MB.
pub const ROWS_PER_PAGE: usize = 300;

#[derive(Template)]
#[template(path = "plans/gantt.html")]
pub struct GanttPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub svg: GanttSvg,
    pub zoom: &'static str,
    pub zooms: Vec<(&'static str, String)>,
    pub baselines: Vec<(i32, String)>,
    pub baseline: Option<i32>,
    pub collapsed: String,
    pub empty: bool,
    pub pager: Pager,
}

/// The chart's rows: every task in outline order except those under a collapsed summary.
pub fn rows(
    project: ProjectId,
    outline: &[(Task, String, u32)],
    baseline: &HashMap<TaskId, (NaiveDate, NaiveDate)>,
    collapsed: &HashSet<i64>,
    query: &dyn Fn(&HashSet<i64>) -> String,
) -> Vec<GanttRow> {
    let mut out = Vec::with_capacity(outline.len());
    // Depth below which rows are hidden, while inside a collapsed summary.
    let mut hidden_below: Option<u32> = None;
    for (t, number, depth) in outline {
        if let Some(d) = hidden_below {
            if *depth > d {
                continue;
            }
            hidden_below = None;
        }
        let (Some(start), Some(finish)) = (t.early_start, t.early_finish) else {
            continue;
        };
        let kind = if t.is_summary {
            let is_collapsed = collapsed.contains(&t.id.0);
            if is_collapsed {
                hidden_below = Some(*depth);
            }
            RowKind::Summary {
                collapsed: is_collapsed,
            }
        } else if t.milestone {
            RowKind::Milestone
        } else {
            RowKind::Task
        };
        let toggle_href = t.is_summary.then(|| {
            let mut next = collapsed.clone();
            if !next.remove(&t.id.0) {
                next.insert(t.id.0);
            }
            format!("/projects/{project}/gantt?{}", query(&next))
        });
        out.push(GanttRow {
            id: t.id.0,
            outline: number.clone(),
            name: t.name.clone(),
            depth: *depth,
            kind,
            start,
            finish,
            critical: t.critical,
            percent_complete: t.percent_complete.to_f64().unwrap_or(0.0),
            baseline: baseline.get(&t.id).copied(),
            href: Some(format!("/projects/{project}/tasks/{}", t.id)),
            toggle_href,
        });
    }
    out
}

pub fn links(links: &[Link]) -> Vec<GanttLink> {
    links
        .iter()
        .map(|l| GanttLink {
            from: l.pred_id.0,
            to: l.succ_id.0,
            kind: l.kind(),
        })
        .collect()
}

pub fn labels(locale: Locale) -> GanttLabels {
    let t = |k| i18n::t(locale, k).to_owned();
    GanttLabels {
        name: t("plans.col_name"),
        today: t("gantt.today"),
        status_date: t("progress.status_date"),
        baseline: t("gantt.baseline"),
        critical: t("gantt.critical"),
        progress_line: t("gantt.progress_line"),
        task: t("gantt.task"),
        complete: t("gantt.complete"),
        summary: t("gantt.summary"),
        milestone: t("gantt.milestone"),
    }
}

pub async fn show(
    mut p: ProjectTx<Plans>,
    page: Page,
    Query(q): Query<GanttQuery>,
) -> AppResult<Html<String>> {
    let project = p.project.clone();
    let zoom = Zoom::parse(&q.zoom).unwrap_or(Zoom::Week);
    let collapsed: HashSet<i64> = q
        .collapsed
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let list = baselines::list(&mut p.tx, project.id).await?;
    let baseline = q.baseline.filter(|n| list.iter().any(|b| b.number == *n));
    let base = match baseline {
        Some(n) => baselines::dates(&mut p.tx, project.id, Some(n)).await?,
        None => HashMap::new(),
    };
    let calendar = queries::load_calendar(&mut p.tx, project.calendar_id).await?;
    let outline = Outline::load(&mut p).await?;
    let query_for = |zoom: Zoom, collapsed: &HashSet<i64>, page: Option<usize>| {
        let mut ids: Vec<String> = collapsed.iter().map(|i| i.to_string()).collect();
        ids.sort();
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("zoom", zoom.as_str());
        if let Some(n) = baseline {
            s.append_pair("baseline", &n.to_string());
        }
        if !ids.is_empty() {
            s.append_pair("collapsed", &ids.join(","));
        }
        if let Some(n) = page.filter(|n| *n > 1) {
            s.append_pair("page", &n.to_string());
        }
        s.finish()
    };
    let current = usize::try_from(q.page).ok();
    let all_rows = rows(project.id, &outline.tasks, &base, &collapsed, &|c| {
        query_for(zoom, c, current)
    });
    let pager = Pager::new(page.locale, all_rows.len(), ROWS_PER_PAGE, q.page, |n| {
        format!(
            "/projects/{}/gantt?{}",
            project.id,
            query_for(zoom, &collapsed, Some(n))
        )
    });
    let gantt_rows = pager.slice(&all_rows);
    let gantt_links = links(&outline.links);
    let labels = labels(page.locale);
    let today =
        p.tx.tenant()
            .now
            .with_timezone(&p.tx.tenant().time_zone)
            .date_naive();
    let svg = gantt::render(&GanttChart {
        rows: gantt_rows,
        links: &gantt_links,
        today,
        status_date: project.status_date,
        zoom,
        labels: &labels,
        is_working_day: &|d| calendar.is_working(d),
    });
    let zooms = Zoom::ALL
        .iter()
        .map(|z| {
            (
                z.as_str(),
                format!(
                    "/projects/{}/gantt?{}",
                    project.id,
                    query_for(*z, &collapsed, Some(pager.page))
                ),
            )
        })
        .collect();
    let mut ids: Vec<String> = collapsed.iter().map(|i| i.to_string()).collect();
    ids.sort();
    Ok(Html(
        GanttPage {
            layout: page.layout(&p.tx, "plans.gantt_title"),
            tab: "gantt",
            empty: gantt_rows.is_empty(),
            svg,
            zoom: zoom.as_str(),
            zooms,
            baselines: list.into_iter().map(|b| (b.number, b.name)).collect(),
            baseline,
            collapsed: ids.join(","),
            pager,
            project,
        }
        .render()?,
    ))
}
