//! The rules of day labour, with no I/O: identity-card numbers, pay types and multipliers, how
//! hours, 工日 and money follow from a line, the life of a ticket, and the checks a ticket's
//! lines must pass.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::db::text_enum;
use crate::roles::Role;
use crate::web::amount::{AmountField, AmountMessages};

use crate::ids::UserId;

/// A worker's id within the tenant. A worker's id cannot be passed where a crew's, a
/// ticket's or a user's is expected; it binds and reads as the bare `bigint`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct WorkerId(pub i64);

impl std::fmt::Display for WorkerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The foreman whose crews alone `role` works with: `me` for a foreman, nobody for the
/// roles that work with every crew.
pub fn crews_led_by(role: Role, me: UserId) -> Option<UserId> {
    (role == Role::Foreman).then_some(me)
}

/// Whether `role` may work with a crew led by `crew_foreman`: a foreman only with their own.
pub fn acts_for_crew(role: Role, me: UserId, crew_foreman: Option<i64>) -> bool {
    crews_led_by(role, me).is_none_or(|f| crew_foreman == Some(f.0))
}

text_enum! {
    /// How a crew's work is counted: hours, or 工日 (days) in halves.
    CountUnit in "labour" { Hour => "hour", Day => "day" }
}

text_enum! {
    /// What a line is paid as; each has a multiplier per tenant.
    PayType in "labour" { Regular => "regular", Overtime => "overtime", RestDay => "rest_day", Holiday => "holiday" }
}

text_enum! {
    /// draft → submitted → confirmed (or rejected, then edited and submitted again) → settled.
    TicketStatus in "labour" {
        Draft => "draft",
        Submitted => "submitted",
        Confirmed => "confirmed",
        Rejected => "rejected",
        Settled => "settled",
    }
}

text_enum! {
    /// How wages and advances are paid.
    PayMethod in "labour" { Bank => "bank", Cash => "cash", Wechat => "wechat", Alipay => "alipay" }
}

/// A crew's settlement statement: settled, until cancelled (its tickets go back to
/// confirmed). Stored as text; an unknown value in a row is a decode error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum SettlementStatus {
    Settled,
    Cancelled,
}

impl SettlementStatus {
    pub const ALL: [SettlementStatus; 2] = [SettlementStatus::Settled, SettlementStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            SettlementStatus::Settled => "settled",
            SettlementStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The i18n key of the value's name.
    pub fn label_key(self) -> &'static str {
        match self {
            SettlementStatus::Settled => "labour_wages.status_settled",
            SettlementStatus::Cancelled => "labour_wages.status_cancelled",
        }
    }

    /// Where cancelling takes a statement in this status, if it may be cancelled.
    pub fn after_cancel(self) -> Option<SettlementStatus> {
        (self == SettlementStatus::Settled).then_some(SettlementStatus::Cancelled)
    }
}

/// What a user does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketAction {
    /// The foreman hands it to the project manager.
    Submit,
    /// The submitter takes it back to edit.
    Withdraw,
    Confirm,
    Reject,
    /// A settlement statement takes it.
    Settle,
    /// Its settlement statement is cancelled.
    Unsettle,
}

impl TicketStatus {
    /// Lines may change and the ticket may be deleted.
    pub fn editable(self) -> bool {
        matches!(self, TicketStatus::Draft | TicketStatus::Rejected)
    }

    /// Counts as labour cost: the cost centre reads these.
    pub fn is_cost(self) -> bool {
        matches!(self, TicketStatus::Confirmed | TicketStatus::Settled)
    }

    /// Where `action` takes a ticket in this status, if it may be taken at all.
    pub fn after(self, action: TicketAction) -> Option<TicketStatus> {
        use TicketAction as A;
        use TicketStatus as S;
        match (self, action) {
            (S::Draft | S::Rejected, A::Submit) => Some(S::Submitted),
            (S::Submitted, A::Withdraw) => Some(S::Draft),
            (S::Submitted, A::Confirm) => Some(S::Confirmed),
            (S::Submitted, A::Reject) => Some(S::Rejected),
            (S::Confirmed, A::Settle) => Some(S::Settled),
            (S::Settled, A::Unsettle) => Some(S::Confirmed),
            _ => None,
        }
    }
}

