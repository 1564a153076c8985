//! The HTTP layer: which handler serves which path, and the edge every request crosses.

pub mod docs;
pub mod health;
pub mod problem_responses;
pub mod stats;
pub mod tasks;
pub mod users;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, patch, post},
};

use crate::{error::ApiError, middleware, state::AppState};

/// Request bodies larger than this are refused with 413 before they are read in full.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole application as one router: the binary serves it, and tests drive it directly.
pub fn app(state: AppState) -> Router {
    let rate_limit = state.rate_limit;
    let routes = Router::new()
        .route("/api/v1/auth/register", post(users::register))
        .route("/api/v1/auth/login", post(users::login))
        .route("/api/v1/users/me", get(users::me))
        .route("/api/v1/tasks", post(tasks::create).get(tasks::list))
        .route(
            "/api/v1/tasks/{id}",
            get(tasks::get).put(tasks::update).delete(tasks::delete),
        )
        .route("/api/v1/tasks/{id}/status", patch(tasks::set_status))
        .route("/api/v1/tasks/{id}/toggle", post(tasks::toggle))
        .route("/api/v1/stats", get(stats::get))
        .route("/health", get(health::check))
        .route("/health/live", get(health::live))
        .merge(docs::router())
        .merge(frontend::router())
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    middleware::edge(routes, rate_limit)
}

async fn unknown_route() -> ApiError {
    ApiError::NotFound("no such route".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
