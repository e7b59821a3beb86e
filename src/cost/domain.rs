//! The cost centre's rules, with no I/O: the standard categories and their one level of
//! nesting, the cost report's figures (remaining, forecast at completion, variance, percent
//! used), alerts against the tenant's thresholds, the three margins and period months.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::i18n::Locale;

/// The largest amount one entry, budget line or estimate may hold (just under 1,000 亿): more
/// is a typing mistake, not a construction project.
pub const MAX_AMOUNT: Decimal = crate::web::amount::MAX_AMOUNT;

/// The category code, Chinese and English names and builtin key of each standard category:
/// the cost elements of 建标〔2013〕44号 plus subcontract, measures and other. Migration 0006
/// seeds the same list for companies that existed before the cost centre.
pub const STANDARD_CATEGORIES: [(&str, &str, &str, &str); 9] = [
    ("01", "人工费", "Labour", "labour"),
    ("02", "材料费", "Materials", "materials"),
    ("03", "施工机具使用费", "Plant and machinery", "plant"),
    ("04", "分包费", "Subcontract", "subcontract"),
    ("05", "措施费", "Measures", "measures"),
    ("06", "企业管理费", "Overhead", "overhead"),
    ("07", "规费", "Statutory fees", "fees"),
    ("08", "税金", "Taxes", "taxes"),
    ("09", "其他", "Other", "other"),
];

/// The builtin key of the category day-labour tickets are costed to.
pub const LABOUR: &str = "labour";

/// A cost category (成本科目) as the report needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub builtin: Option<String>,
    pub active: bool,
    pub sort_order: i32,
}

impl Category {
    /// The category's name in the user's language (Chinese when it has no English name).
    pub fn name(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.name_en.is_empty() => &self.name_en,
            _ => &self.name_zh,
        }
    }
}

/// Categories in report order: each top-level category (by sort order, then code) followed by
/// its children. Children of a missing parent are shown at the top level.
pub fn in_report_order(categories: &[Category]) -> Vec<&Category> {
    let ids: Vec<i64> = categories.iter().map(|c| c.id).collect();
    let key = |c: &&Category| (c.sort_order, c.code.clone());
    let mut top: Vec<&Category> = categories
        .iter()
        .filter(|c| c.parent_id.is_none_or(|p| !ids.contains(&p)))
        .collect();
    top.sort_by_key(key);
    let mut out = Vec::with_capacity(categories.len());
    for parent in top {
        out.push(parent);
        let mut children: Vec<&Category> = categories
            .iter()
            .filter(|c| c.parent_id == Some(parent.id))
            .collect();
        children.sort_by_key(key);
        out.extend(children);
    }
    out
}

/// Why a category may not take `parent` as its parent: categories nest one level only.
pub fn check_parent(
    categories: &[Category],
    category: Option<i64>,
    parent: i64,
) -> Result<(), &'static str> {
    let Some(p) = categories.iter().find(|c| c.id == parent) else {
        return Err("cost.unknown_category");
    };
    if Some(p.id) == category {
        return Err("cost.parent_is_self");
    }
    if p.parent_id.is_some() {
        return Err("cost.nest_one_level");
    }
    if let Some(id) = category
        && categories.iter().any(|c| c.parent_id == Some(id))
    {
        return Err("cost.has_children");
    }
    Ok(())
}

/// What was budgeted, spent and promised against one category exactly (not its children).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    pub budget: Decimal,
    /// Cost entries plus, on the labour category, confirmed day-labour tickets.
    pub actual: Decimal,
    pub committed: Decimal,
    /// The estimate to complete someone entered; none means the remaining budget.
    pub estimate: Option<Decimal>,
}

/// Percent thresholds of the tenant's cost alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Warn when actual + committed reach this percent of the budget.
    pub warning_percent: Decimal,
    /// Overrun from this percent on.
    pub overrun_percent: Decimal,
    /// Alert when the forecast margin on the contract falls below this percent.
    pub margin_floor_percent: Decimal,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            warning_percent: Decimal::from(90),
            overrun_percent: Decimal::from(100),
            margin_floor_percent: Decimal::from(5),
        }
    }
}

