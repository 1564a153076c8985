//! The HTTP layer: the module's routes, and what every service adds to them.

pub mod docs;

use axum::Router;
use service_kit::server_timing::ServerTimingLayer;

use crate::{startup::SERVICE, state::AppState};

/// The whole service as one router: the binary serves it, and tests drive it directly.
/// `/api/v1/auth/*` and `/api/v1/users/me` are the identity module's own router.
pub fn app(state: AppState) -> Router {
    service_kit::routing::finish(
        state
            .database
            .health_route(SERVICE)
            .merge(state.identity.router())
            .merge(service_kit::docs::router(docs::openapi())),
        ServerTimingLayer::new(SERVICE).with_database(),
    )
}
