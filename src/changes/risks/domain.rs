//! The risk register's rules, pure: scores and their levels, the 5×5 heat map's counts, the
//! built-in categories and suggested responses, and the forms (a risk, a review, a category).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::web::fields::{optional_date, optional_int, required_date};
use crate::web::form::{self, FieldErrors};

/// The built-in categories, as stored in `risk.category`.
pub const BUILTIN_CATEGORIES: [&str; 4] = ["technical", "data", "people", "business"];

/// The i18n key of a built-in category's label.
pub fn builtin_label_key(category: &str) -> &'static str {
    match category {
        "technical" => "changes_risks.cat_technical",
        "data" => "changes_risks.cat_data",
        "people" => "changes_risks.cat_people",
        _ => "changes_risks.cat_business",
    }
}

/// A risk's status. Any status may follow any other (a closed risk reopens); closing dates
/// the risk (see `closed_on`). Stored as text: an unknown value in a row is a decode error,
/// never a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum RiskStatus {
    Open,
    Mitigating,
    Closed,
}

impl RiskStatus {
    pub const ALL: [RiskStatus; 3] = [RiskStatus::Open, RiskStatus::Mitigating, RiskStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            RiskStatus::Open => "open",
            RiskStatus::Mitigating => "mitigating",
            RiskStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            RiskStatus::Open => "changes_risks.status_open",
            RiskStatus::Mitigating => "changes_risks.status_mitigating",
            RiskStatus::Closed => "changes_risks.status_closed",
        }
    }

    /// Whether the risk is still live: open or being mitigated.
    pub fn is_live(self) -> bool {
        self != RiskStatus::Closed
    }
}

/// The labels of probability and impact 1–5 (很低 … 很高).
pub fn rating_key(n: i16) -> &'static str {
    match n {
        1 => "changes_risks.rating_1",
        2 => "changes_risks.rating_2",
        3 => "changes_risks.rating_3",
        4 => "changes_risks.rating_4",
        _ => "changes_risks.rating_5",
    }
}

/// A risk's category: one of the built-ins or one of the company's own. The form's value is
/// `b:technical` or `c:{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CategoryRef {
    Builtin(&'static str),
    Company(i64),
}

impl CategoryRef {
    pub fn parse(value: &str) -> Option<Self> {
        let v = value.trim();
        if let Some(b) = v.strip_prefix("b:") {
            BUILTIN_CATEGORIES
                .iter()
                .find(|c| **c == b)
                .map(|c| CategoryRef::Builtin(c))
        } else {
            v.strip_prefix("c:")?
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(CategoryRef::Company)
        }
    }

    /// The form's value.
    pub fn value(self) -> String {
        match self {
            CategoryRef::Builtin(c) => format!("b:{c}"),
            CategoryRef::Company(id) => format!("c:{id}"),
        }
    }

    /// The stored columns: `(category, category_id)`.
    pub fn columns(self) -> (Option<&'static str>, Option<i64>) {
        match self {
            CategoryRef::Builtin(c) => (Some(c), None),
            CategoryRef::Company(id) => (None, Some(id)),
        }
    }

    /// From the stored columns.
    pub fn from_columns(category: Option<&str>, category_id: Option<i64>) -> Option<Self> {
        match (category, category_id) {
            (Some(c), _) => Self::parse(&format!("b:{c}")),
            (None, Some(id)) => Some(CategoryRef::Company(id)),
            (None, None) => None,
        }
    }
}

/// How bad a score is: the heat map's colour band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    /// The band of `probability × impact`: low 1–4, medium 5–9, high 10–16, critical 20–25.
    pub fn of(score: i16) -> Level {
        match score {
            ..=4 => Level::Low,
            5..=9 => Level::Medium,
            10..=16 => Level::High,
            _ => Level::Critical,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Level::Low => "changes_risks.level_low",
            Level::Medium => "changes_risks.level_medium",
            Level::High => "changes_risks.level_high",
            Level::Critical => "changes_risks.level_critical",
        }
    }
}

/// The lowest score counted critical (the dashboard's count).
pub const CRITICAL_SCORE: i16 = 20;

