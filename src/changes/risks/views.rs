//! Risk register pages: a project's register with its heat map, the risk form, a risk with its
//! reviews, the company's register and its categories; and the 5×5 heat map in SVG.

use std::fmt::Write as _;

use askama::Template;
use chrono::NaiveDate;

use super::domain::{self, CategoryRef, Grid, Level, ReviewForm, RiskForm, RiskStatus, Suggestion};
use super::queries::{Category, ReviewRow, Risk};
use crate::i18n::{self, Locale};
use crate::tenancy::project::Project;
use crate::web::Layout;
use crate::web::form::Choice;
use crate::web::form::FieldErrors;
use crate::web::svg::Esc;

/// A risk as a table row shows it.
#[derive(Debug, Clone)]
pub struct RiskRow {
    pub id: i64,
    pub href: String,
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub number: String,
    pub category: String,
    pub title: String,
    pub probability: i16,
    pub impact: i16,
    pub score: i16,
    pub level: &'static str,
    pub level_key: &'static str,
    pub owner: String,
    pub status: String,
    pub status_key: &'static str,
    pub next_review: String,
    pub overdue: bool,
}

/// The label of a risk's category.
pub fn category_label(locale: Locale, r: &Risk) -> String {
    match (&r.category, &r.category_name) {
        (Some(c), _) => i18n::t(locale, domain::builtin_label_key(c)).to_owned(),
        (None, Some(name)) => name.clone(),
        (None, None) => "—".to_owned(),
    }
}

/// Whether the risk's review is overdue on `today`.
pub fn is_overdue(r: &Risk, today: NaiveDate) -> bool {
    r.status.is_live() && r.next_review_on.is_some_and(|d| d < today)
}

pub fn row(locale: Locale, r: &Risk, today: NaiveDate) -> RiskRow {
    let level = Level::of(r.score);
    RiskRow {
        id: r.id,
        href: format!("/projects/{}/risks/{}", r.project_id, r.id),
        project_id: r.project_id,
        project_code: r.project_code.clone(),
        project_name: r.project_name.clone(),
        number: r.number.clone(),
        category: category_label(locale, r),
        title: r.title.clone(),
        probability: r.probability,
        impact: r.impact,
        score: r.score,
        level: level.as_str(),
        level_key: level.label_key(),
        owner: r.owner_name.clone().unwrap_or_else(|| "—".to_owned()),
        status: r.status.as_str().to_owned(),
        status_key: r.status.label_key(),
        next_review: r
            .next_review_on
            .map_or_else(|| "—".to_owned(), |d| d.to_string()),
        overdue: is_overdue(r, today),
    }
}

/// The choices of the category select: the built-ins, then the company's active categories
/// (and `keep`, the risk's own, even when deactivated).
pub fn category_choices(
    locale: Locale,
    categories: &[Category],
    keep: Option<CategoryRef>,
) -> Vec<Choice> {
    let mut out: Vec<Choice> = domain::BUILTIN_CATEGORIES
        .iter()
        .map(|c| Choice {
            value: format!("b:{c}"),
            label: i18n::t(locale, domain::builtin_label_key(c)).to_owned(),
        })
        .collect();
    for c in categories {
        if c.active || keep == Some(CategoryRef::Company(c.id)) {
            out.push(Choice {
                value: format!("c:{}", c.id),
                label: c.name.clone(),
            });
        }
    }
    out
}

pub fn rating_choices(locale: Locale) -> Vec<Choice> {
    (1..=5)
        .map(|n| Choice {
            value: n.to_string(),
            label: format!("{n} · {}", i18n::t(locale, domain::rating_key(n))),
        })
        .collect()
}

pub fn status_choices(locale: Locale) -> Vec<Choice> {
    RiskStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: i18n::t(locale, s.label_key()).to_owned(),
        })
        .collect()
}

/// The filter choices of the status select: live (the default), each status, all.
pub fn status_filter_choices(locale: Locale) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: "active".into(),
        label: i18n::t(locale, "changes_risks.filter_active").to_owned(),
    }];
    out.extend(status_choices(locale));
    out.push(Choice {
        value: "all".into(),
        label: i18n::t(locale, "changes_risks.filter_all").to_owned(),
    });
    out
}

