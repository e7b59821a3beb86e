//! Photos on a ticket (the work, the crew on site, a signed sheet): added while the ticket can
//! still change hands — draft, rejected or submitted — and kept with it once confirmed.

use axum::extract::{FromRequestParts, Request, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::handlers::{load, may_attach, ticket_refusal};
use super::queries;
use crate::audit::{Action, Change};
use crate::error::{AppError, AppResult};
use crate::roles::Permission;
use crate::state::AppState;
use crate::tenancy::{Labour, TenantTx};
use crate::web::form::CsrfOnly;
use crate::web::photo::{check_in_background, image_response, read_upload, sanitize_file_name};
use crate::web::{AppForm, Page, Path};

/// Photos one ticket may hold.
pub const MAX_PHOTOS_PER_TICKET: usize = 10;

/// Adds a photo (multipart: `_csrf` first, then `photo`). As for site logs, the ticket and the
/// user's right are checked before the body is read, in a transaction closed again before the
/// slow part; the write happens in a second one.
pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    request: Request,
) -> AppResult<Response> {
    let (mut parts, body) = request.into_parts();
    {
        let mut tx = TenantTx::<Labour>::from_request_parts(&mut parts, &state).await?;
        tx.require(Permission::EnterLabour)?;
        let ticket = load(&mut tx, id).await?;
        if !may_attach(&tx, &ticket) {
            return ticket_refusal(
                tx,
                page,
                id,
                axum::http::StatusCode::CONFLICT,
                "labour.locked",
            )
            .await;
        }
    }
    let checked = match read_upload(&state, &page, &parts, body).await? {
        Ok(upload) => check_in_background(upload.bytes, &state.config.limits)
            .await?
            .map(|(photo, bytes)| (upload.file_name, photo, bytes)),
        Err(e) => Err(e),
    };
    let mut tx = TenantTx::<Labour>::from_request_parts(&mut parts, &state).await?;
    let ticket = load(&mut tx, id).await?;
    let refuse = |key| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, key);
    let (name, photo, bytes) = match checked {
        Ok(ok) => ok,
        Err(e) => {
            let (status, key) = refuse(e.message_key());
            return ticket_refusal(tx, page, id, status, key).await;
        }
    };
    if !may_attach(&tx, &ticket) {
        return ticket_refusal(
            tx,
            page,
            id,
            axum::http::StatusCode::CONFLICT,
            "labour.locked",
        )
        .await;
    }
    if queries::list_photos(&mut tx, id).await?.len() >= MAX_PHOTOS_PER_TICKET {
        let (status, key) = refuse("labour.photo_limit");
        return ticket_refusal(tx, page, id, status, key).await;
    }
    let file_name = sanitize_file_name(&name, photo.content_type);
    let me = tx.user().id;
    let photo_id = queries::insert_photo(&mut tx, id, &file_name, &photo, &bytes, me).await?;
    tx.audit(Change {
        entity: "labour_ticket_photo",
        entity_id: Some(photo_id),
        action: Action::Create,
        summary: &format!("labour ticket DG-{id} photo"),
        before: None,
        after: Some(serde_json::json!({
            "ticket_id": id,
            "file_name": file_name,
            "content_type": photo.content_type,
            "bytes": bytes.len(),
        })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "labour.photo_added").await?;
    Ok(Redirect::to(&format!("/labour/tickets/{id}#photos")).into_response())
}

async fn serve(
    mut tx: TenantTx<Labour>,
    id: i64,
    photo: i64,
    thumbnail: bool,
) -> AppResult<Response> {
    load(&mut tx, id).await?;
    let mut file = queries::photo_file(&mut tx, id, photo, thumbnail)
        .await?
        .ok_or(AppError::NotFound)?;
    if thumbnail {
        file.file_name = format!("thumb-{photo}.jpg");
    }
    image_response(&file.content_type, &file.file_name, file.bytes)
}

pub async fn photo(
    tx: TenantTx<Labour>,
    Path((id, photo)): Path<(i64, i64)>,
) -> AppResult<Response> {
    serve(tx, id, photo, false).await
}

pub async fn thumbnail(
    tx: TenantTx<Labour>,
    Path((id, photo)): Path<(i64, i64)>,
) -> AppResult<Response> {
    serve(tx, id, photo, true).await
}

pub async fn delete(
    mut tx: TenantTx<Labour>,
    page: Page,
    Path((id, photo)): Path<(i64, i64)>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Response> {
    tx.require(Permission::EnterLabour)?;
    let ticket = load(&mut tx, id).await?;
    if !may_attach(&tx, &ticket) {
        return ticket_refusal(
            tx,
            page,
            id,
            axum::http::StatusCode::CONFLICT,
            "labour.locked",
        )
        .await;
    }
    if !queries::delete_photo(&mut tx, id, photo).await? {
        return Err(AppError::NotFound);
    }
    tx.audit(Change {
        entity: "labour_ticket_photo",
        entity_id: Some(photo),
        action: Action::Delete,
        summary: &format!("labour ticket DG-{id} photo"),
        before: None,
        after: None,
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "labour.photo_deleted").await?;
    Ok(Redirect::to(&format!("/labour/tickets/{id}#photos")).into_response())
}
