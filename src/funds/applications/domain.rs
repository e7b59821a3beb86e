//! The rules of progress-payment applications (进度款申请, GB 50500-2013 §10.3), pure: the
//! period's value, the retention withheld under the contract's cap, the amount due, the
//! refusals (a negative amount due, more advance recovered than was paid, more work claimed
//! than the contract holds), the statuses and what each allows, the due date after
//! certification, and what is still outstanding; and the checks of an application form
//! against its contract and the earlier periods.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::queries::{Application, ApplicationFields};
use crate::db::text_enum;
use crate::funds::contracts::queries::Contract;
use crate::funds::domain::{ContractDirection, ContractStatus, MAX_AMOUNT, current_amount};
use crate::i18n::{self, Locale};
use crate::web::fields::{optional_decimal, required_date};
use crate::web::form::{self, FieldErrors};
use crate::web::format;

text_enum! {
    /// An application's status: draft → submitted → certified, or withdrawn once submitted.
    ApplicationStatus in "funds_apply" {
        Draft => "draft",
        Submitted => "submitted",
        Certified => "certified",
        Withdrawn => "withdrawn",
    }
}

/// The statuses of an application, in their order.
pub const STATUSES: [&str; 4] = ["draft", "submitted", "certified", "withdrawn"];

/// Days the client has to pay after certifying (GB 50500-2013 §10.3.11).
pub const DAYS_TO_PAY: u64 = 14;

/// Whether a payment ratio is within 60–90 % (GB 50500-2013 §10.3.7).
pub fn ratio_within_law(ratio: Decimal) -> bool {
    (Decimal::from(60)..=Decimal::from(90)).contains(&ratio)
}

/// `amount × percent %`, rounded half away from zero to the fen.
pub use crate::funds::domain::percent_of;

/// The contract's terms as the applications read them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Terms {
    /// The signed amount with its approved variations.
    pub current_amount: Decimal,
    pub retention_percent: Decimal,
    pub advance_amount: Decimal,
}

/// What the earlier applications of the contract (not withdrawn) add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Earlier {
    pub value: Decimal,
    pub retention: Decimal,
    pub advance_recovered: Decimal,
    /// The end of the latest of them: a new period ends after it.
    pub last_end: Option<NaiveDate>,
}

/// Whether a period ending `end` follows the earlier periods.
pub fn period_follows(end: NaiveDate, earlier: &Earlier) -> bool {
    earlier.last_end.is_none_or(|last| end > last)
}

/// The figures entered for one period.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Figures {
    /// Contract work completed this period (合同内).
    pub completed: Decimal,
    /// Approved variations valued this period (变更).
    pub variation: Decimal,
    /// Day labour (计日工).
    pub day_labour: Decimal,
    pub advance_recovered: Decimal,
    /// Owner-supplied materials (甲供材料).
    pub owner_materials: Decimal,
    pub other_deductions: Decimal,
    pub payment_ratio: Decimal,
}

/// An application's derived figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Computed {
    /// 本期完成: completed + variations + day labour.
    pub period_value: Decimal,
    /// 累计已完成: the earlier periods' values and this one's.
    pub cumulative_value: Decimal,
    /// The period value at the payment ratio.
    pub at_ratio: Decimal,
    /// 质保金 withheld this period, within the cap.
    pub retention: Decimal,
    pub cumulative_retention: Decimal,
    /// The cap: current amount × retention %.
    pub retention_cap: Decimal,
    /// 本期应扣 in total: retention, advance, owner materials, others.
    pub deductions: Decimal,
    /// 本期应支付: at ratio less the deductions.
    pub net_payable: Decimal,
    pub cumulative_advance: Decimal,
}

/// Why an application's figures are refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Refusal {
    /// The deductions exceed the period value at the payment ratio.
    DueNegative { due: Decimal },
    /// The advance recovered in all would exceed the contract's advance payment.
    AdvanceAbove { left: Decimal },
    /// The work claimed in all would exceed the contract's current amount.
    CumulativeAbove { left: Decimal },
    /// This period's value is below zero.
    ValueNegative,
}

