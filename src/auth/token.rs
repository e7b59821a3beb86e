//! Single-use secrets for invitation and password-reset links. The link carries the tenant id
//! and a random secret; the database keeps only the secret's SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use crate::ids::TenantId;

/// A freshly made token: the text for the link and the hash to store.
#[derive(Debug)]
pub struct NewToken {
    pub text: String,
    pub hash: Vec<u8>,
}

pub fn random_secret() -> AppResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(anyhow::anyhow!("random: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

pub fn issue(tenant: TenantId) -> AppResult<NewToken> {
    let secret = random_secret()?;
    Ok(NewToken {
        text: format!("{}.{secret}", tenant.0),
        hash: digest(&secret),
    })
}

/// Split a link's token into its tenant and the hash to look up; `None` if malformed.
pub fn parse(text: &str) -> Option<(TenantId, Vec<u8>)> {
    let (tenant, secret) = text.split_once('.')?;
    let tenant = tenant.parse::<i64>().ok()?;
    if secret.len() != 43 || URL_SAFE_NO_PAD.decode(secret).is_err() {
        return None;
    }
    Some((TenantId(tenant), digest(secret)))
}

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Compare two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_token_parses_back_to_its_tenant_and_hash() {
        let t = issue(TenantId(42)).unwrap();
        let (tenant, hash) = parse(&t.text).unwrap();
        assert_eq!(tenant, TenantId(42));
        assert_eq!(hash, t.hash);
    }

    #[test]
    fn malformed_tokens_are_refused() {
        assert!(parse("").is_none());
        assert!(parse("abc.def").is_none());
        assert!(parse("1.short").is_none());
        assert!(parse("1.!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!").is_none());
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
