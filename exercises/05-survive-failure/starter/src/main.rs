//! Exercise 05, "Survive failure": phase 03's stats service, whose network adapter you make
//! resilient.
//!
//! stats-service is phase 02's `stats` module in a process of its own: the module computes
//! the statistics and serves `GET /api/v1/stats`, and asks its `TaskCounts` seam for a
//! user's counts. In phase 02 the tasks module answered that in-process; here task-service
//! answers it over HTTP, and the network can be slow, flaky or down. This crate is
//! stats-service with its own adapter for that seam. So the binary answers exactly like
//! phase 03's `stats-service`: same environment variables, same `GET /api/v1/stats`, same
//! call to task-service's `GET /internal/v1/task-counts`.
//!
//! - `client.rs`: the HTTP client for task-service (timeout, retries, circuit breaker).
//! - `seams.rs`: the `TaskCounts` seam over that client (the stale fallback).
//!
//! Everything else is phase 03's own files, compiled here unchanged (`#[path]`): the
//! settings, `CallError`, the caller layer that forwards the caller's token and marks stale
//! answers, and the router with `/health` and the OpenAPI document. The crate does not
//! depend on `stats-service` itself: that crate also holds the finished client and adapter,
//! which are this exercise's answer (the checker refuses the dependency, and any other file
//! of phase 03 compiled in place).

mod client;
mod seams;

// Phase 03's files, unchanged; this crate uses only part of each (hence `dead_code`).
#[allow(dead_code)]
#[path = "../../../../03-microservices/stats-service/src/clients/call_error.rs"]
mod call_error;
#[allow(dead_code)]
#[path = "../../../../03-microservices/stats-service/src/caller.rs"]
mod caller;
#[allow(dead_code)]
#[path = "../../../../03-microservices/stats-service/src/config.rs"]
mod config;
#[allow(dead_code)]
#[path = "../../../../03-microservices/stats-service/src/routes/mod.rs"]
mod routes;

/// What phase 03's router and `/health` need from `crate::startup`: the service's name.
mod startup {
    /// The service name in logs and `/health`, as phase 03's.
    pub const SERVICE: &str = "stats-service";
}

/// What the service holds: the stats module, its seam plugged into this exercise's
/// adapter. (Phase 03's `state.rs` builds phase 03's client, so it is not compiled here.)
mod state {
    /// Cheap to clone: every field is a handle to shared data (client, cache, keys).
    #[derive(Clone)]
    pub struct AppState {
        pub stats: stats::StatsApi,
    }
}

use std::{sync::Arc, time::Duration};

use service_kit::{auth::JwtKeys, startup::Application};
use stats::StatsApi;

use crate::{config::Settings, startup::SERVICE, state::AppState};

/// Listens on `PORT` (8003), calls task-service at `TASK_SERVICE_URL`.
fn main() -> anyhow::Result<()> {
    service_kit::startup::run(build)
}

/// Wired like phase 03's `AppState::new`, with this exercise's adapter behind the module's
/// seam. `routes::app` wraps the module's router in the caller layer
/// (`caller::forward_caller`), which the adapter relies on for the caller's token, and adds
/// `/health` and the OpenAPI document.
async fn build(settings: Settings) -> anyhow::Result<Application> {
    let client = client::TaskServiceClient::new(&settings.task_service)?;
    let tasks = seams::TaskServiceCounts::new(client);
    // stats-service only verifies tokens, it never issues one: the lifetime is never used.
    let jwt = JwtKeys::new(&settings.jwt_secret.bytes, Duration::ZERO);
    let state = AppState {
        stats: StatsApi::new(Arc::new(tasks), jwt),
    };
    Application::bind(SERVICE, settings.listen, routes::app(state)).await
}
