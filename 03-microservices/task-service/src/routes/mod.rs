//! The HTTP layer: the module's routes, and what the service adds to them.

pub mod docs;
pub mod internal;

use axum::{Router, routing::get};

use crate::{startup::SERVICE, state::AppState};

/// The whole service as one router: the binary serves it, and tests drive it directly.
/// `/api/v1/tasks[/*]` is the tasks module's own router.
pub fn app(state: AppState) -> Router {
    service_kit::routing::finish(
        state
            .database
            .health_route(SERVICE)
            .merge(
                Router::new()
                    .route(internal::TASK_COUNTS, get(internal::task_counts))
                    .with_state(state.tasks.clone()),
            )
            .merge(state.tasks.router())
            .merge(service_kit::docs::router(docs::openapi())),
    )
}
