//! Routes for other services, never for clients: the gateway does not forward `/internal/*`.
//!
//! `GET /internal/v1/task-counts` is the seam stats-service computes statistics through:
//! one grouped SQL query answers how many of the caller's tasks have each (status,
//! priority), and how many of those are overdue, however many tasks there are. The caller
//! is authenticated by the user's own token, forwarded by stats-service, so the route can
//! only ever reveal the counts of the user whose token it is.

use axum::extract::State;

use crate::{
    auth::AuthUser, error::ApiError, repositories::TaskCount, routes::docs::Problem,
    state::AppState,
};

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
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<axum::Json<Vec<TaskCount>>, ApiError> {
    Ok(axum::Json(state.tasks.counts(caller.user_id).await?))
}