/// How bad a category stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Alert {
    Warning,
    Overrun,
}

impl Alert {
    pub fn as_str(self) -> &'static str {
        match self {
            Alert::Warning => "warning",
            Alert::Overrun => "overrun",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Alert::Warning => "cost.alert_warning",
            Alert::Overrun => "cost.alert_overrun",
        }
    }
}

/// One category's line of the cost report, or the totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub budget: Decimal,
    pub actual: Decimal,
    pub committed: Decimal,
    /// Budget − actual − committed; negative once over.
    pub remaining: Decimal,
    /// Estimate to complete: as entered, else the remaining budget (never below zero).
    pub estimate: Decimal,
    /// Whether someone entered the estimate (on this category or, for a parent, any child).
    pub estimate_entered: bool,
    /// Forecast at completion: actual + committed + estimate to complete.
    pub forecast: Decimal,
    /// Budget − forecast: positive is a saving, negative an overrun at completion.
    pub variance: Decimal,
}

impl Figures {
    /// The figures of one category from what was recorded against it.
    pub fn of(r: Recorded) -> Figures {
        let remaining = r.budget - r.actual - r.committed;
        let estimate = r.estimate.unwrap_or(remaining.max(Decimal::ZERO));
        let forecast = r.actual + r.committed + estimate;
        Figures {
            budget: r.budget,
            actual: r.actual,
            committed: r.committed,
            remaining,
            estimate,
            estimate_entered: r.estimate.is_some(),
            forecast,
            variance: r.budget - forecast,
        }
    }

    /// The sum of two lines (a parent and its children, or the totals).
    pub fn plus(self, o: Figures) -> Figures {
        Figures {
            budget: self.budget + o.budget,
            actual: self.actual + o.actual,
            committed: self.committed + o.committed,
            remaining: self.remaining + o.remaining,
            estimate: self.estimate + o.estimate,
            estimate_entered: self.estimate_entered || o.estimate_entered,
            forecast: self.forecast + o.forecast,
            variance: self.variance + o.variance,
        }
    }

    /// (Actual + committed) ÷ budget, in percent to one decimal; none without a budget.
    pub fn percent_used(&self) -> Option<Decimal> {
        percent(self.actual + self.committed, self.budget)
    }

    /// The alert this line raises: spending (actual + committed) at the overrun threshold,
    /// or any spending without a budget, is an overrun; at the warning threshold, or a
    /// forecast above the budget, a warning.
    pub fn alert(&self, t: &Thresholds) -> Option<Alert> {
        let spent = self.actual + self.committed;
        if self.budget <= Decimal::ZERO {
            return (spent > Decimal::ZERO).then_some(Alert::Overrun);
        }
        let used = spent * Decimal::ONE_HUNDRED / self.budget;
        if used >= t.overrun_percent {
            Some(Alert::Overrun)
        } else if used >= t.warning_percent || self.forecast > self.budget {
            Some(Alert::Warning)
        } else {
            None
        }
    }
}

/// `part ÷ whole` in percent, rounded to one decimal; none when `whole` is zero.
pub fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    part.checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|p| p.checked_div(whole))
        .map(|p| p.round_dp(1))
}

/// A line of the report: a category with its figures (a parent's include its children's).
#[derive(Debug, Clone)]
pub struct ReportLine {
    pub category: Category,
    /// 0 for a top-level category, 1 for a child.
    pub depth: u8,
    pub figures: Figures,
    pub alert: Option<Alert>,
}

/// The cost report by category with its totals.
#[derive(Debug, Clone)]
pub struct Report {
    pub lines: Vec<ReportLine>,
    pub totals: Figures,
    pub alert: Option<Alert>,
}

