//! The HTTP layer: the module's routes, and what the service adds to them.

pub mod docs;
pub mod internal;

use axum::{Router, middleware::from_fn_with_state, routing::get};
use service_kit::server_timing::ServerTimingLayer;

use crate::{owners::resolve_owner, startup::SERVICE, state::AppState};

/// The whole service as one router: the binary serves it, and tests drive it directly.
/// `/api/v1/tasks[/*]` is the tasks module's own router; callers of it and of the
/// internal route are resolved to this service's owners first (`owners`).
pub fn app(state: AppState) -> Router {
    let owned = Router::new()
        .route(internal::TASK_COUNTS, get(internal::task_counts))
        .with_state(state.tasks.clone())
        .merge(state.tasks.router())
        .layer(from_fn_with_state(state.owners.clone(), resolve_owner));
    service_kit::routing::finish(
        state
            .database
            .health_route(SERVICE)
            .merge(owned)
            .merge(service_kit::docs::router(docs::openapi())),
        ServerTimingLayer::new(SERVICE).with_database(),
    )
}
