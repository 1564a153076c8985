//! `/health`: is this service, and what it depends on, usable right now?

use axum::{extract::State, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// Which phase of the workshop is answering; the frontend shows it.
pub const PHASE: &str = "02-modular-monolith";

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when a dependency fails.
    #[schema(example = "ok")]
    pub status: &'static str,
    #[schema(example = "02-modular-monolith")]
    pub phase: &'static str,
    pub version: &'static str,
    pub checks: HealthChecks,
}

#[derive(Serialize, ToSchema)]
pub struct HealthChecks {
    /// `ok`, or `unreachable` (what went wrong is logged, never answered).
    pub database: String,
}

/// Health of the service and its database. Needs no token.
#[utoipa::path(
    get, path = "/health", tag = "health",
    responses(
        (status = 200, description = "Usable", body = Health),
        (status = 503, description = "The database is not reachable", body = Health),
    )
)]
pub async fn check(State(state): State<AppState>) -> (StatusCode, axum::Json<Health>) {
    let (status, database) = match state.database.ping().await {
        Ok(()) => (StatusCode::OK, "ok".to_string()),
        Err(error) => {
            // Why goes to the log only: driver errors can name hosts, users and files.
            tracing::warn!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "unreachable".to_string())
        }
    };
    let health = Health {
        status: if status == StatusCode::OK {
            "ok"
        } else {
            "unavailable"
        },
        phase: PHASE,
        version: env!("CARGO_PKG_VERSION"),
        checks: HealthChecks { database },
    };
    (status, axum::Json(health))
}

/// Liveness: 200 whenever the process serves, whatever its dependencies. Needs no token.
/// A liveness probe (Kubernetes restarts a process that fails it) asks this, not `/health`:
/// restarting a server whose database is down would not bring the database back.
#[utoipa::path(
    get, path = "/health/live", tag = "health",
    responses((status = 200, description = "The process serves (empty body)"))
)]
pub async fn live() -> StatusCode {
    StatusCode::OK
}