impl Refusal {
    /// The form field the refusal belongs beside.
    pub fn field(self) -> &'static str {
        match self {
            Refusal::DueNegative { .. } => "other_deductions",
            Refusal::AdvanceAbove { .. } => "advance_recovered",
            Refusal::CumulativeAbove { .. } | Refusal::ValueNegative => "completed_value",
        }
    }

    /// The message's i18n key.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::DueNegative { .. } => "funds_apply.due_negative",
            Refusal::AdvanceAbove { .. } => "funds_apply.advance_above_contract",
            Refusal::CumulativeAbove { .. } => "funds_apply.cumulative_above_contract",
            Refusal::ValueNegative => "funds_apply.value_negative",
        }
    }

    /// The amount the message names (none for `ValueNegative`).
    pub fn amount(self) -> Option<Decimal> {
        match self {
            Refusal::DueNegative { due } => Some(due),
            Refusal::AdvanceAbove { left } | Refusal::CumulativeAbove { left } => Some(left),
            Refusal::ValueNegative => None,
        }
    }
}

/// The derived figures of an application with `earlier` periods before it. The retention is
/// this period's value at the contract's retention %, but never takes the total withheld
/// above the cap (current amount × retention %), and never below zero.
pub fn compute(terms: &Terms, earlier: &Earlier, f: &Figures) -> Computed {
    let period_value = f.completed + f.variation + f.day_labour;
    let cap = percent_of(terms.current_amount, terms.retention_percent);
    let room = (cap - earlier.retention).max(Decimal::ZERO);
    let retention = percent_of(period_value, terms.retention_percent)
        .max(Decimal::ZERO)
        .min(room);
    let at_ratio = percent_of(period_value, f.payment_ratio);
    let deductions = retention + f.advance_recovered + f.owner_materials + f.other_deductions;
    Computed {
        period_value,
        cumulative_value: earlier.value + period_value,
        at_ratio,
        retention,
        cumulative_retention: earlier.retention + retention,
        retention_cap: cap,
        deductions,
        net_payable: at_ratio - deductions,
        cumulative_advance: earlier.advance_recovered + f.advance_recovered,
    }
}

/// What refuses the figures, none when they stand.
pub fn refusals(terms: &Terms, earlier: &Earlier, c: &Computed) -> Vec<Refusal> {
    let mut out = Vec::new();
    if c.period_value < Decimal::ZERO {
        out.push(Refusal::ValueNegative);
    } else if c.cumulative_value > terms.current_amount {
        out.push(Refusal::CumulativeAbove {
            left: (terms.current_amount - earlier.value).max(Decimal::ZERO),
        });
    }
    if c.cumulative_advance > terms.advance_amount {
        out.push(Refusal::AdvanceAbove {
            left: (terms.advance_amount - earlier.advance_recovered).max(Decimal::ZERO),
        });
    }
    if c.net_payable < Decimal::ZERO {
        out.push(Refusal::DueNegative { due: c.net_payable });
    }
    out
}

/// Whether the figures of an application in `status` may still change.
pub fn editable(status: ApplicationStatus) -> bool {
    status == ApplicationStatus::Draft
}

/// The status an action moves an application to from `status`, if it may.
pub fn next_status(status: ApplicationStatus, action: &str) -> Option<ApplicationStatus> {
    use ApplicationStatus::{Certified, Draft, Submitted, Withdrawn};
    match (status, action) {
        (Draft, "submit") => Some(Submitted),
        (Submitted, "withdraw") => Some(Withdrawn),
        (Submitted, "certify") => Some(Certified),
        _ => None,
    }
}

/// Whether the client may certify `amount` of an application worth `period_value`: from zero
/// up to the period's value.
pub fn certifiable(amount: Decimal, net_payable: Decimal) -> bool {
    amount >= Decimal::ZERO && amount <= net_payable.max(Decimal::ZERO)
}

/// The date the client must pay by: 14 days after certifying (§10.3.11).
pub fn default_due(certified_on: NaiveDate) -> NaiveDate {
    certified_on
        .checked_add_days(Days::new(DAYS_TO_PAY))
        .unwrap_or(certified_on)
}

/// What is still to be received of `certified`, never below zero.
pub fn outstanding(certified: Decimal, received: Decimal) -> Decimal {
    (certified - received).max(Decimal::ZERO)
}

/// Whether money is still owed after the due date.
pub fn overdue(outstanding: Decimal, due_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    outstanding > Decimal::ZERO && due_on.is_some_and(|d| today > d)
}

/// Whether a receipt of `amount` fits what is outstanding.
pub fn receipt_fits(amount: Decimal, outstanding: Decimal) -> bool {
    amount > Decimal::ZERO && amount <= outstanding
}

/// Why a retention receipt is refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RetentionRefusal {
    /// The contract names no end of the defects liability period.
    NoReleaseDate,
    /// Dated before the release date.
    BeforeRelease(NaiveDate),
    /// More than withheld on certified applications less what was received.
    AboveWithheld(Decimal),
}

