//! Attachments of a record (PDF, JPEG or PNG, known by their bytes, downloaded under their
//! cleaned name): the upload, download and delete handlers, their routes, the list a page
//! shows (`AttachmentList`, drawn by the `attachments` macro in `templates/layout/macros.html`)
//! and the statements of an attachment table. It names no feature: a feature describes its
//! records once with `AttachmentOwner` (transaction, permission, when files may change, its
//! page and messages) and its table with `attachment_table!`.

use std::future::Future;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::audit::{Action, Change};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::roles::Permission;
use crate::state::AppState;
use crate::tenancy::{Module, TenantTx};
use crate::web::form::CsrfOnly;
use crate::web::photo::{
    MAX_FILE_NAME, MAX_PHOTO_BYTES, PHOTO_BODY_LIMIT, PhotoError, download_response, read_upload,
    size_label,
};
use crate::web::{AppForm, Page, Path, format};

/// An attachment as listed (every attachment table has these columns).
#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i32,
    pub created_at: DateTime<Utc>,
}

/// A stored file.
#[derive(Debug, Clone)]
pub struct AttachmentFile {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The statements of one attachment table (`tenant_id`, an owner id column, `file_name`,
/// `content_type`, `size`, `data`, `created_by`, `created_at`), written by `attachment_table!`.
pub trait AttachmentTable {
    fn list(
        scope: &mut TenantScope,
        owner: i64,
    ) -> impl Future<Output = AppResult<Vec<Attachment>>> + Send;
    fn count(scope: &mut TenantScope, owner: i64) -> impl Future<Output = AppResult<i64>> + Send;
    fn insert(
        scope: &mut TenantScope,
        owner: i64,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
        by: crate::ids::UserId,
    ) -> impl Future<Output = AppResult<i64>> + Send;
    fn file(
        scope: &mut TenantScope,
        owner: i64,
        id: i64,
    ) -> impl Future<Output = AppResult<Option<AttachmentFile>>> + Send;
    /// Removes a file; what it was, or `None` if the owner has no such file.
    fn delete(
        scope: &mut TenantScope,
        owner: i64,
        id: i64,
    ) -> impl Future<Output = AppResult<Option<Attachment>>> + Send;
}

/// `attachment_table!(pub EntryFiles, "cost_entry_attachment", "cost_entry_id")`: a unit
/// struct implementing `AttachmentTable` for that table and owner column, with checked
/// statements (sqlx joins the `+`-separated literals before checking them).
macro_rules! attachment_table {
    ($(#[$meta:meta])* $vis:vis $name:ident, $table:literal, $owner:literal) => {
        $(#[$meta])*
        #[derive(Debug)]
        $vis struct $name;

        impl $crate::web::attachments::AttachmentTable for $name {
            async fn list(
                scope: &mut $crate::db::TenantScope,
                owner: i64,
            ) -> $crate::error::AppResult<Vec<$crate::web::attachments::Attachment>> {
                let tenant = scope.tenant_id();
                Ok(sqlx::query_as!(
                    $crate::web::attachments::Attachment,
                    "select id, file_name, content_type, size, created_at from " + $table + "
                     where tenant_id = $1 and " + $owner + " = $2
                     order by id",
                    tenant as $crate::ids::TenantId,
                    owner
                )
                .fetch_all(scope.conn())
                .await?)
            }

            async fn count(
                scope: &mut $crate::db::TenantScope,
                owner: i64,
            ) -> $crate::error::AppResult<i64> {
                let tenant = scope.tenant_id();
                Ok(sqlx::query_scalar!(
                    r#"select count(*) as "n!" from "# + $table + "
                       where tenant_id = $1 and " + $owner + " = $2",
                    tenant as $crate::ids::TenantId,
                    owner
                )
                .fetch_one(scope.conn())
                .await?)
            }

            async fn insert(
                scope: &mut $crate::db::TenantScope,
                owner: i64,
                file_name: &str,
                content_type: &str,
                bytes: &[u8],
                by: $crate::ids::UserId,
            ) -> $crate::error::AppResult<i64> {
                let tenant = scope.tenant_id();
                Ok(sqlx::query_scalar!(
                    "insert into " + $table + " (tenant_id, " + $owner + ", file_name,
                         content_type, size, data, created_by)
                     values ($1, $2, $3, $4, $5, $6, $7)
                     returning id",
                    tenant as $crate::ids::TenantId,
                    owner,
                    file_name,
                    content_type,
                    i32::try_from(bytes.len()).unwrap_or(i32::MAX),
                    bytes,
                    by as $crate::ids::UserId
                )
                .fetch_one(scope.conn())
                .await?)
            }

            async fn file(
                scope: &mut $crate::db::TenantScope,
                owner: i64,
                id: i64,
            ) -> $crate::error::AppResult<Option<$crate::web::attachments::AttachmentFile>> {
                let tenant = scope.tenant_id();
                Ok(sqlx::query_as!(
                    $crate::web::attachments::AttachmentFile,
                    r#"select file_name, content_type, data as "bytes!" from "# + $table + "
                       where tenant_id = $1 and " + $owner + " = $2 and id = $3",
                    tenant as $crate::ids::TenantId,
                    owner,
                    id
                )
                .fetch_optional(scope.conn())
                .await?)
            }

            async fn delete(
                scope: &mut $crate::db::TenantScope,
                owner: i64,
                id: i64,
            ) -> $crate::error::AppResult<Option<$crate::web::attachments::Attachment>> {
                let tenant = scope.tenant_id();
                Ok(sqlx::query_as!(
                    $crate::web::attachments::Attachment,
                    "delete from " + $table + "
                     where tenant_id = $1 and " + $owner + " = $2 and id = $3
                     returning id, file_name, content_type, size, created_at",
                    tenant as $crate::ids::TenantId,
                    owner,
                    id
                )
                .fetch_optional(scope.conn())
                .await?)
            }
        }
    };
}
pub(crate) use attachment_table;

/// The locale keys of one feature's attachments (its own words: "the receipt", "this entry").
#[derive(Debug, Clone, Copy)]
pub struct Keys {
    /// The section's heading.
    pub title: &'static str,
    /// Shown when there is no file.
    pub none: &'static str,
    /// The file field's label.
    pub add: &'static str,
    /// The upload button.
    pub upload: &'static str,
    /// A file's delete button.
    pub delete: &'static str,
    /// Under the file field, with `{mb}` and `{n}`.
    pub help: &'static str,
    /// Flashes.
    pub added: &'static str,
    pub deleted: &'static str,
    /// Refusals of an upload.
    pub missing: &'static str,
    pub one: &'static str,
    pub too_large: &'static str,
    pub wrong_type: &'static str,
    pub limit: &'static str,
}

/// A feature's `Keys`: the same names under its locale section, e.g.
/// `attachment_keys!("cost_entries")` gives `cost_entries.attachments`, `….no_attachments`, …
macro_rules! attachment_keys {
    ($section:literal) => {
        $crate::web::attachments::Keys {
            title: concat!($section, ".attachments"),
            none: concat!($section, ".no_attachments"),
            add: concat!($section, ".add_attachment"),
            upload: concat!($section, ".upload"),
            delete: concat!($section, ".delete_attachment"),
            help: concat!($section, ".attachment_help"),
            added: concat!($section, ".attachment_added"),
            deleted: concat!($section, ".attachment_deleted"),
            missing: concat!($section, ".attachment_missing"),
            one: concat!($section, ".attachment_one"),
            too_large: concat!($section, ".attachment_too_large"),
            wrong_type: concat!($section, ".attachment_type"),
            limit: concat!($section, ".attachment_limit"),
        }
    };
}
pub(crate) use attachment_keys;

impl Keys {
    /// The message of a refused upload.
    fn upload_error(&self, e: PhotoError) -> &'static str {
        match e {
            PhotoError::Missing => self.missing,
            PhotoError::OneAtATime => self.one,
            PhotoError::TooLarge => self.too_large,
            PhotoError::NotJpegOrPng | PhotoError::Unreadable | PhotoError::TooManyPixels => {
                self.wrong_type
            }
        }
    }
}

/// What the audit log calls the files and their owner.
#[derive(Debug, Clone, Copy)]
pub struct Audit {
    /// The audited entity, e.g. `"fund_movement_attachment"`.
    pub entity: &'static str,
    /// The owner in the summary, e.g. `"fund movement"`.
    pub owner: &'static str,
    /// The owner's id in the before/after record, e.g. `"movement_id"`.
    pub owner_field: &'static str,
}

/// What is being done with the files, for `AttachmentOwner::check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Downloading one: never refused, only the owner must be visible.
    Read,
    Add,
    Remove,
}

/// A kind of record that has attachments: what differs between features.
pub trait AttachmentOwner: Send + Sync + 'static {
    type Module: Module;
    /// The transaction the handlers run in (it checks the session, the module and whatever
    /// the path names, e.g. the project).
    type Tx: FromRequestParts<AppState, Rejection = AppError> + Send;
    type Table: AttachmentTable;
    /// Files one record may hold.
    const MAX: i64;
    /// Adding and removing files needs this.
    const PERMISSION: Permission;
    const KEYS: Keys;
    const AUDIT: Audit;

