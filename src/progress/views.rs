//! Progress pages.

use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::handlers::ThresholdForm;
use crate::ids::TaskId;
use crate::tenancy::project::Project;
use crate::web::Layout;
use crate::web::form::FieldErrors;

/// A delay warning as the project pages show it.
#[derive(Debug, Clone)]
pub struct WarningView {
    pub task_id: TaskId,
    pub outline: String,
    pub task_name: String,
    pub kind_key: &'static str,
    pub severity: &'static str,
    pub severity_key: &'static str,
    pub days_late: i64,
    pub detail: String,
}

/// One entry of a task's progress history.
#[derive(Debug, Clone)]
pub struct UpdateRow {
    pub at: String,
    pub by: String,
    pub status_date: NaiveDate,
    pub percent: Decimal,
    pub actual_start: String,
    pub actual_finish: String,
    pub remaining: String,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "progress/warnings.html")]
pub struct WarningsPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub warnings: Vec<WarningView>,
    pub pager: crate::web::pager::Pager,
}

#[derive(Debug, Clone)]
pub struct ProgressRow {
    pub id: TaskId,
    pub outline: String,
    pub depth: u32,
    pub name: String,
    pub summary: bool,
    pub start: String,
    pub finish: String,
    pub actual_start: String,
    pub actual_finish: String,
    pub percent: String,
}

#[derive(Template)]
#[template(path = "progress/progress.html")]
pub struct ProgressPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub rows: Vec<ProgressRow>,
    pub pager: crate::web::pager::Pager,
    pub status_date: String,
    pub errors: FieldErrors,
    pub can_record: bool,
}

#[derive(Template)]
#[template(path = "progress/s_curve.html")]
pub struct CurvePage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub svg: Option<String>,
    pub baseline_used: bool,
}

#[derive(Template)]
#[template(path = "progress/thresholds.html")]
pub struct ThresholdsPage {
    pub layout: Layout,
    pub tab: &'static str,
    pub form: ThresholdForm,
    pub errors: FieldErrors,
    pub conflict: bool,
}
