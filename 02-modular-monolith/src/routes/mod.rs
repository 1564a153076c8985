//! The HTTP layer of the app: the modules' routers merged into one, `/health` and the
//! docs, and the edge every request crosses.

pub mod docs;
pub mod health;

use axum::{Router, extract::DefaultBodyLimit, routing::get};
use shared_kernel::{ApiError, server_timing::SectionLayer};

use crate::{middleware, state::AppState};

/// Request bodies larger than this are refused with 413 before they are read in full.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole application as one router: the binary serves it, and tests drive it directly.
/// Each module contributes its own slice of the API; the app adds what belongs to no module.
pub fn app(state: AppState) -> Router {
    let rate_limit = state.rate_limit;
    let routes = Router::new()
        .route("/health", get(health::check))
        .route("/health/live", get(health::live))
        .with_state(state.clone())
        // Each module's routes are a section of `Server-Timing`: a request shows the
        // module it entered, and (through the seams) each module that one called.
        .merge(state.identity.router().layer(SectionLayer("identity")))
        .merge(state.tasks.router().layer(SectionLayer("tasks")))
        .merge(state.stats.router().layer(SectionLayer("stats")))
        .merge(docs::router())
        .merge(frontend::router())
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    middleware::edge(routes, rate_limit)
}

async fn unknown_route() -> ApiError {
    ApiError::NotFound("no such route".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
