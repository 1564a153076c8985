//! This service's part of the API as OpenAPI (`/openapi.json`, `/docs`): the module's
//! operations, plus `/health`. The gateway merges it with the other services' documents.

use service_kit::docs::BearerAuth;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "TaskTracker user-service", description = "Accounts and tokens."),
    paths(service_kit::health::check, service_kit::health::live),
    modifiers(&BearerAuth),
    tags((name = "health", description = "Liveness and dependencies"))
)]
pub struct ApiDoc;

/// The service's document: its own part, then the identity module's slice.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    document.merge(identity::ApiDoc::openapi());
    document
}
