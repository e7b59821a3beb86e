//! A movement's attachments (the bank slip, the receipt, the invoice), through
//! `web::attachments`: at most five, added and removed while the movement's month is open,
//! by those who record funds.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::domain::MAX_ATTACHMENTS;
use super::handlers::{Refused, show_page};
use super::{BASE, queries};
use crate::error::AppResult;
use crate::roles::Permission;
use crate::tenancy::{Funds, TenantTx};
use crate::web::Page;
use crate::web::attachments::{
    AttachmentOwner, Audit, Keys, Step, attachment_keys, attachment_table,
};

attachment_table!(
    /// `fund_movement_attachment`.
    pub MovementFiles, "fund_movement_attachment", "movement_id"
);

/// A ledger movement as the owner of files.
#[derive(Debug)]
pub struct MovementAttachments;

impl AttachmentOwner for MovementAttachments {
    type Module = Funds;
    type Tx = TenantTx<Funds>;
    type Table = MovementFiles;
    const MAX: i64 = MAX_ATTACHMENTS;
    const PERMISSION: Permission = Permission::RecordFunds;
    const KEYS: Keys = attachment_keys!("funds_ledger");
    const AUDIT: Audit = Audit {
        entity: "fund_movement_attachment",
        owner: "fund movement",
        owner_field: "movement_id",
    };

    fn tenant(tx: &mut TenantTx<Funds>) -> &mut TenantTx<Funds> {
        tx
    }

    fn href(_: &TenantTx<Funds>, id: i64) -> String {
        format!("{BASE}/{id}")
    }

    /// Files change only while the movement's month is open. The ledger cannot be locked
    /// (it has no UPDATE grant): an advisory lock on its attachment list stands in.
    async fn check(
        tx: &mut TenantTx<Funds>,
        id: i64,
        step: Step,
        lock: bool,
    ) -> AppResult<Option<&'static str>> {
        if lock {
            queries::lock_attachments(tx, id).await?;
        }
        let m = queries::find(tx, id).await?;
        if step == Step::Read {
            return Ok(None);
        }
        let closed = crate::cost::is_closed(tx, m.moved_on).await?;
        Ok(closed.then_some("funds_ledger.attachment_closed"))
    }

    async fn refuse(
        mut tx: TenantTx<Funds>,
        page: Page,
        id: i64,
        key: &'static str,
    ) -> AppResult<Response> {
        let refused = Refused {
            attachment_error: Some(key),
            ..Refused::default()
        };
        let html = show_page(&mut tx, &page, id, refused).await?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
    }

    async fn commit(tx: TenantTx<Funds>) -> AppResult<()> {
        tx.commit().await
    }
}