/// Day length and multipliers of a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PayRules {
    pub day_hours: Decimal,
    pub regular: Decimal,
    pub overtime: Decimal,
    pub rest_day: Decimal,
    pub holiday: Decimal,
}

impl Default for PayRules {
    /// Eight-hour days; 150 %, 200 % and 300 % as the Labour Law (劳动法 §44) sets for
    /// overtime, rest days and statutory holidays.
    fn default() -> Self {
        PayRules {
            day_hours: Decimal::from(8),
            regular: Decimal::ONE,
            overtime: Decimal::new(15, 1),
            rest_day: Decimal::from(2),
            holiday: Decimal::from(3),
        }
    }
}

/// Hours, 工日 and money of one line, for all its heads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineFigures {
    pub hours: Decimal,
    pub days: Decimal,
    pub multiplier: Decimal,
    pub amount: Decimal,
}

/// Money and hours are kept to the fen and to the hundredth; halves round away from zero.
pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

impl PayRules {
    pub fn multiplier(&self, pay: PayType) -> Decimal {
        match pay {
            PayType::Regular => self.regular,
            PayType::Overtime => self.overtime,
            PayType::RestDay => self.rest_day,
            PayType::Holiday => self.holiday,
        }
    }

    /// `quantity` is each head's work in `unit`; `rate` is a day's pay for one head.
    pub fn figures(
        &self,
        unit: CountUnit,
        quantity: Decimal,
        heads: i32,
        rate: Decimal,
        pay: PayType,
    ) -> LineFigures {
        let heads = Decimal::from(heads);
        let multiplier = self.multiplier(pay);
        let days_each = match unit {
            CountUnit::Day => quantity,
            CountUnit::Hour => quantity / self.day_hours,
        };
        let hours_each = match unit {
            CountUnit::Day => quantity * self.day_hours,
            CountUnit::Hour => quantity,
        };
        LineFigures {
            hours: round2(hours_each * heads),
            days: round2(days_each * heads),
            multiplier,
            amount: round2(days_each * rate * multiplier * heads),
        }
    }
}

/// Why an identity-card number is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdNumberError {
    /// Not 17 digits and a digit or X.
    Format,
    /// The birth date inside it is not a real date.
    BirthDate,
    /// The last character does not match the other 17 (GB 11643-1999, ISO 7064 MOD 11-2).
    CheckDigit,
}

impl IdNumberError {
    pub fn message_key(self) -> &'static str {
        match self {
            IdNumberError::Format => "labour.id_number.format",
            IdNumberError::BirthDate => "labour.id_number.birth_date",
            IdNumberError::CheckDigit => "labour.id_number.check_digit",
        }
    }
}

/// The check character (ISO 7064 MOD 11-2) of an identity number's first 17 digits.
pub fn id_check_char(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(char::from(CHECK[(sum % 11) as usize]))
}

/// A resident identity-card number, normalised (trimmed, upper-case X), or why not.
pub fn check_id_number(raw: &str) -> Result<String, IdNumberError> {
    let id = raw.trim().to_ascii_uppercase();
    let bytes = id.as_bytes();
    let well_formed = bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
    if !well_formed {
        return Err(IdNumberError::Format);
    }
    let birth = NaiveDate::parse_from_str(&id[6..14], "%Y%m%d")
        .ok()
        .filter(|d| d.year() >= 1900);
    if birth.is_none() {
        return Err(IdNumberError::BirthDate);
    }
    if id_check_char(&id[..17]) == Some(char::from(bytes[17])) {
        Ok(id)
    } else {
        Err(IdNumberError::CheckDigit)
    }
}

/// The number as shown to everyone but admins: all but the last four characters hidden.
pub fn mask_id_number(id: &str) -> String {
    let n = id.chars().count();
    id.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

/// The most a worker may be booked for in one day, across all tickets.
pub const MAX_HOURS_PER_DAY: i64 = 24;

/// One line of a ticket as the user entered it, before figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    pub worker: Option<WorkerId>,
    pub trade: Option<i64>,
    pub heads: i32,
    pub pay_type: PayType,
    /// Each head's work, in the ticket's unit.
    pub quantity: Decimal,
    /// A day's pay for one head; from the worker when empty.
    pub rate: Option<Decimal>,
}

