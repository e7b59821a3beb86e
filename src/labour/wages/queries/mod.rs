//! The SQL of wages and settlements: the month's wage sheet, advances and payouts, a worker's
//! statement and settlement statements. Every query names the tenant, and the ones that
//! read across projects keep to those the user may see.

mod payments;
mod settlements;
mod sheet;
mod statement;

pub use payments::{
    NewAdvance, NewPayout, PaymentFilter, PaymentKind, PaymentPage, insert_advance, insert_payout,
    list_payments,
};
pub use settlements::{
    NewSettlement, SettledTicket, Settlement, SettlementFilter, cancel_settlement,
    confirmed_tickets, find_settlement, insert_settlement, list_settlements, settlement_tickets,
    total_settlement,
};
pub use sheet::{
    SheetRow, WorkerInfo, find_worker, lock_workers, payee_choices, unnamed_work, wage_sheet,
    worker_month,
};
pub use statement::{StatementEntry, balance_before, statement_entries};

use crate::db::TenantScope;
use crate::error::AppResult;
use crate::ids::TenantId;
use crate::tenancy::ProjectId;

/// A project as pickers show it.
#[derive(Debug, Clone)]
pub struct ProjectPick {
    pub id: ProjectId,
    pub code: String,
    pub name: String,
}

/// The projects the viewer may see, open ones first.
pub async fn visible_projects(scope: &mut TenantScope) -> AppResult<Vec<ProjectPick>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        ProjectPick,
        r#"select p.id as "id: ProjectId", p.code, p.name
           from project p
           where p.tenant_id = $1
             and p.id in (select * from visible_project_ids($1))
           order by p.archived_at is not null, p.code"#,
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}
