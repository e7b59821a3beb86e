//! An entry's attachments (the invoice, the receipt, a signed delivery note): PDF, JPEG or
//! PNG, known by their bytes, added and removed while the entry's month is open, downloaded
//! under their cleaned name.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::domain::{MAX_ATTACHMENTS, attachment_file_name, attachment_type};
use super::handlers::{ShowParts, base, load, show_refused};
use super::queries;
use crate::audit::{Action, Change};
use crate::cost::queries as cost_queries;
use crate::error::{AppError, AppResult};
use crate::roles::Permission;
use crate::state::AppState;
use crate::tenancy::Cost;
use crate::tenancy::ProjectTx;
use crate::web::form::CsrfOnly;
use crate::web::photo::{PhotoError, download_response, read_upload};
use crate::web::{AppForm, Page, Path};

/// The message of a refused upload.
fn upload_error(e: PhotoError) -> &'static str {
    match e {
        PhotoError::Missing => "cost_entries.attachment_missing",
        PhotoError::OneAtATime => "cost_entries.attachment_one",
        PhotoError::TooLarge => "cost_entries.attachment_too_large",
        PhotoError::NotJpegOrPng | PhotoError::Unreadable | PhotoError::TooManyPixels => {
            "cost_entries.attachment_type"
        }
    }
}

async fn refuse(p: ProjectTx<Cost>, page: Page, id: i64, key: &'static str) -> AppResult<Response> {
    show_refused(
        p,
        page,
        id,
        StatusCode::UNPROCESSABLE_ENTITY,
        ShowParts::attachment(key),
    )
    .await
}

/// Whether the entry's month is closed (then it takes no attachment).
async fn closed(p: &mut ProjectTx<Cost>, id: i64) -> AppResult<bool> {
    let entry = load(p, id, false).await?;
    cost_queries::is_closed(&mut p.tx, entry.entry_date).await
}

/// Adds a file (multipart: `_csrf` first, then the file in the `photo` field that
/// `web::photo::read_upload` reads). The entry and the user's right are checked before the
/// body is read, in a transaction closed again before the slow part; the write happens in a
/// second one, which checks again.
pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    Path((_, id)): Path<(i64, i64)>,
    request: Request,
) -> AppResult<Response> {
    let (mut parts, body) = request.into_parts();
    {
        let mut p = ProjectTx::<Cost>::from_request_parts(&mut parts, &state).await?;
        p.require(Permission::EnterCost)?;
        if closed(&mut p, id).await? {
            return show_refused(
                p,
                page,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                ShowParts::attachment("cost.period_closed"),
            )
            .await;
        }
    }
    let upload = read_upload(&state, &page, &parts, body).await?;
    let mut p = ProjectTx::<Cost>::from_request_parts(&mut parts, &state).await?;
    p.require(Permission::EnterCost)?;
    let upload = match upload {
        Ok(upload) => upload,
        Err(e) => return refuse(p, page, id, upload_error(e)).await,
    };
    let Some(content_type) = attachment_type(&upload.bytes) else {
        return refuse(p, page, id, "cost_entries.attachment_type").await;
    };
    // Locks the entry: two uploads at once cannot both pass the count.
    let entry = load(&mut p, id, true).await?;
    if cost_queries::is_closed(&mut p.tx, entry.entry_date).await? {
        return refuse(p, page, id, "cost.period_closed").await;
    }
    if queries::count_attachments(&mut p.tx, id).await? >= MAX_ATTACHMENTS {
        return refuse(p, page, id, "cost_entries.attachment_limit").await;
    }
    let file_name = attachment_file_name(&upload.file_name, content_type);
    let me = p.tx.user().id;
    let attachment =
        queries::insert_attachment(&mut p.tx, id, &file_name, content_type, &upload.bytes, me)
            .await?;
    p.tx.audit(Change {
        entity: "cost_entry_attachment",
        entity_id: Some(attachment),
        action: Action::Create,
        summary: &format!("cost entry {id} attachment {file_name}"),
        before: None,
        after: Some(serde_json::json!({
            "cost_entry_id": id,
            "file_name": file_name,
            "content_type": content_type,
            "bytes": upload.bytes.len(),
        })),
    })
    .await?;
    let project = p.project.id;
    p.commit().await?;
    page.session
        .flash(true, "cost_entries.attachment_added")
        .await?;
    Ok(Redirect::to(&format!("{}/{id}#attachments", base(project))).into_response())
}

/// The file as uploaded, as a download under its cleaned name.
pub async fn download(
    mut p: ProjectTx<Cost>,
    Path((_, id, attachment)): Path<(i64, i64, i64)>,
) -> AppResult<Response> {
    load(&mut p, id, false).await?;
    let file = queries::attachment_file(&mut p.tx, id, attachment)
        .await?
        .ok_or(AppError::NotFound)?;
    download_response(&file.content_type, &file.file_name, file.bytes)
}

/// Removes a file while the entry's month is open.
pub async fn delete(
    mut p: ProjectTx<Cost>,
    page: Page,
    Path((_, id, attachment)): Path<(i64, i64, i64)>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Response> {
    p.require(Permission::EnterCost)?;
    let entry = load(&mut p, id, true).await?;
    if cost_queries::is_closed(&mut p.tx, entry.entry_date).await? {
        return show_refused(
            p,
            page,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            ShowParts::attachment("cost.period_closed"),
        )
        .await;
    }
    let gone = queries::delete_attachment(&mut p.tx, id, attachment)
        .await?
        .ok_or(AppError::NotFound)?;
    p.tx.audit(Change {
        entity: "cost_entry_attachment",
        entity_id: Some(gone.id),
        action: Action::Delete,
        summary: &format!("cost entry {id} attachment {}", gone.file_name),
        before: Some(serde_json::json!({
            "cost_entry_id": id,
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
        .flash(true, "cost_entries.attachment_deleted")
        .await?;
    Ok(Redirect::to(&format!("{}/{id}#attachments", base(project))).into_response())
}
