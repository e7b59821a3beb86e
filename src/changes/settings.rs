//! Settings › Changes (owners and admins): how many approvals a change needs and who sits on
//! the review board. While nobody is named, the owners and admins review; the approvals never
//! exceed what the board can give, and a member is not removed if that would leave too few.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::queries::{self, BoardSettings};
use crate::audit::{Action, Change, snapshot};
use crate::db::TenantScope;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::roles::ModuleId;
use crate::roles::{Permission, Role};
use crate::tenancy::{Changes, TenantTx};
use crate::web::fields::optional_int;
use crate::web::form::Choice;
use crate::web::form::CsrfOnly;
use crate::web::form::FieldErrors;
use crate::web::{AppForm, Layout, Page, Path};

const BASE: &str = "/settings/changes";

/// The most approvals a change may need (the `changes_settings` check).
pub const MAX_APPROVALS: i64 = 20;

pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(BASE, get(show).post(save))
        .route("/settings/changes/members", post(add_member))
        .route(
            "/settings/changes/members/{user}/delete",
            post(remove_member),
        )
}

/// The approvals a change needs.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ApprovalsForm {
    pub approvals_needed: String,
    /// The version read; 0 while the tenant has the defaults (no row).
    pub version: i32,
}

/// A member to add.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MemberForm {
    pub user_id: String,
}

/// A board member as the page lists them.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub user_id: i64,
    pub name: String,
    pub role_key: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "changes/settings.html")]
pub struct ChangesSettingsPage {
    pub layout: Layout,
    pub tab: &'static str,
    pub form: ApprovalsForm,
    pub errors: FieldErrors,
    pub conflict: bool,
    pub members: Vec<MemberRow>,
    /// The owners and admins who review while nobody is named.
    pub default_reviewers: Vec<MemberRow>,
    pub capacity: i64,
    pub member: MemberForm,
    pub member_errors: FieldErrors,
    /// Why the last removal was refused.
    pub removal_refused: Option<String>,
    pub candidates: Vec<Choice>,
}

#[derive(Default)]
struct Forms {
    form: Option<ApprovalsForm>,
    errors: FieldErrors,
    conflict: bool,
    member: MemberForm,
    member_errors: FieldErrors,
    removal_refused: Option<String>,
}

/// An active user of the tenant, as a candidate or a default reviewer.
#[derive(Debug, Clone)]
struct UserRow {
    id: i64,
    name: String,
    role: String,
}

async fn active_users(scope: &mut TenantScope) -> AppResult<Vec<UserRow>> {
    let tenant = scope.tenant_id();
    Ok(sqlx::query_as!(
        UserRow,
        "select id, name, role from app_user where tenant_id = $1 and active order by name, id",
        tenant as TenantId
    )
    .fetch_all(scope.conn())
    .await?)
}

