//! The gateway's router, as in phase 03's `api-gateway`, built here so that the rate limit
//! is this exercise's own code (`crate::rate_limit`), not a setting of phase 03's.

use api_gateway::{proxy, routes::docs, state::AppState};
use axum::{Router, routing::get};
use service_kit::{middleware, routing::method_not_allowed};

use crate::rate_limit;

/// The whole gateway: its own routes, the web app, and every other path forwarded to the
/// service that owns it.
pub fn app(state: AppState) -> Router {
    let limit = state.rate_limit;
    let routes = Router::new()
        .route("/health", get(service_kit::health::check::<AppState>))
        .route("/openapi.json", get(docs::openapi))
        .merge(docs::swagger_ui())
        .merge(frontend::router())
        .fallback(proxy::forward)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    // The rate limit applies to every client request, forwarded or not; the edge layers
    // (request id, logging, panic → 500) wrap it, so a 429 is logged with its request id.
    middleware::edge(rate_limit::per_client_ip(routes, limit))
}
