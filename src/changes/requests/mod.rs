//! A project's change requests (工程变更 / 现场签证): the list with each request's impact, the
//! form (kind, title, reason, revenue impact on an income contract, affected tasks with
//! working days, cost lines by category), the request's page (impact, attachments, votes by
//! round, the reason an approval could not be applied), and the steps: submit, withdraw,
//! vote, apply again. Approval applies the change all or nothing through
//! `crate::changes::apply`.
//!
//! Routes under `/projects/{project_id}/changes`: `` (list; POST creates), `/new`, `/{id}`,
//! `/{id}/edit` (GET, POST), `/{id}/delete`, `/{id}/submit`, `/{id}/withdraw`, `/{id}/vote`,
//! `/{id}/apply`, `/{id}/attachments` (POST), `/{id}/attachments/{aid}` (download) and
//! `/{id}/attachments/{aid}/delete`.

mod attachments;
pub mod domain;
mod form;
mod list;
pub mod queries;
mod review;
mod show;
mod views;

use axum::Router;
use axum::routing::{get, post};

use self::attachments::RequestAttachments;
use crate::state::AppState;
use crate::tenancy::ProjectId;

/// `/projects/{project}/changes`, the base of every link of these pages.
pub fn base(project: ProjectId) -> String {
    format!("/projects/{project}/changes")
}

pub fn router() -> Router<AppState> {
    const B: &str = "/projects/{project_id}/changes";
    Router::new()
        .route(B, get(list::index).post(form::create))
        .route(&format!("{B}/new"), get(form::new))
        .route(&format!("{B}/{{id}}"), get(show::show))
        .route(
            &format!("{B}/{{id}}/edit"),
            get(form::edit).post(form::update),
        )
        .route(&format!("{B}/{{id}}/delete"), post(form::delete))
        .route(&format!("{B}/{{id}}/submit"), post(review::submit))
        .route(&format!("{B}/{{id}}/withdraw"), post(review::withdraw))
        .route(&format!("{B}/{{id}}/vote"), post(review::vote))
        .route(&format!("{B}/{{id}}/apply"), post(review::apply_again))
        .merge(crate::web::attachments::routes::<RequestAttachments>(
            &format!("{B}/{{id}}"),
        ))
}
