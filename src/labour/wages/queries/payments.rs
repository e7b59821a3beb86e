//! Payment SQL: recording advances and payouts and listing them a page at a time.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::labour::domain::{PayMethod, WorkerId};
use crate::tenancy::ProjectId;

/// An advance as recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewAdvance {
    pub project_id: ProjectId,
    pub worker_id: WorkerId,
    pub paid_on: NaiveDate,
    pub amount: Decimal,
    pub method: &'static str,
    pub note: String,
}

pub async fn insert_advance(scope: &mut TenantScope, a: &NewAdvance, by: UserId) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into labour_advance (tenant_id, project_id, worker_id, paid_on, amount, method,
                                     note, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         returning id",
        tenant as TenantId,
        a.project_id as ProjectId,
        a.worker_id as WorkerId,
        a.paid_on,
        a.amount,
        a.method,
        a.note,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// A payout as recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewPayout {
    pub project_id: ProjectId,
    pub worker_id: WorkerId,
    /// The first day of the month it pays.
    pub period: NaiveDate,
    pub paid_on: NaiveDate,
    pub amount: Decimal,
    pub method: &'static str,
    pub reference: String,
}

pub async fn insert_payout(scope: &mut TenantScope, p: &NewPayout, by: UserId) -> AppResult<i64> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_scalar!(
        "insert into labour_payout (tenant_id, project_id, worker_id, period, paid_on, amount,
                                    method, reference, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         returning id",
        tenant as TenantId,
        p.project_id as ProjectId,
        p.worker_id as WorkerId,
        p.period,
        p.paid_on,
        p.amount,
        p.method,
        p.reference,
        by as UserId
    )
    .fetch_one(scope.conn())
    .await?)
}

/// Which payments a list shows.
#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub project: Option<i64>,
    pub worker: Option<WorkerId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// An advance or a payout in a list.
#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub id: i64,
    pub paid_on: NaiveDate,
    /// The month paid for (payouts only).
    pub period: Option<NaiveDate>,
    pub project_id: ProjectId,
    pub project_code: String,
    pub worker_id: i64,
    pub worker_name: String,
    pub amount: Decimal,
    pub method: PayMethod,
    /// The note of an advance, the reference of a payout.
    pub note: String,
    pub created_by_name: Option<String>,
}

/// A page of a payment list, with the count and sum of all that match.
#[derive(Debug, Clone, Default)]
pub struct PaymentPage {
    pub rows: Vec<PaymentRow>,
    pub total: i64,
    pub sum: Decimal,
}

/// Advances or payouts: which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentKind {
    Advance,
    Payout,
}

impl PaymentKind {
    fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Advance => "advance",
            PaymentKind::Payout => "payout",
        }
    }
}

/// A page of advances or payouts, newest first, with the count and sum of all that match.
/// Both tables read as one shape: an advance has no period, and its note stands where a
/// payout has its reference.
pub async fn list_payments(
    scope: &mut TenantScope,
    kind: PaymentKind,
    f: &PaymentFilter,
    limit: i64,
    offset: i64,
) -> AppResult<PaymentPage> {
    scope.plan_with_values().await?;
    let tenant = scope.tenant_id();
    let rows = sqlx::query_as!(
        PaymentRow,
        r#"with pay as (
               select id, paid_on, null::date as period, project_id, worker_id, amount, method,
                      note, created_by
               from labour_advance where tenant_id = $1 and $8 = 'advance'
               union all
               select id, paid_on, period, project_id, worker_id, amount, method, reference,
                      created_by
               from labour_payout where tenant_id = $1 and $8 = 'payout'
           )
           select x.id as "id!", x.paid_on as "paid_on!", x.period as "period?",
                  x.project_id as "project_id!: ProjectId", p.code as project_code,
                  x.worker_id as "worker_id!", w.name as worker_name, x.amount as "amount!",
                  x.method as "method!: PayMethod", x.note as "note!", u.name as "created_by_name?"
           from pay x
           join project p on p.tenant_id = $1 and p.id = x.project_id
           join worker w on w.tenant_id = $1 and w.id = x.worker_id
           left join app_user u on u.tenant_id = $1 and u.id = x.created_by
           where x.project_id in (select * from visible_project_ids($1))
             and ($2::bigint is null or x.project_id = $2)
             and ($3::bigint is null or x.worker_id = $3)
             and ($4::date is null or x.paid_on >= $4)
             and ($5::date is null or x.paid_on <= $5)
           order by x.paid_on desc, x.id desc
           limit $6 offset $7"#,
        tenant as TenantId,
        f.project,
        f.worker as Option<WorkerId>,
        f.from,
        f.to,
        limit,
        offset,
        kind.as_str()
    )
    .fetch_all(scope.conn())
    .await?;
    let totals = sqlx::query!(
        r#"with pay as (
               select project_id, worker_id, paid_on, amount
               from labour_advance where tenant_id = $1 and $6 = 'advance'
               union all
               select project_id, worker_id, paid_on, amount
               from labour_payout where tenant_id = $1 and $6 = 'payout'
           )
           select count(*) as "n!", coalesce(sum(x.amount), 0) as "sum!"
           from pay x
           where x.project_id in (select * from visible_project_ids($1))
             and ($2::bigint is null or x.project_id = $2)
             and ($3::bigint is null or x.worker_id = $3)
             and ($4::date is null or x.paid_on >= $4)
             and ($5::date is null or x.paid_on <= $5)"#,
        tenant as TenantId,
        f.project,
        f.worker as Option<WorkerId>,
        f.from,
        f.to,
        kind.as_str()
    )
    .fetch_one(scope.conn())
    .await?;
    Ok(PaymentPage {
        rows,
        total: totals.n,
        sum: totals.sum,
    })
}
