//! The gateway's own routes (`/health`, `/openapi.json`, `/docs`, and the web app at `/`);
//! everything else is forwarded by [`crate::proxy::forward`] or answered 404.

pub mod docs;
pub mod health;

use axum::{
    Router,
    routing::{any, get},
};
use service_kit::{middleware, routing::method_not_allowed, server_timing::ServerTimingLayer};

use crate::{proxy, state::AppState};

/// The whole gateway as one router: the binary serves it, and tests drive it directly.
pub fn app(state: AppState) -> Router {
    let rate_limit = state.rate_limit;
    // The API's routes are forwarded like any other path; as routes, they name their
    // requests' spans and metrics by template. Paths that match none are named by prefix.
    let upstreams = state.upstreams.clone();
    let api_routes = proxy::API_ROUTES
        .iter()
        .fold(Router::new(), |routes, template| {
            routes.route(template, any(proxy::forward))
        });
    let routes = api_routes
        .route("/health", get(service_kit::health::check::<AppState>))
        .route(service_kit::health::LIVE, get(service_kit::health::live))
        .route("/openapi.json", get(docs::openapi))
        .merge(docs::swagger_ui())
        // The same web app every phase serves: the gateway is the only public entry point.
        .merge(frontend::router())
        .fallback(proxy::forward)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    // The rate limit applies to every client request, forwarded or not; Server-Timing
    // outside everything, so the gateway's own 404 and 429 carry the header too.
    middleware::edge_naming(middleware::rate_limit(routes, rate_limit), move |path| {
        proxy::upstream_for(&upstreams, path).and_then(|upstream| upstream.route_of(path))
    })
    .layer(SERVER_TIMING)
}

/// The gateway's own entry in `Server-Timing`; the services' entries follow it, each under
/// the service's name (`task-service`, `task-service.db`). It has no database.
pub const SERVER_TIMING: ServerTimingLayer = ServerTimingLayer::new("gateway");
