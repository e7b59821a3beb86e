//! The earned value page of a project: load the budget, the plan (latest baseline, else the
//! schedule), the calendar, progress and actual cost, measure them as of the status date, and
//! draw the chart.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::Query;
use axum::response::Html;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::chart::{self, ChartLabels};
use super::domain::{
    EvTask, History, Indicators, Percents, Plan, Sample, Standing, chart_dates, measure, series,
};
use super::queries;
use super::views::{Analysis, Card, EarnedValuePage, IndexCell, SampleRow, SummaryRow};
use crate::cost::queries::current_budget;
use crate::cost::views::CostTab;
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::ids::TaskId;
use crate::plans::{self, Wbs, place_of};
use crate::progress::progress_points;
use crate::tenancy::Cost;
use crate::tenancy::ProjectTx;
use crate::tenancy::project::Project;
use crate::web::Page;
use crate::web::format::money;
use crate::web::pager::{OUTLINE_ROWS_PER_PAGE, Pager};

/// GET /projects/{project_id}/cost/earned-value
/// `?page=` of the summary table.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    pub page: i64,
}

pub async fn show(
    mut p: ProjectTx<Cost>,
    page: Page,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let project = p.project.clone();
    let locale = page.locale;
    let tenant = p.tx.tenant();
    let today = tenant.today();
    let as_of = project.status_date.unwrap_or(today);
    let as_of_note = match project.status_date {
        Some(d) => i18n::tf(locale, "cost_ev.as_of_status", &[("date", &d)]),
        None => i18n::tf(locale, "cost_ev.as_of_today", &[("date", &today)]),
    };
    let id = project.id;
    let href = |n: usize| format!("/projects/{id}/cost/earned-value?page={n}");
    let (analysis, pager) = match current_budget(&mut p.tx, project.id).await? {
        Some(budget) => {
            let (a, pager) = analyse(
                &mut p,
                &project,
                (budget.id, budget.number),
                as_of,
                (locale, q.page),
                href,
            )
            .await?;
            (Some(a), pager)
        }
        None => (None, Pager::new(locale, 0, OUTLINE_ROWS_PER_PAGE, 1, href)),
    };
    Ok(Html(
        EarnedValuePage {
            layout: page.layout(&p.tx, "cost_ev.title"),
            project,
            tab: CostTab::EarnedValue,
            as_of_note,
            has_status_date: p.project.status_date.is_some(),
            analysis,
            pager,
        }
        .render()?,
    ))
}

async fn analyse(
    p: &mut ProjectTx<Cost>,
    project: &Project,
    (budget_version, budget_number): (i64, i32),
    as_of: NaiveDate,
    (locale, requested): (Locale, i64),
    href: impl Fn(usize) -> String,
) -> AppResult<(Analysis, Pager)> {
    let lines = queries::budget_by_task(&mut p.tx, budget_version).await?;
    let tasks = plans::tasks(&mut p.tx, project.id).await?;
    let base = plans::baseline_dates(&mut p.tx, project.id, None).await?;
    let calendar = plans::load_calendar(&mut p.tx, project.calendar_id).await?;
    let costs = queries::costs(&mut p.tx, project.id, as_of).await?;
    let points = progress_points(&mut p.tx, project.id).await?;

    let plan = plan_of(project, &tasks, &base, &lines);
    let mut current: Percents = tasks
        .iter()
        .map(|t| (Some(t.id), t.percent_complete))
        .collect();
    current.insert(None, project.percent_complete);
    let mut actual: HashMap<Option<TaskId>, Decimal> = HashMap::new();
    for (_, task, amount) in &costs {
        *actual.entry(*task).or_default() += *amount;
    }
    let measured = measure(&plan, &calendar, as_of, &current, &actual);
    let headline = Indicators::of(measured.project);

    let outline = Wbs::new(tasks.iter().map(place_of)).outline();
    let by_id: HashMap<i64, &plans::Task> = tasks.iter().map(|t| (t.id.0, t)).collect();
    let summaries: Vec<_> = outline
        .iter()
        .filter(|o| o.has_children || by_id.get(&o.id).is_some_and(|t| t.is_summary))
        .collect();
    let pager = Pager::new(
        locale,
        summaries.len(),
        OUTLINE_ROWS_PER_PAGE,
        requested,
        href,
    );
    let rows = pager
        .slice(&summaries)
        .iter()
        .filter_map(|o| {
            let task = by_id.get(&o.id)?;
            let values = measured
                .tasks
                .get(&TaskId(o.id))
                .copied()
                .unwrap_or_default();
            Some(summary_row(
                o.outline.clone(),
                o.depth,
                task.name.clone(),
                &Indicators::of(values),
            ))
        })
        .collect();

    let history = History::new(&plan.tasks, points);
    let dates = chart_dates(&plan, &costs, as_of);
    let samples = series(&plan, &calendar, &dates, as_of, &current, &history, &costs);
    let svg = chart::render(&samples, as_of, &chart_labels(locale, &samples, as_of));

    let unassigned_note = (plan.unassigned > Decimal::ZERO).then(|| {
        i18n::tf(
            locale,
            "cost_ev.unassigned_note",
            &[("amount", &money(plan.unassigned))],
        )
    });
    Ok((
        Analysis {
            budget_note: i18n::tf(
                locale,
                "cost_ev.budget_version",
                &[("number", &budget_number)],
            ),
            baseline_used: !base.is_empty(),
            unassigned_note,
            cards: cards(&headline),
            rows,
            svg,
            samples: samples.iter().map(sample_row).collect(),
        },
        pager,
    ))
}

