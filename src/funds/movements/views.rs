//! What the ledger pages show: the list, the form for other receipts and payments, and one
//! movement with its links, reversal and attachments.

use askama::Template;

use super::domain::LedgerSource;
use super::handlers::{ListQuery, OtherForm, ReverseForm};
use super::queries::Movement;
use super::{BASE, queries};
use crate::funds::ledger::{self, MovementDirection, MovementForm, MovementKind};
use crate::funds::queries as funds_queries;
use crate::i18n::{self, Locale};
use crate::web::attachments::AttachmentList;
use crate::web::form::{Choice, FieldErrors};
use crate::web::{Layout, format};

/// The label of a ledger kind, the wage account's included.
pub fn kind_label(locale: Locale, kind: MovementKind) -> String {
    ledger::kind_label(locale, kind)
}

pub(super) fn project_choices(projects: &[funds_queries::ProjectPick]) -> Vec<Choice> {
    projects
        .iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: format!("{} {}", p.code, p.name),
        })
        .collect()
}

/// A ledger line as shown.
#[derive(Debug, Clone)]
pub struct LedgerView {
    pub href: String,
    pub id: i64,
    pub source: String,
    pub date: String,
    pub project: String,
    pub kind: String,
    pub direction: String,
    pub inflow: String,
    pub outflow: String,
    pub method: String,
    pub account: String,
    pub party: String,
    pub reference: String,
    pub note: String,
    pub reversal: bool,
    pub reversed: bool,
}

#[derive(Template)]
#[template(path = "funds/movements.html")]
pub struct MovementsPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub rows: Vec<LedgerView>,
    pub projects: Vec<Choice>,
    pub accounts: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub parties: Vec<Choice>,
    pub q: ListQuery,
    pub query: String,
    pub inflow: String,
    pub outflow: String,
    pub net: String,
    pub count: i64,
    pub page: i64,
    pub pages: i64,
    pub can_record: bool,
}

pub(super) fn row_view(locale: Locale, r: queries::LedgerRow) -> LedgerView {
    let amount = format::money(r.amount);
    let href = match (r.source, r.worker_id) {
        (LedgerSource::Movement, _) => format!("{BASE}/{}", r.id),
        (_, Some(worker)) => format!("/labour/workers/{worker}/statement"),
        (LedgerSource::LabourAdvance, None) => "/labour/advances".to_owned(),
        (LedgerSource::LabourPayout, None) => "/labour/payouts".to_owned(),
    };
    LedgerView {
        href,
        id: r.id,
        date: r.moved_on.to_string(),
        project: r.project_code.unwrap_or_default(),
        kind: kind_label(locale, r.kind),
        inflow: if r.direction == MovementDirection::In {
            amount.clone()
        } else {
            String::new()
        },
        outflow: if r.direction == MovementDirection::Out {
            amount
        } else {
            String::new()
        },
        direction: r.direction.as_str().to_owned(),
        method: i18n::t(locale, r.method.label_key()).to_owned(),
        account: r.account_name.unwrap_or_default(),
        party: r.party.unwrap_or_default(),
        reference: r.reference,
        note: r.note,
        reversal: r.reverses_id.is_some(),
        reversed: r.reversed,
        source: r.source.as_str().to_owned(),
    }
}

pub(super) fn kind_choices(locale: Locale) -> Vec<Choice> {
    MovementKind::ALL
        .iter()
        .map(|&k| Choice {
            value: k.as_str().to_owned(),
            label: kind_label(locale, k),
        })
        .collect()
}

pub(super) fn party_choices(parties: &[funds_queries::Counterparty]) -> Vec<Choice> {
    parties
        .iter()
        .map(|c| Choice {
            value: c.id.to_string(),
            label: c.name.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "funds/movement_form.html")]
pub struct MovementFormPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub form: OtherForm,
    pub movement: MovementForm,
    pub errors: FieldErrors,
    pub kinds: Vec<Choice>,
    pub projects: Vec<Choice>,
    pub parties: Vec<Choice>,
    pub methods: Vec<Choice>,
    pub accounts: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "funds/movement.html")]
pub struct MovementPage {
    pub layout: Layout,
    pub funds_tab: &'static str,
    pub m: Movement,
    pub kind: String,
    pub method: String,
    pub amount: String,
    pub created_at: String,
    pub request_href: Option<String>,
    pub closed: bool,
    pub can_reverse: bool,
    pub reverse: ReverseForm,
    pub errors: FieldErrors,
    pub attachments: AttachmentList,
    pub refusal: Option<String>,
}