/// How many approvals `members` named members can give, or (none named) the active owners
/// and admins.
pub fn capacity(named: usize, voters: usize, owners_and_admins: usize) -> i64 {
    let n = if named == 0 {
        owners_and_admins
    } else {
        voters
    };
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Named members who can vote: active, and of a role that opens the module (a member made a
/// foreman or deactivated since stays listed but gives no approval). `except` leaves one out.
fn voters(board: &BoardSettings, except: Option<i64>) -> usize {
    board
        .members
        .iter()
        .filter(|m| Some(m.user_id) != except && m.active)
        .filter(|m| Role::parse(&m.role).is_some_and(|r| r.can_use(ModuleId::Changes)))
        .count()
}

fn owners_and_admins(users: &[UserRow]) -> usize {
    users
        .iter()
        .filter(|u| matches!(Role::parse(&u.role), Some(Role::Owner | Role::Admin)))
        .count()
}

/// Users whose role opens the module (foremen do not) and who are not named yet.
fn candidates(users: &[UserRow], board: &BoardSettings) -> Vec<UserRow> {
    users
        .iter()
        .filter(|u| Role::parse(&u.role).is_some_and(|r| r.can_use(ModuleId::Changes)))
        .filter(|u| !board.members.iter().any(|m| m.user_id == u.id))
        .cloned()
        .collect()
}

fn role_key(role: &str) -> String {
    format!("role.{role}")
}

async fn render(tx: &mut TenantTx<Changes>, page: &Page, f: Forms) -> AppResult<String> {
    let locale = tx.user().locale;
    let board = queries::board_settings(tx).await?;
    let users = active_users(tx).await?;
    Ok(ChangesSettingsPage {
        layout: page.layout(tx, "changes_board.settings_title"),
        tab: "changes",
        form: f.form.unwrap_or(ApprovalsForm {
            approvals_needed: board.approvals_needed.to_string(),
            version: board.version,
        }),
        errors: f.errors,
        conflict: f.conflict,
        capacity: capacity(
            board.members.len(),
            voters(&board, None),
            owners_and_admins(&users),
        ),
        members: board
            .members
            .iter()
            .map(|m| MemberRow {
                user_id: m.user_id,
                name: m.name.clone(),
                role_key: role_key(&m.role),
                active: m.active,
            })
            .collect(),
        default_reviewers: users
            .iter()
            .filter(|u| matches!(Role::parse(&u.role), Some(Role::Owner | Role::Admin)))
            .map(|u| MemberRow {
                user_id: u.id,
                name: u.name.clone(),
                role_key: role_key(&u.role),
                active: true,
            })
            .collect(),
        member: f.member,
        member_errors: f.member_errors,
        removal_refused: f.removal_refused,
        candidates: candidates(&users, &board)
            .into_iter()
            .map(|u| Choice {
                value: u.id.to_string(),
                label: format!("{} ({})", u.name, i18n::t(locale, &role_key(&u.role))),
            })
            .collect(),
    }
    .render()?)
}

fn refused(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

/// GET /settings/changes
pub async fn show(mut tx: TenantTx<Changes>, page: Page) -> AppResult<Response> {
    tx.require(Permission::ManageChangeSettings)?;
    Ok(Html(render(&mut tx, &page, Forms::default()).await?).into_response())
}

/// Saves the approvals (upsert) if nobody saved since `version` was read (0: never saved).
async fn save_approvals(
    scope: &mut TenantScope,
    approvals: i16,
    version: i32,
    by: UserId,
) -> AppResult<Option<i32>> {
    let tenant = scope.tenant_id();
    if version == 0 {
        return Ok(sqlx::query_scalar!(
            "insert into changes_settings (tenant_id, approvals_needed, updated_by)
             values ($1, $2, $3)
             on conflict (tenant_id) do nothing
             returning version",
            tenant as TenantId,
            approvals,
            by.0
        )
        .fetch_optional(scope.conn())
        .await?);
    }
    Ok(sqlx::query_scalar!(
        "update changes_settings
         set approvals_needed = $2, updated_at = now(), updated_by = $3, version = version + 1
         where tenant_id = $1 and version = $4
         returning version",
        tenant as TenantId,
        approvals,
        by.0,
        version
    )
    .fetch_optional(scope.conn())
    .await?)
}

/// POST /settings/changes: 1 to 20 approvals, no more than the board can give.
pub async fn save(
    mut tx: TenantTx<Changes>,
    page: Page,
    AppForm(f): AppForm<ApprovalsForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageChangeSettings)?;
    // One board change at a time: the capacity read here holds until commit.
    crate::db::cross_tenant::lock_tenant(&mut tx).await?;
    let board = queries::board_settings(&mut tx).await?;
    let users = active_users(&mut tx).await?;
    let can_give = capacity(
        board.members.len(),
        voters(&board, None),
        owners_and_admins(&users),
    );
    let mut e = FieldErrors::default();
    let approvals = optional_int(
        &mut e,
        "approvals_needed",
        &f.approvals_needed,
        1..=MAX_APPROVALS,
    );
    match approvals {
        None if !e.has("approvals_needed") => e.add("approvals_needed", "form.required"),
        Some(n) if n > can_give => e.add(
            "approvals_needed",
            if board.members.is_empty() {
                "changes_board.approvals_over_default"
            } else {
                "changes_board.approvals_over_members"
            },
        ),
        _ => {}
    }
    let Some(approvals) = approvals
        .filter(|_| e.is_empty())
        .and_then(|n| i16::try_from(n).ok())
    else {
        let forms = Forms {
            form: Some(f),
            errors: e,
            ..Forms::default()
        };
        let html = render(&mut tx, &page, forms).await?;
        return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, html));
    };
    let by = tx.user().id;
    if save_approvals(&mut tx, approvals, f.version, by)
        .await?
        .is_none()
    {
        let forms = Forms {
            form: Some(ApprovalsForm {
                version: board.version,
                ..f
            }),
            conflict: true,
            ..Forms::default()
        };
        let html = render(&mut tx, &page, forms).await?;
        return Ok(refused(StatusCode::CONFLICT, html));
    }
    tx.audit(Change {
        entity: "changes_settings",
        entity_id: None,
        action: if board.version == 0 {
            Action::Create
        } else {
            Action::Update
        },
        summary: "approvals_needed",
        before: snapshot(&serde_json::json!({ "approvals_needed": board.approvals_needed })),
        after: snapshot(&serde_json::json!({ "approvals_needed": approvals })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(BASE).into_response())
}

/// POST /settings/changes/members: names an active user whose role opens the module.
pub async fn add_member(
    mut tx: TenantTx<Changes>,
    page: Page,
    AppForm(f): AppForm<MemberForm>,
) -> AppResult<Response> {
    tx.require(Permission::ManageChangeSettings)?;
    crate::db::cross_tenant::lock_tenant(&mut tx).await?;
    let board = queries::board_settings(&mut tx).await?;
    let users = active_users(&mut tx).await?;
    let open = candidates(&users, &board);
    let mut e = FieldErrors::default();
    let user = optional_int(&mut e, "user_id", &f.user_id, 1..=i64::MAX);
    let picked = match user {
        None => {
            if !e.has("user_id") {
                e.add("user_id", "form.required");
            }
            None
        }
        Some(id) if board.members.iter().any(|m| m.user_id == id) => {
            e.add("user_id", "changes_board.already_member");
            None
        }
        Some(id) => {
            let found = open.iter().find(|u| u.id == id).cloned();
            if found.is_none() {
                e.add("user_id", "form.invalid_choice");
            }
            found
        }
    };
    let Some(picked) = picked.filter(|_| e.is_empty()) else {
        let forms = Forms {
            member: f,
            member_errors: e,
            ..Forms::default()
        };
        let html = render(&mut tx, &page, forms).await?;
        return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, html));
    };
    let tenant = tx.tenant_id();
    let by = tx.user().id;
    sqlx::query!(
        "insert into change_board_member (tenant_id, user_id, added_by) values ($1, $2, $3)",
        tenant as TenantId,
        picked.id,
        by.0
    )
    .execute(tx.conn())
    .await?;
    tx.audit(Change {
        entity: "change_board_member",
        entity_id: Some(picked.id),
        action: Action::Create,
        summary: &picked.name,
        before: None,
        after: snapshot(&serde_json::json!({ "user_id": picked.id, "role": picked.role })),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("{BASE}#members")).into_response())
}