/// The plan earned value measures against: each task's own budget lines over its latest
/// baseline dates (else its scheduled dates), and the budget without a task over the project.
fn plan_of(
    project: &Project,
    tasks: &[plans::Task],
    base: &HashMap<TaskId, (NaiveDate, NaiveDate)>,
    lines: &HashMap<Option<TaskId>, Decimal>,
) -> Plan {
    let parents: HashSet<TaskId> = tasks.iter().filter_map(|t| t.parent_id).collect();
    let known: HashSet<TaskId> = tasks.iter().map(|t| t.id).collect();
    let ev_tasks = tasks
        .iter()
        .map(|t| EvTask {
            id: t.id,
            parent: t.parent_id,
            summary: t.is_summary || parents.contains(&t.id),
            weight: t.weight.unwrap_or_else(|| Decimal::from(t.duration_days)),
            span: base
                .get(&t.id)
                .copied()
                .or(t.early_start.zip(t.early_finish)),
            budget: lines.get(&Some(t.id)).copied().unwrap_or_default(),
        })
        .collect();
    let unassigned = lines
        .iter()
        .filter(|(k, _)| k.is_none_or(|id| !known.contains(&id)))
        .map(|(_, v)| *v)
        .sum();
    let baseline_span = base
        .values()
        .map(|s| s.0)
        .min()
        .zip(base.values().map(|s| s.1).max());
    let span = baseline_span
        .or(project.scheduled_start.zip(project.scheduled_finish))
        .unwrap_or((
            project.planned_start,
            project.planned_finish.unwrap_or(project.planned_start),
        ));
    Plan {
        tasks: ev_tasks,
        span,
        unassigned,
    }
}

fn index(value: Option<Decimal>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
}

fn spi_cell(i: &Indicators) -> IndexCell {
    IndexCell {
        value: index(i.spi),
        note_key: Some(match i.schedule() {
            Some(Standing::Worse) => "cost_ev.behind",
            Some(Standing::OnTarget) => "cost_ev.on_schedule",
            Some(Standing::Better) => "cost_ev.ahead",
            None => "cost_ev.no_pv",
        }),
        bad: i.schedule() == Some(Standing::Worse),
    }
}

fn cpi_cell(i: &Indicators) -> IndexCell {
    IndexCell {
        value: index(i.cpi),
        note_key: Some(match i.cost() {
            Some(Standing::Worse) => "cost_ev.over_budget",
            Some(Standing::OnTarget) => "cost_ev.on_budget",
            Some(Standing::Better) => "cost_ev.under_budget",
            None => "cost_ev.no_ac",
        }),
        bad: i.cost() == Some(Standing::Worse),
    }
}

fn tcpi_cell(i: &Indicators) -> IndexCell {
    IndexCell {
        value: index(i.tcpi),
        note_key: match i.tcpi {
            None if i.values.bac > Decimal::ZERO || i.values.ac > Decimal::ZERO => {
                Some("cost_ev.tcpi_spent")
            }
            Some(t) if t > Decimal::ONE => Some("cost_ev.tcpi_harder"),
            _ => None,
        },
        bad: i.tcpi.is_none_or(|t| t > Decimal::ONE) && i.values.bac > Decimal::ZERO,
    }
}

