//! `/api/v1/stats`.

use axum::extract::State;

use shared_kernel::{ApiError, AuthUser, Problem};

use crate::{StatsApi, services::TaskStats};

/// The caller's statistics over all of their tasks.
#[utoipa::path(
    get, path = "/api/v1/stats", tag = "stats", security(("bearer" = [])),
    responses(
        (status = 200, body = TaskStats),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(api): State<StatsApi>,
    caller: AuthUser,
) -> Result<axum::Json<TaskStats>, ApiError> {
    Ok(axum::Json(api.stats.for_user(caller.user_id).await?))
}
