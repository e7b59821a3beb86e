//! The demo project's funds: the company's two bank accounts, the client and the main
//! subcontractor and supplier, the signed income contract (80 % progress payments, 3 %
//! retention) with three certified applications and their receipts (one partly paid and
//! overdue, the last still outstanding), the expense contracts the demo's invoices book
//! against (so nothing counts as both committed and actual cost), payment requests paid,
//! approved and waiting, a tender deposit refunded and one still out, and six months of fund
//! plan with a dip — so a trial user sees Funds working on day one. Labour wages paid by the
//! labour demo show in the ledger by themselves.

use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;

/// Progress-payment ratio and retention of the income contract, in percent.
const PAYMENT_RATIO: i64 = 80;
const RETENTION: i64 = 3;

/// The value of each period's work (incl. VAT) on the income contract.
const PERIOD_VALUES: [i64; 3] = [4_200_000, 5_650_000, 6_080_000];

/// Planned (in, out) for the next six months, in yuan: the third month dips below zero
/// (structure topped out, the client's payment falls in the month after).
const PLAN: [(i64, i64); 6] = [
    (4_300_000, 4_050_000),
    (3_900_000, 4_600_000),
    (1_600_000, 4_900_000),
    (5_400_000, 4_200_000),
    (5_100_000, 3_700_000),
    (4_800_000, 3_400_000),
];

