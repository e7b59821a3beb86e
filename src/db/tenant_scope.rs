//! A transaction bound to one tenant: `app.tenant_id` is set before any query runs, so
//! row-level security admits only that tenant's rows. Dropping it without `commit` rolls back.
//! `act_for` adds who is asking (`app.user_id`, `app.sees_all_projects`), which the database's
//! one project-visibility rule, `visible_project_ids` (migration 0012), reads.
#![expect(
    clippy::disallowed_types,
    reason = "opening a tenant transaction needs the pool"
)]

use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::error::{AppResult, Taken};
use crate::ids::{TenantId, UserId};

/// An open transaction in which only one tenant's rows exist.
#[derive(Debug)]
pub struct TenantScope {
    tx: Transaction<'static, Postgres>,
    tenant_id: TenantId,
    /// Whether `plan_with_values` already ran in this transaction.
    plans_with_values: bool,
}

impl TenantScope {
    pub(super) async fn begin(pool: &PgPool, tenant_id: TenantId) -> AppResult<Self> {
        let tx = pool.begin().await?;
        Self::bind(tx, tenant_id).await
    }

    /// Bind an already open transaction to `tenant_id` (used when the tenant is created in it).
    pub(crate) async fn bind(
        mut tx: Transaction<'static, Postgres>,
        tenant_id: TenantId,
    ) -> AppResult<Self> {
        // `true`: local to this transaction, so a pooled connection never carries it over.
        sqlx::query_scalar!(
            "select set_config('app.tenant_id', $1, true)",
            tenant_id.0.to_string()
        )
        .fetch_one(&mut *tx)
        .await?;
        Ok(TenantScope {
            tx,
            tenant_id,
            plans_with_values: false,
        })
    }

    /// Who the transaction acts for, for the rest of it: `user` (none for a scope that acts for
    /// nobody) and whether they see every project of the tenant. Until this is called, the
    /// transaction sees no project through `visible_project_ids`.
    pub async fn act_for(
        &mut self,
        user: Option<UserId>,
        sees_all_projects: bool,
    ) -> AppResult<()> {
        let user = user.map(|u| u.0.to_string()).unwrap_or_default();
        let all = if sees_all_projects { "on" } else { "off" };
        // `true`: local to this transaction, like `app.tenant_id`.
        sqlx::query!(
            "select set_config('app.user_id', $1, true) as user_id,
                    set_config('app.sees_all_projects', $2, true) as sees_all_projects",
            user,
            all
        )
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Plans the rest of the transaction's statements with the values at hand. A query with
    /// optional filters (`$2::bigint is null or project_id = $2`) must not switch to the
    /// generic plan a prepared statement takes after its fifth run: planned without the
    /// values, it can neither drop the unused branches nor use the index a filter allows
    /// (the funds overview's contracts: 54 ms custom, 534 ms generic). Call it before such a
    /// query; it is sent once per transaction, so a page's statement count stays fixed.
    pub async fn plan_with_values(&mut self) -> AppResult<()> {
        if !self.plans_with_values {
            sqlx::query_scalar!("select set_config('plan_cache_mode', 'force_custom_plan', true)")
                .fetch_one(self.conn())
                .await?;
            self.plans_with_values = true;
        }
        Ok(())
    }

    /// The tenant every query in this transaction belongs to.
    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    /// The connection, for query functions.
    pub fn conn(&mut self) -> &mut PgConnection {
        super::statements::count_one();
        &mut self.tx
    }

    /// Marks a point to undo back to when a change turns out to be refused (a link that
    /// makes a cycle is only known to be one after it is written and rescheduled).
    pub async fn savepoint(&mut self) -> AppResult<()> {
        sqlx::raw_sql("savepoint girder_change")
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Undoes everything since `savepoint`; the transaction stays usable.
    pub async fn rollback_to_savepoint(&mut self) -> AppResult<()> {
        sqlx::raw_sql("rollback to savepoint girder_change")
            .execute(&mut *self.tx)
            .await?;
        // A `plan_with_values` after the savepoint was undone with it.
        self.plans_with_values = false;
        Ok(())
    }

    /// The outcome of a write made after `savepoint` that a unique constraint may refuse
    /// ("this code is taken"): a violation of `constraint` is undone back to the savepoint, so
    /// the transaction stays usable for drawing the form again, and answers `Err(Taken)`;
    /// any other error stays an error.
    pub async fn unless_taken<T>(
        &mut self,
        result: AppResult<T>,
        constraint: &str,
    ) -> AppResult<Result<T, Taken>> {
        match result {
            Ok(v) => Ok(Ok(v)),
            Err(e) if e.is_constraint(constraint) => {
                self.rollback_to_savepoint().await?;
                Ok(Err(Taken))
            }
            Err(e) => Err(e),
        }
    }

    pub async fn commit(self) -> AppResult<()> {
        self.tx.commit().await?;
        Ok(())
    }
}
