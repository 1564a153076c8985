//! `/api/v1/stats`.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderName, HeaderValue, header::WARNING},
};

use service_kit::middleware::REQUEST_ID_HEADER;

use crate::{
    auth::AuthUser, error::ApiError, routes::docs::Problem, services::TaskStats, state::AppState,
};

/// Set to `true` on statistics served from the last known state.
pub const STALE_HEADER: HeaderName = HeaderName::from_static("x-stats-stale");

/// The caller's statistics over all of their tasks.
#[utoipa::path(
    get, path = "/api/v1/stats", tag = "stats", security(("bearer" = [])),
    responses(
        (status = 200, body = TaskStats, description = "The statistics. While task-service \
            is unreachable they may be the caller's last known ones: then the body has \
            `\"stale\": true` and the headers below are set.",
            headers(
                ("x-stats-stale" = String, description = "`true` on last known (stale) statistics"),
                ("warning" = String, description = "`110 - \"Response is Stale\"` on stale statistics"),
            )),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "task-service answered something unusable", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "task-service is unavailable and no earlier statistics are known", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: AuthUser,
    request: HeaderMap,
) -> Result<(HeaderMap, axum::Json<TaskStats>), ApiError> {
    let request_id = request
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok());
    let stats = state.stats.for_user(&caller, request_id).await?;
    let mut headers = HeaderMap::new();
    if stats.stale {
        headers.insert(STALE_HEADER, HeaderValue::from_static("true"));
        headers.insert(
            WARNING,
            HeaderValue::from_static("110 - \"Response is Stale\""),
        );
    }
    Ok((headers, axum::Json(stats)))
}
