//! This service's part of the API as OpenAPI (`/openapi.json`, `/docs`). The gateway
//! merges it with the other services' documents into the one the clients see.

use service_kit::docs::BearerAuth;
pub use service_kit::docs::Problem;
use utoipa::OpenApi;

use super::stats;

#[derive(OpenApi)]
#[openapi(
    info(title = "TaskTracker stats-service", description = "The caller's statistics, computed from task-service's counts."),
    paths(stats::get, service_kit::health::check),
    modifiers(&BearerAuth),
    tags(
        (name = "stats", description = "The caller's statistics"),
        (name = "health", description = "Liveness and dependencies"),
    )
)]
pub struct ApiDoc;
