//! The ledger's shared core (资金流水): the fields every receipt and payment carries — date,
//! amount, method, bank account, reference, note — their checks, and recording one movement.
//! Receipts against certified applications, payments of approved requests, deposits and the
//! ledger's own entries all record through `record`, so the month roll-up, the account
//! balances and the closed-period rule hold for all of them. Attachments are added on the
//! movement's page afterwards.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::db::{TenantScope, text_enum};
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::ids::UserId;
use crate::ids::{ContractId, TenantId};
use crate::web::fields::required_date;
use crate::web::form::Choice;
use crate::web::form::{self, FieldErrors};

use super::domain::positive_amount;

text_enum! {
    /// Which way a movement went: `in` for receipts, `out` for payments.
    MovementDirection in "funds_ledger" { In => "in", Out => "out" }
}

text_enum! {
    /// How money moved. The wage account pays by bank, cash, WeChat or Alipay, so the
    /// ledger's union of movements and wage payments reads as this too.
    MovementMethod in "funds" {
        Bank => "bank",
        Cash => "cash",
        AcceptanceBill => "acceptance_bill",
        Cheque => "cheque",
        Wechat => "wechat",
        Alipay => "alipay",
    }
}

text_enum! {
    /// What a movement is, money in first. The last two are the labour wage account's
    /// payouts and advances, which the ledger lists beside the movements (always out);
    /// `fund_movement` itself never holds them (its check constraint).
    MovementKind in "funds" {
        ProgressReceipt => "progress_receipt",
        RetentionReceipt => "retention_receipt",
        DepositRefund => "deposit_refund",
        OtherIn => "other_in",
        ContractPayment => "contract_payment",
        RetentionPayment => "retention_payment",
        Reimbursement => "reimbursement",
        DepositPaid => "deposit_paid",
        OtherOut => "other_out",
        LabourPayout => "labour_payout",
        LabourAdvance => "labour_advance",
    }
}

impl MovementKind {
    /// Which way money of this kind goes.
    pub fn direction(self) -> MovementDirection {
        match self {
            MovementKind::ProgressReceipt
            | MovementKind::RetentionReceipt
            | MovementKind::DepositRefund
            | MovementKind::OtherIn => MovementDirection::In,
            MovementKind::ContractPayment
            | MovementKind::RetentionPayment
            | MovementKind::Reimbursement
            | MovementKind::DepositPaid
            | MovementKind::OtherOut
            | MovementKind::LabourPayout
            | MovementKind::LabourAdvance => MovementDirection::Out,
        }
    }
}

impl MovementMethod {
    /// Whether the method moves money through one of the company's bank accounts (cash and
    /// the payment apps need none).
    pub fn needs_account(self) -> bool {
        matches!(
            self,
            MovementMethod::Bank | MovementMethod::AcceptanceBill | MovementMethod::Cheque
        )
    }
}

/// The common fields of a receipt or payment form. Forms embed it with `#[serde(flatten)]`
/// and render it with `templates/funds/movement_fields.html`.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct MovementForm {
    #[serde(default)]
    pub moved_on: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub bank_account_id: String,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub note: String,
}

/// The checked fields.
#[derive(Debug, Clone, PartialEq)]
pub struct MovementInput {
    pub moved_on: NaiveDate,
    pub amount: Decimal,
    pub method: MovementMethod,
    pub bank_account_id: Option<i64>,
    pub reference: String,
    pub note: String,
}

impl MovementForm {
    /// A form for a new movement, dated today, by bank, of `amount`.
    pub fn new(today: NaiveDate, amount: Decimal) -> Self {
        Self {
            moved_on: today.to_string(),
            amount: if amount > Decimal::ZERO {
                amount.to_string()
            } else {
                String::new()
            },
            method: "bank".to_owned(),
            ..Self::default()
        }
    }