/// Retention withheld from a period's value, to the fen.
pub fn retention_of(value: Decimal) -> Decimal {
    (value * Decimal::from(RETENTION) / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// What the client owes for a period: value × ratio − retention − deductions.
pub fn net_payable(value: Decimal, deductions: Decimal) -> Decimal {
    (value * Decimal::from(PAYMENT_RATIO) / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        - retention_of(value)
        - deductions
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn days_before(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

fn days_after(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(d)
}

/// Adds the demo funds to `project` unless it has contracts already.
pub async fn create(
    scope: &mut TenantScope,
    project: i64,
    owner: UserId,
    today: NaiveDate,
) -> AppResult<()> {
    let tenant = scope.tenant_id();
    let existing = sqlx::query_scalar!(
        r#"select exists (select 1 from contract where tenant_id = $1 and project_id = $2) as "x!""#,
        tenant as TenantId,
        project
    )
    .fetch_one(scope.conn())
    .await?;
    if existing {
        return Ok(());
    }
    let p = sqlx::query!(
        "select code, client, contract_amount, planned_start from project
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        project
    )
    .fetch_one(scope.conn())
    .await?;
    let start = p.planned_start.min(today);
    let client_name = if p.client.trim().is_empty() {
        "杭州滨江城建发展有限公司".to_owned()
    } else {
        p.client.trim().to_owned()
    };
    let contract_amount = if p.contract_amount > Decimal::ZERO {
        p.contract_amount
    } else {
        Decimal::from(48_600_000)
    };

    // Bank accounts: the basic account and the migrant workers' wage account (农民工工资专用账户).
    let opened = days_before(start, 60);
    let basic = account(
        scope,
        "基本户",
        "中国建设银行杭州滨江支行",
        "3305 0161 6283 0000 0218",
        Decimal::from(6_500_000),
        opened,
        owner,
    )
    .await?;
    let wages = account(
        scope,
        "农民工工资专用账户",
        "中国工商银行杭州高新支行",
        "1202 0262 0900 0345 678",
        Decimal::from(800_000),
        opened,
        owner,
    )
    .await?;

    // Counterparties, reused by name.
    let client = party(scope, &client_name, "client", owner).await?;
    let other_client = party(scope, "杭州钱塘城市建设投资集团有限公司", "client", owner).await?;
    let waterproof = party(scope, "杭州华信防水工程有限公司", "subcontractor", owner).await?;
    let steel = party(scope, "浙江物产钢材贸易有限公司", "supplier", owner).await?;
    let _labour = party(scope, "杭州建工劳务有限公司", "subcontractor", owner).await?;

    // The income contract, as the project's contract amount.
    let signed_on = days_before(start, 15);
    let income = contract(
        scope,
        project,
        &format!("{}-ZB-001", p.code),
        "滨江花园 3# 住宅楼施工总承包合同",
        "income",
        "main",
        client,
        None,
        contract_amount,
        Decimal::from(9),
        signed_on,
        "按月计量，经监理及建设单位审核后 14 日内支付当期完成产值的 80%；竣工结算后付至 97%，余 3% 质保金两年后返还。",
        owner,
    )
    .await?;
    sqlx::query!(
        "update contract set payment_ratio = $3 where tenant_id = $1 and id = $2",
        tenant as TenantId,
        income,
        Decimal::from(PAYMENT_RATIO)
    )
    .execute(scope.conn())
    .await?;

    // Three certified applications at the last three month ends.
    let this_month = first_of_month(today);
    let mut receipts: Vec<(NaiveDate, Decimal, i64)> = Vec::new();
    for (k, value) in PERIOD_VALUES.iter().enumerate() {
        let back = u32::try_from(PERIOD_VALUES.len() - k).unwrap_or(1);
        let Some(period_end) = this_month
            .checked_sub_months(Months::new(back - 1))
            .and_then(|m| m.pred_opt())
        else {
            continue;
        };
        let value = Decimal::from(*value);
        let submitted = days_after(period_end, 3).min(today);
        let certified = days_after(period_end, 10).min(today);
        let due = days_after(certified, 14);
        let net = net_payable(value, Decimal::ZERO);
        let no = i32::try_from(k + 1).unwrap_or(1);
        let application = sqlx::query_scalar!(
            "insert into payment_application (tenant_id, contract_id, period_no, period_end,
                 completed_value, payment_ratio, retention_amount, net_payable, note, status,
                 submitted_on, certified_on, certified_amount, due_on, certified_by,
                 created_by, updated_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'certified', $10, $11, $8, $12, $13,
                     $13, $13)
             returning id",
            tenant as TenantId,
            income,
            no,
            period_end,
            value,
            Decimal::from(PAYMENT_RATIO),
            retention_of(value),
            net,
            format!(
                "第 {no} 期进度款（{} 年 {} 月）",
                period_end.year(),
                period_end.month()
            ),
            submitted,
            certified,
            due,
            owner.0
        )
        .fetch_one(scope.conn())
        .await?;
        // The first is paid in full, the second only 60 % (the rest overdue), the third not yet.
        match k {
            0 => receipts.push((days_before(due, 2).min(today), net, application)),
            1 => receipts.push((
                days_after(due, 3).min(today),
                (net * Decimal::new(6, 1)).round_dp(2),
                application,
            )),
            _ => {}
        }
    }
    for (on, amount, application) in receipts {
        movement(
            scope,
            Movement {
                project: Some(project),
                kind: "progress_receipt",
                on,
                amount,
                account: Some(basic),
                counterparty: Some(client),
                contract: Some(income),
                application: Some(application),
                reference: format!("HD{}{:02}{:02}01", on.year(), on.month(), on.day()),
                note: "建设单位支付进度款".to_owned(),
                ..Movement::default()
            },
            owner,
        )
        .await?;
    }

    // Expense contracts with the waterproofing subcontractor and the steel supplier; the
    // demo's invoices from them book against them.
    let subcontract_category = category(scope, "subcontract").await?;
    let materials_category = category(scope, "materials").await?;
    let subcontract = contract(
        scope,
        project,
        &format!("{}-FB-001", p.code),
        "地下室及屋面防水工程专业分包合同",
        "expense",
        "subcontract",
        waterproof,
        subcontract_category,
        Decimal::from(3_924_000),
        Decimal::from(9),
        days_before(start, 5),
        "按月进度付款 80%，竣工验收后付至 97%，余 3% 质保金两年后返还。",
        owner,
    )
    .await?;
    let purchase = contract(
        scope,
        project,
        &format!("{}-CG-001", p.code),
        "主体结构钢筋及商品混凝土采购合同",
        "expense",
        "purchase",
        steel,
        materials_category,
        Decimal::from(12_430_000),
        Decimal::from(13),
        days_before(start, 5),
        "货到验收合格后次月付款 85%，结算后付至 97%。",
        owner,
    )
    .await?;
    for (id, supplier) in [
        (subcontract, "杭州华信防水工程有限公司"),
        (purchase, "浙江物产钢材贸易有限公司"),
    ] {
        sqlx::query!(
            "update cost_entry set contract_id = $3
             where tenant_id = $1 and project_id = $2 and supplier = $4 and contract_id is null",
            tenant as TenantId,
            project,
            id,
            supplier
        )
        .execute(scope.conn())
        .await?;
    }

    // Payment requests: one paid, one approved awaiting payment, one waiting for approval.
    // The owner requests them; approvals follow the tenant's own rules (its approver roles,
    // never the requester, a second approver above its threshold). A company with nobody else
    // to approve keeps its requests waiting, and its earlier payment shows as paid outright.
    let settings = super::requests::queries::approval_settings(scope).await?;
    let approvers: Vec<i64> = sqlx::query_scalar!(
        "select id from app_user
         where tenant_id = $1 and id <> $2 and active and role = any($3)
         order by id limit 2",
        tenant as TenantId,
        owner.0,
        &settings.approver_roles
    )
    .fetch_all(scope.conn())
    .await?;
    let requests = [
        (
            purchase,
            steel,
            Decimal::from(1_850_000),
            "钢筋及混凝土货款（第一批）",
            "paid",
            40u64,
        ),
        (
            subcontract,
            waterproof,
            Decimal::from(620_000),
            "地下室防水工程进度款",
            "approved",
            12,
        ),
        (
            purchase,
            steel,
            Decimal::from(1_260_000),
            "钢筋货款（第二批）",
            "requested",
            3,
        ),
    ];
    for (contract_id, payee, amount, purpose, status, ago) in requests {
        let requested_on = days_before(today, ago).max(start);
        let needed =
            super::requests::domain::approvals_needed(amount, settings.second_approval_above);
        let approved_by = approvers.get(..usize::try_from(needed).unwrap_or(2));
        let request = match (status, approved_by) {
            ("requested", _) | (_, Some(_)) | ("approved", None) => {
                let status = if approved_by.is_none() {
                    "requested"
                } else {
                    status
                };
                let request = sqlx::query_scalar!(
                    "insert into payment_request (tenant_id, kind, project_id, contract_id,
                                                  amount, purpose, requested_on, requested_by,
                                                  status, approvals_needed, updated_by)
                     values ($1, 'contract', $2, $3, $4, $5, $6, $7, $8, $9, $7)
                     returning id",
                    tenant as TenantId,
                    project,
                    contract_id,
                    amount,
                    purpose,
                    requested_on,
                    owner.0,
                    status,
                    needed
                )
                .fetch_one(scope.conn())
                .await?;
                if status != "requested" {
                    for (step, approver) in approved_by.unwrap_or_default().iter().enumerate() {
                        sqlx::query!(
                            "insert into payment_approval (tenant_id, request_id, step, decision,
                                                           approver_id)
                             values ($1, $2, $3, 'approved', $4)",
                            tenant as TenantId,
                            request,
                            i16::try_from(step + 1).unwrap_or(1),
                            approver
                        )
                        .execute(scope.conn())
                        .await?;
                    }
                }
                Some(request).filter(|_| status == "paid")
            }
            _ => None,
        };
        if status == "paid" {
            let on = days_after(requested_on, 5).min(today);
            movement(
                scope,
                Movement {
                    project: Some(project),
                    kind: "contract_payment",
                    on,
                    amount,
                    account: Some(basic),
                    counterparty: Some(payee),
                    contract: Some(contract_id),
                    request,
                    reference: format!("FK{}{:02}{:02}01", on.year(), on.month(), on.day()),
                    note: purpose.to_owned(),
                    ..Movement::default()
                },
                owner,
            )
            .await?;
        }
    }

    // Tender deposits: this project's, refunded after the award; another tender's, still out.
    let won = deposit(
        scope,
        Some(project),
        "滨江花园 3# 住宅楼施工总承包投标",
        client,
        Decimal::from(800_000),
        days_before(start, 45),
        Some(days_before(start, 5)),
        owner,
    )
    .await?;
    movement(
        scope,
        Movement {
            project: Some(project),
            kind: "deposit_paid",
            on: days_before(start, 45),
            amount: Decimal::from(800_000),
            account: Some(basic),
            counterparty: Some(client),
            deposit: Some(won),
            note: "投标保证金".to_owned(),
            ..Movement::default()
        },
        owner,
    )
    .await?;
    let refunded_on = days_before(start, 5);
    sqlx::query!(
        "update tender_deposit set status = 'refunded', settled_on = $3
         where tenant_id = $1 and id = $2",
        tenant as TenantId,
        won,
        refunded_on
    )
    .execute(scope.conn())
    .await?;
    movement(
        scope,
        Movement {
            project: Some(project),
            kind: "deposit_refund",
            on: refunded_on,
            amount: Decimal::from(800_000),
            account: Some(basic),
            counterparty: Some(client),
            deposit: Some(won),
            note: "中标后退回投标保证金".to_owned(),
            ..Movement::default()
        },
        owner,
    )
    .await?;
    let paid_on = days_before(today, 20);
    let out = deposit(
        scope,
        None,
        "钱塘区九年一贯制学校新建工程 EPC 投标",
        other_client,
        Decimal::from(500_000),
        paid_on,
        None,
        owner,
    )
    .await?;
    sqlx::query!(
        "update tender_deposit set due_back_on = $3 where tenant_id = $1 and id = $2",
        tenant as TenantId,
        out,
        days_after(today, 25)
    )
    .execute(scope.conn())
    .await?;
    movement(
        scope,
        Movement {
            project: None,
            kind: "deposit_paid",
            on: paid_on,
            amount: Decimal::from(500_000),
            account: Some(basic),
            counterparty: Some(other_client),
            deposit: Some(out),
            note: "投标保证金".to_owned(),
            ..Movement::default()
        },
        owner,
    )
    .await?;

    // Bank charges, and the client's wage funds into the wage account.
    let fee_on = days_before(this_month, 1).max(start);
    movement(
        scope,
        Movement {
            project: Some(project),
            kind: "other_out",
            on: fee_on,
            amount: Decimal::new(128_000, 2),
            account: Some(basic),
            note: "银行手续费及网银年费".to_owned(),
            ..Movement::default()
        },
        owner,
    )
    .await?;
    let wage_on = days_before(this_month, 20).max(start);
    movement(
        scope,
        Movement {
            project: Some(project),
            kind: "other_in",
            on: wage_on,
            amount: Decimal::from(600_000),
            account: Some(wages),
            counterparty: Some(client),
            note: "建设单位按月拨付人工费至农民工工资专用账户".to_owned(),
            ..Movement::default()
        },
        owner,
    )
    .await?;

    // The fund plan for the next six months.
    for (k, (planned_in, planned_out)) in PLAN.iter().enumerate() {
        let Some(month) =
            this_month.checked_add_months(Months::new(u32::try_from(k + 1).unwrap_or(1)))
        else {
            continue;
        };
        let note = if planned_in < planned_out {
            "资金缺口：需协调建设单位提前支付或申请授信"
        } else {
            ""
        };
        sqlx::query!(
            "insert into fund_plan (tenant_id, project_id, month, planned_in, planned_out, note,
                                    updated_by)
             values ($1, $2, $3, $4, $5, $6, $7)
             on conflict do nothing",
            tenant as TenantId,
            project,
            month,
            Decimal::from(*planned_in),
            Decimal::from(*planned_out),
            note,
            owner.0
        )
        .execute(scope.conn())
        .await?;
    }
    Ok(())
}

async fn account(
    scope: &mut TenantScope,
    name: &str,
    bank: &str,
    number: &str,
    opening: Decimal,
    opened_on: NaiveDate,
    owner: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "insert into bank_account (tenant_id, name, bank_name, account_number, opening_balance,
                                   opened_on, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $7)
         on conflict (tenant_id, name) do nothing",
        tenant as TenantId,
        name,
        bank,
        number,
        opening,
        opened_on,
        owner.0
    )
    .execute(scope.conn())
    .await?;
    Ok(sqlx::query_scalar!(
        "select id from bank_account where tenant_id = $1 and name = $2",
        tenant as TenantId,
        name
    )
    .fetch_one(scope.conn())
    .await?)
}