/// The heat map's counts: `cells[p - 1][i - 1]` risks of probability `p` and impact `i`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grid {
    pub cells: [[i64; 5]; 5],
}

impl Grid {
    /// Counts the `(probability, impact, closed)` of risks; closed ones and ratings out of
    /// 1–5 are left out.
    pub fn count(risks: impl IntoIterator<Item = (i16, i16, bool)>) -> Grid {
        let mut g = Grid::default();
        for (p, i, closed) in risks {
            if closed {
                continue;
            }
            if let (Some(pi), Some(ii)) = (index(p), index(i)) {
                g.cells[pi][ii] += 1;
            }
        }
        g
    }

    pub fn get(&self, probability: i16, impact: i16) -> i64 {
        match (index(probability), index(impact)) {
            (Some(p), Some(i)) => self.cells[p][i],
            _ => 0,
        }
    }

    pub fn total(&self) -> i64 {
        self.cells.iter().flatten().sum()
    }
}

fn index(n: i16) -> Option<usize> {
    (1..=5).contains(&n).then(|| usize::try_from(n - 1).ok())?
}

/// A built-in suggestion: a usual risk and its usual response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion {
    pub key: &'static str,
    pub category: &'static str,
    pub title_key: &'static str,
    pub plan_key: &'static str,
    pub trigger_key: &'static str,
    pub probability: i16,
    pub impact: i16,
}

/// The usual pairs: compatibility or performance loss, data loss in migration, key people
/// leaving, unmet business needs.
pub const SUGGESTIONS: [Suggestion; 4] = [
    Suggestion {
        key: "performance",
        category: "technical",
        title_key: "changes_risks.suggest_performance_title",
        plan_key: "changes_risks.suggest_performance_plan",
        trigger_key: "changes_risks.suggest_performance_trigger",
        probability: 3,
        impact: 4,
    },
    Suggestion {
        key: "migration",
        category: "data",
        title_key: "changes_risks.suggest_migration_title",
        plan_key: "changes_risks.suggest_migration_plan",
        trigger_key: "changes_risks.suggest_migration_trigger",
        probability: 2,
        impact: 5,
    },
    Suggestion {
        key: "people",
        category: "people",
        title_key: "changes_risks.suggest_people_title",
        plan_key: "changes_risks.suggest_people_plan",
        trigger_key: "changes_risks.suggest_people_trigger",
        probability: 3,
        impact: 3,
    },
    Suggestion {
        key: "business",
        category: "business",
        title_key: "changes_risks.suggest_business_title",
        plan_key: "changes_risks.suggest_business_plan",
        trigger_key: "changes_risks.suggest_business_trigger",
        probability: 3,
        impact: 4,
    },
];

pub fn suggestion(key: &str) -> Option<&'static Suggestion> {
    SUGGESTIONS.iter().find(|s| s.key == key)
}

pub const MAX_TITLE: usize = 200;
pub const MAX_TEXT: usize = 4000;
pub const MAX_TRIGGER: usize = 1000;
pub const MAX_NOTE: usize = 2000;
pub const MAX_CATEGORY_NAME: usize = 60;

/// The risk form as posted (and as shown).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RiskForm {
    pub category: String,
    pub title: String,
    pub description: String,
    pub probability: String,
    pub impact: String,
    pub owner_id: String,
    pub response_plan: String,
    pub trigger_condition: String,
    pub status: String,
    pub next_review_on: String,
    /// 0 for a new risk.
    pub version: i32,
}

/// A validated risk: what is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskFields {
    pub category: CategoryRef,
    pub title: String,
    pub description: String,
    pub probability: i16,
    pub impact: i16,
    pub owner_id: Option<i64>,
    pub response_plan: String,
    pub trigger_condition: String,
    pub status: RiskStatus,
    pub next_review_on: Option<NaiveDate>,
}

fn rating(e: &mut FieldErrors, field: &'static str, value: &str) -> i16 {
    if value.trim().is_empty() {
        e.add(field, "form.required");
        return 0;
    }
    optional_int(e, field, value, 1..=5)
        .and_then(|n| i16::try_from(n).ok())
        .unwrap_or(0)
}