/// A message about one cell of the lines table (row index as on the form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineError {
    pub row: usize,
    pub field: &'static str,
    pub key: &'static str,
}

/// The largest quantity one head may be booked for on one line.
fn max_quantity(unit: CountUnit) -> Decimal {
    match unit {
        CountUnit::Hour => Decimal::from(MAX_HOURS_PER_DAY),
        CountUnit::Day => Decimal::from(3),
    }
}

/// A number a user typed: empty is `None`; negative, unparsable and too precise are refused
/// with their own messages.
pub fn parse_amount(value: &str, scale: u32) -> Result<Option<Decimal>, &'static str> {
    const WORDS: AmountMessages = AmountMessages {
        negative: "labour.negative",
        ..AmountMessages::FORM
    };
    AmountField::MONEY
        .with_scale(scale)
        .parse(value)
        .map_err(|e| e.key(&WORDS))
}

/// The quantity of one head: positive, at most a day's worth, halves when counted in 工日.
pub fn check_quantity(unit: CountUnit, value: &str) -> Result<Decimal, &'static str> {
    let q = parse_amount(value, 2)?.ok_or("form.required")?;
    if q.is_zero() {
        return Err("labour.quantity_zero");
    }
    if q > max_quantity(unit) {
        return Err(match unit {
            CountUnit::Hour => "labour.over_24_hours",
            CountUnit::Day => "labour.too_many_days",
        });
    }
    if unit == CountUnit::Day && !(q * Decimal::from(2)).fract().is_zero() {
        return Err("labour.half_days");
    }
    Ok(q)
}

/// Workers booked for more than 24 hours on a day: `booked` holds the hours each already has
/// that day on other tickets, `lines` the hours of this ticket. Returns the rows at fault.
pub fn over_booked<W: Copy + Eq + std::hash::Hash>(
    booked: &HashMap<W, Decimal>,
    lines: &[(usize, W, Decimal)],
) -> Vec<usize> {
    let mut total: HashMap<W, Decimal> = HashMap::new();
    for (_, worker, hours) in lines {
        *total.entry(*worker).or_insert(Decimal::ZERO) += *hours;
    }
    let limit = Decimal::from(MAX_HOURS_PER_DAY);
    lines
        .iter()
        .filter(|(_, worker, _)| {
            total.get(worker).copied().unwrap_or_default()
                + booked.get(worker).copied().unwrap_or_default()
                > limit
        })
        .map(|(row, _, _)| *row)
        .collect()
}

/// The first day of `date`'s month.
pub fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// `YYYY-MM` to the first day of that month.
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d").ok()
}

/// The last day of the month that starts at `first`.
pub fn month_end(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first)
}

