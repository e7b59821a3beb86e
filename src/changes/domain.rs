//! The rules change requests share, pure: who sits on the review board, who may vote, what
//! the votes decide, and what a task's duration becomes.

use crate::db::text_enum;
use crate::roles::Role;

text_enum! {
    /// What a change request is: a design change (工程变更) or a site instruction (现场签证).
    RequestKind in "changes" { Change => "change", Visa => "visa" }
}

/// A change request's state. Draft → submitted → under review (the first vote) → approved or
/// rejected; the requester may withdraw a submitted or reviewed request back to draft. Stored
/// as text: an unknown value in a row is a decode error, never a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    UnderReview,
    Approved,
    Rejected,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::Submitted,
        Status::UnderReview,
        Status::Approved,
        Status::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::UnderReview => "under_review",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The i18n key of its label (`changes.status_draft` …).
    pub fn label_key(self) -> String {
        format!("changes.status_{}", self.as_str())
    }

    /// Whether the board can vote on it now.
    pub fn in_review(self) -> bool {
        matches!(self, Status::Submitted | Status::UnderReview)
    }

    /// Whether its content may be edited, submitted, deleted or given attachments.
    pub fn is_draft(self) -> bool {
        self == Status::Draft
    }

    /// Where `step` takes a request in this status, if it may be taken at all. Votes, an
    /// approval and a failed application move it within review (see `outcome`).
    pub fn after(self, step: Step) -> Option<Status> {
        match (self, step) {
            (Status::Draft, Step::Submit) => Some(Status::Submitted),
            (Status::Submitted | Status::UnderReview, Step::Withdraw) => Some(Status::Draft),
            _ => None,
        }
    }
}

/// What the requester does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Submit,
    Withdraw,
}

/// The board as configured: named members, or (while none is named) every owner and admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    pub members: Vec<i64>,
    pub approvals_needed: u32,
}

impl Board {
    /// Whether `user` with `role` sits on the board.
    pub fn includes(&self, user: i64, role: Role) -> bool {
        if self.members.is_empty() {
            matches!(role, Role::Owner | Role::Admin)
        } else {
            self.members.contains(&user)
        }
    }
}

/// A vote as cast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approve" => Some(Decision::Approve),
            "reject" => Some(Decision::Reject),
            _ => None,
        }
    }
}

/// Why a user may not vote; each has its message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteRefusal {
    NotInReview,
    NotOnBoard,
    OwnRequest,
    AlreadyVoted,
}

impl VoteRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            VoteRefusal::NotInReview => "changes.vote_not_in_review",
            VoteRefusal::NotOnBoard => "changes.vote_not_on_board",
            VoteRefusal::OwnRequest => "changes.vote_own_request",
            VoteRefusal::AlreadyVoted => "changes.vote_already",
        }
    }
}

/// Whether `voter` may vote on a request in `status` raised by `requester`, having cast
/// `voted` votes this round. The requester never votes on their own request.
pub fn may_vote(
    board: &Board,
    status: Status,
    requester: i64,
    voter: i64,
    role: Role,
    already_voted: bool,
) -> Result<(), VoteRefusal> {
    if !status.in_review() {
        Err(VoteRefusal::NotInReview)
    } else if !board.includes(voter, role) {
        Err(VoteRefusal::NotOnBoard)
    } else if voter == requester {
        Err(VoteRefusal::OwnRequest)
    } else if already_voted {
        Err(VoteRefusal::AlreadyVoted)
    } else {
        Ok(())
    }
}

/// What this round's votes decide: one rejection rejects (会签: every member must agree);
/// otherwise approved once enough members approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pending { approvals: u32, needed: u32 },
    Approved,
    Rejected,
}

pub fn outcome(votes: &[Decision], approvals_needed: u32) -> Outcome {
    if votes.contains(&Decision::Reject) {
        return Outcome::Rejected;
    }
    let approvals = u32::try_from(votes.len()).unwrap_or(u32::MAX);
    if approvals >= approvals_needed.max(1) {
        Outcome::Approved
    } else {
        Outcome::Pending {
            approvals,
            needed: approvals_needed.max(1),
        }
    }
}

/// Why a task's duration cannot take a change's days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationRefusal {
    /// A summary's duration follows from its children.
    Summary,
    /// A milestone has no duration.
    Milestone,
    /// A finished task's duration is history.
    Finished,
    /// The duration would fall below zero (carries the current duration).
    BelowZero(i32),
    /// Over the schedule's largest duration.
    TooLong,
}

impl DurationRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            DurationRefusal::Summary => "changes.task_summary",
            DurationRefusal::Milestone => "changes.task_milestone",
            DurationRefusal::Finished => "changes.task_finished",
            DurationRefusal::BelowZero(_) => "changes.task_below_zero",
            DurationRefusal::TooLong => "changes.task_too_long",
        }
    }
}

/// The most working days a task may last (the `task.duration_days` check).
pub const MAX_DURATION: i32 = 10_000;

/// A task's duration and remaining days after adding `days` working days.
pub fn new_duration(
    duration: i32,
    remaining: Option<i32>,
    days: i32,
    summary: bool,
    milestone: bool,
    finished: bool,
) -> Result<(i32, Option<i32>), DurationRefusal> {
    if summary {
        return Err(DurationRefusal::Summary);
    }
    if milestone {
        return Err(DurationRefusal::Milestone);
    }
    if finished {
        return Err(DurationRefusal::Finished);
    }
    let next = duration.saturating_add(days);
    if next < 0 {
        return Err(DurationRefusal::BelowZero(duration));
    }
    if next > MAX_DURATION {
        return Err(DurationRefusal::TooLong);
    }
    // Days added to a task under way are still to be worked.
    let remaining = remaining.map(|r| r.saturating_add(days).clamp(0, next));
    Ok((next, remaining))
}