/// The 5×5 heat map: impact across, probability up, each cell its count and a link to the
/// risks of that cell (`href(p, i)`). Each cell carries its own text for screen readers.
pub fn heat_map(locale: Locale, grid: &Grid, href: impl Fn(i16, i16) -> String) -> String {
    const CELL: i32 = 56;
    const LEFT: i32 = 48;
    const BOTTOM: i32 = 44;
    let width = LEFT + 5 * CELL + 4;
    let height = 5 * CELL + BOTTOM;
    let title = i18n::t(locale, "changes_risks.heat_map");
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="heat-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="group" aria-label="{}">"#,
        Esc(title)
    );
    for p in (1..=5i16).rev() {
        for i in 1..=5i16 {
            let x = LEFT + (i32::from(i) - 1) * CELL;
            let y = (5 - i32::from(p)) * CELL;
            let n = grid.get(p, i);
            let level = Level::of(p * i);
            let label = i18n::tf(
                locale,
                "changes_risks.cell_label",
                &[
                    ("p", &p),
                    ("i", &i),
                    ("score", &(p * i)),
                    ("level", &i18n::t(locale, level.label_key())),
                    ("n", &n),
                ],
            );
            let _ = write!(
                s,
                r#"<a href="{}" aria-label="{label}" class="heat-cell" data-p="{p}" data-i="{i}" data-count="{n}"><title>{label}</title><rect x="{}" y="{}" width="{}" height="{}" class="heat-{}{}"/><text x="{}" y="{}" text-anchor="middle" class="heat-count">{}</text></a>"#,
                Esc(&href(p, i)),
                x + 1,
                y + 1,
                CELL - 2,
                CELL - 2,
                level.as_str(),
                if n > 0 { " filled" } else { "" },
                x + CELL / 2,
                y + CELL / 2 + 6,
                if n > 0 { n.to_string() } else { String::new() },
                label = Esc(&label),
            );
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" class="heat-axis">{p}</text>"#,
            LEFT - 12,
            (5 - i32::from(p)) * CELL + CELL / 2 + 5
        );
    }
    for i in 1..=5i32 {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" class="heat-axis">{i}</text>"#,
            LEFT + (i - 1) * CELL + CELL / 2,
            5 * CELL + 16
        );
    }
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle" class="heat-axis-title">{} →</text>"#,
        LEFT + 5 * CELL / 2,
        5 * CELL + 38,
        Esc(i18n::t(locale, "changes_risks.impact"))
    );
    let _ = write!(
        s,
        r#"<text x="14" y="{y}" text-anchor="middle" class="heat-axis-title" transform="rotate(-90 14 {y})">{} →</text>"#,
        Esc(i18n::t(locale, "changes_risks.probability")),
        y = 5 * CELL / 2
    );
    s.push_str("</svg>");
    s
}

/// The level bands, for the legend under a heat map.
pub const LEVELS: [(&str, &str, &str); 4] = [
    ("low", "changes_risks.level_low", "1–4"),
    ("medium", "changes_risks.level_medium", "5–9"),
    ("high", "changes_risks.level_high", "10–16"),
    ("critical", "changes_risks.level_critical", "20–25"),
];

/// The filters as the list's form shows them.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub status: String,
    pub category: String,
    pub project: String,
    /// The heat-map cell, when one is chosen: (probability, impact).
    pub cell: Option<(i16, i16)>,
    /// The list without the cell.
    pub clear_cell_href: String,
}

#[derive(Template)]
#[template(path = "changes/risks.html")]
pub struct RiskListPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub base: String,
    pub rows: Vec<RiskRow>,
    pub heat_map: String,
    pub levels: &'static [(&'static str, &'static str, &'static str)],
    pub open_total: i64,
    pub overdue: usize,
    pub filters: Filters,
    pub status_choices: Vec<Choice>,
    pub category_choices: Vec<Choice>,
    pub can_manage: bool,
}

/// A suggestion as the new-risk page lists it.
#[derive(Debug, Clone)]
pub struct SuggestionLink {
    pub href: String,
    pub title: String,
    pub category_key: &'static str,
    pub plan: String,
}

pub fn suggestion_link(locale: Locale, base: &str, s: &Suggestion) -> SuggestionLink {
    SuggestionLink {
        href: format!("{base}/new?suggest={}", s.key),
        title: i18n::t(locale, s.title_key).to_owned(),
        category_key: domain::builtin_label_key(s.category),
        plan: i18n::t(locale, s.plan_key).to_owned(),
    }
}

