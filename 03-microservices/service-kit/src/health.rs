//! The `/health` document: every service answers it, and the gateway aggregates them.

use std::{collections::BTreeMap, future::Future};

use axum::{extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which phase of the workshop is answering; the frontend shows it.
pub const PHASE: &str = "03-microservices";

/// The liveness path every process serves ([`live`]); the gateway answers its own.
pub const LIVE: &str = "/health/live";

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`; a service whose own dependency fails says `unavailable`; the gateway says
    /// `degraded` when any downstream service is not ok.
    #[schema(example = "ok")]
    pub status: String,
    #[schema(example = "03-microservices")]
    pub phase: String,
    /// Which service answered: `api-gateway`, `user-service`, `task-service`, `stats-service`.
    #[schema(example = "api-gateway")]
    pub service: String,
    pub version: String,
    /// One entry per dependency (a database, a downstream service): `ok`, or what went wrong.
    pub checks: BTreeMap<String, String>,
}

impl Health {
    /// 200 with `ok` when every check says `ok`; otherwise 503 with `failing_status`.
    pub fn answer(
        service: &str,
        version: &str,
        checks: BTreeMap<String, String>,
        failing_status: &str,
    ) -> (StatusCode, axum::Json<Health>) {
        let healthy = checks.values().all(|check| check == "ok");
        let health = Health {
            status: if healthy { "ok" } else { failing_status }.to_string(),
            phase: PHASE.to_string(),
            service: service.to_string(),
            version: version.to_string(),
            checks,
        };
        let status = if healthy {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        (status, axum::Json(health))
    }
}

/// What a service's state tells `/health`: its name, and one check per dependency.
pub trait Probe: Clone + Send + Sync + 'static {
    /// `user-service`, `task-service`, ...
    const SERVICE: &'static str;
    /// The status word when a check fails.
    const FAILING_STATUS: &'static str = "unavailable";
    /// Each dependency's name and `ok`, or what went wrong.
    fn checks(&self) -> impl Future<Output = BTreeMap<String, String>> + Send;
}

/// `GET /health` for any service: 200 when every check is `ok`, else 503. Needs no token.
#[utoipa::path(
    get, path = "/health", tag = "health",
    responses(
        (status = 200, description = "Usable", body = Health),
        (status = 503, description = "A dependency is not usable; `checks` says which", body = Health),
    )
)]
pub async fn check<S: Probe>(State(state): State<S>) -> (StatusCode, axum::Json<Health>) {
    let checks = state.checks().await;
    Health::answer(
        S::SERVICE,
        env!("CARGO_PKG_VERSION"),
        checks,
        S::FAILING_STATUS,
    )
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