/// Checks a retention receipt of `amount` dated `on`: on or after the release date, and at
/// most the retention withheld on certified applications less what was received already.
pub fn retention_receipt(
    release_on: Option<NaiveDate>,
    on: NaiveDate,
    amount: Decimal,
    withheld: Decimal,
    received: Decimal,
) -> Result<(), RetentionRefusal> {
    let release = release_on.ok_or(RetentionRefusal::NoReleaseDate)?;
    if on < release {
        return Err(RetentionRefusal::BeforeRelease(release));
    }
    let left = outstanding(withheld, received);
    if amount > left {
        return Err(RetentionRefusal::AboveWithheld(left));
    }
    Ok(())
}

pub(super) fn terms(k: &Contract) -> Terms {
    Terms {
        current_amount: current_amount(k.amount, &[k.variations]),
        retention_percent: k.retention_percent,
        advance_amount: k.advance_amount,
    }
}

pub(super) fn figures(a: &Application) -> Figures {
    Figures {
        completed: a.completed_value,
        variation: a.variation_value,
        day_labour: a.day_labour_value,
        advance_recovered: a.advance_recovered,
        owner_materials: a.owner_materials,
        other_deductions: a.other_deductions,
        payment_ratio: a.payment_ratio,
    }
}

pub(super) fn period_value(a: &Application) -> Decimal {
    a.completed_value + a.variation_value + a.day_labour_value
}

/// Whether a contract takes applications: a signed income contract.
pub(super) fn takes_applications(k: &Contract) -> bool {
    k.direction == ContractDirection::Income && k.status == ContractStatus::Signed
}

/// Figures of one listed application.
pub(super) struct Listed {
    pub(super) value: Decimal,
    pub(super) net: Decimal,
    pub(super) certified: Option<Decimal>,
    pub(super) received: Decimal,
    pub(super) outstanding: Decimal,
}

pub(super) fn listed(a: &Application) -> Listed {
    let certified = (a.status == ApplicationStatus::Certified)
        .then_some(a.certified_amount)
        .flatten();
    Listed {
        value: period_value(a),
        net: a.net_payable,
        certified,
        received: a.received,
        outstanding: certified.map_or(Decimal::ZERO, |c| outstanding(c, a.received)),
    }
}

// The application form ------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ApplicationForm {
    pub contract_id: String,
    pub period_end: String,
    pub completed_value: String,
    pub variation_value: String,
    pub day_labour_value: String,
    pub advance_recovered: String,
    pub owner_materials: String,
    pub other_deductions: String,
    pub payment_ratio: String,
    pub note: String,
    pub version: i32,
}

impl ApplicationForm {
    pub(super) fn of(a: &Application) -> Self {
        ApplicationForm {
            contract_id: a.contract_id.to_string(),
            period_end: a.period_end.to_string(),
            completed_value: a.completed_value.to_string(),
            variation_value: a.variation_value.to_string(),
            day_labour_value: a.day_labour_value.to_string(),
            advance_recovered: a.advance_recovered.to_string(),
            owner_materials: a.owner_materials.to_string(),
            other_deductions: a.other_deductions.to_string(),
            payment_ratio: format::quantity(a.payment_ratio),
            note: a.note.clone(),
            version: a.version,
        }
    }
}

/// An amount of either sign (a variation may lower the period's value); empty is zero.
pub(super) fn signed_amount(errors: &mut FieldErrors, field: &'static str, value: &str) -> Decimal {
    crate::funds::domain::signed_amount_or_zero(errors, field, value)
}

/// An amount of zero or more; empty is zero.
pub(super) fn amount_or_zero(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
) -> Decimal {
    optional_decimal(errors, field, value, MAX_AMOUNT, 2).unwrap_or_default()
}

/// A checked form: the fields to save and the figures derived from them.
pub(super) struct Checked {
    pub(super) fields: ApplicationFields,
    pub(super) computed: Computed,
}

