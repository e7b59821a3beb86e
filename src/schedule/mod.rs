//! The CPM engine and working calendars: pure Rust, no I/O.
//!
//! Time is counted in working days. A *position* `p` is the start (08:00) of the `p`-th
//! working day after the project's first working day, which is also the end (17:00) of
//! working day `p - 1`. A task of `d` days starting at `s` finishes at `s + d`; every link
//! and lag is then plain integer arithmetic, and dates appear only at the edges.

mod calendar;
mod cpm;
pub mod oracle;

pub use calendar::{Calendar, CalendarError, Timeline, WEEK};
pub use cpm::{
    LinkInput, Network, Schedule, ScheduleError, TaskInput, TaskProgress, TaskSchedule, schedule,
};

use serde::{Deserialize, Serialize};

/// The four dependency types, as MS Project names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LinkKind {
    /// Finish-to-start: the successor starts after the predecessor finishes.
    FS,
    /// Start-to-start.
    SS,
    /// Finish-to-finish.
    FF,
    /// Start-to-finish.
    SF,
}

impl LinkKind {
    pub const ALL: [LinkKind; 4] = [LinkKind::FS, LinkKind::SS, LinkKind::FF, LinkKind::SF];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::FS => "FS",
            LinkKind::SS => "SS",
            LinkKind::FF => "FF",
            LinkKind::SF => "SF",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// MS Project XML's `<Type>` code: 0 FF, 1 FS, 2 SF, 3 SS.
    pub fn mspdi_code(self) -> u8 {
        match self {
            LinkKind::FF => 0,
            LinkKind::FS => 1,
            LinkKind::SF => 2,
            LinkKind::SS => 3,
        }
    }

    pub fn from_mspdi_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.mspdi_code() == code)
    }

    /// Whether the predecessor's finish (rather than its start) drives the link.
    pub fn from_finish(self) -> bool {
        matches!(self, LinkKind::FS | LinkKind::FF)
    }

    /// Whether the link constrains the successor's finish (rather than its start).
    pub fn to_finish(self) -> bool {
        matches!(self, LinkKind::FF | LinkKind::SF)
    }
}
