//! The report pages and the view-models their templates read: figures formatted in Rust,
//! alerts as their tag and class, links built here.

use askama::Template;
use rust_decimal::Decimal;

use crate::cost::domain::{Alert, Figures, Margin};
use crate::cost::views::CostTab;
use crate::tenancy::project::Project;
use crate::web::{Layout, format};

/// A percent as shown: `66.7%`.
pub fn percent_text(p: Decimal) -> String {
    format!("{}%", p.round_dp(1).normalize())
}

/// One line's figures as shown.
#[derive(Debug, Clone)]
pub struct FigureCells {
    pub budget: String,
    pub actual: String,
    pub committed: String,
    pub remaining: String,
    pub remaining_negative: bool,
    pub estimate: String,
    pub estimate_entered: bool,
    pub forecast: String,
    pub variance: String,
    pub variance_negative: bool,
    /// Percent used, none without a budget.
    pub used: Option<String>,
    /// The bar's value: percent used, capped so an overrun still draws a full bar.
    pub bar: Decimal,
}

impl FigureCells {
    pub fn of(f: &Figures) -> FigureCells {
        let used = f.percent_used();
        FigureCells {
            budget: format::money(f.budget),
            actual: format::money(f.actual),
            committed: format::money(f.committed),
            remaining: format::money(f.remaining),
            remaining_negative: f.remaining < Decimal::ZERO,
            estimate: format::money(f.estimate),
            estimate_entered: f.estimate_entered,
            forecast: format::money(f.forecast),
            variance: format::money(f.variance),
            variance_negative: f.variance < Decimal::ZERO,
            used: used.map(percent_text),
            bar: used
                .unwrap_or_default()
                .clamp(Decimal::ZERO, Decimal::from(120)),
        }
    }
}

/// A category's line of the report.
#[derive(Debug, Clone)]
pub struct LineView {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// 0 for a top-level category, 1 for a child.
    pub depth: u8,
    pub cells: FigureCells,
    pub alert: Option<Alert>,
    /// Day labour's part of the actual cost, on the labour category's line.
    pub labour: Option<String>,
}

/// A margin as shown.
#[derive(Debug, Clone)]
pub struct MarginView {
    pub revenue: String,
    pub cost: String,
    pub amount: String,
    pub negative: bool,
    pub percent: Option<String>,
}

impl MarginView {
    pub fn of(m: &Margin) -> MarginView {
        MarginView {
            revenue: format::money(m.revenue),
            cost: format::money(m.cost),
            amount: format::money(m.amount),
            negative: m.amount < Decimal::ZERO,
            percent: m.percent.map(percent_text),
        }
    }
}

#[derive(Template)]
#[template(path = "cost/report.html")]
pub struct ReportPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    pub lines: Vec<LineView>,
    pub totals: FigureCells,
    /// The worst alert of the report.
    pub alert: Option<Alert>,
    /// Names of the alerted categories, worst first, with their alert.
    pub alerted: Vec<(String, Alert)>,
    pub contract: MarginView,
    pub billed: Option<MarginView>,
    pub collected: Option<MarginView>,
    pub below_floor: bool,
    pub floor: String,
    pub warning_percent: String,
    pub overrun_percent: String,
    /// Whether the user may open the labour tickets the labour figure links to.
    pub labour_link: bool,
    pub can_edit_estimates: bool,
}

/// One category's row of the estimates form.
#[derive(Debug, Clone)]
pub struct EstimateRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub depth: u8,
    pub budget: String,
    /// Actual + committed so far.
    pub spent: String,
    /// What stands in when the field is blank: the remaining budget, never below zero.
    pub default_estimate: String,
    /// As typed (or as saved).
    pub amount: String,
    pub note: String,
    pub version: i32,
    pub amount_error: Option<&'static str>,
    pub note_error: Option<&'static str>,
    /// On a stale save: what someone else saved meanwhile, when it differs.
    pub theirs: Option<String>,
}

#[derive(Template)]
#[template(path = "cost/report_estimates.html")]
pub struct EstimatesPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    pub rows: Vec<EstimateRow>,
    /// A message over the form (a stale save, an unknown category).
    pub refusal: Option<&'static str>,
}

/// One month of the by-month view.
#[derive(Debug, Clone)]
pub struct MonthRowView {
    pub month: String,
    pub amounts: Vec<String>,
    pub total: String,
    pub cumulative: String,
}

#[derive(Template)]
#[template(path = "cost/report_months.html")]
pub struct MonthsPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: CostTab,
    pub columns: Vec<String>,
    pub rows: Vec<MonthRowView>,
    pub totals: Vec<String>,
    pub total: String,
    pub years: Vec<i32>,
    pub year: Option<i32>,
    /// The query string of the filter, for export links (`&`-joinable, maybe empty).
    pub query: String,
}

/// A project's line of the company overview.
#[derive(Debug, Clone)]
pub struct OverviewRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub contract: String,
    pub cells: FigureCells,
    pub margin: Option<String>,
    pub margin_negative: bool,
    pub alert: Option<Alert>,
    pub below_floor: bool,
    pub alerted: Vec<(String, Alert)>,
}

#[derive(Template)]
#[template(path = "cost/report_overview.html")]
pub struct OverviewPage {
    pub layout: Layout,
    pub rows: Vec<OverviewRow>,
    /// `worst` or `code`.
    pub sort: &'static str,
    pub totals: FigureCells,
    pub contract_total: String,
    pub floor: String,
}

/// A project on the dashboard's cost panel.
#[derive(Debug, Clone)]
pub struct PanelRow {
    pub project_id: i64,
    pub code: String,
    pub name: String,
    pub alert: Option<Alert>,
    pub alerted: Vec<(String, Alert)>,
    pub used: Option<String>,
    pub below_floor: bool,
    pub margin: Option<String>,
}

/// The cost alert box on a project's home page.
#[derive(Debug, Clone)]
pub struct ProjectAlertBox {
    pub project_id: i64,
    pub alert: Option<Alert>,
    pub alerted: Vec<(String, Alert)>,
    pub below_floor: bool,
    pub margin: Option<String>,
}
