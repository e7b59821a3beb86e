//! Ledger handlers: the filtered list with its export, recording another receipt or payment,
//! one movement's page, and its reversal.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::attachments::MovementAttachments;
use super::domain::{NoReversal, OTHER_KINDS, PAGE_SIZE, may_reverse};
use super::queries::Filter;
use super::views::{
    MovementFormPage, MovementPage, MovementsPage, kind_choices, kind_label, party_choices,
    project_choices, row_view,
};
use super::{BASE, domain, queries};
use crate::audit::{Action, Change, snapshot};
use crate::error::AppResult;
use crate::funds::deposits::domain::DepositStatus;
use crate::funds::ledger::{
    self, MovementDirection, MovementForm, MovementKind, MovementMethod, Purpose,
};
use crate::funds::queries as funds_queries;
use crate::i18n::{self, Locale};
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::attachments::ListOptions;
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::fields::{optional_date, optional_int};
use crate::web::form::{self, Choice, FieldErrors};
use crate::web::pager::filter_query;
use crate::web::{AppForm, Page, Path, format};

// The list ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub project: String,
    pub account: String,
    pub direction: String,
    pub kind: String,
    pub from: String,
    pub to: String,
    pub counterparty: String,
    pub page: String,
    pub format: Option<ExportFormat>,
}

impl ListQuery {
    pub(super) fn filter(&self) -> Filter {
        let id = |s: &str| s.trim().parse::<i64>().ok();
        let (from, to) = domain::month_range(&self.from, &self.to);
        let direction = self.direction.trim();
        let kind = self.kind.trim();
        Filter {
            project: id(&self.project),
            account: id(&self.account),
            direction: ["in", "out"]
                .contains(&direction)
                .then(|| direction.to_owned()),
            kind: MovementKind::parse(kind).map(|k| k.as_str().to_owned()),
            from,
            to,
            counterparty: id(&self.counterparty),
        }
    }

    /// The filters as a query string (without the page), for page and export links.
    pub(super) fn query(&self) -> String {
        let pairs = [
            ("project", &self.project),
            ("account", &self.account),
            ("direction", &self.direction),
            ("kind", &self.kind),
            ("from", &self.from),
            ("to", &self.to),
            ("counterparty", &self.counterparty),
        ];
        filter_query(pairs)
    }
}

/// The ledger the user may see, filtered, 50 a page, with the filter's totals; or all of
/// it as CSV or XLSX.
pub async fn list(
    mut tx: TenantTx<Funds>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let locale = tx.user().locale;
    let filter = q.filter();
    let totals = queries::totals(&mut tx, &filter).await?;
    if let Some(fmt) = q.format {
        let rows = queries::rows(&mut tx, &filter, i64::MAX, 0).await?;
        return export(locale, rows, &totals, fmt);
    }
    let (n, offset) = domain::page_offset(&q.page);
    let rows = queries::rows(&mut tx, &filter, PAGE_SIZE, offset).await?;
    let projects = funds_queries::visible_projects(&mut tx).await?;
    let arg = tx.tenant().today();
    let all_accounts = crate::funds::accounts::queries::accounts(&mut tx, arg).await?;
    let parties = funds_queries::counterparties(&mut tx).await?;
    let html = MovementsPage {
        layout: page.layout(&tx, "funds.tab_ledger"),
        funds_tab: "movements",
        rows: rows.into_iter().map(|r| row_view(locale, r)).collect(),
        projects: project_choices(&projects),
        accounts: all_accounts
            .iter()
            .map(|a| Choice {
                value: a.id.to_string(),
                label: a.name.clone(),
            })
            .collect(),
        kinds: kind_choices(locale),
        parties: party_choices(&parties),
        query: q.query(),
        inflow: format::money(totals.inflow),
        outflow: format::money(totals.outflow),
        net: format::money(totals.inflow - totals.outflow),
        count: totals.count,
        page: n,
        pages: domain::page_count(totals.count),
        can_record: tx.user().role.has(Permission::RecordFunds),
        q,
    }
    .render()?;
    Ok(Html(html).into_response())
}

