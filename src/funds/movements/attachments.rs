//! A movement's attachments (the bank slip, the receipt, the invoice): PDF, JPEG or PNG,
//! known by their bytes, at most five, added and removed while the movement's month is open,
//! downloaded under their cleaned name. As the cost entries' attachments.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::domain::MAX_ATTACHMENTS;
use super::{BASE, Refused, queries, show_page};
use crate::audit::{Action, Change};
use crate::cost::entries::domain::{attachment_file_name, attachment_type};
use crate::error::{AppError, AppResult};
use crate::roles::Permission;
use crate::state::AppState;
use crate::tenancy::{Funds, TenantTx};
use crate::web::form::CsrfOnly;
use crate::web::photo::{PhotoError, download_response, read_upload};
use crate::web::{AppForm, Page, Path};

/// The message of a refused upload.
fn upload_error(e: PhotoError) -> &'static str {
    match e {
        PhotoError::Missing => "funds_ledger.attachment_missing",
        PhotoError::OneAtATime => "funds_ledger.attachment_one",
        PhotoError::TooLarge => "funds_ledger.attachment_too_large",
        PhotoError::NotJpegOrPng | PhotoError::Unreadable | PhotoError::TooManyPixels => {
            "funds_ledger.attachment_type"
        }
    }
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

/// Whether the movement's month is closed (then it takes no attachment and loses none).
async fn closed(tx: &mut TenantTx<Funds>, id: i64) -> AppResult<bool> {
    let m = queries::find(tx, id).await?;
    crate::cost::queries::is_closed(tx, m.moved_on).await
}

/// Adds a file (multipart: `_csrf` first, then the file in the `photo` field that
/// `web::photo::read_upload` reads). The movement and the user's right are checked before
/// the body is read, in a transaction closed again before the slow part; the write happens
/// in a second one, which checks again.
pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    request: Request,
) -> AppResult<Response> {
    let (mut parts, body) = request.into_parts();
    {
        let mut tx = TenantTx::<Funds>::from_request_parts(&mut parts, &state).await?;
        tx.require(Permission::RecordFunds)?;
        if closed(&mut tx, id).await? {
            return refuse(tx, page, id, "funds_ledger.attachment_closed").await;
        }
    }
    let upload = read_upload(&state, &page, &parts, body).await?;
    let mut tx = TenantTx::<Funds>::from_request_parts(&mut parts, &state).await?;
    tx.require(Permission::RecordFunds)?;
    let upload = match upload {
        Ok(upload) => upload,
        Err(e) => return refuse(tx, page, id, upload_error(e)).await,
    };
    let Some(content_type) = attachment_type(&upload.bytes) else {
        return refuse(tx, page, id, "funds_ledger.attachment_type").await;
    };
    // Two uploads at once cannot both pass the count.
    queries::lock_attachments(&mut tx, id).await?;
    if closed(&mut tx, id).await? {
        return refuse(tx, page, id, "funds_ledger.attachment_closed").await;
    }
    if queries::count_attachments(&mut tx, id).await? >= MAX_ATTACHMENTS {
        return refuse(tx, page, id, "funds_ledger.attachment_limit").await;
    }
    let file_name = attachment_file_name(&upload.file_name, content_type);
    let me = tx.user().id;
    let attachment =
        queries::insert_attachment(&mut tx, id, &file_name, content_type, &upload.bytes, me)
            .await?;
    tx.audit(Change {
        entity: "fund_movement_attachment",
        entity_id: Some(attachment),
        action: Action::Create,
        summary: &format!("fund movement {id} attachment {file_name}"),
        before: None,
        after: Some(serde_json::json!({
            "movement_id": id,
            "file_name": file_name,
            "content_type": content_type,
            "bytes": upload.bytes.len(),
        })),
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_ledger.attachment_added")
        .await?;
    Ok(Redirect::to(&format!("{BASE}/{id}#attachments")).into_response())
}

/// The file as uploaded, as a download under its cleaned name.
pub async fn download(
    mut tx: TenantTx<Funds>,
    Path((id, attachment)): Path<(i64, i64)>,
) -> AppResult<Response> {
    queries::find(&mut tx, id).await?;
    let file = queries::attachment_file(&mut tx, id, attachment)
        .await?
        .ok_or(AppError::NotFound)?;
    download_response(&file.content_type, &file.file_name, file.bytes)
}

/// Removes a file while the movement's month is open.
pub async fn delete(
    mut tx: TenantTx<Funds>,
    page: Page,
    Path((id, attachment)): Path<(i64, i64)>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Response> {
    tx.require(Permission::RecordFunds)?;
    if closed(&mut tx, id).await? {
        return refuse(tx, page, id, "funds_ledger.attachment_closed").await;
    }
    let gone = queries::delete_attachment(&mut tx, id, attachment)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.audit(Change {
        entity: "fund_movement_attachment",
        entity_id: Some(gone.id),
        action: Action::Delete,
        summary: &format!("fund movement {id} attachment {}", gone.file_name),
        before: Some(serde_json::json!({
            "movement_id": id,
            "file_name": gone.file_name,
            "content_type": gone.content_type,
            "bytes": gone.size,
        })),
        after: None,
    })
    .await?;
    tx.commit().await?;
    page.session
        .flash(true, "funds_ledger.attachment_deleted")
        .await?;
    Ok(Redirect::to(&format!("{BASE}/{id}#attachments")).into_response())
}