#[derive(Template)]
#[template(path = "changes/risk_form.html")]
pub struct RiskFormPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub base: String,
    /// The risk being edited: (id, number).
    pub editing: Option<(i64, String)>,
    pub action: String,
    pub form: RiskForm,
    pub errors: FieldErrors,
    pub refusal: Option<&'static str>,
    pub suggestions: Vec<SuggestionLink>,
    pub category_choices: Vec<Choice>,
    pub rating_choices: Vec<Choice>,
    pub status_choices: Vec<Choice>,
    pub owner_choices: Vec<Choice>,
}

/// A review in the history.
#[derive(Debug, Clone)]
pub struct ReviewView {
    pub reviewed_on: NaiveDate,
    pub probability: i16,
    pub impact: i16,
    pub score: i16,
    pub level: &'static str,
    pub level_key: &'static str,
    pub status_key: &'static str,
    pub note: String,
    pub by: String,
}

pub fn review_view(r: &ReviewRow) -> ReviewView {
    let score = r.probability * r.impact;
    let level = Level::of(score);
    ReviewView {
        reviewed_on: r.reviewed_on,
        probability: r.probability,
        impact: r.impact,
        score,
        level: level.as_str(),
        level_key: level.label_key(),
        status_key: r.status.label_key(),
        note: r.note.clone(),
        by: r.by_name.clone().unwrap_or_else(|| "—".to_owned()),
    }
}

#[derive(Template)]
#[template(path = "changes/risk.html")]
pub struct RiskPage {
    pub layout: Layout,
    pub project: Project,
    pub tab: &'static str,
    pub base: String,
    pub risk: Risk,
    pub row: RiskRow,
    pub probability_key: &'static str,
    pub impact_key: &'static str,
    pub closed_on: String,
    pub reviews: Vec<ReviewView>,
    pub can_manage: bool,
    pub review: ReviewForm,
    pub review_errors: FieldErrors,
    pub delete_error: Option<&'static str>,
    pub refusal: Option<&'static str>,
    pub rating_choices: Vec<Choice>,
    pub status_choices: Vec<Choice>,
}

/// An overdue review in a list across projects.
#[derive(Debug, Clone)]
pub struct OverdueRow {
    pub href: String,
    pub project_id: i64,
    pub project_code: String,
    pub number: String,
    pub title: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "changes/risks_company.html")]
pub struct CompanyRisksPage {
    pub layout: Layout,
    pub changes_tab: &'static str,
    pub rows: Vec<RiskRow>,
    pub heat_map: String,
    pub levels: &'static [(&'static str, &'static str, &'static str)],
    pub open_total: i64,
    pub overdue: Vec<OverdueRow>,
    pub filters: Filters,
    pub project_choices: Vec<Choice>,
    pub category_choices: Vec<Choice>,
}

/// A category row with its rename form's value and error.
#[derive(Debug, Clone)]
pub struct CategoryRow {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub risks: i64,
    pub version: i32,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "changes/risk_categories.html")]
pub struct CategoriesPage {
    pub layout: Layout,
    pub changes_tab: &'static str,
    pub builtins: Vec<String>,
    pub rows: Vec<CategoryRow>,
    pub can_manage: bool,
    pub name: String,
    pub errors: FieldErrors,
}

/// The dashboard's "risks and changes" panel.
#[derive(Debug, Clone)]
pub struct Panel {
    pub overdue_count: i64,
    pub overdue: Vec<OverdueRow>,
    pub critical: i64,
    pub awaiting_vote: i64,
    /// The first few requests awaiting my vote.
    pub awaiting: Vec<AwaitingRow>,
}

/// A change request awaiting my vote, on the dashboard.
#[derive(Debug, Clone)]
pub struct AwaitingRow {
    pub href: String,
    pub project_code: String,
    pub number: String,
    pub title: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heat_map_has_25_linked_cells_with_their_counts() {
        let grid = Grid::count([(3, 4, false), (3, 4, false), (5, 5, false)]);
        let svg = heat_map(Locale::En, &grid, |p, i| format!("/r?p={p}&i={i}"));
        assert_eq!(svg.matches("<a ").count(), 25);
        assert!(svg.contains(r#"href="/r?p=3&amp;i=4""#));
        assert!(svg.contains(r#"data-p="3" data-i="4" data-count="2""#));
        assert!(svg.contains(r#"data-p="5" data-i="5" data-count="1""#));
        assert!(svg.contains("heat-critical filled"));
        assert_eq!(svg.matches("<title>").count(), 25);
    }
}
