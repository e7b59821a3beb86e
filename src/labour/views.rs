//! What every Labour page shares: the module's tabs.

/// The tabs across the top of every Labour page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabourTab {
    Summary,
    Tickets,
    Entry,
    Crews,
    Workers,
    Wages,
    Settlements,
    Import,
}

impl LabourTab {
    pub fn all() -> [(LabourTab, &'static str, &'static str); 8] {
        [
            (LabourTab::Summary, "/labour", "labour.tab_summary"),
            (LabourTab::Tickets, "/labour/tickets", "labour.tab_tickets"),
            (LabourTab::Entry, "/labour/tickets/new", "labour.tab_entry"),
            (LabourTab::Crews, "/labour/crews", "labour.tab_crews"),
            (LabourTab::Workers, "/labour/workers", "labour.tab_workers"),
            (LabourTab::Wages, "/labour/wages", "labour.tab_wages"),
            (LabourTab::Settlements, "/labour/settlements", "labour.tab_settlements"),
            (LabourTab::Import, "/labour/import", "labour.tab_import"),
        ]
    }
}
