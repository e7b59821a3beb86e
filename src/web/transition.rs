//! The checks every status change makes, in one place. A step on a record (submit, confirm,
//! approve, cancel …) reads the row `for update`, asks its status whether the step is allowed,
//! compares the version the form was read at, writes with `where version = $n`, audits and
//! flashes. Locking, audit and flash stay with the feature (each knows its row and its
//! words); what is the same everywhere is here: which refusal answers what, with which
//! status code, and that a versioned write that changed nothing is a 409.

use axum::http::StatusCode;

use crate::error::{AppError, AppResult};

/// Why a status change was refused. Both answer 409 Conflict: the record, not the request,
/// is in the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The record's current status does not allow the step.
    WrongStatus,
    /// The record changed after the form was read.
    Stale,
}

/// The message keys a feature shows for each refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Messages {
    pub wrong_status: &'static str,
    pub stale: &'static str,
}

impl Refusal {
    pub fn status(self) -> StatusCode {
        StatusCode::CONFLICT
    }

    /// The message key of this refusal among the feature's `messages`.
    pub fn key(self, messages: Messages) -> &'static str {
        match self {
            Refusal::WrongStatus => messages.wrong_status,
            Refusal::Stale => messages.stale,
        }
    }
}

/// The status a step leads to, if the record's status allows it (`next` is the domain's
/// answer, e.g. `status.after(action)`); `WrongStatus` otherwise.
pub fn allowed<S>(next: Option<S>) -> Result<S, Refusal> {
    next.ok_or(Refusal::WrongStatus)
}

/// Whether the form was read at the record's `current` version; `Stale` otherwise.
pub fn fresh(current: i32, read: i32) -> Result<(), Refusal> {
    if current == read {
        Ok(())
    } else {
        Err(Refusal::Stale)
    }
}

/// Both checks, status first (a record that has moved on says so, rather than only that it
/// changed): the status the step leads to.
pub fn check<S>(next: Option<S>, current: i32, read: i32) -> Result<S, Refusal> {
    let to = allowed(next)?;
    fresh(current, read)?;
    Ok(to)
}

/// A versioned write (`… where version = $n`) that touched no row lost a race with another
/// writer after the checks: 409, and the transaction rolls back.
pub fn written(changed: bool) -> AppResult<()> {
    if changed {
        Ok(())
    } else {
        Err(AppError::Conflict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGES: Messages = Messages {
        wrong_status: "thing.wrong_status",
        stale: "thing.stale",
    };

    #[test]
    fn a_step_the_status_allows_on_a_fresh_form_goes_ahead() {
        assert_eq!(check(Some("next"), 3, 3), Ok("next"));
    }

    #[test]
    fn a_wrong_status_is_told_before_a_stale_version() {
        assert_eq!(check::<&str>(None, 3, 2), Err(Refusal::WrongStatus));
        assert_eq!(check(Some("next"), 3, 2), Err(Refusal::Stale));
    }

    #[test]
    fn refusals_answer_409_with_the_features_words() {
        assert_eq!(Refusal::Stale.status(), StatusCode::CONFLICT);
        assert_eq!(Refusal::WrongStatus.status(), StatusCode::CONFLICT);
        assert_eq!(Refusal::Stale.key(MESSAGES), "thing.stale");
        assert_eq!(Refusal::WrongStatus.key(MESSAGES), "thing.wrong_status");
    }

    #[test]
    fn a_versioned_write_that_changed_nothing_is_a_conflict() {
        assert!(written(true).is_ok());
        assert!(matches!(written(false), Err(AppError::Conflict)));
    }
}
