//! This service's part of the API as OpenAPI (`/openapi.json`, `/docs`): the module's
//! operations, the internal route and `/health`. The gateway merges it with the other
//! services' documents (and leaves `/internal/*` out).

use service_kit::docs::BearerAuth;
use utoipa::OpenApi;

use super::internal;

#[derive(OpenApi)]
#[openapi(
    info(title = "TaskTracker task-service", description = "The caller's tasks, and the internal counts stats-service folds into statistics (`/internal/*` is not reachable through the gateway)."),
    paths(
        internal::task_counts,
        service_kit::health::check,
        service_kit::health::live
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "internal", description = "Service-to-service routes; not exposed by the gateway"),
        (name = "health", description = "Liveness and dependencies"),
    )
)]
pub struct ApiDoc;

/// The service's document: its own part, then the tasks module's slice.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    document.merge(tasks::ApiDoc::openapi());
    document
}
