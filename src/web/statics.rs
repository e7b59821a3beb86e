//! Static files with cache-busting URLs. At start-up every file under `static/` is hashed
//! once; pages link `asset_url("css/girder.css")` = `/static/css/girder.css?v=<hash>`, so a
//! new build changes the URL and browsers fetch it at once. Only a request whose `v` is the
//! file's current hash, answered with success, may be cached for a year (`immutable`); the
//! bare URL is revalidated every time (with an `ETag`), and errors are never stored.
//! Modelled on docs.rs's `handlers/statics.rs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::extract::{OriginalUri, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// A year, never revalidated: only for a URL that names the content's hash.
const FOREVER: &str = "public, max-age=31536000, immutable";
/// The bare URL: cache, but ask each time (cheap with the `ETag`).
const REVALIDATE: &str = "no-cache";
/// Errors (a missing file) are not cached at all.
const NEVER: &str = "no-store";

/// Content hashes of the files under the static directory, by path relative to it.
#[derive(Debug)]
struct Assets {
    hashes: HashMap<String, String>,
}

static ASSETS: OnceLock<Assets> = OnceLock::new();

/// `static/` beside the crate (development) or in the working directory (an install).
pub fn static_dir() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    if here.is_dir() {
        here
    } else {
        PathBuf::from("static")
    }
}

/// Hash every static file, once per process (the router calls it at start-up).
pub fn init() {
    assets();
}

fn assets() -> &'static Assets {
    ASSETS.get_or_init(|| {
        let root = static_dir();
        let mut hashes = HashMap::new();
        hash_dir(&root, &root, &mut hashes);
        Assets { hashes }
    })
}

fn hash_dir(root: &Path, dir: &Path, out: &mut HashMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        tracing::warn!(dir = %dir.display(), "static directory unreadable");
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            hash_dir(root, &path, out);
            continue;
        }
        let (Ok(bytes), Ok(rel)) = (std::fs::read(&path), path.strip_prefix(root)) else {
            continue;
        };
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let digest = format!("{:x}", Sha256::digest(&bytes));
        out.insert(rel, digest[..16].to_owned());
    }
}

fn hash_of(file: &str) -> Option<&'static str> {
    assets().hashes.get(file).map(String::as_str)
}

/// The URL of static file `file` (relative to `static/`), carrying its content hash.
pub fn asset_url(file: &str) -> String {
    match hash_of(file) {
        Some(hash) => format!("/static/{file}?v={hash}"),
        None => {
            tracing::warn!(file, "no such static file");
            format!("/static/{file}")
        }
    }
}

/// Cache headers and conditional GET for `/static/…`, around `ServeDir`.
pub async fn cache_headers(req: Request, next: Next) -> Response {
    let uri = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().clone(), |u| u.0.clone());
    let file = uri.path().strip_prefix("/static/").unwrap_or_default();
    let hash = hash_of(file);
    let asked = uri
        .query()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "v"))
        .map(|(_, v)| v.into_owned());
    let versioned = matches!((hash, &asked), (Some(h), Some(a)) if h == a);
    let etag = hash.and_then(|h| HeaderValue::from_str(&format!("\"{h}\"")).ok());
    let policy = if versioned { FOREVER } else { REVALIDATE };

    if let Some(etag) = &etag {
        let matches = req
            .headers()
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim() == etag.to_str().unwrap_or_default() || t.trim() == "*");
        if matches {
            return (
                StatusCode::NOT_MODIFIED,
                [
                    (header::ETAG, etag.clone()),
                    (header::CACHE_CONTROL, HeaderValue::from_static(policy)),
                ],
            )
                .into_response();
        }
    }

    let mut response = next.run(req).await;
    let success = response.status().is_success();
    let headers = response.headers_mut();
    match (&etag, success) {
        (Some(etag), true) => {
            headers.insert(header::ETAG, etag.clone());
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        }
        // Served but not hashed at start-up (added since): revalidate.
        (None, true) => {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
        }
        (_, false) => {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(NEVER));
        }
    }
    response
}

/// `/favicon.ico`, for browsers that ask for it whatever the page links.
pub async fn favicon() -> Response {
    match tokio::fs::read(static_dir().join("favicon.ico")).await {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("image/x-icon"),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=86400"),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            [(header::CACHE_CONTROL, HeaderValue::from_static(NEVER))],
        )
            .into_response(),
    }
}
