//! `Path<T>`: axum's path extractor, but a malformed id is the same 404 page as a missing one.

use axum::extract::{FromRequestParts, rejection::PathRejection};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        #[expect(clippy::disallowed_types, reason = "this is the wrapper")]
        let extracted = axum::extract::Path::<T>::from_request_parts(parts, state).await;
        extracted
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|_: PathRejection| AppError::NotFound)
    }
}