impl Report {
    /// Builds the report: every active category, and any inactive one something was recorded
    /// against, in report order; a parent sums itself and its children.
    pub fn build(
        categories: &[Category],
        recorded: &HashMap<i64, Recorded>,
        thresholds: &Thresholds,
    ) -> Report {
        let own = |id: i64| Figures::of(recorded.get(&id).copied().unwrap_or_default());
        let ordered = in_report_order(categories);
        let top_ids: Vec<i64> = ordered
            .iter()
            .filter(|c| {
                c.parent_id
                    .is_none_or(|p| !categories.iter().any(|x| x.id == p))
            })
            .map(|c| c.id)
            .collect();
        let shown = |c: &Category| {
            c.active
                || recorded
                    .get(&c.id)
                    .is_some_and(|r| *r != Recorded::default())
                || categories.iter().any(|x| {
                    x.parent_id == Some(c.id)
                        && recorded
                            .get(&x.id)
                            .is_some_and(|r| *r != Recorded::default())
                })
        };
        let mut lines = Vec::with_capacity(ordered.len());
        let mut totals = Figures::default();
        for c in ordered {
            let is_top = top_ids.contains(&c.id);
            let figures = if is_top {
                categories
                    .iter()
                    .filter(|x| x.parent_id == Some(c.id))
                    .fold(own(c.id), |acc, x| acc.plus(own(x.id)))
            } else {
                own(c.id)
            };
            if is_top {
                totals = totals.plus(figures);
            }
            if shown(c) {
                lines.push(ReportLine {
                    category: c.clone(),
                    depth: u8::from(!is_top),
                    figures,
                    alert: figures.alert(thresholds),
                });
            }
        }
        let alert = lines.iter().filter_map(|l| l.alert).max();
        Report {
            lines,
            totals,
            alert,
        }
    }

    /// Lines that raise an alert, worst first.
    pub fn alerted(&self) -> Vec<&ReportLine> {
        let mut out: Vec<&ReportLine> = self.lines.iter().filter(|l| l.alert.is_some()).collect();
        out.sort_by_key(|l| std::cmp::Reverse(l.alert));
        out
    }
}

/// Revenue against cost, as an amount and a percent of the revenue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Margin {
    pub revenue: Decimal,
    pub cost: Decimal,
    pub amount: Decimal,
    pub percent: Option<Decimal>,
}

impl Margin {
    pub fn of(revenue: Decimal, cost: Decimal) -> Margin {
        Margin {
            revenue,
            cost,
            amount: revenue - cost,
            percent: percent(revenue - cost, revenue),
        }
    }
}

/// The three margins side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Margins {
    /// The contract value (with approved variations) against the forecast at completion.
    pub contract: Margin,
    /// What was billed (certified) against the actual cost to date; none until billed.
    pub billed: Option<Margin>,
    /// Cash collected against the actual cost to date; none until collected.
    pub collected: Option<Margin>,
    /// The forecast margin is below the tenant's floor.
    pub below_floor: bool,
}

/// Revenue as the funds side knows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Revenue {
    /// The contract amount plus approved variations.
    pub contract: Decimal,
    pub billed: Decimal,
    pub collected: Decimal,
}

impl Margins {
    pub fn of(revenue: Revenue, totals: &Figures, thresholds: &Thresholds) -> Margins {
        let contract = Margin::of(revenue.contract, totals.forecast);
        let below_floor = revenue.contract > Decimal::ZERO
            && contract
                .percent
                .is_some_and(|p| p < thresholds.margin_floor_percent);
        Margins {
            contract,
            billed: (!revenue.billed.is_zero()).then(|| Margin::of(revenue.billed, totals.actual)),
            collected: (!revenue.collected.is_zero())
                .then(|| Margin::of(revenue.collected, totals.actual)),
            below_floor,
        }
    }
}

