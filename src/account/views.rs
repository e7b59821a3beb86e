//! Pages of sign-in, sign-out and password reset.

use askama::Template;

use crate::web::Layout;
use crate::web::form::FieldErrors;

#[derive(Template)]
#[template(path = "account/login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub action: &'static str,
    pub email: String,
    pub next: String,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "account/forgot.html")]
pub struct ForgotPage {
    pub layout: Layout,
    pub email: String,
    pub errors: FieldErrors,
    pub sent: bool,
}

#[derive(Template)]
#[template(path = "account/reset.html")]
pub struct ResetPage {
    pub layout: Layout,
    pub token: String,
    pub errors: FieldErrors,
    /// The link is unknown, used or expired.
    pub dead_link: bool,
}
