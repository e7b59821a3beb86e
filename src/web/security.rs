//! Security headers on every response: a CSP without inline script or style, no framing, no
//! sniffing, a strict referrer policy, `Cache-Control: no-store` on every response that sets
//! no cache policy of its own (signed-in pages, exports, errors: nothing personal is kept by
//! a browser or a proxy), and HSTS when the site is served over HTTPS (secure cookies on).

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// CSP without inline script, no framing, no sniffing, a strict referrer policy.
const HEADERS: [(HeaderName, &str); 6] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
    ),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    ),
    // Dynamic responses carry user data; static files and the favicon set their own policy.
    (header::CACHE_CONTROL, "no-store"),
];

/// A year, subdomains included (OWASP ASVS 5.0 V3.4.1).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Wrap `router` in the headers; `https` adds `Strict-Transport-Security`.
pub fn apply(router: Router, https: bool) -> Router {
    let router = HEADERS.into_iter().fold(router, |r, (name, value)| {
        r.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ))
    });
    if https {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ))
    } else {
        router
    }
}