async fn party(scope: &mut TenantScope, name: &str, kind: &str, owner: UserId) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    sqlx::query!(
        "insert into counterparty (tenant_id, name, kind, created_by, updated_by)
         values ($1, $2, $3, $4, $4)
         on conflict (tenant_id, name) do nothing",
        tenant as TenantId,
        name,
        kind,
        owner.0
    )
    .execute(scope.conn())
    .await?;
    Ok(sqlx::query_scalar!(
        "select id from counterparty where tenant_id = $1 and name = $2",
        tenant as TenantId,
        name
    )
    .fetch_one(scope.conn())
    .await?)
}

async fn category(scope: &mut TenantScope, builtin: &str) -> AppResult<Option<i64>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "select id from cost_category where tenant_id = $1 and builtin = $2",
        tenant as TenantId,
        builtin
    )
    .fetch_optional(scope.conn())
    .await?)
}

#[expect(clippy::too_many_arguments, reason = "one demo row, column by column")]
async fn contract(
    scope: &mut TenantScope,
    project: i64,
    number: &str,
    title: &str,
    direction: &str,
    kind: &str,
    counterparty: i64,
    category: Option<i64>,
    amount: Decimal,
    tax_rate: Decimal,
    signed_on: NaiveDate,
    terms: &str,
    owner: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    let release = signed_on.checked_add_months(Months::new(36));
    Ok(sqlx::query_scalar!(
        "insert into contract (tenant_id, project_id, number, title, direction, kind,
                               counterparty_id, category_id, amount, tax_rate, signed_on,
                               payment_terms, retention_percent, retention_release_on, status,
                               created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'signed', $15, $15)
         returning id",
        tenant as TenantId,
        project,
        number,
        title,
        direction,
        kind,
        counterparty,
        category,
        amount,
        tax_rate,
        signed_on,
        terms,
        Decimal::from(RETENTION),
        release,
        owner.0
    )
    .fetch_one(scope.conn())
    .await?)
}

