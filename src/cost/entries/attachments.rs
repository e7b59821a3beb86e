//! An entry's attachments (the invoice, the receipt, a signed delivery note), through
//! `web::attachments`: added and removed while the entry's month is open, by those who
//! enter cost.

use axum::http::StatusCode;
use axum::response::Response;

use super::domain::MAX_ATTACHMENTS;
use super::handlers::{ShowParts, base, load, show_refused};
use crate::cost::queries as cost_queries;
use crate::error::AppResult;
use crate::roles::Permission;
use crate::tenancy::{Cost, ProjectTx, TenantTx};
use crate::web::Page;
use crate::web::attachments::{
    AttachmentOwner, Audit, Keys, Step, attachment_keys, attachment_table,
};

attachment_table!(
    /// `cost_entry_attachment`.
    pub EntryFiles, "cost_entry_attachment", "cost_entry_id"
);

/// A cost entry as the owner of files.
#[derive(Debug)]
pub struct EntryAttachments;

impl AttachmentOwner for EntryAttachments {
    type Module = Cost;
    type Tx = ProjectTx<Cost>;
    type Table = EntryFiles;
    const MAX: i64 = MAX_ATTACHMENTS;
    const PERMISSION: Permission = Permission::EnterCost;
    const KEYS: Keys = attachment_keys!("cost_entries");
    const AUDIT: Audit = Audit {
        entity: "cost_entry_attachment",
        owner: "cost entry",
        owner_field: "cost_entry_id",
    };

    fn tenant(p: &mut ProjectTx<Cost>) -> &mut TenantTx<Cost> {
        &mut p.tx
    }

    fn href(p: &ProjectTx<Cost>, id: i64) -> String {
        format!("{}/{id}", base(p.project.id))
    }

    /// Files change only while the entry's month is open; locking the entry keeps two
    /// uploads from both passing the count.
    async fn check(
        p: &mut ProjectTx<Cost>,
        id: i64,
        step: Step,
        lock: bool,
    ) -> AppResult<Option<&'static str>> {
        let entry = load(p, id, lock).await?;
        if step == Step::Read {
            return Ok(None);
        }
        let closed = cost_queries::is_closed(&mut p.tx, entry.entry_date).await?;
        Ok(closed.then_some("cost.period_closed"))
    }

    async fn refuse(
        p: ProjectTx<Cost>,
        page: Page,
        id: i64,
        key: &'static str,
    ) -> AppResult<Response> {
        show_refused(
            p,
            page,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            ShowParts::attachment(key),
        )
        .await
    }

    async fn commit(p: ProjectTx<Cost>) -> AppResult<()> {
        p.commit().await
    }
}