    /// The tenant transaction inside `Tx`.
    fn tenant(tx: &mut Self::Tx) -> &mut TenantTx<Self::Module>;

    /// The owner's page; its files are `{href}/attachments/{id}`.
    fn href(tx: &Self::Tx, owner: i64) -> String;

    /// Loads the owner as the user may see it (404 otherwise) and says why its files cannot
    /// take `step` now (a locale key), if they cannot. With `lock`, the owner stays locked
    /// for the transaction, so two uploads cannot both pass the count.
    fn check(
        tx: &mut Self::Tx,
        owner: i64,
        step: Step,
        lock: bool,
    ) -> impl Future<Output = AppResult<Option<&'static str>>> + Send;

    /// The owner's page, status 422, with `key` as the attachments' message.
    fn refuse(
        tx: Self::Tx,
        page: Page,
        owner: i64,
        key: &'static str,
    ) -> impl Future<Output = AppResult<Response>> + Send;

    fn commit(tx: Self::Tx) -> impl Future<Output = AppResult<()>> + Send;
}

/// `{owner}/attachments` (POST: upload), `{owner}/attachments/{attachment_id}` (download) and
/// `{owner}/attachments/{attachment_id}/delete`, where `owner` is the owner's route and names
/// its id `{id}`.
pub fn routes<A: AttachmentOwner>(owner: &str) -> Router<AppState> {
    Router::new()
        .route(
            &format!("{owner}/attachments"),
            // Files are bigger than the forms axum's default limit is set for.
            post(upload::<A>).layer(DefaultBodyLimit::max(PHOTO_BODY_LIMIT)),
        )
        .route(
            &format!("{owner}/attachments/{{attachment_id}}"),
            get(download::<A>),
        )
        .route(
            &format!("{owner}/attachments/{{attachment_id}}/delete"),
            post(delete::<A>),
        )
}

