//! This service's part of the API as OpenAPI (`/openapi.json`, `/docs`). The gateway
//! merges it with the other services' documents into the one the clients see.

use service_kit::docs::BearerAuth;
pub use service_kit::docs::Problem;
use utoipa::OpenApi;

use super::users;

#[derive(OpenApi)]
#[openapi(
    info(title = "TaskTracker user-service", description = "Accounts and tokens."),
    paths(users::register, users::login, users::me, service_kit::health::check),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Register and log in"),
        (name = "users", description = "The caller's account"),
        (name = "health", description = "Liveness and dependencies"),
    )
)]
pub struct ApiDoc;