/// POST /settings/changes/members/{user}/delete: refused (422) when the board would be left
/// unable to give the approvals a change needs.
pub async fn remove_member(
    mut tx: TenantTx<Changes>,
    page: Page,
    Path(user): Path<i64>,
    AppForm(_): AppForm<CsrfOnly>,
) -> AppResult<Response> {
    tx.require(Permission::ManageChangeSettings)?;
    crate::db::cross_tenant::lock_tenant(&mut tx).await?;
    let board = queries::board_settings(&mut tx).await?;
    let member = board
        .members
        .iter()
        .find(|m| m.user_id == user)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let users = active_users(&mut tx).await?;
    let left = capacity(
        board.members.len() - 1,
        voters(&board, Some(user)),
        owners_and_admins(&users),
    );
    let needed = i64::from(board.approvals_needed);
    if left < needed {
        let locale = tx.user().locale;
        let key = if board.members.len() == 1 {
            "changes_board.remove_below_default"
        } else {
            "changes_board.remove_below_approvals"
        };
        let message = i18n::tf(
            locale,
            key,
            &[("name", &member.name), ("left", &left), ("needed", &needed)],
        );
        let forms = Forms {
            removal_refused: Some(message),
            ..Forms::default()
        };
        let html = render(&mut tx, &page, forms).await?;
        return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, html));
    }
    let tenant = tx.tenant_id();
    sqlx::query!(
        "delete from change_board_member where tenant_id = $1 and user_id = $2",
        tenant as TenantId,
        user
    )
    .execute(tx.conn())
    .await?;
    tx.audit(Change {
        entity: "change_board_member",
        entity_id: Some(user),
        action: Action::Delete,
        summary: &member.name,
        before: snapshot(&serde_json::json!({ "user_id": user, "role": member.role })),
        after: None,
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("{BASE}#members")).into_response())
}

#[cfg(test)]
mod tests {
    use super::capacity;

    #[test]
    fn named_members_give_the_approvals_else_owners_and_admins() {
        assert_eq!(capacity(0, 0, 2), 2);
        assert_eq!(capacity(3, 3, 1), 3);
        assert_eq!(capacity(1, 1, 5), 1);
        assert_eq!(capacity(0, 0, 0), 0);
        // Named members who cannot vote give nothing; owners do not stand in for them.
        assert_eq!(capacity(2, 0, 5), 0);
    }
}