/// The owner's id in the path (other segments, e.g. the project, are the `Tx`'s business).
#[derive(Debug, Deserialize)]
pub struct OwnerPath {
    id: i64,
}

/// One file of the owner.
#[derive(Debug, Deserialize)]
pub struct FilePath {
    id: i64,
    attachment_id: i64,
}

/// The audit record of a file.
fn audited(
    a: Audit,
    owner: i64,
    file_name: &str,
    content_type: &str,
    bytes: i64,
) -> serde_json::Value {
    let mut v = serde_json::json!({
        "file_name": file_name,
        "content_type": content_type,
        "bytes": bytes,
    });
    v[a.owner_field] = serde_json::json!(owner);
    v
}

/// Adds a file (multipart: `_csrf` first, then the file in the `photo` field that
/// `web::photo::read_upload` reads). The owner and the user's right are checked before the
/// body is read, in a transaction closed again before the slow part; the write happens in a
/// second one, which checks again.
pub async fn upload<A: AttachmentOwner>(
    State(state): State<AppState>,
    page: Page,
    Path(OwnerPath { id }): Path<OwnerPath>,
    request: Request,
) -> AppResult<Response> {
    let (mut parts, body) = request.into_parts();
    {
        let mut tx = A::Tx::from_request_parts(&mut parts, &state).await?;
        A::tenant(&mut tx).require(A::PERMISSION)?;
        if let Some(key) = A::check(&mut tx, id, Step::Add, false).await? {
            return A::refuse(tx, page, id, key).await;
        }
    }
    let upload = read_upload(&state, &page, &parts, body).await?;
    let mut tx = A::Tx::from_request_parts(&mut parts, &state).await?;
    A::tenant(&mut tx).require(A::PERMISSION)?;
    let upload = match upload {
        Ok(upload) => upload,
        Err(e) => return A::refuse(tx, page, id, A::KEYS.upload_error(e)).await,
    };
    let Some(content_type) = attachment_type(&upload.bytes) else {
        return A::refuse(tx, page, id, A::KEYS.wrong_type).await;
    };
    if let Some(key) = A::check(&mut tx, id, Step::Add, true).await? {
        return A::refuse(tx, page, id, key).await;
    }
    if A::Table::count(A::tenant(&mut tx), id).await? >= A::MAX {
        return A::refuse(tx, page, id, A::KEYS.limit).await;
    }
    let file_name = attachment_file_name(&upload.file_name, content_type);
    let me = A::tenant(&mut tx).user().id;
    let attachment = A::Table::insert(
        A::tenant(&mut tx),
        id,
        &file_name,
        content_type,
        &upload.bytes,
        me,
    )
    .await?;
    let size = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
    A::tenant(&mut tx)
        .audit(Change {
            entity: A::AUDIT.entity,
            entity_id: Some(attachment),
            action: Action::Create,
            summary: &format!("{} {id} attachment {file_name}", A::AUDIT.owner),
            before: None,
            after: Some(audited(A::AUDIT, id, &file_name, content_type, size)),
        })
        .await?;
    let href = A::href(&tx, id);
    A::commit(tx).await?;
    page.session.flash(true, A::KEYS.added).await?;
    Ok(Redirect::to(&format!("{href}#attachments")).into_response())
}

