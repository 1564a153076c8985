//! The HTTP layer: the module's route, wrapped in the caller layer, and what every service
//! adds to it.

pub mod docs;
pub mod health;

use axum::{Router, routing::get};
use service_kit::server_timing::ServerTimingLayer;

use crate::{caller::forward_caller, startup::SERVICE, state::AppState};

/// The whole service as one router: the binary serves it, and tests drive it directly.
/// `/api/v1/stats` is the stats module's own router.
pub fn app(state: AppState) -> Router {
    service_kit::routing::finish(
        Router::new()
            .route("/health", get(service_kit::health::check::<AppState>))
            .with_state(state.clone())
            .merge(
                state
                    .stats
                    .router()
                    .layer(axum::middleware::from_fn(forward_caller)),
            )
            .merge(service_kit::docs::router(docs::openapi())),
        ServerTimingLayer::new(SERVICE),
    )
}
