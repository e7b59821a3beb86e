//! Ticket handlers: thin — parse, check, call the rules in `form` and the SQL in `queries`.

mod entry;
mod list;
mod ticket;

pub use entry::{create, edit_form, new_form, save};
pub use list::{confirm_many, list};
pub(super) use ticket::ticket_refusal;
pub use ticket::{TransitionForm, delete, reverse, show, transition};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::queries::{self, Ticket, Visibility};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::labour::domain::{CountUnit, acts_for_crew};
use crate::roles::{Permission, Role};
use crate::tenancy::{Labour, TenantTx};
use crate::web::form::Choice;
use crate::web::format;

/// Which crews' tickets this user may see (which projects' is the database's rule).
pub fn visibility(tx: &TenantTx<Labour>) -> Visibility {
    Visibility {
        user: tx.user().id,
        own_crews_only: tx.user().role == Role::Foreman,
    }
}

fn today(tx: &TenantTx<Labour>) -> NaiveDate {
    let t = tx.tenant();
    t.today()
}

/// Whether the user may change this ticket's lines: an editable status, the right to enter
/// tickets, and for a foreman a crew they lead.
fn may_edit(tx: &TenantTx<Labour>, t: &Ticket) -> bool {
    t.status.editable() && enters_for(tx, t)
}

/// Whether the user enters labour for the ticket's crew.
fn enters_for(tx: &TenantTx<Labour>, t: &Ticket) -> bool {
    let user = tx.user();
    user.role.has(Permission::EnterLabour) && acts_for_crew(user.role, user.id, t.crew_foreman_id)
}

pub(super) async fn load(tx: &mut TenantTx<Labour>, id: i64) -> AppResult<Ticket> {
    let who = visibility(tx);
    queries::find_ticket(tx, id, who)
        .await?
        .ok_or(AppError::NotFound)
}

/// Whether the user may add or remove photos: before confirmation, on a crew they may enter.
pub(super) fn may_attach(tx: &TenantTx<Labour>, t: &Ticket) -> bool {
    !t.status.is_cost() && enters_for(tx, t)
}

fn choices<T>(items: &[T], f: impl Fn(&T) -> (String, String)) -> Vec<Choice> {
    items
        .iter()
        .map(|i| {
            let (value, label) = f(i);
            Choice { value, label }
        })
        .collect()
}

fn enum_choices<E: Copy>(
    all: &[E],
    locale: i18n::Locale,
    f: impl Fn(E) -> (&'static str, &'static str),
) -> Vec<Choice> {
    all.iter()
        .map(|&v| {
            let (value, key) = f(v);
            Choice {
                value: value.to_owned(),
                label: i18n::t(locale, key).to_owned(),
            }
        })
        .collect()
}

/// The standard quantity of one head for a day in `unit`.
fn standard_quantity(unit: CountUnit, day_hours: Decimal) -> String {
    match unit {
        CountUnit::Day => "1".to_owned(),
        CountUnit::Hour => format::quantity(day_hours),
    }
}
