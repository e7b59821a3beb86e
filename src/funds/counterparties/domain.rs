//! The counterparty form and its checks, pure: a form filled from a saved counterparty, and the
//! validation of its name, kind, unified social credit code and bank details.

use serde::{Deserialize, Serialize};

use crate::funds::domain::{CounterpartyKind, credit_code_valid};
use crate::funds::queries::{Counterparty, CounterpartyFields};
use crate::web::form::{self, FieldErrors};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CounterpartyForm {
    pub name: String,
    pub kind: String,
    pub credit_code: String,
    pub contact: String,
    pub phone: String,
    pub bank_name: String,
    pub bank_account: String,
    pub version: i32,
}

impl CounterpartyForm {
    pub(super) fn of(c: &Counterparty) -> Self {
        CounterpartyForm {
            name: c.name.clone(),
            kind: c.kind.as_str().to_owned(),
            credit_code: c.credit_code.clone().unwrap_or_default(),
            contact: c.contact.clone(),
            phone: c.phone.clone(),
            bank_name: c.bank_name.clone(),
            bank_account: c.bank_account.clone(),
            version: c.version,
        }
    }

    /// Checks the fields; the name must not be another counterparty's (`others`).
    pub(super) fn validate(
        &self,
        others: &[Counterparty],
        editing: Option<i64>,
    ) -> Result<CounterpartyFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = form::text(&mut e, "name", &self.name, true, 200);
        let kind = CounterpartyKind::parse(self.kind.trim());
        if kind.is_none() {
            e.add("kind", "form.required");
        }
        let code = form::text(&mut e, "credit_code", &self.credit_code, false, 18).to_uppercase();
        if !code.is_empty() && !e.has("credit_code") && !credit_code_valid(&code) {
            e.add("credit_code", "funds.credit_code_invalid");
        }
        let contact = form::text(&mut e, "contact", &self.contact, false, 100);
        let phone = form::text(&mut e, "phone", &self.phone, false, 40);
        let bank_name = form::text(&mut e, "bank_name", &self.bank_name, false, 200);
        let bank_account = form::text(&mut e, "bank_account", &self.bank_account, false, 60);
        if !e.has("name")
            && others
                .iter()
                .any(|c| c.name == name && Some(c.id) != editing)
        {
            e.add("name", "funds.name_taken");
        }
        let Some(kind) = kind.filter(|_| e.is_empty()) else {
            return Err(e);
        };
        Ok(CounterpartyFields {
            name,
            kind,
            credit_code: (!code.is_empty()).then_some(code),
            contact,
            phone,
            bank_name,
            bank_account,
        })
    }
}
