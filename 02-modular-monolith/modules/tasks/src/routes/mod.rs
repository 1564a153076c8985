//! The tasks module's slice of the HTTP API. The app merges it with the other modules'
//! routers and wraps them all in one edge.

pub(crate) mod tasks;

use axum::{
    Router,
    routing::{get, patch, post},
};
use utoipa::OpenApi;

use crate::TasksApi;

pub(crate) fn router(api: TasksApi) -> Router {
    Router::new()
        .route("/api/v1/tasks", post(tasks::create).get(tasks::list))
        .route(
            "/api/v1/tasks/{id}",
            get(tasks::get).put(tasks::update).delete(tasks::delete),
        )
        .route("/api/v1/tasks/{id}/status", patch(tasks::set_status))
        .route("/api/v1/tasks/{id}/toggle", post(tasks::toggle))
        .with_state(api)
}

/// The tasks module's operations in the OpenAPI document; the app merges the modules'.
#[derive(OpenApi)]
#[openapi(
    paths(
        tasks::create, tasks::list, tasks::get, tasks::update, tasks::set_status,
        tasks::toggle, tasks::delete,
    ),
    tags((name = "tasks", description = "The caller's tasks"))
)]
pub struct ApiDoc;
