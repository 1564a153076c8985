//! The stats module's slice of the HTTP API. The app merges it with the other modules'
//! routers and wraps them all in one edge.

pub(crate) mod stats;

use axum::{Router, routing::get};
use utoipa::OpenApi;

use crate::StatsApi;

pub(crate) fn router(api: StatsApi) -> Router {
    Router::new()
        .route("/api/v1/stats", get(stats::get))
        .with_state(api)
}

/// The stats module's operation in the OpenAPI document; the app merges the modules'.
#[derive(OpenApi)]
#[openapi(
    paths(stats::get),
    tags((name = "stats", description = "The caller's statistics"))
)]
pub struct ApiDoc;
