//! A change request's attachments (the design change notice, the site instruction, photos):
//! PDF, JPEG or PNG, known by their bytes, added and removed while the request is not
//! approved, downloaded under their cleaned name. As the ledger's attachments.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::base;
use super::queries;
use super::show::{self, MAX_ATTACHMENTS, Parts};
use crate::audit::{Action, Change};
use crate::changes::domain::Status;
use crate::changes::queries as shared;
use crate::cost::entries::domain::{attachment_file_name, attachment_type};
use crate::error::{AppError, AppResult};
use crate::roles::Permission;
use crate::state::AppState;
use crate::tenancy::Changes;
use crate::tenancy::ProjectTx;
use crate::web::form::CsrfOnly;
use crate::web::photo::{PhotoError, download_response, read_upload};
use crate::web::{AppForm, Page, Path};

/// The message of a refused upload.
fn upload_error(e: PhotoError) -> &'static str {
    match e {
        PhotoError::Missing => "changes_requests.attachment_missing",
        PhotoError::OneAtATime => "changes_requests.attachment_one",
        PhotoError::TooLarge => "changes_requests.attachment_too_large",
        PhotoError::NotJpegOrPng | PhotoError::Unreadable | PhotoError::TooManyPixels => {
            "changes_requests.attachment_type"
        }
    }
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

/// The request's status: files are added until it is decided, and removed only while it
/// is a draft (once the board has it, its evidence stays).
async fn status(p: &mut ProjectTx<Changes>, id: i64, lock: bool) -> AppResult<Status> {
    let r = shared::find(&mut p.tx, p.project.id, id, lock).await?;
    Ok(r.status)
}

/// Adds a file (multipart: `_csrf` first, then the file in the `photo` field). The request
/// and the user's right are checked before the body is read, in a transaction closed again
/// before the slow part; the write happens in a second one, which checks again.
pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    request: Request,
) -> AppResult<Response> {
    let (mut parts, body) = request.into_parts();
    {
        let mut p = ProjectTx::<Changes>::from_request_parts(&mut parts, &state).await?;
        p.require(Permission::RaiseChange)?;
        if matches!(
            status(&mut p, id, false).await?,
            Status::Approved | Status::Rejected
        ) {
            return refuse(p, page, id, "changes_requests.attachment_approved").await;
        }
    }
    let upload = read_upload(&state, &page, &parts, body).await?;
    let mut p = ProjectTx::<Changes>::from_request_parts(&mut parts, &state).await?;
    p.require(Permission::RaiseChange)?;
    let upload = match upload {
        Ok(upload) => upload,
        Err(e) => return refuse(p, page, id, upload_error(e)).await,
    };
    let Some(content_type) = attachment_type(&upload.bytes) else {
        return refuse(p, page, id, "changes_requests.attachment_type").await;
    };
    // Locking the request keeps two uploads from both passing the count.
    if matches!(
        status(&mut p, id, true).await?,
        Status::Approved | Status::Rejected
    ) {
        return refuse(p, page, id, "changes_requests.attachment_approved").await;
    }
    if queries::count_attachments(&mut p.tx, id).await? >= MAX_ATTACHMENTS {
        return refuse(p, page, id, "changes_requests.attachment_limit").await;
    }
    let file_name = attachment_file_name(&upload.file_name, content_type);
    let me = p.tx.user().id;
    let attachment =
        queries::insert_attachment(&mut p.tx, id, &file_name, content_type, &upload.bytes, me)
            .await?;
    p.tx.audit(Change {
        entity: "change_attachment",
        entity_id: Some(attachment),
        action: Action::Create,
        summary: &format!("change request {id} attachment {file_name}"),
        before: None,
        after: Some(serde_json::json!({
            "change_request_id": id,
            "file_name": file_name,
            "content_type": content_type,
            "bytes": upload.bytes.len(),
        })),
    })
    .await?;
    let project = p.project.id;
    p.commit().await?;
    page.session
        .flash(true, "changes_requests.attachment_added")
        .await?;
    Ok(Redirect::to(&format!("{}/{id}#attachments", base(project))).into_response())
}

/// The file as uploaded, as a download under its cleaned name.
pub async fn download(
    mut p: ProjectTx<Changes>,
    Path((_, id, attachment)): Path<(i64, i64, i64)>,
) -> AppResult<Response> {
    shared::find(&mut p.tx, p.project.id, id, false).await?;
    let file = queries::attachment_file(&mut p.tx, id, attachment)
        .await?
        .ok_or(AppError::NotFound)?;
    download_response(&file.content_type, &file.file_name, file.bytes)
}

/// Removes a file while the request is a draft.
pub async fn delete(
    mut p: ProjectTx<Changes>,
    page: Page,
    Path((_, id, attachment)): Path<(i64, i64, i64)>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Response> {
    p.require(Permission::RaiseChange)?;
    if status(&mut p, id, true).await? != Status::Draft {
        return refuse(p, page, id, "changes_requests.attachment_kept").await;
    }
    let gone = queries::delete_attachment(&mut p.tx, id, attachment)
        .await?
        .ok_or(AppError::NotFound)?;
    p.tx.audit(Change {
        entity: "change_attachment",
        entity_id: Some(gone.id),
        action: Action::Delete,
        summary: &format!("change request {id} attachment {}", gone.file_name),
        before: Some(serde_json::json!({
            "change_request_id": id,
            "file_name": gone.file_name,
            "content_type": gone.content_type,
            "bytes": gone.size,
        })),
        after: None,
    })
    .await?;
    let project = p.project.id;
    p.commit().await?;
    page.session
        .flash(true, "changes_requests.attachment_deleted")
        .await?;
    Ok(Redirect::to(&format!("{}/{id}#attachments", base(project))).into_response())
}
