//! Exercise 05, "Survive failure": phase 03's stats service, whose network adapter you make
//! resilient.
//!
//! stats-service is phase 02's `stats` module in a process of its own: the module computes
//! the statistics and serves `GET /api/v1/stats`, and asks its `TaskCounts` seam for a
//! user's counts. In phase 02 the tasks module answered that in-process; here task-service
//! answers it over HTTP, and the network can be slow, flaky or down. This crate is
//! stats-service with its own adapter for that seam, and everything else reused from phase
//! 03 as a library (settings, the caller layer that forwards the caller's token and marks
//! stale answers, `/health`, the OpenAPI document, start-up). So the binary answers exactly
//! like phase 03's `stats-service`: same environment variables, same `GET /api/v1/stats`,
//! same call to task-service's `GET /internal/v1/task-counts`.
//!
//! - `client.rs`: the HTTP client for task-service (timeout, retries, circuit breaker).
//! - `seams.rs`: the `TaskCounts` seam over that client (the stale fallback).

mod client;
mod seams;

use std::{sync::Arc, time::Duration};

use service_kit::{auth::JwtKeys, startup::Application};
use stats::StatsApi;
use stats_service::{AppState, config::Settings, startup::SERVICE};

/// Listens on `PORT` (8003), calls task-service at `TASK_SERVICE_URL`.
fn main() -> anyhow::Result<()> {
    service_kit::startup::run(build)
}

/// Wired like phase 03's `stats_service::AppState::new`, with this exercise's adapter behind
/// the module's seam. `stats_service::app` wraps the module's router in the caller layer
/// (`stats_service::caller::forward_caller`), which the adapter relies on for the caller's
/// token, and adds `/health` and the OpenAPI document.
async fn build(settings: Settings) -> anyhow::Result<Application> {
    let client = client::TaskServiceClient::new(&settings.task_service)?;
    let tasks = seams::TaskServiceCounts::new(client);
    // stats-service only verifies tokens, it never issues one: the lifetime is never used.
    let jwt = JwtKeys::new(&settings.jwt_secret.bytes, Duration::ZERO);
    let state = AppState {
        stats: StatsApi::new(Arc::new(tasks), jwt),
    };
    Application::bind(SERVICE, settings.listen, stats_service::app(state)).await
}
