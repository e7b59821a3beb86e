//! `TenantTx<M>`: the only way a handler reaches tenant data. Extracting one proves, in order:
//! somebody is signed in; their user is active; the tenant is not suspended; module `M` is
//! switched on, allowed by the plan and open to the user's role; a write is not attempted on a
//! read-only tenant. It then holds a transaction in which only that tenant's rows exist.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Module;
use crate::audit::{self, Actor, Change};
use crate::auth::queries::{self as user_queries, User};
use crate::auth::session::AppSession;
use crate::db::{TenantScope, cross_tenant};
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::ids::TenantId;
use crate::ids::UserId;
use crate::licence::plan::{Banner, PlanFacts};
use crate::roles::ModuleId;
use crate::roles::{Permission, Role};
use crate::state::AppState;

/// The signed-in user, as loaded for this request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub locale: Locale,
}

impl CurrentUser {
    /// Refuse with 403 unless the user's role holds `permission`.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.role.has(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden(permission))
        }
    }
}

/// The tenant, as it stands for this request.
#[derive(Debug, Clone)]
pub struct TenantInfo {
    pub id: TenantId,
    pub name: String,
    pub time_zone: Tz,
    pub currency: String,
    pub default_locale: Locale,
    pub plan: PlanFacts,
    pub version: i32,
    pub modules: Vec<ModuleId>,
    pub read_only: bool,
    pub suspended: bool,
    pub banner: Option<Banner>,
    pub now: DateTime<Utc>,
}

impl TenantInfo {
    /// Today's date where the company is (its time zone), at the request's time.
    pub fn today(&self) -> chrono::NaiveDate {
        self.now.with_timezone(&self.time_zone).date_naive()
    }
}

/// A tenant transaction for a handler of module `M`, with the user and tenant it serves.
/// Dropped without `commit`, it rolls back.
#[derive(Debug)]
pub struct TenantTx<M: Module> {
    scope: TenantScope,
    user: CurrentUser,
    tenant: TenantInfo,
    _module: PhantomData<M>,
}

impl<M: Module> TenantTx<M> {
    pub fn user(&self) -> &CurrentUser {
        &self.user
    }

    pub fn tenant(&self) -> &TenantInfo {
        &self.tenant
    }

    /// Refuse with 403 unless the user's role holds `permission`.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        self.user.require(permission)
    }

    /// The transaction, who asks and their company, borrowed together (what another
    /// feature's panel reads with).
    pub fn parts(&mut self) -> (&mut TenantScope, &CurrentUser, &TenantInfo) {
        (&mut self.scope, &self.user, &self.tenant)
    }

    /// Record a change in the audit log, in this transaction, as done by this user.
    pub async fn audit(&mut self, change: Change<'_>) -> AppResult<()> {
        let actor = Actor::User {
            id: self.user.id,
            name: self.user.name.clone(),
        };
        audit::record(&mut self.scope, &actor, change).await
    }

    pub async fn commit(self) -> AppResult<()> {
        self.scope.commit().await
    }
}

impl<M: Module> Deref for TenantTx<M> {
    type Target = TenantScope;
    fn deref(&self) -> &TenantScope {
        &self.scope
    }
}

impl<M: Module> DerefMut for TenantTx<M> {
    fn deref_mut(&mut self) -> &mut TenantScope {
        &mut self.scope
    }
}

impl<M: Module> FromRequestParts<AppState> for TenantTx<M> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let session = AppSession::from_request_parts(parts, state).await?;
        let signed_in = session
            .signed_in()
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let now = Utc::now();
        if now.timestamp() - signed_in.since > state.config.session_max_hours * 3600 {
            session.end().await?;
            return Err(AppError::Unauthenticated);
        }

        // Before the request's transaction, never inside it: see `touch_tenant`.
        if session.note_activity(signed_in, now.timestamp()).await? {
            cross_tenant::touch_tenant(&state.db, signed_in.tenant_id).await?;
        }
        let mut scope = state.db.begin_tenant(signed_in.tenant_id).await?;
        let Some(user) = user_queries::find_user(&mut scope, signed_in.user_id)
            .await?
            .filter(|u| u.active)
        else {
            // Deactivated or removed since sign-in: the session is over.
            session.end().await?;
            return Err(AppError::Unauthenticated);
        };
        let tenant = load_tenant(&mut scope, now).await?;
        if tenant.suspended {
            return Err(AppError::Suspended);
        }
        let user = current_user(user, &tenant);
        // The project-visibility rule in the database reads who is asking from here on.
        scope
            .act_for(Some(user.id), user.role.has(Permission::SeeAllProjects))
            .await?;

        if let Some(module) = M::ID
            && !(tenant.modules.contains(&module) && user.role.can_use(module))
        {
            return Err(AppError::ModuleOff(module));
        }
        let writes = !matches!(parts.method, Method::GET | Method::HEAD);
        if writes && tenant.read_only && !M::WRITABLE_WHEN_READ_ONLY {
            return Err(AppError::ReadOnly);
        }
        let span = tracing::Span::current();
        span.record("tenant_id", tenant.id.0);
        span.record("user_id", user.id.0);
        Ok(TenantTx {
            scope,
            user,
            tenant,
            _module: PhantomData,
        })
    }
}

fn current_user(user: User, tenant: &TenantInfo) -> CurrentUser {
    CurrentUser {
        id: user.id,
        locale: user
            .locale
            .as_deref()
            .and_then(Locale::parse)
            .unwrap_or(tenant.default_locale),
        name: user.name,
        email: user.email,
        role: user.role,
    }
}

/// The tenant of `scope` as it stands at `now`.
async fn load_tenant(scope: &mut TenantScope, now: DateTime<Utc>) -> AppResult<TenantInfo> {
    let row = cross_tenant::find_tenant(scope).await?;
    let switched_off = super::queries::switched_off_modules(scope).await?;
    let plan = row.plan_facts();
    let modules = plan
        .allowed_modules()
        .into_iter()
        .filter(|m| !switched_off.contains(m))
        .collect();
    Ok(TenantInfo {
        id: row.id,
        suspended: row.suspended_at.is_some(),
        time_zone: row.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai),
        currency: row.currency.clone(),
        default_locale: Locale::parse(&row.default_locale).unwrap_or_default(),
        read_only: plan.is_read_only(now),
        banner: plan.banner(now),
        version: row.version,
        name: row.name,
        plan,
        modules,
        now,
    })
}