fn status(e: &mut FieldErrors, value: &str) -> RiskStatus {
    let v = value.trim();
    match RiskStatus::parse(v) {
        Some(s) => s,
        None => {
            e.add(
                "status",
                if v.is_empty() {
                    "form.required"
                } else {
                    "form.invalid_choice"
                },
            );
            RiskStatus::Open
        }
    }
}

impl RiskForm {
    /// A new risk's form: open, medium probability and impact, prefilled from a suggestion.
    pub fn new(suggested: Option<(&Suggestion, String, String, String)>) -> Self {
        match suggested {
            Some((s, title, plan, trigger)) => RiskForm {
                category: format!("b:{}", s.category),
                title,
                response_plan: plan,
                trigger_condition: trigger,
                probability: s.probability.to_string(),
                impact: s.impact.to_string(),
                status: "open".into(),
                ..RiskForm::default()
            },
            None => RiskForm {
                probability: "3".into(),
                impact: "3".into(),
                status: "open".into(),
                ..RiskForm::default()
            },
        }
    }

    /// Checks the form. Whether a company category or an owner exists is the handler's check.
    pub fn validate(&self) -> Result<RiskFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let category = if self.category.trim().is_empty() {
            e.add("category", "form.required");
            None
        } else {
            let c = CategoryRef::parse(&self.category);
            if c.is_none() {
                e.add("category", "form.invalid_choice");
            }
            c
        };
        let title = form::text(&mut e, "title", &self.title, true, MAX_TITLE);
        let description = form::multiline(&mut e, "description", &self.description, MAX_TEXT);
        let probability = rating(&mut e, "probability", &self.probability);
        let impact = rating(&mut e, "impact", &self.impact);
        let owner_id = optional_int(&mut e, "owner_id", &self.owner_id, 1..=i64::MAX);
        let response_plan = form::multiline(&mut e, "response_plan", &self.response_plan, MAX_TEXT);
        let trigger_condition = form::multiline(
            &mut e,
            "trigger_condition",
            &self.trigger_condition,
            MAX_TRIGGER,
        );
        let status = status(&mut e, &self.status);
        let next_review_on = optional_date(&mut e, "next_review_on", &self.next_review_on);
        match category {
            Some(category) if e.is_empty() => Ok(RiskFields {
                category,
                title,
                description,
                probability,
                impact,
                owner_id,
                response_plan,
                trigger_condition,
                status,
                next_review_on,
            }),
            _ => Err(e),
        }
    }
}

/// The "record review" form.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ReviewForm {
    pub reviewed_on: String,
    pub probability: String,
    pub impact: String,
    pub status: String,
    pub note: String,
    pub next_review_on: String,
    /// The risk's version the form was read at.
    pub version: i32,
}

/// A validated review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub reviewed_on: NaiveDate,
    pub probability: i16,
    pub impact: i16,
    pub status: RiskStatus,
    pub note: String,
    pub next_review_on: Option<NaiveDate>,
}

impl ReviewForm {
    /// Checks the form given the tenant's `today`: a review is not dated in the future, and
    /// the next one is not before it.
    pub fn validate(&self, today: NaiveDate) -> Result<Review, FieldErrors> {
        let mut e = FieldErrors::default();
        let reviewed_on = required_date(&mut e, "reviewed_on", &self.reviewed_on);
        if reviewed_on.is_some_and(|d| d > today) {
            e.add("reviewed_on", "changes_risks.review_in_future");
        }
        let probability = rating(&mut e, "probability", &self.probability);
        let impact = rating(&mut e, "impact", &self.impact);
        let status = status(&mut e, &self.status);
        let note = form::multiline(&mut e, "note", &self.note, MAX_NOTE);
        let next_review_on = optional_date(&mut e, "next_review_on", &self.next_review_on);
        if let (Some(r), Some(n)) = (reviewed_on, next_review_on)
            && n < r
        {
            e.add("next_review_on", "changes_risks.next_before_review");
        }
        match reviewed_on {
            Some(reviewed_on) if e.is_empty() => Ok(Review {
                reviewed_on,
                probability,
                impact,
                status,
                note,
                next_review_on,
            }),
            _ => Err(e),
        }
    }
}

