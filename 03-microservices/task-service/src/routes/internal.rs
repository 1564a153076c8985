//! Routes for other services, never for clients: the gateway does not forward `/internal/*`.
//!
//! `GET /internal/v1/task-counts` is the far end of the stats module's `TaskCounts` seam:
//! in phase 02 the app called `TasksApi::counts_for_owner` in-process; here stats-service
//! calls this route, and the route makes the same call. The caller is authenticated by the
//! user's own token, forwarded by stats-service, so the route can only ever reveal the
//! counts of the user whose token it is.

use axum::extract::State;
use shared_kernel::{ApiError, AuthUser, Problem, domain};
use tasks::{TaskCount, TasksApi};

pub const TASK_COUNTS: &str = "/internal/v1/task-counts";

/// The caller's task counts per (status, priority), with how many are overdue now.
/// Groups with no tasks are left out.
#[utoipa::path(
    get, path = "/internal/v1/task-counts", tag = "internal", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<TaskCount>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn task_counts(
    State(tasks): State<TasksApi>,
    caller: AuthUser,
) -> Result<axum::Json<Vec<TaskCount>>, ApiError> {
    Ok(axum::Json(
        tasks
            .counts_for_owner(caller.user_id, domain::now())
            .await?,
    ))
}