#[expect(clippy::too_many_arguments, reason = "one demo row, column by column")]
async fn deposit(
    scope: &mut TenantScope,
    project: Option<i64>,
    tender: &str,
    counterparty: i64,
    amount: Decimal,
    paid_on: NaiveDate,
    due_back_on: Option<NaiveDate>,
    owner: UserId,
) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into tender_deposit (tenant_id, project_id, tender_name, counterparty_id, amount,
                                     paid_on, due_back_on, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning id",
        tenant as TenantId,
        project,
        tender,
        counterparty,
        amount,
        paid_on,
        due_back_on,
        owner.0
    )
    .fetch_one(scope.conn())
    .await?)
}

/// A demo movement by bank.
#[derive(Debug, Default)]
struct Movement {
    project: Option<i64>,
    kind: &'static str,
    on: NaiveDate,
    amount: Decimal,
    account: Option<i64>,
    counterparty: Option<i64>,
    contract: Option<i64>,
    application: Option<i64>,
    request: Option<i64>,
    deposit: Option<i64>,
    reference: String,
    note: String,
}

async fn movement(scope: &mut TenantScope, m: Movement, owner: UserId) -> AppResult<i64> {
    let purpose = super::ledger::Purpose {
        kind: m.kind,
        project_id: m.project,
        counterparty_id: m.counterparty,
        contract_id: m.contract,
        application_id: m.application,
        payment_request_id: m.request,
        deposit_id: m.deposit,
    };
    let input = super::ledger::MovementInput {
        moved_on: m.on,
        amount: m.amount,
        method: "bank",
        bank_account_id: m.account,
        reference: m.reference,
        note: m.note,
    };
    super::ledger::record(scope, &purpose, &input, owner).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_pays_eighty_percent_less_three_percent_retention() {
        let value = Decimal::from(4_200_000);
        assert_eq!(retention_of(value), Decimal::from(126_000));
        assert_eq!(net_payable(value, Decimal::ZERO), Decimal::from(3_234_000));
        assert_eq!(
            net_payable(value, Decimal::from(34_000)),
            Decimal::from(3_200_000)
        );
    }

    #[test]
    fn the_plan_dips_below_zero_once() {
        let short: Vec<_> = PLAN.iter().filter(|(i, o)| i < o).collect();
        assert!(!short.is_empty());
        assert!(PLAN.iter().map(|(i, o)| i - o).sum::<i64>() > 0);
    }
}
