//! The HTTP layer: which handler serves which path.

pub mod docs;
pub mod health;
pub mod internal;
pub mod tasks;

use axum::{
    Router,
    routing::{get, patch, post},
};

use utoipa::OpenApi;

use crate::state::AppState;

/// The whole service as one router: the binary serves it, and tests drive it directly.
pub fn app(state: AppState) -> Router {
    service_kit::routing::finish(
        Router::new()
            .route("/api/v1/tasks", post(tasks::create).get(tasks::list))
            .route(
                "/api/v1/tasks/{id}",
                get(tasks::get).put(tasks::update).delete(tasks::delete),
            )
            .route("/api/v1/tasks/{id}/status", patch(tasks::set_status))
            .route("/api/v1/tasks/{id}/toggle", post(tasks::toggle))
            .route(internal::TASK_COUNTS, get(internal::task_counts))
            .route("/health", get(service_kit::health::check::<AppState>))
            .merge(service_kit::docs::router(docs::ApiDoc::openapi()))
            .with_state(state),
    )
}
