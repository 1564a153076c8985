//! This service's part of the API as OpenAPI (`/openapi.json`, `/docs`). The gateway
//! merges it with the other services' documents into the one the clients see.

use service_kit::docs::BearerAuth;
pub use service_kit::docs::Problem;
use utoipa::OpenApi;

use super::{internal, tasks};

#[derive(OpenApi)]
#[openapi(
    info(title = "TaskTracker task-service", description = "The caller's tasks, and the internal counts stats-service folds into statistics (`/internal/*` is not reachable through the gateway)."),
    paths(tasks::create, tasks::list, tasks::get, tasks::update, tasks::set_status,
        tasks::toggle, tasks::delete, internal::task_counts, service_kit::health::check),
    modifiers(&BearerAuth),
    tags(
        (name = "tasks", description = "The caller's tasks"),
        (name = "internal", description = "Service-to-service routes; not exposed by the gateway"),
        (name = "health", description = "Liveness and dependencies"),
    )
)]
pub struct ApiDoc;
