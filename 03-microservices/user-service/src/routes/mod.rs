//! The HTTP layer: which handler serves which path.

pub mod docs;
pub mod health;
pub mod users;

use axum::{
    Router,
    routing::{get, post},
};

use utoipa::OpenApi;

use crate::state::AppState;

/// The whole service as one router: the binary serves it, and tests drive it directly.
pub fn app(state: AppState) -> Router {
    service_kit::routing::finish(
        Router::new()
            .route("/api/v1/auth/register", post(users::register))
            .route("/api/v1/auth/login", post(users::login))
            .route("/api/v1/users/me", get(users::me))
            .route("/health", get(service_kit::health::check::<AppState>))
            .merge(service_kit::docs::router(docs::ApiDoc::openapi()))
            .with_state(state),
    )
}