/// 应发 − 借支 − 实发 = 未发: what a worker is still owed for a period.
pub fn unpaid(gross: Decimal, advances: Decimal, paid: Decimal) -> Decimal {
    gross - advances - paid
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn identity_numbers_are_checked_by_their_last_character() {
        // The example number in GB 11643-1999.
        assert_eq!(
            check_id_number(" 11010519491231002x "),
            Ok("11010519491231002X".to_owned())
        );
        assert_eq!(
            check_id_number("110105194912310021"),
            Err(IdNumberError::CheckDigit)
        );
        assert_eq!(
            check_id_number("110105194913310029"),
            Err(IdNumberError::BirthDate)
        );
        assert_eq!(
            check_id_number("1101051949123100"),
            Err(IdNumberError::Format)
        );
        assert_eq!(
            check_id_number("11010519491231002Y"),
            Err(IdNumberError::Format)
        );
        assert_eq!(check_id_number("４４０３"), Err(IdNumberError::Format));
    }

    #[test]
    fn a_foreman_works_only_with_the_crews_they_lead() {
        let me = UserId(7);
        assert_eq!(crews_led_by(Role::Foreman, me), Some(me));
        assert_eq!(crews_led_by(Role::ProjectManager, me), None);
        assert!(acts_for_crew(Role::Foreman, me, Some(7)));
        assert!(!acts_for_crew(Role::Foreman, me, Some(8)));
        assert!(!acts_for_crew(Role::Foreman, me, None));
        assert!(acts_for_crew(Role::Admin, me, Some(8)));
    }

    #[test]
    fn a_masked_number_shows_only_its_last_four() {
        assert_eq!(mask_id_number("11010519491231002X"), "**************002X");
        assert_eq!(mask_id_number("12"), "12");
    }

    #[test]
    fn days_are_paid_at_the_day_rate_and_hours_at_an_eighth_of_it() {
        let rules = PayRules::default();
        let day = rules.figures(CountUnit::Day, dec!(0.5), 1, dec!(300), PayType::Regular);
        assert_eq!(
            (day.hours, day.days, day.amount),
            (dec!(4), dec!(0.5), dec!(150))
        );
        let overtime = rules.figures(CountUnit::Hour, dec!(3), 1, dec!(320), PayType::Overtime);
        // 3 h = 0.375 工日 (kept as 0.38); 0.375 × 320 × 1.5 = 180.
        assert_eq!(
            (overtime.hours, overtime.days, overtime.amount),
            (dec!(3), dec!(0.38), dec!(180))
        );
        let crew = rules.figures(CountUnit::Day, dec!(1), 6, dec!(260), PayType::Holiday);
        assert_eq!(
            (crew.hours, crew.days, crew.amount),
            (dec!(48), dec!(6), dec!(4680))
        );
    }

    #[test]
    fn money_rounds_half_away_from_zero_to_the_fen() {
        let rules = PayRules::default();
        // 1 h of a 333.33 day: 41.66625 → 41.67.
        let f = rules.figures(CountUnit::Hour, dec!(1), 1, dec!(333.33), PayType::Regular);
        assert_eq!(f.amount, dec!(41.67));
        assert_eq!(round2(dec!(-0.005)), dec!(-0.01));
    }

    #[test]
    fn a_ticket_moves_only_along_its_flow() {
        use TicketAction as A;
        use TicketStatus as S;
        assert_eq!(S::Draft.after(A::Submit), Some(S::Submitted));
        assert_eq!(S::Rejected.after(A::Submit), Some(S::Submitted));
        assert_eq!(S::Submitted.after(A::Confirm), Some(S::Confirmed));
        assert_eq!(S::Submitted.after(A::Reject), Some(S::Rejected));
        assert_eq!(S::Submitted.after(A::Withdraw), Some(S::Draft));
        assert_eq!(S::Confirmed.after(A::Settle), Some(S::Settled));
        assert_eq!(S::Settled.after(A::Unsettle), Some(S::Confirmed));
        assert_eq!(S::Draft.after(A::Confirm), None);
        assert_eq!(S::Confirmed.after(A::Reject), None);
        assert_eq!(S::Confirmed.after(A::Submit), None);
        assert_eq!(S::Settled.after(A::Withdraw), None);
        assert!(S::Draft.editable() && S::Rejected.editable());
        assert!(!S::Confirmed.editable() && !S::Submitted.editable());
    }

    /// The text sqlx binds for `v`: what a row stores.
    fn stored<T: for<'q> sqlx::Encode<'q, sqlx::Postgres>>(v: T) -> String {
        let mut buf = sqlx::postgres::PgArgumentBuffer::default();
        let _ = sqlx::Encode::<sqlx::Postgres>::encode_by_ref(&v, &mut buf).unwrap();
        String::from_utf8(buf.to_vec()).unwrap()
    }

    #[test]
    fn stored_values_round_trip_and_unknown_ones_fail() {
        for &v in TicketStatus::ALL {
            assert_eq!(stored(v), v.as_str());
            assert_eq!(TicketStatus::parse(v.as_str()), Some(v));
        }
        for &v in CountUnit::ALL {
            assert_eq!(stored(v), v.as_str());
            assert_eq!(CountUnit::parse(v.as_str()), Some(v));
        }
        for &v in PayType::ALL {
            assert_eq!(stored(v), v.as_str());
            assert_eq!(PayType::parse(v.as_str()), Some(v));
        }
        for &v in PayMethod::ALL {
            assert_eq!(stored(v), v.as_str());
            assert_eq!(PayMethod::parse(v.as_str()), Some(v));
        }
        for v in SettlementStatus::ALL {
            assert_eq!(stored(v), v.as_str());
            assert_eq!(SettlementStatus::parse(v.as_str()), Some(v));
        }
        assert_eq!(TicketStatus::parse("approved"), None);
        assert_eq!(TicketStatus::parse("Draft"), None);
        assert_eq!(CountUnit::parse(""), None);
        assert_eq!(SettlementStatus::parse("paid"), None);
    }

    #[test]
    fn only_a_settled_statement_is_cancelled() {
        assert_eq!(
            SettlementStatus::Settled.after_cancel(),
            Some(SettlementStatus::Cancelled)
        );
        assert_eq!(SettlementStatus::Cancelled.after_cancel(), None);
    }

    #[test]
    fn worker_ids_bind_as_the_bare_number() {
        let mut buf = sqlx::postgres::PgArgumentBuffer::default();
        let _ = sqlx::Encode::<sqlx::Postgres>::encode_by_ref(&WorkerId(42), &mut buf).unwrap();
        assert_eq!(buf.to_vec(), 42_i64.to_be_bytes());
    }

    #[test]
    fn quantities_are_positive_bounded_and_in_halves_of_a_day() {
        assert_eq!(check_quantity(CountUnit::Day, "0.5"), Ok(dec!(0.5)));
        assert_eq!(
            check_quantity(CountUnit::Day, "0.3"),
            Err("labour.half_days")
        );
        assert_eq!(
            check_quantity(CountUnit::Hour, "-2"),
            Err("labour.negative")
        );
        assert_eq!(
            check_quantity(CountUnit::Hour, "25"),
            Err("labour.over_24_hours")
        );
        assert_eq!(
            check_quantity(CountUnit::Hour, "0"),
            Err("labour.quantity_zero")
        );
        assert_eq!(
            check_quantity(CountUnit::Hour, "x"),
            Err("form.invalid_number")
        );
        assert_eq!(check_quantity(CountUnit::Hour, ""), Err("form.required"));
        assert_eq!(check_quantity(CountUnit::Hour, "7.50"), Ok(dec!(7.5)));
        assert_eq!(parse_amount("1.234", 2), Err("form.too_many_decimals"));
        assert_eq!(parse_amount("1,200.50", 2), Ok(Some(dec!(1200.5))));
    }

    #[test]
    fn a_worker_over_24_hours_in_a_day_is_found_across_tickets() {
        let booked = HashMap::from([(7, dec!(16))]);
        let lines = [(0, 7, dec!(8)), (1, 8, dec!(12)), (2, 8, dec!(12))];
        assert!(over_booked(&booked, &lines).is_empty());
        let lines = [(0, 7, dec!(8.5)), (1, 8, dec!(12)), (2, 8, dec!(12.5))];
        assert_eq!(over_booked(&booked, &lines), vec![0, 1, 2]);
    }

    #[test]
    fn every_value_has_a_name_in_both_languages() {
        use crate::i18n::{Locale, t};
        let keys = CountUnit::ALL
            .iter()
            .map(|v| v.label_key())
            .chain(PayType::ALL.iter().map(|v| v.label_key()))
            .chain(TicketStatus::ALL.iter().map(|v| v.label_key()))
            .chain(PayMethod::ALL.iter().map(|v| v.label_key()));
        for key in keys {
            for locale in Locale::ALL {
                assert_ne!(t(locale, key), key, "{key} missing in {}", locale.as_str());
            }
        }
    }

    #[test]
    fn months_have_first_and_last_days() {
        let first = parse_month("2024-02").unwrap();
        assert_eq!(
            month_end(first),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        assert_eq!(
            month_of(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()),
            parse_month("2026-11").unwrap()
        );
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(unpaid(dec!(5000), dec!(1000), dec!(3000)), dec!(1000));
    }
}
