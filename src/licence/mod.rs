//! Licence keys: terms (tenant, seats, modules, expiry) signed by the vendor with Ed25519 and
//! verified offline against the public key the server is configured with. Pure: no I/O.
//!
//! A key reads `GIRDER1.<terms as base64url JSON>.<signature as base64url>`.

pub mod plan;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::NaiveDate;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::roles::ModuleId;

use crate::ids::TenantId;

const PREFIX: &str = "GIRDER1";

/// What a licence grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceTerms {
    /// Unique per key, so the same key is not activated twice.
    pub key_id: String,
    pub tenant_id: i64,
    pub seats: i32,
    pub modules: Vec<String>,
    /// The last day of validity; `None` is perpetual.
    pub expires_on: Option<NaiveDate>,
    pub issued_on: NaiveDate,
}

/// Why a key was refused. Each is shown to the admin as a sentence (`message_key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LicenceError {
    #[error("the key is not a Girder licence key")]
    Malformed,
    #[error("the key's signature does not match: it was altered or not issued by the vendor")]
    BadSignature,
    #[error("the key was issued for another company")]
    OtherTenant,
    #[error("the key names an unknown module or no seats")]
    BadTerms,
    #[error("this server has no licence public key configured")]
    NoPublicKey,
}

impl LicenceError {
    pub fn message_key(self) -> &'static str {
        match self {
            LicenceError::Malformed => "licence.error_malformed",
            LicenceError::BadSignature => "licence.error_signature",
            LicenceError::OtherTenant => "licence.error_other_tenant",
            LicenceError::BadTerms => "licence.error_terms",
            LicenceError::NoPublicKey => "licence.error_no_public_key",
        }
    }
}

impl LicenceTerms {
    pub fn module_ids(&self) -> Vec<ModuleId> {
        self.modules
            .iter()
            .filter_map(|m| ModuleId::parse(m))
            .collect()
    }
}

/// Sign `terms` into a key.
pub fn sign(terms: &LicenceTerms, key: &SigningKey) -> anyhow::Result<String> {
    let payload = serde_json::to_vec(terms)?;
    let signature = key.sign(&payload);
    Ok(format!(
        "{PREFIX}.{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
}

/// Verify `text` against the vendor's key and check it was issued for `tenant`.
pub fn verify(
    text: &str,
    key: Option<&VerifyingKey>,
    tenant: TenantId,
) -> Result<LicenceTerms, LicenceError> {
    let key = key.ok_or(LicenceError::NoPublicKey)?;
    let compact: String = text.split_whitespace().collect();
    let mut parts = compact.split('.');
    let (Some(PREFIX), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(LicenceError::Malformed);
    };
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| LicenceError::Malformed)?;
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| LicenceError::Malformed)?;
    let sig = Signature::from_slice(&sig).map_err(|_| LicenceError::Malformed)?;
    key.verify(&payload, &sig)
        .map_err(|_| LicenceError::BadSignature)?;
    let terms: LicenceTerms =
        serde_json::from_slice(&payload).map_err(|_| LicenceError::Malformed)?;
    if terms.tenant_id != tenant.0 {
        return Err(LicenceError::OtherTenant);
    }
    if terms.seats < 1 || terms.modules.iter().any(|m| ModuleId::parse(m).is_none()) {
        return Err(LicenceError::BadTerms);
    }
    Ok(terms)
}

/// A new key pair as (private, public), both base64.
pub fn generate_keypair() -> anyhow::Result<(String, String)> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("random: {e}"))?;
    let signing = SigningKey::from_bytes(&secret);
    Ok((
        STANDARD.encode(signing.to_bytes()),
        STANDARD.encode(signing.verifying_key().to_bytes()),
    ))
}

fn decode32(b64: &str, what: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = STANDARD
        .decode(b64.trim())
        .map_err(|e| anyhow::anyhow!("{what} is not base64: {e}"))?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("{what} must be 32 bytes"))
}

pub fn parse_public_key(b64: &str) -> anyhow::Result<VerifyingKey> {
    VerifyingKey::from_bytes(&decode32(b64, "the licence public key")?)
        .map_err(|e| anyhow::anyhow!("the licence public key is invalid: {e}"))
}

pub fn parse_signing_key(b64: &str) -> anyhow::Result<SigningKey> {
    Ok(SigningKey::from_bytes(&decode32(
        b64,
        "the licence private key",
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> (SigningKey, VerifyingKey) {
        let (private, public) = generate_keypair().unwrap();
        (
            parse_signing_key(&private).unwrap(),
            parse_public_key(&public).unwrap(),
        )
    }

    fn terms() -> LicenceTerms {
        LicenceTerms {
            key_id: "k1".into(),
            tenant_id: 7,
            seats: 20,
            modules: vec!["plans".into(), "cost".into()],
            expires_on: NaiveDate::from_ymd_opt(2027, 12, 31),
            issued_on: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        }
    }

    #[test]
    fn a_signed_key_verifies_for_its_tenant() {
        let (sk, vk) = keys();
        let key = sign(&terms(), &sk).unwrap();
        assert_eq!(verify(&key, Some(&vk), TenantId(7)), Ok(terms()));
        // Line breaks from an email client do not matter.
        let wrapped = format!("{}\n{}", &key[..30], &key[30..]);
        assert_eq!(verify(&wrapped, Some(&vk), TenantId(7)), Ok(terms()));
    }

    #[test]
    fn a_tampered_key_is_refused() {
        let (sk, vk) = keys();
        let key = sign(&terms(), &sk).unwrap();
        let mut more_seats = terms();
        more_seats.seats = 2000;
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&more_seats).unwrap());
        let sig = key.rsplit('.').next().unwrap();
        let forged = format!("{PREFIX}.{forged_payload}.{sig}");
        assert_eq!(
            verify(&forged, Some(&vk), TenantId(7)),
            Err(LicenceError::BadSignature)
        );
    }

    #[test]
    fn a_key_from_another_vendor_key_or_tenant_is_refused() {
        let (sk, _) = keys();
        let (_, other_vk) = keys();
        let key = sign(&terms(), &sk).unwrap();
        assert_eq!(
            verify(&key, Some(&other_vk), TenantId(7)),
            Err(LicenceError::BadSignature)
        );
        let (sk, vk) = keys();
        let key = sign(&terms(), &sk).unwrap();
        assert_eq!(
            verify(&key, Some(&vk), TenantId(8)),
            Err(LicenceError::OtherTenant)
        );
        assert_eq!(
            verify(&key, None, TenantId(7)),
            Err(LicenceError::NoPublicKey)
        );
    }

    #[test]
    fn garbage_is_malformed() {
        let (_, vk) = keys();
        for text in ["", "hello", "GIRDER1.a.b", "GIRDER1.!!.??", "X.a.b.c"] {
            assert_eq!(
                verify(text, Some(&vk), TenantId(7)),
                Err(LicenceError::Malformed),
                "{text}"
            );
        }
    }
}