/// The first day of `day`'s month: the key of a cost period.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Parses a `YYYY-MM` month into its first day.
pub fn parse_month(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", value.trim()), "%Y-%m-%d").ok()
}

/// A money amount as a float for drawing only (charts), never for arithmetic.
pub fn to_f64(amount: Decimal) -> f64 {
    amount.to_f64().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn category(id: i64, parent: Option<i64>, code: &str) -> Category {
        Category {
            id,
            parent_id: parent,
            code: code.into(),
            name_zh: format!("科目{code}"),
            name_en: String::new(),
            builtin: None,
            active: true,
            sort_order: 0,
        }
    }

    fn recorded(budget: Decimal, actual: Decimal, committed: Decimal) -> Recorded {
        Recorded {
            budget,
            actual,
            committed,
            estimate: None,
        }
    }

    #[test]
    fn max_amount_is_just_under_a_hundred_billion() {
        assert_eq!(MAX_AMOUNT, dec!(99999999999.99));
    }

    #[test]
    fn forecast_defaults_to_the_remaining_budget_and_never_below_spent() {
        let f = Figures::of(recorded(dec!(1000), dec!(400), dec!(100)));
        assert_eq!(f.remaining, dec!(500));
        assert_eq!(f.estimate, dec!(500));
        assert_eq!(f.forecast, dec!(1000));
        assert_eq!(f.variance, dec!(0));
        assert!(!f.estimate_entered);

        // Over budget: nothing left to spend by default, the forecast is what is spent.
        let over = Figures::of(recorded(dec!(1000), dec!(900), dec!(300)));
        assert_eq!(over.remaining, dec!(-200));
        assert_eq!(over.estimate, dec!(0));
        assert_eq!(over.forecast, dec!(1200));
        assert_eq!(over.variance, dec!(-200));
    }

    #[test]
    fn an_entered_estimate_drives_the_forecast() {
        let f = Figures::of(Recorded {
            budget: dec!(1000),
            actual: dec!(400),
            committed: dec!(100),
            estimate: Some(dec!(800)),
        });
        assert_eq!(f.forecast, dec!(1300));
        assert_eq!(f.variance, dec!(-300));
        assert!(f.estimate_entered);
    }

    #[test]
    fn percent_used_counts_actual_and_committed() {
        let f = Figures::of(recorded(dec!(3000), dec!(1000), dec!(1000)));
        assert_eq!(f.percent_used(), Some(dec!(66.7)));
        assert_eq!(Figures::default().percent_used(), None);
    }

    #[test]
    fn alerts_follow_the_thresholds() {
        let t = Thresholds::default();
        let at = |actual: Decimal| Figures::of(recorded(dec!(1000), actual, dec!(0))).alert(&t);
        assert_eq!(at(dec!(899.99)), None);
        assert_eq!(at(dec!(900)), Some(Alert::Warning));
        assert_eq!(at(dec!(999.99)), Some(Alert::Warning));
        assert_eq!(at(dec!(1000)), Some(Alert::Overrun));
        // Spending with no budget at all is an overrun; nothing at all is fine.
        let unbudgeted = Figures::of(recorded(dec!(0), dec!(1), dec!(0)));
        assert_eq!(unbudgeted.alert(&t), Some(Alert::Overrun));
        assert_eq!(Figures::default().alert(&t), None);
        // A forecast over budget warns before the money is spent.
        let forecast_over = Figures::of(Recorded {
            budget: dec!(1000),
            actual: dec!(100),
            committed: dec!(0),
            estimate: Some(dec!(1000)),
        });
        assert_eq!(forecast_over.alert(&t), Some(Alert::Warning));
    }

    #[test]
    fn parents_sum_their_children_and_totals_count_each_once() {
        let categories = vec![
            category(1, None, "01"),
            category(2, None, "02"),
            category(3, Some(2), "0201"),
            category(4, Some(2), "0202"),
        ];
        let recorded = HashMap::from([
            (1, recorded(dec!(100), dec!(50), dec!(0))),
            (2, recorded(dec!(10), dec!(0), dec!(0))),
            (3, recorded(dec!(200), dec!(150), dec!(20))),
            (4, recorded(dec!(0), dec!(30), dec!(0))),
        ]);
        let report = Report::build(&categories, &recorded, &Thresholds::default());
        let ids: Vec<i64> = report.lines.iter().map(|l| l.category.id).collect();
        assert_eq!(ids, vec![1, 2, 3, 4]);
        let parent = &report.lines[1];
        assert_eq!(parent.depth, 0);
        assert_eq!(parent.figures.budget, dec!(210));
        assert_eq!(parent.figures.actual, dec!(180));
        assert_eq!(report.lines[2].depth, 1);
        assert_eq!(report.totals.budget, dec!(310));
        assert_eq!(report.totals.actual, dec!(230));
        assert_eq!(report.totals.committed, dec!(20));
        // The child with spending and no budget is an overrun, so is the report.
        assert_eq!(report.lines[3].alert, Some(Alert::Overrun));
        assert_eq!(report.alert, Some(Alert::Overrun));
        assert_eq!(report.alerted()[0].category.id, 4);
    }

    #[test]
    fn inactive_categories_show_only_with_figures() {
        let mut quiet = category(2, None, "02");
        quiet.active = false;
        let mut used = category(3, None, "03");
        used.active = false;
        let categories = vec![category(1, None, "01"), quiet, used];
        let recorded = HashMap::from([(3, recorded(dec!(0), dec!(5), dec!(0)))]);
        let report = Report::build(&categories, &recorded, &Thresholds::default());
        let ids: Vec<i64> = report.lines.iter().map(|l| l.category.id).collect();
        assert_eq!(ids, vec![1, 3]);
    }

    #[test]
    fn categories_nest_one_level() {
        let categories = vec![
            category(1, None, "01"),
            category(2, Some(1), "0101"),
            category(3, None, "03"),
        ];
        assert_eq!(check_parent(&categories, None, 1), Ok(()));
        assert_eq!(check_parent(&categories, Some(3), 1), Ok(()));
        assert_eq!(
            check_parent(&categories, None, 2),
            Err("cost.nest_one_level")
        );
        assert_eq!(
            check_parent(&categories, Some(1), 3),
            Err("cost.has_children")
        );
        assert_eq!(
            check_parent(&categories, Some(3), 3),
            Err("cost.parent_is_self")
        );
        assert_eq!(
            check_parent(&categories, None, 99),
            Err("cost.unknown_category")
        );
    }

    #[test]
    fn three_margins_side_by_side() {
        let totals = Figures::of(recorded(dec!(900), dec!(600), dec!(100)));
        let revenue = Revenue {
            contract: dec!(1000),
            billed: dec!(700),
            collected: dec!(500),
        };
        let m = Margins::of(revenue, &totals, &Thresholds::default());
        assert_eq!(m.contract.amount, dec!(100));
        assert_eq!(m.contract.percent, Some(dec!(10.0)));
        assert_eq!(m.billed.map(|b| b.amount), Some(dec!(100)));
        assert_eq!(m.collected.map(|c| c.amount), Some(dec!(-100)));
        assert_eq!(m.collected.and_then(|c| c.percent), Some(dec!(-20.0)));
        assert!(!m.below_floor);
        let thin = Margins::of(
            Revenue {
                contract: dec!(920),
                ..Revenue::default()
            },
            &totals,
            &Thresholds::default(),
        );
        assert_eq!(thin.contract.percent, Some(dec!(2.2)));
        assert!(thin.below_floor);
        assert_eq!(thin.billed, None);
    }

    #[test]
    fn months_parse_and_key_periods() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 17).unwrap();
        assert_eq!(month_of(d), NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert_eq!(parse_month("2026-03"), Some(month_of(d)));
        assert_eq!(parse_month("2026-13"), None);
    }
}
