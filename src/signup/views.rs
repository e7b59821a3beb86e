//! Sign-up, terms and invitation pages.

use askama::Template;

use super::domain::SignupForm;
use crate::web::Layout;
use crate::web::form::FieldErrors;

#[derive(Template)]
#[template(path = "signup/signup.html")]
pub struct SignupPage {
    pub layout: Layout,
    pub form: SignupForm,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "signup/terms.html")]
pub struct TermsPage {
    pub layout: Layout,
}

#[derive(Template)]
#[template(path = "signup/invitation.html")]
pub struct InvitationPage {
    pub layout: Layout,
    pub token: String,
    /// `None` when the link is unknown, used, revoked or expired.
    pub invitation: Option<InvitationView>,
    pub full_name: String,
    pub errors: FieldErrors,
    /// An i18n key of a message about the whole form (e.g. no free seat).
    pub notice: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct InvitationView {
    pub company: String,
    pub email: String,
    pub role_key: &'static str,
}
