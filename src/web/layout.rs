//! The page shell: `Page` (what every page needs from the session: language, CSRF token,
//! flash) and `Layout` (what `templates/layout/base.html` shows: navigation, user menu,
//! banners, language switch).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::form::AppForm;
use super::registry;
use crate::auth::session::{AppSession, Flash};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::licence::plan::{Banner, Standing};
use crate::roles::{ModuleId, Permission, Role};
use crate::state::AppState;
use crate::tenancy::{Module, TenantTx};

/// The session-side context of a page.
#[derive(Debug)]
pub struct Page {
    pub session: AppSession,
    pub locale: Locale,
    pub csrf: String,
    flash: Option<Flash>,
    path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        let session = AppSession::from_request_parts(parts, state).await?;
        let locale = match session.locale().await? {
            Some(l) => l,
            None => locale_from_headers(parts),
        };
        let csrf = session.csrf_token().await?;
        let flash = session.take_flash().await?;
        Ok(Page {
            locale,
            csrf,
            flash,
            path: parts.uri.path().to_owned(),
            session,
        })
    }
}

pub fn locale_from_headers(parts: &Parts) -> Locale {
    parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Locale::from_accept_language)
        .unwrap_or_default()
}

/// One entry of the main navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label_key: &'static str,
    pub active: bool,
}

/// The banner over every page of a tenant whose trial or licence is ending or over.
#[derive(Debug, Clone)]
pub struct BannerView {
    pub text: String,
    pub urgent: bool,
}

/// What the base layout shows around a page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub locale: Locale,
    pub title: String,
    pub csrf: String,
    pub path: String,
    pub flash: Option<Flash>,
    pub user_name: Option<String>,
    /// The signed-in user's role (none on public pages).
    pub role: Option<Role>,
    pub tenant_name: Option<String>,
    pub nav: Vec<NavItem>,
    pub banner: Option<BannerView>,
    /// The signed-in party is a platform operator.
    pub operator: bool,
    /// The modules the user may open: switched on for the tenant and open to their role.
    pub modules: Vec<crate::roles::ModuleId>,
}

impl Layout {
    /// The text of an i18n key in the page's language.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        i18n::t(self.locale, key)
    }

    /// The URL of a file under `static/`, carrying its content hash (cache-busting).
    pub fn asset(&self, file: &str) -> String {
        super::statics::asset_url(file)
    }

    /// Whether the page's user holds `permission`.
    pub fn holds(&self, permission: Permission) -> bool {
        self.role.is_some_and(|r| r.has(permission))
    }

    /// The i18n key of the user's role.
    pub fn role_key(&self) -> Option<&'static str> {
        self.role.map(Role::label_key)
    }

    pub fn lang(&self) -> &'static str {
        self.locale.as_str()
    }

    pub fn locales(&self) -> [Locale; 2] {
        Locale::ALL
    }

    /// A bare layout (error pages, public pages).
    pub fn bare(locale: Locale, csrf: String, path: String, title_key: &str) -> Self {
        Layout {
            title: i18n::t(locale, title_key).to_owned(),
            locale,
            csrf,
            path,
            flash: None,
            user_name: None,
            role: None,
            tenant_name: None,
            nav: Vec::new(),
            banner: None,
            operator: false,
            modules: Vec::new(),
        }
    }
}

impl Page {
    /// The layout of a public page (sign-in, sign-up).
    pub fn public(&self, title_key: &str) -> Layout {
        Layout {
            flash: self.flash.clone(),
            ..Layout::bare(self.locale, self.csrf.clone(), self.path.clone(), title_key)
        }
    }

