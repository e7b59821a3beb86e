//! The roster's rules, with no I/O: who may edit a crew or a worker, how an identity-card
//! number is shown and searched, the settings form's checks, a worker's day rate, and the
//! order of the trades list.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::roles::{Permission, Role};

use crate::ids::UserId;
use crate::labour::domain::{CountUnit, PayRules, check_id_number, mask_id_number, parse_amount};
use crate::web::form::{self, FieldErrors};

/// The most a worker's day rate may be (the column's check).
pub const MAX_DAY_RATE: i64 = 100_000;

/// Whether `role` (as user `me`) may change a crew led by `foreman`: owners, admins and
/// project managers any crew, a foreman only the crews they lead.
pub fn may_edit_crew(role: Role, me: UserId, foreman: Option<i64>) -> bool {
    if !role.has(Permission::EditLabourRoster) {
        return false;
    }
    crate::labour::domain::acts_for_crew(role, me, foreman)
}

/// An identity-card number as `role` may see it: whole for owners and admins, otherwise all
/// but the last four characters hidden.
pub fn shown_id_number(role: Role, id_number: &str) -> String {
    if role.has(Permission::SeeIdNumbers) {
        id_number.to_owned()
    } else {
        mask_id_number(id_number)
    }
}

/// The tail of identity-card numbers a text search may match, if the text is one: digits
/// (and a final X). Those who may not see numbers only match the four characters they are
/// shown, so a search cannot uncover a number one character at a time.
pub fn id_search_suffix(q: &str, sees_numbers: bool) -> Option<String> {
    let q = q.trim().to_ascii_uppercase();
    let bytes = q.as_bytes();
    let digits = match bytes.split_last() {
        Some((last, head)) => {
            head.iter().all(u8::is_ascii_digit) && (last.is_ascii_digit() || *last == b'X')
        }
        None => false,
    };
    let short_enough = bytes.len() <= if sees_numbers { 18 } else { 4 };
    (digits && short_enough).then_some(q)
}

/// The standard day and the four multipliers as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SettingsForm {
    pub day_hours: String,
    pub regular: String,
    pub overtime: String,
    pub rest_day: String,
    pub holiday: String,
    /// The version read; 0 when the tenant still has the defaults (no row).
    pub version: i32,
}

impl SettingsForm {
    pub fn from_rules(rules: &PayRules, version: i32) -> Self {
        let s = |d: Decimal| d.normalize().to_string();
        SettingsForm {
            day_hours: s(rules.day_hours),
            regular: s(rules.regular),
            overtime: s(rules.overtime),
            rest_day: s(rules.rest_day),
            holiday: s(rules.holiday),
            version,
        }
    }

    /// The day is more than 0 and at most 24 hours; each multiplier from 0.01 to 10; two
    /// decimals at most.
    pub fn validate(&self) -> Result<PayRules, FieldErrors> {
        let mut e = FieldErrors::default();
        let (low, high) = (Decimal::new(1, 2), Decimal::from(10));
        let multiplier = "labour_roster.multiplier_range";
        let rules = PayRules {
            day_hours: bounded(
                &mut e,
                "day_hours",
                &self.day_hours,
                (low, Decimal::from(24)),
                "labour_roster.day_hours_range",
            ),
            regular: bounded(&mut e, "regular", &self.regular, (low, high), multiplier),
            overtime: bounded(&mut e, "overtime", &self.overtime, (low, high), multiplier),
            rest_day: bounded(&mut e, "rest_day", &self.rest_day, (low, high), multiplier),
            holiday: bounded(&mut e, "holiday", &self.holiday, (low, high), multiplier),
        };
        if e.is_empty() { Ok(rules) } else { Err(e) }
    }
}

/// A required number of two decimals at most within `range`, else `range_key` (or the
/// parser's own message).
fn bounded(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    (min, max): (Decimal, Decimal),
    range_key: &'static str,
) -> Decimal {
    match parse_amount(value, 2) {
        Ok(Some(d)) if d >= min && d <= max => d,
        Ok(Some(_)) => {
            errors.add(field, range_key);
            Decimal::ZERO
        }
        Ok(None) => {
            errors.add(field, "form.required");
            Decimal::ZERO
        }
        Err(key) => {
            errors.add(field, key);
            Decimal::ZERO
        }
    }
}