pub(super) fn export(
    locale: Locale,
    rows: Vec<queries::LedgerRow>,
    totals: &queries::Totals,
    fmt: ExportFormat,
) -> AppResult<Response> {
    let t = |k: &str| i18n::t(locale, k).to_owned();
    let headers = vec![
        t("funds.moved_on"),
        t("funds.project"),
        t("funds_ledger.kind"),
        t("funds_ledger.inflow"),
        t("funds_ledger.outflow"),
        t("funds.method"),
        t("funds.pay_account"),
        t("funds_ledger.party"),
        t("funds.reference"),
        t("funds.movement_note"),
    ];
    let money_or_blank = |show: bool, d| {
        if show {
            Cell::Money(d)
        } else {
            Cell::Text(String::new())
        }
    };
    let rows = rows
        .into_iter()
        .map(|r| {
            vec![
                Cell::Text(r.moved_on.to_string()),
                Cell::Text(r.project_code.unwrap_or_default()),
                Cell::Text(kind_label(locale, r.kind)),
                money_or_blank(r.direction == MovementDirection::In, r.amount),
                money_or_blank(r.direction == MovementDirection::Out, r.amount),
                Cell::Text(t(r.method.label_key())),
                Cell::Text(r.account_name.unwrap_or_default()),
                Cell::Text(r.party.unwrap_or_default()),
                Cell::Text(r.reference),
                Cell::Text(r.note),
            ]
        })
        .collect();
    let blank = || Cell::Text(String::new());
    let mut total_row = vec![Cell::Text(t("funds_ledger.total")), blank(), blank()];
    total_row.extend([Cell::Money(totals.inflow), Cell::Money(totals.outflow)]);
    total_row.resize_with(headers.len(), blank);
    Table {
        headers,
        rows,
        totals: Some(total_row),
    }
    .download(fmt, "funds-ledger")
}

// Recording another receipt or payment -------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OtherForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub project_id: String,
    #[serde(default)]
    pub counterparty_id: String,
    #[serde(flatten)]
    pub movement: MovementForm,
}

pub(super) async fn form_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    form: OtherForm,
    errors: FieldErrors,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let projects = funds_queries::visible_projects(tx).await?;
    let parties: Vec<_> = funds_queries::counterparties(tx)
        .await?
        .into_iter()
        .filter(|c| c.active)
        .collect();
    let accounts = ledger::account_choices(&ledger::active_accounts(tx).await?);
    Ok(MovementFormPage {
        layout: page.layout(tx, "funds_ledger.new_movement"),
        funds_tab: "movements",
        movement: form.movement.clone(),
        form,
        errors,
        kinds: OTHER_KINDS
            .iter()
            .map(|&k| Choice {
                value: k.as_str().to_owned(),
                label: kind_label(locale, k),
            })
            .collect(),
        projects: project_choices(&projects),
        parties: party_choices(&parties),
        methods: ledger::method_choices(locale),
        accounts,
    }
    .render()?)
}

/// The form to record another receipt or payment.
pub async fn new(mut tx: TenantTx<Funds>, page: Page) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    let form = OtherForm {
        kind: "other_out".to_owned(),
        movement: MovementForm::new(tx.tenant().today(), rust_decimal::Decimal::ZERO),
        ..OtherForm::default()
    };
    let html = form_page(&mut tx, &page, form, FieldErrors::default()).await?;
    Ok(Html(html).into_response())
}

#[derive(Debug, Serialize)]
pub(super) struct Recorded<'a> {
    pub(super) kind: MovementKind,
    pub(super) project_id: Option<i64>,
    pub(super) counterparty_id: Option<i64>,
    pub(super) moved_on: NaiveDate,
    pub(super) amount: rust_decimal::Decimal,
    pub(super) method: MovementMethod,
    pub(super) bank_account_id: Option<i64>,
    pub(super) reference: &'a str,
    pub(super) note: &'a str,
}

