//! A change request's attachments (the design change notice, the site instruction, photos),
//! through `web::attachments`: added until the request is decided, removed only while it is
//! a draft (once the board has it, its evidence stays), by those who raise changes.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::base;
use super::show::{self, MAX_ATTACHMENTS, Parts};
use crate::changes::domain::Status;
use crate::changes::queries as shared;
use crate::error::AppResult;
use crate::roles::Permission;
use crate::tenancy::ProjectTx;
use crate::tenancy::{Changes, TenantTx};
use crate::web::Page;
use crate::web::attachments::{
    AttachmentOwner, Audit, Keys, Step, attachment_keys, attachment_table,
};

attachment_table!(
    /// `change_attachment`.
    pub RequestFiles, "change_attachment", "change_request_id"
);

/// A change request as the owner of files.
#[derive(Debug)]
pub struct RequestAttachments;

impl AttachmentOwner for RequestAttachments {
    type Module = Changes;
    type Tx = ProjectTx<Changes>;
    type Table = RequestFiles;
    const MAX: i64 = MAX_ATTACHMENTS;
    const PERMISSION: Permission = Permission::RaiseChange;
    const KEYS: Keys = attachment_keys!("changes_requests");
    const AUDIT: Audit = Audit {
        entity: "change_attachment",
        owner: "change request",
        owner_field: "change_request_id",
    };

    fn tenant(p: &mut ProjectTx<Changes>) -> &mut TenantTx<Changes> {
        &mut p.tx
    }

    fn href(p: &ProjectTx<Changes>, id: i64) -> String {
        format!("{}/{id}", base(p.project.id))
    }

    /// Locking the request keeps two uploads from both passing the count.
    async fn check(
        p: &mut ProjectTx<Changes>,
        id: i64,
        step: Step,
        lock: bool,
    ) -> AppResult<Option<&'static str>> {
        let r = shared::find(&mut p.tx, p.project.id, id, lock).await?;
        let status = r.status;
        Ok(match step {
            Step::Read => None,
            Step::Add => matches!(status, Status::Approved | Status::Rejected)
                .then_some("changes_requests.attachment_approved"),
            Step::Remove => (status != Status::Draft).then_some("changes_requests.attachment_kept"),
        })
    }

    async fn refuse(
        mut p: ProjectTx<Changes>,
        page: Page,
        id: i64,
        key: &'static str,
    ) -> AppResult<Response> {
        let parts = Parts {
            attachment_error: Some(key),
            ..Parts::default()
        };
        let html = show::page(&mut p, &page, id, parts).await?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
    }

    async fn commit(p: ProjectTx<Changes>) -> AppResult<()> {
        p.commit().await
    }
}