/// Checks an application form against the contract and the earlier periods. Errors go
/// beside the fields; the refusals that name an amount also come back in words.
pub(super) fn check(
    locale: Locale,
    f: &ApplicationForm,
    k: &Contract,
    earlier: &Earlier,
) -> Result<Checked, (FieldErrors, Vec<String>)> {
    let mut e = FieldErrors::default();
    let period_end = required_date(&mut e, "period_end", &f.period_end);
    if let (Some(end), Some(signed)) = (period_end, k.signed_on)
        && end < signed
    {
        e.add("period_end", "funds_apply.period_before_signing");
    }
    if let Some(end) = period_end
        && !e.has("period_end")
        && !period_follows(end, earlier)
    {
        e.add("period_end", "funds_apply.period_not_after");
    }
    let fig = Figures {
        completed: amount_or_zero(&mut e, "completed_value", &f.completed_value),
        variation: signed_amount(&mut e, "variation_value", &f.variation_value),
        day_labour: amount_or_zero(&mut e, "day_labour_value", &f.day_labour_value),
        advance_recovered: amount_or_zero(&mut e, "advance_recovered", &f.advance_recovered),
        owner_materials: amount_or_zero(&mut e, "owner_materials", &f.owner_materials),
        other_deductions: amount_or_zero(&mut e, "other_deductions", &f.other_deductions),
        payment_ratio: optional_decimal(
            &mut e,
            "payment_ratio",
            &f.payment_ratio,
            Decimal::ONE_HUNDRED,
            2,
        )
        .unwrap_or_default(),
    };
    if !e.has("payment_ratio") && !ratio_within_law(fig.payment_ratio) {
        e.add("payment_ratio", "funds_apply.ratio_out_of_range");
    }
    let note = form::multiline(&mut e, "note", &f.note, 2000);
    let t = terms(k);
    let computed = compute(&t, earlier, &fig);
    let mut words = Vec::new();
    if e.is_empty() {
        for r in refusals(&t, earlier, &computed) {
            e.add(r.field(), r.key());
            // The message beside the field says what is wrong; the one above names the amount.
            if let Some(x) = r.amount() {
                let key = format!("{}_detail", r.key());
                words.push(i18n::tf(locale, &key, &[("amount", &format::money(x))]));
            }
        }
    }
    match period_end {
        Some(period_end) if e.is_empty() => Ok(Checked {
            fields: ApplicationFields {
                period_end,
                completed_value: fig.completed,
                variation_value: fig.variation,
                day_labour_value: fig.day_labour,
                advance_recovered: fig.advance_recovered,
                owner_materials: fig.owner_materials,
                other_deductions: fig.other_deductions,
                payment_ratio: fig.payment_ratio,
                note,
                retention_amount: computed.retention,
                net_payable: computed.net_payable,
            },
            computed,
        }),
        _ => Err((e, words)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn terms() -> Terms {
        Terms {
            current_amount: dec!(1000000),
            retention_percent: dec!(3),
            advance_amount: dec!(100000),
        }
    }

    fn figures() -> Figures {
        Figures {
            completed: dec!(200000),
            variation: dec!(15000),
            day_labour: dec!(5000),
            advance_recovered: dec!(20000),
            owner_materials: dec!(10000),
            other_deductions: dec!(1000),
            payment_ratio: dec!(80),
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn the_ratio_follows_the_code() {
        assert!(ratio_within_law(dec!(60)));
        assert!(ratio_within_law(dec!(90)));
        assert!(ratio_within_law(dec!(75.5)));
        assert!(!ratio_within_law(dec!(59.99)));
        assert!(!ratio_within_law(dec!(90.01)));
    }

    #[test]
    fn the_amount_due_is_the_value_at_ratio_less_the_deductions() {
        let c = compute(&terms(), &Earlier::default(), &figures());
        // 200,000 + 15,000 + 5,000
        assert_eq!(c.period_value, dec!(220000));
        assert_eq!(c.at_ratio, dec!(176000.00));
        // 3 % of 220,000
        assert_eq!(c.retention, dec!(6600.00));
        assert_eq!(c.deductions, dec!(37600.00));
        assert_eq!(c.net_payable, dec!(138400.00));
        assert_eq!(c.retention_cap, dec!(30000.00));
        assert!(refusals(&terms(), &Earlier::default(), &c).is_empty());
    }

    #[test]
    fn retention_stops_at_the_cap_across_periods() {
        let t = Terms {
            current_amount: dec!(100000),
            retention_percent: dec!(5),
            advance_amount: dec!(0),
        };
        let f = Figures {
            completed: dec!(60000),
            payment_ratio: dec!(80),
            ..Figures::default()
        };
        let first = compute(&t, &Earlier::default(), &f);
        assert_eq!(first.retention, dec!(3000.00));
        let earlier = Earlier {
            value: first.period_value,
            retention: first.retention,
            advance_recovered: Decimal::ZERO,
            last_end: Some(day(2026, 4, 30)),
        };
        assert!(period_follows(day(2026, 5, 31), &earlier));
        assert!(!period_follows(day(2026, 4, 30), &earlier));
        assert!(period_follows(day(2026, 4, 30), &Earlier::default()));
        let second = compute(&t, &earlier, &f.clone());
        // The cap is 5,000: only 2,000 is left of it.
        assert_eq!(second.retention, dec!(2000.00));
        assert_eq!(second.cumulative_retention, dec!(5000.00));
        assert_eq!(second.cumulative_value, dec!(120000));
        // 120,000 > 100,000: the second period claims too much.
        assert_eq!(
            refusals(&t, &earlier, &second),
            vec![Refusal::CumulativeAbove { left: dec!(40000) }]
        );
        // Nothing left under the cap: nothing withheld.
        let full = Earlier {
            retention: dec!(5000),
            ..earlier
        };
        assert_eq!(compute(&t, &full, &f).retention, Decimal::ZERO);
    }

    #[test]
    fn a_negative_amount_due_and_too_much_advance_are_refused() {
        let f = Figures {
            owner_materials: dec!(200000),
            ..figures()
        };
        let c = compute(&terms(), &Earlier::default(), &f);
        assert_eq!(
            refusals(&terms(), &Earlier::default(), &c),
            vec![Refusal::DueNegative {
                due: dec!(-51600.00)
            }]
        );
        let earlier = Earlier {
            value: dec!(100000),
            retention: dec!(3000),
            advance_recovered: dec!(90000),
            last_end: None,
        };
        let c = compute(&terms(), &earlier, &figures());
        let r = refusals(&terms(), &earlier, &c);
        assert_eq!(r, vec![Refusal::AdvanceAbove { left: dec!(10000) }]);
        assert_eq!(r[0].field(), "advance_recovered");
        assert_eq!(r[0].amount(), Some(dec!(10000)));
    }

    #[test]
    fn a_negative_period_is_refused() {
        let f = Figures {
            completed: dec!(0),
            variation: dec!(-5000),
            day_labour: dec!(0),
            payment_ratio: dec!(80),
            ..Figures::default()
        };
        let c = compute(&terms(), &Earlier::default(), &f);
        assert_eq!(c.retention, Decimal::ZERO);
        assert!(refusals(&terms(), &Earlier::default(), &c).contains(&Refusal::ValueNegative));
    }

    #[test]
    fn statuses_move_one_way() {
        use ApplicationStatus::{Certified, Draft, Submitted, Withdrawn};
        assert_eq!(next_status(Draft, "submit"), Some(Submitted));
        assert_eq!(next_status(Submitted, "certify"), Some(Certified));
        assert_eq!(next_status(Submitted, "withdraw"), Some(Withdrawn));
        assert_eq!(next_status(Draft, "certify"), None);
        assert_eq!(next_status(Certified, "withdraw"), None);
        assert_eq!(next_status(Withdrawn, "submit"), None);
        assert!(editable(Draft));
        assert!(!editable(Submitted));
    }

    #[test]
    fn certification_due_dates_and_outstanding() {
        assert!(certifiable(dec!(0), dec!(100)));
        assert!(certifiable(dec!(100), dec!(100)));
        assert!(!certifiable(dec!(100.01), dec!(100)));
        assert!(!certifiable(dec!(-1), dec!(100)));
        assert_eq!(default_due(day(2026, 10, 20)), day(2026, 11, 3));
        assert_eq!(outstanding(dec!(100), dec!(30)), dec!(70));
        assert_eq!(outstanding(dec!(100), dec!(130)), dec!(0));
        assert!(overdue(dec!(1), Some(day(2026, 11, 3)), day(2026, 11, 4)));
        assert!(!overdue(dec!(1), Some(day(2026, 11, 3)), day(2026, 11, 3)));
        assert!(!overdue(dec!(0), Some(day(2026, 11, 3)), day(2026, 12, 1)));
        assert!(receipt_fits(dec!(70), dec!(70)));
        assert!(!receipt_fits(dec!(70.01), dec!(70)));
    }

    #[test]
    fn retention_is_received_after_release_and_up_to_what_was_withheld() {
        let release = Some(day(2026, 6, 1));
        assert_eq!(
            retention_receipt(release, day(2026, 5, 31), dec!(1), dec!(100), dec!(0)),
            Err(RetentionRefusal::BeforeRelease(day(2026, 6, 1)))
        );
        assert_eq!(
            retention_receipt(None, day(2026, 5, 31), dec!(1), dec!(100), dec!(0)),
            Err(RetentionRefusal::NoReleaseDate)
        );
        assert_eq!(
            retention_receipt(release, day(2026, 6, 1), dec!(60), dec!(100), dec!(50)),
            Err(RetentionRefusal::AboveWithheld(dec!(50)))
        );
        assert_eq!(
            retention_receipt(release, day(2026, 6, 1), dec!(50), dec!(100), dec!(50)),
            Ok(())
        );
    }
}