/// Records another receipt or payment; the note says what it was.
pub async fn create(
    mut tx: TenantTx<Funds>,
    page: Page,
    AppForm(f): AppForm<OtherForm>,
) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    let mut errors = FieldErrors::default();
    let kind = MovementKind::parse(f.kind.trim()).filter(|k| OTHER_KINDS.contains(k));
    if kind.is_none() {
        errors.add("kind", "form.invalid_choice");
    }
    let project_id = optional_int(&mut errors, "project_id", &f.project_id, 1..=i64::MAX);
    if let Some(p) = project_id {
        let projects = funds_queries::visible_projects(&mut tx).await?;
        if !projects.iter().any(|x| x.id.get() == p) {
            errors.add("project_id", "funds.unknown_project");
        }
    } else if !tx.user().role.has(Permission::SeeAllProjects) && !errors.has("project_id") {
        // Those who see only their projects record only on them.
        errors.add("project_id", "form.required");
    }
    let counterparty_id = optional_int(
        &mut errors,
        "counterparty_id",
        &f.counterparty_id,
        1..=i64::MAX,
    );
    if let Some(c) = counterparty_id {
        let parties = funds_queries::counterparties(&mut tx).await?;
        if !parties.iter().any(|x| x.id == c && x.active) {
            errors.add("counterparty_id", "funds.unknown_counterparty");
        }
    }
    if f.movement.note.trim().is_empty() {
        errors.add("note", "funds_ledger.note_required");
    }
    let input = f.movement.parse(&mut errors, tx.tenant().today());
    if let Some(input) = &input {
        ledger::check(&mut tx, input, &mut errors).await?;
    }
    let (Some(kind), Some(input)) = (kind, input) else {
        return refuse_form(tx, page, f, errors).await;
    };
    if !errors.is_empty() {
        return refuse_form(tx, page, f, errors).await;
    }
    let by = tx.user().id;
    let purpose = Purpose {
        project_id,
        counterparty_id,
        ..Purpose::of(kind)
    };
    let id = ledger::record(&mut tx, &purpose, &input, by).await?;
    let summary = format!("{} {}", kind.as_str(), input.amount);
    tx.audit(Change {
        entity: "fund_movement",
        entity_id: Some(id),
        action: Action::Create,
        summary: &summary,
        before: None,
        after: snapshot(&Recorded {
            kind,
            project_id,
            counterparty_id,
            moved_on: input.moved_on,
            amount: input.amount,
            method: input.method,
            bank_account_id: input.bank_account_id,
            reference: &input.reference,
            note: &input.note,
        }),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_ledger.movement_saved")
        .await?;
    Ok(Redirect::to(&format!("{BASE}/{id}")).into_response())
}

pub(super) async fn refuse_form(
    mut tx: TenantTx<Funds>,
    page: Page,
    f: OtherForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let html = form_page(&mut tx, &page, f, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

// One movement -------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReverseForm {
    pub reason: String,
    pub moved_on: String,
}

/// What a refused action shows on the movement's page.
#[derive(Debug, Default)]
pub(crate) struct Refused {
    pub reverse: Option<(ReverseForm, FieldErrors)>,
    pub attachment_error: Option<&'static str>,
    pub refusal: Option<&'static str>,
}

pub(crate) async fn show_page(
    tx: &mut TenantTx<Funds>,
    page: &Page,
    id: i64,
    refused: Refused,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let tz = tx.tenant().time_zone;
    let m = queries::find(tx, id).await?;
    let closed = crate::cost::is_closed(tx, m.moved_on).await?;
    let may = tx.user().role.has(Permission::RecordFunds);
    let files = crate::web::attachments::list::<MovementAttachments>(
        tx,
        id,
        &format!("{BASE}/{id}"),
        ListOptions {
            can_add: may && !closed,
            can_remove: may && !closed,
            error: refused
                .attachment_error
                .map(|k| i18n::t(locale, k).to_owned()),
        },
    )
    .await?;
    let (reverse, errors) = refused.reverse.unwrap_or_else(|| {
        (
            ReverseForm {
                reason: String::new(),
                moved_on: tx.tenant().today().to_string(),
            },
            FieldErrors::default(),
        )
    });
    Ok(MovementPage {
        layout: page.layout(tx, "funds_ledger.movement"),
        funds_tab: "movements",
        kind: kind_label(locale, m.kind),
        method: i18n::t(locale, m.method.label_key()).to_owned(),
        amount: format::money(m.amount),
        created_at: format::datetime(m.created_at, tz),
        request_href: m.payment_request_id.map(|r| format!("/funds/requests/{r}")),
        closed,
        can_reverse: may && may_reverse(m.reverses_id, m.reversed_by).is_ok(),
        reverse,
        errors,
        attachments: files,
        refusal: refused.refusal.map(|k| i18n::t(locale, k).to_owned()),
        m,
    }
    .render()?)
}

/// The movement, what it links, its reversal and its attachments.
pub async fn show(mut tx: TenantTx<Funds>, page: Page, Path(id): Path<i64>) -> AppResult<Response> {
    let html = show_page(&mut tx, &page, id, Refused::default()).await?;
    Ok(Html(html).into_response())
}

/// Reverses a movement: the negated amount, same kind and links, naming it. A paid request
/// goes back to approved; a refunded deposit back to paid.
pub async fn reverse(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ReverseForm>,
) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    let m = queries::find(&mut tx, id).await?;
    let refuse409 = |key: &'static str| Refused {
        refusal: Some(key),
        ..Refused::default()
    };
    if let Err(why) = may_reverse(m.reverses_id, m.reversed_by) {
        let key = match why {
            NoReversal::IsReversal => "funds_ledger.reversal_of_reversal",
            NoReversal::AlreadyReversed => "funds_ledger.already_reversed",
        };
        let html = show_page(&mut tx, &page, id, refuse409(key)).await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    if m.kind == MovementKind::DepositPaid
        && let Some(d) = m.deposit_id
        && queries::deposit_status(&mut tx, d).await? != Some(DepositStatus::Paid)
    {
        let html = show_page(
            &mut tx,
            &page,
            id,
            refuse409("funds_ledger.deposit_settled"),
        )
        .await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    let now = tx.tenant().today();
    let mut errors = FieldErrors::default();
    let reason = form::text(&mut errors, "reason", &f.reason, true, 500);
    let on = if f.moved_on.trim().is_empty() {
        Some(now)
    } else {
        optional_date(&mut errors, "moved_on", &f.moved_on)
    };
    if on.is_some_and(|d| d > now) {
        errors.add("moved_on", "funds.moved_in_future");
    } else if on.is_some_and(|d| d < m.moved_on) {
        // A reversal dated before what it reverses would rewrite an earlier month.
        errors.add("moved_on", "cost_entries.reversal_before_original");
    }
    if let Some(d) = on
        && !errors.has("moved_on")
        && crate::cost::is_closed(&mut tx, d).await?
    {
        errors.add("moved_on", "funds.period_closed");
    }
    let Some(on) = on.filter(|_| errors.is_empty()) else {
        let refused = Refused {
            reverse: Some((f, errors)),
            ..Refused::default()
        };
        let html = show_page(&mut tx, &page, id, refused).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    let by = tx.user().id;
    // A reversal that got in meanwhile makes this one a conflict (the unique key).
    let reversal = queries::insert_reversal(&mut tx, &m, on, &reason, by).await?;
    let request_back = match m.payment_request_id {
        Some(r) => queries::unpay_request(&mut tx, r, by).await?,
        None => false,
    };
    let deposit_back = match (m.kind, m.deposit_id) {
        (MovementKind::DepositRefund, Some(d)) => queries::unrefund_deposit(&mut tx, d, by).await?,
        _ => false,
    };
    tx.audit(Change {
        entity: "fund_movement",
        entity_id: Some(reversal),
        action: Action::Create,
        summary: &format!("reversal of movement {id}: {reason}"),
        before: snapshot(&m),
        after: Some(serde_json::json!({
            "reverses_id": id,
            "moved_on": on,
            "amount": -m.amount,
            "reason": reason,
            "payment_request_approved_again": request_back,
            "deposit_paid_again": deposit_back,
        })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "funds_ledger.reversed").await?;
    Ok(Redirect::to(&format!("{BASE}/{reversal}")).into_response())
}
