//! The HTTP layer, as in phase 03's stats-service: `GET /api/v1/stats`, `/health`, and the
//! OpenAPI document. It is the same in the starter and the solution: when the statistics
//! are `stale`, it already adds `x-stats-stale: true` and `Warning: 110`.

use std::collections::BTreeMap;

use axum::{
    Json, Router,
    extract::{FromRef, State},
    http::{HeaderMap, HeaderValue, header::WARNING},
    routing::get,
};
use service_kit::{auth::JwtKeys, error::ApiError, health::Probe, middleware::REQUEST_ID_HEADER};
use stats_service::{
    auth::AuthUser, config::Settings, routes::stats::STALE_HEADER, services::TaskStats,
};
use utoipa::OpenApi;

use crate::{SERVICE, stats::StatsService};

/// Cheap to clone: every field is a handle to shared data.
#[derive(Clone)]
pub struct AppState {
    stats: StatsService,
    jwt: JwtKeys,
}

impl AppState {
    pub fn new(stats: StatsService, settings: &Settings) -> Self {
        Self {
            stats,
            jwt: JwtKeys::verifier(&settings.jwt_secret.bytes),
        }
    }
}

/// Lets the `AuthUser` extractor find the keys.
impl FromRef<AppState> for JwtKeys {
    fn from_ref(state: &AppState) -> Self {
        state.jwt.clone()
    }
}

/// No database: healthy whenever it answers (task-service has its own `/health`).
impl Probe for AppState {
    const SERVICE: &'static str = SERVICE;

    async fn checks(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }
}

pub fn app(state: AppState) -> Router {
    service_kit::routing::finish(
        Router::new()
            .route("/api/v1/stats", get(stats))
            .route("/health", get(service_kit::health::check::<AppState>))
            .merge(service_kit::docs::router(
                stats_service::routes::docs::ApiDoc::openapi(),
            ))
            .with_state(state),
    )
}

/// `GET /api/v1/stats`: the caller's statistics (documented by phase 03's `ApiDoc`).
async fn stats(
    State(state): State<AppState>,
    caller: AuthUser,
    request: HeaderMap,
) -> Result<(HeaderMap, Json<TaskStats>), ApiError> {
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
    Ok((headers, Json(stats)))
}
