//! What every service's router ends with: a 64 KiB body limit, problem+json answers for
//! unknown routes (404) and wrong methods (405), the edge layers, and outside them all the
//! `Server-Timing` layer, so every answer carries the header.

use axum::{Router, extract::DefaultBodyLimit, routing::get};

use crate::{error::ApiError, health, middleware, server_timing::ServerTimingLayer};

/// Request bodies larger than this are refused with 413 before they are read in full.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Wraps a service's routes (state already supplied) for serving, adding `/health/live`.
/// `timing` names the service's own `Server-Timing` entry, with a `db` entry if it has a
/// database: `ServerTimingLayer::new(SERVICE).with_database()`.
pub fn finish(routes: Router, timing: ServerTimingLayer) -> Router {
    middleware::edge(
        routes
            .route(health::LIVE, get(health::live))
            .fallback(unknown_route)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
    )
    .layer(timing)
}

pub async fn unknown_route() -> ApiError {
    ApiError::NotFound("no such route".into())
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request, http::StatusCode, routing::get};
    use tower::ServiceExt;

    use super::*;

    /// Every service gets `/health/live` from `finish`, and it answers 200 even when the
    /// service's own `/health` does not (here: a dependency that is down).
    #[tokio::test]
    async fn every_finished_router_is_live_whatever_its_health_says() {
        let routes =
            Router::new().route("/health", get(|| async { StatusCode::SERVICE_UNAVAILABLE }));
        let app = finish(routes, ServerTimingLayer::new("test"));
        for (path, status) in [
            ("/health", StatusCode::SERVICE_UNAVAILABLE),
            (health::LIVE, StatusCode::OK),
        ] {
            let request = Request::get(path).body(Body::empty()).expect("a request");
            let answer = app.clone().oneshot(request).await.expect("an answer");
            assert_eq!(answer.status(), status, "{path}");
        }
    }
}