fn cards(i: &Indicators) -> Vec<Card> {
    let v = i.values;
    let card = |abbr, name_key, help_key, value: Decimal, bad| Card {
        abbr,
        name_key,
        help_key,
        value: money(value),
        note_key: None,
        bad,
    };
    let from_cell = |abbr, name_key, help_key, c: IndexCell| Card {
        abbr,
        name_key,
        help_key,
        value: c.value,
        note_key: c.note_key,
        bad: c.bad,
    };
    let negative = |x: Decimal| x < Decimal::ZERO;
    vec![
        card("BAC", "cost_ev.bac", "cost_ev.bac_help", v.bac, false),
        card("PV", "cost_ev.pv", "cost_ev.pv_help", v.pv, false),
        card("EV", "cost_ev.ev", "cost_ev.ev_help", v.ev, false),
        card("AC", "cost_ev.ac", "cost_ev.ac_help", v.ac, false),
        card("SV", "cost_ev.sv", "cost_ev.sv_help", i.sv, negative(i.sv)),
        card("CV", "cost_ev.cv", "cost_ev.cv_help", i.cv, negative(i.cv)),
        from_cell("SPI", "cost_ev.spi", "cost_ev.spi_help", spi_cell(i)),
        from_cell("CPI", "cost_ev.cpi", "cost_ev.cpi_help", cpi_cell(i)),
        card(
            "EAC",
            "cost_ev.eac",
            "cost_ev.eac_help",
            i.eac,
            i.eac > v.bac,
        ),
        card("ETC", "cost_ev.etc", "cost_ev.etc_help", i.etc, false),
        card(
            "VAC",
            "cost_ev.vac",
            "cost_ev.vac_help",
            i.vac,
            negative(i.vac),
        ),
        from_cell("TCPI", "cost_ev.tcpi", "cost_ev.tcpi_help", tcpi_cell(i)),
    ]
}

fn summary_row(outline: String, depth: u32, name: String, i: &Indicators) -> SummaryRow {
    let v = i.values;
    SummaryRow {
        outline,
        depth,
        name,
        bac: money(v.bac),
        pv: money(v.pv),
        ev: money(v.ev),
        ac: money(v.ac),
        sv: money(i.sv),
        cv: money(i.cv),
        spi: spi_cell(i),
        cpi: cpi_cell(i),
        eac: money(i.eac),
        etc: money(i.etc),
        vac: money(i.vac),
        tcpi: tcpi_cell(i),
    }
}

fn sample_row(s: &Sample) -> SampleRow {
    let opt = |v: Option<Decimal>| v.map(money).unwrap_or_default();
    SampleRow {
        date: s.date.to_string(),
        pv: money(s.pv),
        ev: opt(s.ev),
        ac: opt(s.ac),
    }
}

fn chart_labels(locale: Locale, samples: &[Sample], as_of: NaiveDate) -> ChartLabels {
    let t = |key| i18n::t(locale, key).to_owned();
    let at = samples.iter().find(|s| s.date == as_of);
    let figure = |v: Option<Decimal>| v.map(money).unwrap_or_else(|| "—".to_owned());
    let desc = i18n::tf(
        locale,
        "cost_ev.chart_desc",
        &[
            (
                "from",
                &samples
                    .first()
                    .map(|s| s.date.to_string())
                    .unwrap_or_default(),
            ),
            (
                "to",
                &samples
                    .last()
                    .map(|s| s.date.to_string())
                    .unwrap_or_default(),
            ),
            ("date", &as_of),
            ("pv", &figure(at.map(|s| s.pv))),
            ("ev", &figure(at.and_then(|s| s.ev))),
            ("ac", &figure(at.and_then(|s| s.ac))),
        ],
    );
    ChartLabels {
        pv: t("cost_ev.legend_pv"),
        ev: t("cost_ev.legend_ev"),
        ac: t("cost_ev.legend_ac"),
        status_date: t("cost_ev.status_date"),
        yuan: t("cost_ev.axis_yuan"),
        wan: t("cost_ev.axis_wan"),
        title: t("cost_ev.chart_title"),
        desc,
    }
}