/// The file as uploaded, as a download under its cleaned name.
pub async fn download<A: AttachmentOwner>(
    mut tx: A::Tx,
    Path(FilePath { id, attachment_id }): Path<FilePath>,
) -> AppResult<Response> {
    A::check(&mut tx, id, Step::Read, false).await?;
    let file = A::Table::file(A::tenant(&mut tx), id, attachment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    download_response(&file.content_type, &file.file_name, file.bytes)
}

/// Removes a file, when the owner allows it.
pub async fn delete<A: AttachmentOwner>(
    mut tx: A::Tx,
    page: Page,
    Path(FilePath { id, attachment_id }): Path<FilePath>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Response> {
    A::tenant(&mut tx).require(A::PERMISSION)?;
    if let Some(key) = A::check(&mut tx, id, Step::Remove, true).await? {
        return A::refuse(tx, page, id, key).await;
    }
    let gone = A::Table::delete(A::tenant(&mut tx), id, attachment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    A::tenant(&mut tx)
        .audit(Change {
            entity: A::AUDIT.entity,
            entity_id: Some(gone.id),
            action: Action::Delete,
            summary: &format!("{} {id} attachment {}", A::AUDIT.owner, gone.file_name),
            before: Some(audited(
                A::AUDIT,
                id,
                &gone.file_name,
                &gone.content_type,
                i64::from(gone.size),
            )),
            after: None,
        })
        .await?;
    let href = A::href(&tx, id);
    A::commit(tx).await?;
    page.session.flash(true, A::KEYS.deleted).await?;
    Ok(Redirect::to(&format!("{href}#attachments")).into_response())
}

/// One listed file.
#[derive(Debug, Clone)]
pub struct AttachmentItem {
    pub href: String,
    pub file_name: String,
    /// "PDF", "PNG", "JPEG".
    pub kind: &'static str,
    pub size_label: String,
    pub at: String,
}

/// The attachments section of an owner's page, in the user's words.
#[derive(Debug, Clone)]
pub struct AttachmentList {
    pub title: &'static str,
    pub none: &'static str,
    pub add: &'static str,
    pub upload: &'static str,
    pub delete: &'static str,
    /// Where the upload form posts.
    pub action: String,
    pub items: Vec<AttachmentItem>,
    pub help: String,
    /// Why the last upload or removal was refused.
    pub error: Option<String>,
    pub can_add: bool,
    pub can_remove: bool,
}

/// Whether the user may add and remove files now, and the message of a refused action.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub can_add: bool,
    pub can_remove: bool,
    pub error: Option<String>,
}

/// The owner's files for its page, `href` being the owner's page.
pub async fn list<A: AttachmentOwner>(
    tx: &mut TenantTx<A::Module>,
    owner: i64,
    href: &str,
    options: ListOptions,
) -> AppResult<AttachmentList> {
    let locale = tx.user().locale;
    let tz = tx.tenant().time_zone;
    let files = A::Table::list(tx, owner).await?;
    let k = A::KEYS;
    Ok(AttachmentList {
        title: i18n::t(locale, k.title),
        none: i18n::t(locale, k.none),
        add: i18n::t(locale, k.add),
        upload: i18n::t(locale, k.upload),
        delete: i18n::t(locale, k.delete),
        action: format!("{href}/attachments"),
        items: files
            .into_iter()
            .map(|a| AttachmentItem {
                href: format!("{href}/attachments/{}", a.id),
                kind: i18n::t(locale, kind_key(&a.content_type)),
                file_name: a.file_name,
                size_label: size_label(i64::from(a.size)),
                at: format::datetime(a.created_at, tz),
            })
            .collect(),
        help: i18n::tf(
            locale,
            k.help,
            &[("mb", &(MAX_PHOTO_BYTES / (1024 * 1024))), ("n", &A::MAX)],
        ),
        error: options.error,
        can_add: options.can_add,
        can_remove: options.can_remove,
    })
}

fn kind_key(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "attachments.kind_pdf",
        "image/png" => "attachments.kind_png",
        _ => "attachments.kind_jpeg",
    }
}

/// The type of an attachment, by its first bytes alone (whatever its name or declared type):
/// a PDF, JPEG or PNG; anything else is refused.
pub fn attachment_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// The name to store for an uploaded file: no folders, no control characters, at most 200
/// characters, and an extension that matches its content.
pub fn attachment_file_name(name: &str, content_type: &str) -> String {
    const MAX: usize = MAX_FILE_NAME;
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '\u{FFFD}' && *c != '"')
        .collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    let (wanted, allowed): (&str, &[&str]) = match content_type {
        "application/pdf" => ("pdf", &["pdf"]),
        "image/png" => ("png", &["png"]),
        _ => ("jpg", &["jpg", "jpeg"]),
    };
    let (stem, ext) = match clean.rsplit_once('.') {
        Some((stem, ext)) if allowed.contains(&ext.to_ascii_lowercase().as_str()) => {
            (stem.trim(), ext.to_owned())
        }
        _ => (clean, wanted.to_owned()),
    };
    let stem = if stem.is_empty() { "attachment" } else { stem };
    let room = MAX - ext.chars().count() - 1;
    let stem: String = stem.chars().take(room).collect();
    format!("{}.{ext}", stem.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_are_known_by_their_bytes() {
        assert_eq!(attachment_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(
            attachment_type(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some("image/jpeg")
        );
        assert_eq!(
            attachment_type(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some("image/png")
        );
        assert_eq!(attachment_type(b"just text named invoice.pdf"), None);
        assert_eq!(attachment_type(b""), None);
    }

    #[test]
    fn attachment_names_are_cleaned_and_match_their_content() {
        assert_eq!(
            attachment_file_name("../../发票 3月.PDF", "application/pdf"),
            "发票 3月.PDF"
        );
        assert_eq!(
            attachment_file_name("C:\\scan\\a\"b.txt", "application/pdf"),
            "ab.txt.pdf"
        );
        assert_eq!(attachment_file_name("", "image/png"), "attachment.png");
        assert_eq!(
            attachment_file_name("photo.jpeg", "image/jpeg"),
            "photo.jpeg"
        );
        let long = attachment_file_name(&format!("{}.pdf", "长".repeat(500)), "application/pdf");
        assert_eq!(long.chars().count(), 200);
        assert!(long.ends_with(".pdf"));
    }
}
