//! Per-address limits on sign-up and sign-in attempts.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AppState;
use crate::error::{AppError, AppResult};

pub type AuthLimiter = DefaultKeyedRateLimiter<IpAddr>;

pub fn limiter(per_minute: u32) -> AuthLimiter {
    let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    RateLimiter::keyed(Quota::per_minute(n))
}

/// The client's address as the server saw the connection.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> AppResult<Self> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        Ok(ClientIp(ip))
    }
}

impl AppState {
    /// Count one sign-up or sign-in attempt from `ip`; 429 once over the limit.
    pub fn check_auth_rate(&self, ip: ClientIp) -> AppResult<()> {
        self.limiter
            .check_key(&ip.0)
            .map_err(|_| AppError::TooManyRequests)
    }
}