    /// Checks what needs no database: a date not after `today`, an amount above zero, a known
    /// method, an account where the method needs one. Errors go to `errors`; `None` if any.
    pub fn parse(&self, errors: &mut FieldErrors, today: NaiveDate) -> Option<MovementInput> {
        let moved_on = required_date(errors, "moved_on", &self.moved_on);
        if moved_on.is_some_and(|d| d > today) {
            errors.add("moved_on", "funds.moved_in_future");
        }
        let amount = positive_amount(errors, "amount", &self.amount);
        let method = MovementMethod::parse(self.method.trim());
        if method.is_none() {
            errors.add("method", "form.invalid_choice");
        }
        let account = self.bank_account_id.trim();
        let bank_account_id = if account.is_empty() {
            None
        } else {
            match account.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errors.add("bank_account_id", "form.invalid_choice");
                    None
                }
            }
        };
        if method.is_some_and(MovementMethod::needs_account) && bank_account_id.is_none() {
            errors.add("bank_account_id", "funds.account_required");
        }
        let reference = form::text(errors, "reference", &self.reference, false, 100);
        let note = form::text(errors, "note", &self.note, false, 500);
        match (moved_on, method) {
            (Some(moved_on), Some(method)) if errors.is_empty() => Some(MovementInput {
                moved_on,
                amount,
                method,
                bank_account_id,
                reference,
                note,
            }),
            _ => None,
        }
    }
}

/// Checks what needs the database: the account is the company's and active, and the month is
/// not closed (`cost_period`). Errors go to `errors`.
pub async fn check(
    scope: &mut TenantScope,
    input: &MovementInput,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    if let Some(account) = input.bank_account_id {
        let tenant = scope.tenant_id();
        let active = sqlx::query_scalar!(
            "select active from bank_account where tenant_id = $1 and id = $2",
            tenant as TenantId,
            account
        )
        .fetch_optional(scope.conn())
        .await?;
        if active != Some(true) {
            errors.add("bank_account_id", "form.invalid_choice");
        }
    }
    if crate::cost::is_closed(scope, input.moved_on).await? {
        errors.add("moved_on", "funds.period_closed");
    }
    Ok(())
}

/// What a movement is for, besides its fields: at most one of application, request and
/// deposit (the table checks it).
#[derive(Debug, Clone, Copy)]
pub struct Purpose {
    pub kind: MovementKind,
    pub project_id: Option<i64>,
    pub counterparty_id: Option<i64>,
    pub contract_id: Option<ContractId>,
    pub application_id: Option<i64>,
    pub payment_request_id: Option<i64>,
    pub deposit_id: Option<i64>,
}

impl Purpose {
    /// A movement of `kind` that links nothing; callers fill in what it does link.
    pub fn of(kind: MovementKind) -> Self {
        Self {
            kind,
            project_id: None,
            counterparty_id: None,
            contract_id: None,
            application_id: None,
            payment_request_id: None,
            deposit_id: None,
        }
    }
}