/// The `closed_on` a risk takes when its status becomes `status` on `day`: set when it
/// closes (kept if it was closed already), cleared when it reopens.
pub fn closed_on(
    status: RiskStatus,
    was_closed_on: Option<NaiveDate>,
    day: NaiveDate,
) -> Option<NaiveDate> {
    if status == RiskStatus::Closed {
        Some(was_closed_on.unwrap_or(day))
    } else {
        None
    }
}

/// A company category's name: required, one line, at most 60 characters.
pub fn category_name(e: &mut FieldErrors, value: &str) -> String {
    form::text(e, "name", value, true, MAX_CATEGORY_NAME)
}

/// The status filter of the lists: `active` (open and mitigating, the default), one status,
/// or `all`.
pub fn status_filter(value: &str) -> (&'static str, Vec<&'static str>) {
    match value {
        "open" => ("open", vec!["open"]),
        "mitigating" => ("mitigating", vec!["mitigating"]),
        "closed" => ("closed", vec!["closed"]),
        "all" => ("all", RiskStatus::ALL.map(RiskStatus::as_str).to_vec()),
        _ => ("active", vec!["open", "mitigating"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn levels_follow_the_bands() {
        for (score, level) in [
            (1, Level::Low),
            (4, Level::Low),
            (5, Level::Medium),
            (9, Level::Medium),
            (10, Level::High),
            (16, Level::High),
            (20, Level::Critical),
            (25, Level::Critical),
        ] {
            assert_eq!(Level::of(score), level, "{score}");
        }
        // Every product of two ratings falls in a band, the bands in order.
        for p in 1..=5i16 {
            for i in 1..=5i16 {
                assert!(Level::of(p * i) >= Level::of((p - 1).max(1) * i));
            }
        }
    }

    #[test]
    fn the_grid_counts_open_risks_by_cell() {
        let g = Grid::count([
            (3, 4, false),
            (3, 4, false),
            (3, 4, true),
            (5, 5, false),
            (1, 1, false),
            (0, 3, false),
            (6, 1, false),
        ]);
        assert_eq!(g.get(3, 4), 2);
        assert_eq!(g.get(5, 5), 1);
        assert_eq!(g.get(1, 1), 1);
        assert_eq!(g.get(4, 3), 0);
        assert_eq!(g.get(0, 3), 0);
        assert_eq!(g.total(), 4);
    }

    #[test]
    fn suggestions_are_complete_and_distinct() {
        let mut keys = std::collections::HashSet::new();
        let mut categories = std::collections::HashSet::new();
        for s in SUGGESTIONS {
            assert!(keys.insert(s.key));
            categories.insert(s.category);
            assert!(BUILTIN_CATEGORIES.contains(&s.category));
            for k in [s.title_key, s.plan_key, s.trigger_key] {
                assert!(k.starts_with("changes_risks.suggest_") && k.contains(s.key));
                for locale in crate::i18n::Locale::ALL {
                    assert_ne!(crate::i18n::t(locale, k), k, "{k} missing");
                }
            }
            assert!((1..=5).contains(&s.probability) && (1..=5).contains(&s.impact));
            assert_eq!(suggestion(s.key), Some(&s));
        }
        assert_eq!(categories.len(), 4, "one per built-in category");
        assert_eq!(suggestion("nope"), None);
    }

    #[test]
    fn categories_parse_and_round_trip() {
        assert_eq!(
            CategoryRef::parse("b:data"),
            Some(CategoryRef::Builtin("data"))
        );
        assert_eq!(CategoryRef::parse("c:12"), Some(CategoryRef::Company(12)));
        for bad in ["b:legal", "c:x", "c:0", "c:-3", "data", ""] {
            assert_eq!(CategoryRef::parse(bad), None, "{bad}");
        }
        let c = CategoryRef::Builtin("people");
        assert_eq!(CategoryRef::parse(&c.value()), Some(c));
        assert_eq!(
            CategoryRef::from_columns(None, Some(4)),
            Some(CategoryRef::Company(4))
        );
        assert_eq!(
            CategoryRef::from_columns(Some("business"), None),
            Some(CategoryRef::Builtin("business"))
        );
    }

    fn good() -> RiskForm {
        RiskForm {
            category: "b:technical".into(),
            title: " 接口性能不足 ".into(),
            probability: "4".into(),
            impact: "5".into(),
            status: "open".into(),
            next_review_on: "2020-01-31".into(),
            ..RiskForm::default()
        }
    }

    #[test]
    fn a_risk_form_is_checked_field_by_field() {
        let r = good().validate().unwrap();
        assert_eq!(r.title, "接口性能不足");
        assert_eq!((r.probability, r.impact), (4, 5));
        assert_eq!(r.category, CategoryRef::Builtin("technical"));
        // A review date in the past is allowed: it makes the risk overdue.
        assert_eq!(r.next_review_on, Some(d("2020-01-31")));
        let e = RiskForm {
            category: "b:legal".into(),
            title: "  ".into(),
            probability: "6".into(),
            impact: "".into(),
            status: "done".into(),
            next_review_on: "31/01/2020".into(),
            owner_id: "x".into(),
            ..RiskForm::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.get("category"), Some("form.invalid_choice"));
        assert_eq!(e.get("title"), Some("form.required"));
        assert_eq!(e.get("probability"), Some("form.out_of_range"));
        assert_eq!(e.get("impact"), Some("form.required"));
        assert_eq!(e.get("status"), Some("form.invalid_choice"));
        assert_eq!(e.get("next_review_on"), Some("form.invalid_date"));
        assert_eq!(e.get("owner_id"), Some("form.invalid_number"));
    }

    #[test]
    fn a_review_is_not_in_the_future_and_the_next_not_before_it() {
        let today = d("2025-06-10");
        let f = ReviewForm {
            reviewed_on: "2025-06-10".into(),
            probability: "2".into(),
            impact: "3".into(),
            status: "mitigating".into(),
            next_review_on: "2025-06-10".into(),
            ..ReviewForm::default()
        };
        assert_eq!(f.validate(today).unwrap().status, RiskStatus::Mitigating);
        let e = ReviewForm {
            next_review_on: "2025-06-09".into(),
            ..f.clone()
        }
        .validate(today)
        .unwrap_err();
        assert_eq!(
            e.get("next_review_on"),
            Some("changes_risks.next_before_review")
        );
        let e = ReviewForm {
            reviewed_on: "2025-06-11".into(),
            next_review_on: String::new(),
            ..f
        }
        .validate(today)
        .unwrap_err();
        assert_eq!(e.get("reviewed_on"), Some("changes_risks.review_in_future"));
    }

    #[test]
    fn closing_dates_the_risk_and_reopening_clears_it() {
        let day = d("2025-06-10");
        assert_eq!(closed_on(RiskStatus::Closed, None, day), Some(day));
        assert_eq!(
            closed_on(RiskStatus::Closed, Some(d("2025-01-01")), day),
            Some(d("2025-01-01"))
        );
        assert_eq!(
            closed_on(RiskStatus::Open, Some(d("2025-01-01")), day),
            None
        );
    }

    #[test]
    fn the_status_filter_defaults_to_the_live_risks() {
        assert_eq!(status_filter(""), ("active", vec!["open", "mitigating"]));
        assert_eq!(status_filter("closed").1, vec!["closed"]);
        assert_eq!(status_filter("all").1.len(), 3);
    }

    /// The text sqlx binds for `v`: what a row stores.
    fn stored<T: for<'q> sqlx::Encode<'q, sqlx::Postgres>>(v: T) -> String {
        let mut buf = sqlx::postgres::PgArgumentBuffer::default();
        let _ = sqlx::Encode::<sqlx::Postgres>::encode_by_ref(&v, &mut buf).unwrap();
        String::from_utf8(buf.to_vec()).unwrap()
    }

    #[test]
    fn risk_statuses_round_trip_and_unknown_ones_fail() {
        for s in RiskStatus::ALL {
            assert_eq!(stored(s), s.as_str());
            assert_eq!(RiskStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(RiskStatus::parse("resolved"), None);
        assert!(RiskStatus::Open.is_live() && RiskStatus::Mitigating.is_live());
        assert!(!RiskStatus::Closed.is_live());
    }
}
