//! What every service's router ends with: a 64 KiB body limit, problem+json answers for
//! unknown routes (404) and wrong methods (405), and the edge layers.

use axum::{Router, extract::DefaultBodyLimit};

use crate::{error::ApiError, middleware};

/// Request bodies larger than this are refused with 413 before they are read in full.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Wraps a service's routes (state already supplied) for serving.
pub fn finish(routes: Router) -> Router {
    middleware::edge(
        routes
            .fallback(unknown_route)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
    )
}

pub async fn unknown_route() -> ApiError {
    ApiError::NotFound("no such route".into())
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
