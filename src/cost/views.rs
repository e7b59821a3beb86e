//! What the cost centre's pages share: the sub-tabs of a project's cost pages.

use crate::tenancy::ProjectId;

/// The cost pages of one project, under the project's Cost tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostTab {
    Report,
    Months,
    Budget,
    Entries,
    Revenue,
    Snapshots,
    EarnedValue,
}

impl CostTab {
    pub fn all(project: &ProjectId) -> Vec<(CostTab, String, &'static str)> {
        [
            (CostTab::Report, "", "cost.tab_report"),
            (CostTab::Months, "/months", "cost.tab_months"),
            (CostTab::Budget, "/budget", "cost.tab_budget"),
            (CostTab::Entries, "/entries", "cost.tab_entries"),
            (CostTab::Revenue, "/revenue", "cost.tab_revenue"),
            (CostTab::Snapshots, "/snapshots", "cost.tab_snapshots"),
            (
                CostTab::EarnedValue,
                "/earned-value",
                "cost.tab_earned_value",
            ),
        ]
        .into_iter()
        .map(|(t, suffix, key)| (t, format!("/projects/{project}/cost{suffix}"), key))
        .collect()
    }
}
