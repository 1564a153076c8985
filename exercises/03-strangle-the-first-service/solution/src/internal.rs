//! `GET /internal/v1/task-counts` on the monolith: what the new stats service needs.
//!
//! Answered through the tasks module's facade (`TasksApi::counts_for_owner`), never by SQL
//! of its own: the route is one more way in to the tasks module, not a way around it. The
//! caller is authenticated by the user's own token (the stats service forwards it, ADR
//! 0010), so the route can only ever reveal the counts of the user whose token it is.

use axum::{Json, Router, extract::State, routing::get};
use shared_kernel::{ApiError, AuthUser, domain};
use tasks::TasksApi;

use crate::wire::{TASK_COUNTS_PATH, TaskCountBody};

/// The internal routes, over the tasks module's facade.
pub fn router(tasks: TasksApi) -> Router {
    Router::new()
        .route(TASK_COUNTS_PATH, get(task_counts))
        .with_state(tasks)
}

/// The caller's task counts per (status, priority), with how many are overdue now.
async fn task_counts(
    State(tasks): State<TasksApi>,
    caller: AuthUser,
) -> Result<Json<Vec<TaskCountBody>>, ApiError> {
    let counts = tasks
        .counts_for_owner(caller.user_id, domain::now())
        .await?;
    Ok(Json(counts.iter().map(TaskCountBody::from).collect()))
}