/// A day rate: required, not negative (its own message), at most 100,000, two decimals.
pub fn day_rate(errors: &mut FieldErrors, field: &'static str, value: &str) -> Decimal {
    match parse_amount(value, 2) {
        Ok(Some(d)) if d <= Decimal::from(MAX_DAY_RATE) => d,
        Ok(Some(_)) => {
            errors.add(field, "labour_roster.day_rate_too_high");
            Decimal::ZERO
        }
        Ok(None) => {
            errors.add(field, "form.required");
            Decimal::ZERO
        }
        Err(key) => {
            errors.add(field, key);
            Decimal::ZERO
        }
    }
}

/// A trade's names as typed (add and rename).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TradeForm {
    pub name_zh: String,
    pub name_en: String,
    pub version: i32,
}

/// A crew as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CrewForm {
    pub name: String,
    pub foreman_id: String,
    pub subcontractor: String,
    pub trade_id: String,
    pub count_unit: String,
    /// "1" when ticked.
    pub active: String,
    pub version: i32,
}

/// A worker as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct WorkerForm {
    pub name: String,
    /// Shown masked to those who may not see numbers; left so, it is kept unchanged.
    pub id_number: String,
    pub phone: String,
    pub trade_id: String,
    pub crew_id: String,
    pub day_rate: String,
    pub bank_name: String,
    pub bank_account: String,
    /// "1" when ticked.
    pub active: String,
    pub version: i32,
}

impl TradeForm {
    /// The Chinese name (required) and the English one, at most 50 characters each.
    pub fn validate(&self) -> Result<(String, String), FieldErrors> {
        let mut e = FieldErrors::default();
        let zh = form::text(&mut e, "name_zh", &self.name_zh, true, 50);
        let en = form::text(&mut e, "name_en", &self.name_en, false, 50);
        if e.is_empty() { Ok((zh, en)) } else { Err(e) }
    }
}

/// An optional id picked from a select: empty is `None`; anything not among `allowed` is
/// refused.
fn picked(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    allowed: &[i64],
) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<i64>() {
        Ok(id) if allowed.contains(&id) => Some(id),
        _ => {
            errors.add(field, "form.invalid_choice");
            None
        }
    }
}

impl CrewForm {
    /// `foremen` and `trades` are the ids the selects offered.
    pub fn validate(&self, foremen: &[i64], trades: &[i64]) -> Result<NewCrew, FieldErrors> {
        let mut e = FieldErrors::default();
        let crew = NewCrew {
            name: form::text(&mut e, "name", &self.name, true, 100),
            foreman_id: picked(&mut e, "foreman_id", &self.foreman_id, foremen),
            subcontractor: form::text(&mut e, "subcontractor", &self.subcontractor, false, 200),
            trade_id: picked(&mut e, "trade_id", &self.trade_id, trades),
            count_unit: CountUnit::parse(&self.count_unit).unwrap_or_else(|| {
                e.add("count_unit", "form.invalid_choice");
                CountUnit::Day
            }),
            active: self.active == "1",
        };
        if e.is_empty() { Ok(crew) } else { Err(e) }
    }
}

/// Digits, spaces, `+`, `-` and brackets: what phone numbers are written with.
fn phone(errors: &mut FieldErrors, field: &'static str, value: &str) -> String {
    let v = form::text(errors, field, value, false, 30);
    let plausible = v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'));
    if !errors.has(field) && !plausible {
        errors.add(field, "form.invalid_phone");
    }
    v
}

/// The worker's number as it stands, when editing: the form may send it back unchanged.
#[derive(Debug, Clone, Copy)]
pub struct KeptNumber<'a> {
    pub id_number: &'a str,
    /// The user sees numbers whole (else the form showed it masked).
    pub sees_numbers: bool,
}

impl WorkerForm {
    /// `trades` and `crews` are the ids the selects offered; `crew_required` when a foreman
    /// adds or edits (the worker must be in a crew they lead); `kept` when editing.
    pub fn validate(
        &self,
        trades: &[i64],
        crews: &[i64],
        crew_required: bool,
        kept: Option<KeptNumber<'_>>,
    ) -> Result<NewWorker, FieldErrors> {
        let mut e = FieldErrors::default();
        let typed = self.id_number.trim();
        let unchanged = kept.filter(|k| {
            typed == k.id_number || (!k.sees_numbers && typed == mask_id_number(k.id_number))
        });
        let id_number = match unchanged {
            // As stored: checked when it was saved, and not retyped by those who see it masked.
            Some(k) => k.id_number.to_owned(),
            None if typed.is_empty() => {
                e.add("id_number", "form.required");
                String::new()
            }
            None => check_id_number(typed).unwrap_or_else(|err| {
                e.add("id_number", err.message_key());
                String::new()
            }),
        };
        let trade_id = picked(&mut e, "trade_id", &self.trade_id, trades);
        if trade_id.is_none() && !e.has("trade_id") {
            e.add("trade_id", "form.required");
        }
        let crew_id = picked(&mut e, "crew_id", &self.crew_id, crews);
        if crew_required && crew_id.is_none() && !e.has("crew_id") {
            e.add("crew_id", "form.required");
        }
        let worker = NewWorker {
            name: form::text(&mut e, "name", &self.name, true, 50),
            id_number,
            phone: phone(&mut e, "phone", &self.phone),
            trade_id: trade_id.unwrap_or_default(),
            crew_id,
            day_rate: day_rate(&mut e, "day_rate", &self.day_rate),
            bank_name: form::text(&mut e, "bank_name", &self.bank_name, false, 100),
            bank_account: form::text(&mut e, "bank_account", &self.bank_account, false, 40),
            active: self.active == "1",
        };
        if e.is_empty() { Ok(worker) } else { Err(e) }
    }
}