/// Records a checked movement; returns its id. Call `check` first.
pub async fn record(
    scope: &mut TenantScope,
    purpose: &Purpose,
    input: &MovementInput,
    by: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into fund_movement (tenant_id, project_id, direction, kind, moved_on, amount,
                                    method, bank_account_id, reference, counterparty_id,
                                    contract_id, application_id, payment_request_id, deposit_id,
                                    note, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         returning id",
        tenant as TenantId,
        purpose.project_id,
        purpose.kind.direction() as MovementDirection,
        purpose.kind as MovementKind,
        input.moved_on,
        input.amount,
        input.method as MovementMethod,
        input.bank_account_id,
        input.reference,
        purpose.counterparty_id,
        purpose.contract_id as Option<ContractId>,
        purpose.application_id,
        purpose.payment_request_id,
        purpose.deposit_id,
        input.note,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// An active bank account as a choice.
#[derive(Debug, Clone)]
pub struct AccountPick {
    pub id: i64,
    pub name: String,
    pub account_number: String,
}

/// The company's active bank accounts, by name.
pub async fn active_accounts(scope: &mut TenantScope) -> AppResult<Vec<AccountPick>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        AccountPick,
        "select id, name, account_number from bank_account
         where tenant_id = $1 and active order by name",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// The accounts as choices: the name and the account number's last four digits.
pub fn account_choices(accounts: &[AccountPick]) -> Vec<Choice> {
    accounts
        .iter()
        .map(|a| {
            let digits: Vec<char> = a.account_number.chars().collect();
            let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
            Choice {
                value: a.id.to_string(),
                label: if tail.is_empty() {
                    a.name.clone()
                } else {
                    format!("{} (…{tail})", a.name)
                },
            }
        })
        .collect()
}

/// The methods as choices.
pub fn method_choices(locale: Locale) -> Vec<Choice> {
    MovementMethod::ALL
        .iter()
        .map(|m| Choice {
            value: m.as_str().to_owned(),
            label: i18n::t(locale, m.label_key()).to_owned(),
        })
        .collect()
}

/// The name of a movement kind in the user's language.
pub fn kind_label(locale: Locale, kind: MovementKind) -> String {
    i18n::t(locale, kind.label_key()).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
    }

    fn form(method: &str, account: &str) -> MovementForm {
        MovementForm {
            moved_on: "2026-11-20".into(),
            amount: "1,250.50".into(),
            method: method.into(),
            bank_account_id: account.into(),
            reference: " HD-001 ".into(),
            note: String::new(),
        }
    }

    #[test]
    fn a_bank_transfer_names_an_account() {
        let mut e = FieldErrors::default();
        assert_eq!(form("bank", "").parse(&mut e, today()), None);
        assert_eq!(e.get("bank_account_id"), Some("funds.account_required"));

        let mut e = FieldErrors::default();
        let input = form("bank", "7").parse(&mut e, today()).expect("valid");
        assert_eq!(input.amount, dec!(1250.50));
        assert_eq!(input.bank_account_id, Some(7));
        assert_eq!(input.reference, "HD-001");
    }

    #[test]
    fn cash_needs_no_account_but_no_future_date_or_unknown_method() {
        let mut e = FieldErrors::default();
        assert!(form("cash", "").parse(&mut e, today()).is_some());

        let mut e = FieldErrors::default();
        let mut f = form("gold", "");
        f.moved_on = "2026-11-25".into();
        assert_eq!(f.parse(&mut e, today()), None);
        assert_eq!(e.get("method"), Some("form.invalid_choice"));
        assert_eq!(e.get("moved_on"), Some("funds.moved_in_future"));
    }

    #[test]
    fn receipts_come_in_and_payments_go_out() {
        let ins = MovementKind::ALL
            .iter()
            .filter(|k| k.direction() == MovementDirection::In)
            .count();
        assert_eq!(ins, 4);
        assert_eq!(
            MovementKind::ContractPayment.direction(),
            MovementDirection::Out
        );
        assert_eq!(
            MovementKind::DepositRefund.direction(),
            MovementDirection::In
        );
        assert_eq!(
            MovementKind::LabourAdvance.direction(),
            MovementDirection::Out
        );
    }

    #[test]
    fn every_kind_and_method_has_a_name_in_both_languages() {
        use crate::i18n::{Locale, t};
        let keys = MovementKind::ALL
            .iter()
            .map(|v| v.label_key())
            .chain(MovementMethod::ALL.iter().map(|v| v.label_key()));
        for key in keys {
            for locale in Locale::ALL {
                assert_ne!(t(locale, key), key, "{key} missing in {}", locale.as_str());
            }
        }
    }

    #[test]
    fn an_account_shows_its_last_four_digits() {
        let picks = [AccountPick {
            id: 3,
            name: "基本户".into(),
            account_number: "6222 0212 3456 7890".into(),
        }];
        assert_eq!(account_choices(&picks)[0].label, "基本户 (…7890)");
    }
}
