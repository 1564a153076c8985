//! The identity module's slice of the HTTP API. The app merges it with the other
//! modules' routers and wraps them all in one edge.

pub(crate) mod users;

use axum::{
    Router,
    routing::{get, post},
};
use utoipa::OpenApi;

use crate::IdentityApi;

pub(crate) fn router(identity: IdentityApi) -> Router {
    Router::new()
        .route("/api/v1/auth/register", post(users::register))
        .route("/api/v1/auth/login", post(users::login))
        .route("/api/v1/users/me", get(users::me))
        .with_state(identity)
}

/// The identity module's operations in the OpenAPI document; the app merges the modules'.
#[derive(OpenApi)]
#[openapi(
    paths(users::register, users::login, users::me),
    tags(
        (name = "auth", description = "Register and log in"),
        (name = "users", description = "The caller's account"),
    )
)]
pub struct ApiDoc;