    /// The layout of a tenant page: the user's language, their navigation and the plan banner.
    pub fn layout<M: Module>(&self, tx: &TenantTx<M>, title_key: &str) -> Layout {
        let user = tx.user();
        let tenant = tx.tenant();
        let locale = user.locale;
        let modules: Vec<ModuleId> = tenant
            .modules
            .iter()
            .copied()
            .filter(|&m| user.role.can_use(m))
            .collect();
        let banner = tenant.banner.map(|b| match b {
            Banner::TrialEndsIn(days) => BannerView {
                text: i18n::tf(locale, "banner.trial_ends_in", &[("days", &days)]),
                urgent: days <= 2,
            },
            Banner::TrialGrace(days) => BannerView {
                text: i18n::tf(locale, "banner.trial_grace", &[("days", &days)]),
                urgent: true,
            },
            Banner::LicenceGrace(days) => BannerView {
                text: i18n::tf(locale, "banner.licence_grace", &[("days", &days)]),
                urgent: true,
            },
            Banner::ReadOnly => BannerView {
                text: i18n::t(locale, "banner.read_only").to_owned(),
                urgent: true,
            },
        });
        let mut layout = Layout {
            title: i18n::t(locale, title_key).to_owned(),
            locale,
            csrf: self.csrf.clone(),
            path: self.path.clone(),
            flash: self.flash.clone(),
            user_name: Some(user.name.clone()),
            role: Some(user.role),
            tenant_name: Some(tenant.name.clone()),
            nav: Vec::new(),
            banner,
            operator: false,
            modules,
        };
        layout.nav = registry::nav(&layout)
            .map(|e| NavItem {
                href: e.href,
                label_key: e.label_key,
                active: e.active_under.iter().any(|p| self.path.starts_with(p)),
            })
            .collect();
        layout
    }
}

/// A sentence saying where the plan stands (licence page, dashboard).
pub fn standing_text(locale: Locale, standing: Standing) -> String {
    match standing {
        Standing::Trial { days_left } => {
            i18n::tf(locale, "licence.standing_trial", &[("days", &days_left)])
        }
        Standing::TrialGrace { days_left } => i18n::tf(
            locale,
            "licence.standing_trial_grace",
            &[("days", &days_left)],
        ),
        Standing::Licensed {
            expires_on: Some(d),
        } => i18n::tf(locale, "licence.standing_licensed_until", &[("date", &d)]),
        Standing::Licensed { expires_on: None } => {
            i18n::t(locale, "licence.standing_perpetual").to_owned()
        }
        Standing::LicenceGrace { days_left } => i18n::tf(
            locale,
            "licence.standing_licence_grace",
            &[("days", &days_left)],
        ),
        Standing::Expired => i18n::t(locale, "licence.standing_expired").to_owned(),
    }
}

#[derive(Debug, Deserialize)]
pub struct LocaleForm {
    locale: String,
    #[serde(default)]
    next: String,
}

/// Switch the language: for the session, and for the signed-in user's account.
pub async fn switch_locale(
    state: axum::extract::State<AppState>,
    session: AppSession,
    AppForm(form): AppForm<LocaleForm>,
) -> AppResult<Response> {
    let locale =
        Locale::parse(&form.locale).ok_or(AppError::BadRequest("unknown language".into()))?;
    session.set_locale(locale).await?;
    if let Some(signed_in) = session.signed_in().await? {
        let mut scope = state.db.begin_tenant(signed_in.tenant_id).await?;
        crate::auth::queries::set_locale(&mut scope, signed_in.user_id, locale.as_str()).await?;
        scope.commit().await?;
    }
    Ok(Redirect::to(safe_next(&form.next, "/")).into_response())
}

/// A local path to return to; anything else (another host, a scheme) becomes `fallback`.
pub fn safe_next<'a>(next: &'a str, fallback: &'a str) -> &'a str {
    // Browsers drop tabs and newlines inside URLs, so `/\t/evil` would become `//evil`:
    // refuse whitespace and control characters outright.
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    if local { next } else { fallback }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/settings/users", "/"), "/settings/users");
        assert_eq!(safe_next("//evil.example", "/"), "/");
        assert_eq!(safe_next("https://evil.example", "/"), "/");
        assert_eq!(safe_next("/\\evil.example", "/"), "/");
        assert_eq!(safe_next("", "/dashboard"), "/dashboard");
        assert_eq!(safe_next("/\t/evil.example", "/"), "/");
        assert_eq!(safe_next("/\n/evil.example", "/"), "/");
        assert_eq!(safe_next("/ok page", "/"), "/");
    }
}