/// A crew as validated, ready to save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCrew {
    pub name: String,
    pub foreman_id: Option<i64>,
    pub subcontractor: String,
    pub trade_id: Option<i64>,
    pub count_unit: CountUnit,
    pub active: bool,
}

/// A worker as validated, ready to save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewWorker {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub trade_id: i64,
    pub crew_id: Option<i64>,
    pub day_rate: Decimal,
    pub bank_name: String,
    pub bank_account: String,
    pub active: bool,
}

/// The list `ids` (in order) with `id` moved one place up or down; `None` when it is not in
/// the list or already at that end.
pub fn moved(ids: &[i64], id: i64, up: bool) -> Option<Vec<i64>> {
    let at = ids.iter().position(|&i| i == id)?;
    let to = if up { at.checked_sub(1)? } else { at + 1 };
    if to >= ids.len() {
        return None;
    }
    let mut out = ids.to_vec();
    out.swap(at, to);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn a_foreman_edits_only_the_crews_they_lead() {
        let me = UserId(7);
        assert!(may_edit_crew(Role::Foreman, me, Some(7)));
        assert!(!may_edit_crew(Role::Foreman, me, Some(8)));
        assert!(!may_edit_crew(Role::Foreman, me, None));
        assert!(may_edit_crew(Role::ProjectManager, me, Some(8)));
        assert!(may_edit_crew(Role::Admin, me, None));
        assert!(!may_edit_crew(Role::Finance, me, Some(7)));
        assert!(!may_edit_crew(Role::Viewer, me, Some(7)));
    }

    #[test]
    fn only_owners_and_admins_see_whole_numbers() {
        let id = "11010519491231002X";
        assert_eq!(shown_id_number(Role::Owner, id), id);
        assert_eq!(shown_id_number(Role::Admin, id), id);
        for role in [
            Role::ProjectManager,
            Role::Finance,
            Role::Foreman,
            Role::Viewer,
        ] {
            assert_eq!(shown_id_number(role, id), "**************002X");
        }
    }

    #[test]
    fn a_number_search_matches_no_more_than_the_user_may_see() {
        assert_eq!(id_search_suffix("002x", false), Some("002X".into()));
        assert_eq!(id_search_suffix("1002X", false), None);
        assert_eq!(id_search_suffix("1002X", true), Some("1002X".into()));
        assert_eq!(id_search_suffix("张三", true), None);
        assert_eq!(id_search_suffix("13X8", true), None);
        assert_eq!(id_search_suffix("", true), None);
    }

    #[test]
    fn settings_refuse_an_empty_or_overlong_day_and_silly_multipliers() {
        let ok = SettingsForm::from_rules(&PayRules::default(), 0);
        assert_eq!(ok.validate().ok(), Some(PayRules::default()));
        let bad = SettingsForm {
            day_hours: "0".into(),
            overtime: "-1".into(),
            rest_day: "11".into(),
            holiday: "1.234".into(),
            regular: "".into(),
            version: 0,
        };
        let e = bad.validate().unwrap_err();
        assert_eq!(e.get("day_hours"), Some("labour_roster.day_hours_range"));
        assert_eq!(e.get("overtime"), Some("labour.negative"));
        assert_eq!(e.get("rest_day"), Some("labour_roster.multiplier_range"));
        assert_eq!(e.get("holiday"), Some("form.too_many_decimals"));
        assert_eq!(e.get("regular"), Some("form.required"));
        let long = SettingsForm {
            day_hours: "25".into(),
            ..ok.clone()
        };
        assert!(long.validate().unwrap_err().has("day_hours"));
        let full = SettingsForm {
            day_hours: "24".into(),
            ..ok
        };
        assert_eq!(full.validate().ok().map(|r| r.day_hours), Some(dec!(24)));
    }

    #[test]
    fn day_rates_are_money_within_bounds() {
        let mut e = FieldErrors::default();
        assert_eq!(day_rate(&mut e, "a", "350.5"), dec!(350.5));
        assert_eq!(day_rate(&mut e, "b", "0"), dec!(0));
        day_rate(&mut e, "neg", "-1");
        day_rate(&mut e, "high", "100000.01");
        day_rate(&mut e, "fine", "1.005");
        day_rate(&mut e, "empty", " ");
        assert!(!e.has("a") && !e.has("b"));
        assert_eq!(e.get("neg"), Some("labour.negative"));
        assert_eq!(e.get("high"), Some("labour_roster.day_rate_too_high"));
        assert_eq!(e.get("fine"), Some("form.too_many_decimals"));
        assert_eq!(e.get("empty"), Some("form.required"));
    }

    #[test]
    fn trades_move_one_place_and_stop_at_the_ends() {
        assert_eq!(moved(&[1, 2, 3], 2, true), Some(vec![2, 1, 3]));
        assert_eq!(moved(&[1, 2, 3], 2, false), Some(vec![1, 3, 2]));
        assert_eq!(moved(&[1, 2, 3], 1, true), None);
        assert_eq!(moved(&[1, 2, 3], 3, false), None);
        assert_eq!(moved(&[1, 2, 3], 9, true), None);
    }

    fn worker_form() -> WorkerForm {
        WorkerForm {
            name: "张三".into(),
            id_number: "11010519491231002x".into(),
            phone: "138 0013 8000".into(),
            trade_id: "5".into(),
            crew_id: "".into(),
            day_rate: "350".into(),
            active: "1".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_worker_form_checks_the_number_and_the_picks() {
        let w = worker_form().validate(&[5], &[9], false, None).unwrap();
        assert_eq!(w.id_number, "11010519491231002X");
        assert_eq!((w.trade_id, w.crew_id, w.active), (5, None, true));
        let e = worker_form().validate(&[5], &[9], true, None).unwrap_err();
        assert_eq!(e.get("crew_id"), Some("form.required"));
        let bad = WorkerForm {
            id_number: "110105194912310021".into(),
            trade_id: "6".into(),
            phone: "call me".into(),
            ..worker_form()
        };
        let e = bad.validate(&[5], &[9], false, None).unwrap_err();
        assert_eq!(e.get("id_number"), Some("labour.id_number.check_digit"));
        assert_eq!(e.get("trade_id"), Some("form.invalid_choice"));
        assert_eq!(e.get("phone"), Some("form.invalid_phone"));
    }

    #[test]
    fn a_masked_number_sent_back_unchanged_keeps_the_stored_one() {
        let stored = "11010519491231002X";
        let masked = WorkerForm {
            id_number: mask_id_number(stored),
            ..worker_form()
        };
        let kept = KeptNumber {
            id_number: stored,
            sees_numbers: false,
        };
        let w = masked.validate(&[5], &[], false, Some(kept)).unwrap();
        assert_eq!(w.id_number, stored);
        // Those who see numbers whole are shown them whole: a mask is no number to them.
        let admin = KeptNumber {
            sees_numbers: true,
            ..kept
        };
        let e = masked.validate(&[5], &[], false, Some(admin)).unwrap_err();
        assert_eq!(e.get("id_number"), Some("labour.id_number.format"));
        // A new number is checked.
        let changed = WorkerForm {
            id_number: "110105194912310021".into(),
            ..worker_form()
        };
        assert!(changed.validate(&[5], &[], false, Some(kept)).is_err());
    }

    #[test]
    fn a_crew_form_keeps_to_its_choices() {
        let f = CrewForm {
            name: " 钢筋一班 ".into(),
            foreman_id: "3".into(),
            trade_id: "".into(),
            count_unit: "hour".into(),
            active: "1".into(),
            ..Default::default()
        };
        let crew = f.validate(&[3], &[]).unwrap();
        assert_eq!(crew.name, "钢筋一班");
        assert_eq!(crew.count_unit, CountUnit::Hour);
        assert_eq!(crew.foreman_id, Some(3));
        let e = CrewForm {
            count_unit: "week".into(),
            ..f
        }
        .validate(&[4], &[])
        .unwrap_err();
        assert_eq!(e.get("foreman_id"), Some("form.invalid_choice"));
        assert_eq!(e.get("count_unit"), Some("form.invalid_choice"));
    }
}