/// The next number in a project's sequence (`BG-001`, `R-007` …) after the highest taken.
pub fn next_number(prefix: &str, taken: &[String]) -> String {
    let highest = taken
        .iter()
        .filter_map(|n| {
            n.strip_prefix(prefix)?
                .strip_prefix('-')?
                .parse::<u32>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    format!("{prefix}-{:03}", highest + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(members: &[i64], needed: u32) -> Board {
        Board {
            members: members.to_vec(),
            approvals_needed: needed,
        }
    }

    #[test]
    fn without_named_members_owners_and_admins_review() {
        let b = board(&[], 1);
        assert!(b.includes(9, Role::Owner));
        assert!(b.includes(9, Role::Admin));
        assert!(!b.includes(9, Role::ProjectManager));
        let named = board(&[4], 1);
        assert!(named.includes(4, Role::Viewer));
        assert!(!named.includes(9, Role::Owner));
    }

    #[test]
    fn the_requester_never_votes_on_their_own_request() {
        let b = board(&[1, 2], 2);
        assert_eq!(
            may_vote(&b, Status::Submitted, 1, 1, Role::ProjectManager, false),
            Err(VoteRefusal::OwnRequest)
        );
        assert_eq!(
            may_vote(&b, Status::UnderReview, 1, 2, Role::Finance, false),
            Ok(())
        );
        assert_eq!(
            may_vote(&b, Status::UnderReview, 1, 2, Role::Finance, true),
            Err(VoteRefusal::AlreadyVoted)
        );
        assert_eq!(
            may_vote(&b, Status::Draft, 1, 2, Role::Finance, false),
            Err(VoteRefusal::NotInReview)
        );
        assert_eq!(
            may_vote(&b, Status::Submitted, 1, 3, Role::Owner, false),
            Err(VoteRefusal::NotOnBoard)
        );
    }

    #[test]
    fn one_rejection_rejects_and_enough_approvals_approve() {
        use Decision::*;
        assert_eq!(
            outcome(&[Approve], 2),
            Outcome::Pending {
                approvals: 1,
                needed: 2
            }
        );
        assert_eq!(outcome(&[Approve, Approve], 2), Outcome::Approved);
        assert_eq!(outcome(&[Approve, Reject], 2), Outcome::Rejected);
        assert_eq!(
            outcome(&[], 0),
            Outcome::Pending {
                approvals: 0,
                needed: 1
            }
        );
    }

    #[test]
    fn durations_take_the_days_within_bounds() {
        assert_eq!(
            new_duration(10, None, 3, false, false, false),
            Ok((13, None))
        );
        assert_eq!(
            new_duration(10, Some(4), -2, false, false, false),
            Ok((8, Some(2)))
        );
        assert_eq!(
            new_duration(10, Some(1), -5, false, false, false),
            Ok((5, Some(0)))
        );
        assert_eq!(
            new_duration(2, None, -3, false, false, false),
            Err(DurationRefusal::BelowZero(2))
        );
        assert_eq!(
            new_duration(1, None, 1, true, false, false),
            Err(DurationRefusal::Summary)
        );
        assert_eq!(
            new_duration(0, None, 1, false, true, false),
            Err(DurationRefusal::Milestone)
        );
        assert_eq!(
            new_duration(5, None, 1, false, false, true),
            Err(DurationRefusal::Finished)
        );
        assert_eq!(
            new_duration(9_999, None, 2, false, false, false),
            Err(DurationRefusal::TooLong)
        );
    }

    #[test]
    fn numbers_follow_the_highest_taken() {
        assert_eq!(next_number("BG", &[]), "BG-001");
        assert_eq!(
            next_number("BG", &["BG-002".into(), "BG-010".into(), "X-99".into()]),
            "BG-011"
        );
    }

    /// The text sqlx binds for `v`: what a row stores.
    fn stored<T: for<'q> sqlx::Encode<'q, sqlx::Postgres>>(v: T) -> String {
        let mut buf = sqlx::postgres::PgArgumentBuffer::default();
        let _ = sqlx::Encode::<sqlx::Postgres>::encode_by_ref(&v, &mut buf).unwrap();
        String::from_utf8(buf.to_vec()).unwrap()
    }

    #[test]
    fn request_statuses_round_trip_and_unknown_ones_fail() {
        for s in Status::ALL {
            assert_eq!(stored(s), s.as_str());
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(stored(Status::UnderReview), "under_review");
        assert_eq!(Status::parse("pending"), None);
        assert_eq!(Status::parse(""), None);
    }

    #[test]
    fn a_draft_is_submitted_and_a_request_in_review_withdrawn() {
        use Status as S;
        assert_eq!(S::Draft.after(Step::Submit), Some(S::Submitted));
        assert_eq!(S::Submitted.after(Step::Withdraw), Some(S::Draft));
        assert_eq!(S::UnderReview.after(Step::Withdraw), Some(S::Draft));
        for s in [S::Submitted, S::UnderReview, S::Approved, S::Rejected] {
            assert_eq!(s.after(Step::Submit), None, "{s:?}");
        }
        for s in [S::Draft, S::Approved, S::Rejected] {
            assert_eq!(s.after(Step::Withdraw), None, "{s:?}");
        }
        assert!(S::Draft.is_draft() && !S::Submitted.is_draft());
    }
}
