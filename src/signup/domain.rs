//! The sign-up form's rules.

use serde::Deserialize;

use crate::web::form::{self, FieldErrors};

/// The sign-up form as posted; also what the form shows back.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub accept_terms: Option<String>,
}

/// A sign-up that passed every rule.
#[derive(Debug)]
pub struct ValidSignup {
    pub company: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub password: String,
}

/// Optional phone: digits and the usual separators, 5 to 40 characters.
pub fn phone(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<String> {
    let v = form::text(errors, field, value, false, 40);
    if v.is_empty() {
        return None;
    }
    let ok = v.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
        && v.chars().filter(char::is_ascii_digit).count() >= 5;
    if !ok && !errors.has(field) {
        errors.add(field, "form.invalid_phone");
    }
    Some(v)
}

impl SignupForm {
    pub fn validate(&self) -> Result<ValidSignup, FieldErrors> {
        let mut errors = FieldErrors::default();
        let company = form::text(&mut errors, "company", &self.company, true, 200);
        let name = form::text(&mut errors, "name", &self.name, true, 100);
        let email = form::email(&mut errors, "email", &self.email);
        let phone = phone(&mut errors, "phone", &self.phone);
        let password = form::new_password(&mut errors, "password", &self.password);
        if self.accept_terms.is_none() {
            errors.add("accept_terms", "signup.must_accept_terms");
        }
        if errors.is_empty() {
            Ok(ValidSignup {
                company,
                name,
                email,
                phone,
                password,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> SignupForm {
        SignupForm {
            company: "华建工程有限公司".into(),
            name: "李伟".into(),
            email: "li.wei@huajian.cn".into(),
            phone: "+86 138-0013-8000".into(),
            password: "steel-and-concrete".into(),
            accept_terms: Some("on".into()),
        }
    }

    #[test]
    fn a_complete_form_is_valid() {
        let v = good().validate().unwrap();
        assert_eq!(v.company, "华建工程有限公司");
        assert_eq!(v.phone.as_deref(), Some("+86 138-0013-8000"));
    }

    #[test]
    fn every_rule_reports_on_its_own_field() {
        let f = SignupForm {
            company: " ".into(),
            name: "x".repeat(101),
            email: "nope".into(),
            phone: "call me".into(),
            password: "short".into(),
            accept_terms: None,
        };
        let e = f.validate().unwrap_err();
        assert_eq!(e.get("company"), Some("form.required"));
        assert_eq!(e.get("name"), Some("form.too_long"));
        assert_eq!(e.get("email"), Some("form.invalid_email"));
        assert_eq!(e.get("phone"), Some("form.invalid_phone"));
        assert_eq!(e.get("password"), Some("form.password_too_short"));
        assert_eq!(e.get("accept_terms"), Some("signup.must_accept_terms"));
    }

    #[test]
    fn the_phone_is_optional() {
        let f = SignupForm {
            phone: String::new(),
            ..good()
        };
        assert_eq!(f.validate().unwrap().phone, None);
    }
}
