//! Limits on sign-in, sign-up and password-reset attempts, counted in PostgreSQL so the limit
//! is the same however many app servers share the database. Sign-in is limited per client
//! address (an attacker trying many accounts) and per account (many addresses trying one
//! account); a sign-in that succeeds gives its attempt back, so an office behind one NAT
//! address is held back only by its wrong passwords. The client address is the connection's,
//! or, behind a configured trusted proxy, the rightmost `X-Forwarded-For` entry that is not
//! itself a trusted proxy.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::config::IpNetwork;
use crate::db::cross_tenant::{self, ThrottleCount, ThrottleKey};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The window of the per-address limits.
const ADDRESS_WINDOW_SECONDS: i64 = 60;
/// The longest per-account window (old counts are swept after a day).
const MAX_ACCOUNT_WINDOW_MINUTES: u32 = 24 * 60;

/// The client's address: the connection's, or the one a trusted proxy forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        Ok(ClientIp(client_address(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

/// Walk `X-Forwarded-For` from the right while the hop that handed us the request is a
/// trusted proxy; the first address not trusted is the client. An entry that is not an
/// address stops the walk at the last trusted hop (it cannot be vouched for).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNetwork]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer.to_canonical();
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            return client;
        };
        client = ip.to_canonical();
        if !is_trusted(client) {
            return client;
        }
    }
    client
}

/// A sign-in attempt that was counted; `succeeded` gives it back.
#[derive(Debug)]
#[must_use = "a successful sign-in should give its attempt back"]
pub struct SignInAttempt {
    counts: Vec<ThrottleCount>,
}

impl AppState {
    /// Count one sign-up or password-reset attempt from `ip`; 429 once over the per-minute
    /// limit of the address.
    pub async fn check_auth_rate(&self, ip: ClientIp) -> AppResult<()> {
        let keys = [address_key(ip)];
        let counts = cross_tenant::count_attempt(&self.db, &keys).await?;
        refuse_over(&counts, |_| self.config.auth_rate_per_minute)
    }

    /// Count one sign-in attempt against the address and against the account (`kind`
    /// separates tenant users from platform operators); 429 when either is over its limit.
    pub async fn begin_sign_in(
        &self,
        ip: ClientIp,
        kind: &str,
        email: &str,
    ) -> AppResult<SignInAttempt> {
        let minutes = self
            .config
            .signin_account_window_minutes
            .clamp(1, MAX_ACCOUNT_WINDOW_MINUTES);
        // The account is keyed by a hash: the table holds no typed addresses, and any input
        // (control characters, any length) makes a valid key.
        let account = format!(
            "{kind}:{:x}",
            Sha256::digest(email.trim().to_lowercase().as_bytes())
        );
        let keys = [
            address_key(ip),
            ThrottleKey {
                key: account,
                window_seconds: i64::from(minutes) * 60,
            },
        ];
        let counts = cross_tenant::count_attempt(&self.db, &keys).await?;
        refuse_over(&counts, |key| {
            if key.starts_with(ADDRESS_PREFIX) {
                self.config.auth_rate_per_minute
            } else {
                self.config.signin_account_limit
            }
        })?;
        Ok(SignInAttempt { counts })
    }

    /// The sign-in succeeded: its attempt no longer counts against the address or account.
    pub async fn sign_in_succeeded(&self, attempt: SignInAttempt) -> AppResult<()> {
        cross_tenant::uncount_attempt(&self.db, &attempt.counts).await
    }
}

/// Per-address counters are keyed `address:<ip>`; every other key is an account's.
const ADDRESS_PREFIX: &str = "address:";

/// The per-minute counter of the client address `ip`.
fn address_key(ip: ClientIp) -> ThrottleKey {
    ThrottleKey {
        key: format!("{ADDRESS_PREFIX}{}", ip.0),
        window_seconds: ADDRESS_WINDOW_SECONDS,
    }
}

fn refuse_over(counts: &[ThrottleCount], limit: impl Fn(&str) -> u32) -> AppResult<()> {
    let over = counts.iter().any(|c| {
        let attempts = u32::try_from(c.attempts).unwrap_or(0);
        attempts > limit(&c.key).max(1)
    });
    if over {
        tracing::warn!(keys = ?counts.iter().map(|c| &c.key).collect::<Vec<_>>(), "sign-in throttled");
        Err(AppError::TooManyRequests)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let trusted: Vec<IpNetwork> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = xff("198.51.100.9");
        assert_eq!(
            client_address(ip("10.0.0.2"), &h, &trusted),
            ip("198.51.100.9")
        );
        assert_eq!(
            client_address(ip("203.0.113.5"), &h, &trusted),
            ip("203.0.113.5")
        );
        assert_eq!(client_address(ip("10.0.0.2"), &h, &[]), ip("10.0.0.2"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted: Vec<IpNetwork> = vec!["10.0.0.0/8".parse().unwrap()];
        // The client forged the first entry; the proxies appended the real ones.
        let h = xff("1.2.3.4, 198.51.100.9, 10.0.0.7");
        assert_eq!(
            client_address(ip("10.0.0.2"), &h, &trusted),
            ip("198.51.100.9")
        );
        // Only proxies: the farthest one.
        let h = xff("10.0.0.9, 10.0.0.7");
        assert_eq!(client_address(ip("10.0.0.2"), &h, &trusted), ip("10.0.0.9"));
        // Garbage stops at the last trusted hop.
        let h = xff("198.51.100.9, not-an-address");
        assert_eq!(client_address(ip("10.0.0.2"), &h, &trusted), ip("10.0.0.2"));
        // No header: the proxy itself.
        assert_eq!(
            client_address(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
    }
}
