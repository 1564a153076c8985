//! Exercise 05, "Survive failure": phase 03's stats service, whose call to task-service
//! you make resilient.
//!
//! Everything but the two files of the exercise comes from phase 03 as a library
//! (`stats-service` for its settings, domain and statistics, `service-kit` for errors,
//! auth and start-up), so the binary answers exactly like phase 03's `stats-service`:
//! same environment variables, same `GET /api/v1/stats`, same call to task-service's
//! `GET /internal/v1/task-counts`.
//!
//! - `client.rs`: the HTTP client for task-service (timeout, retries, circuit breaker).
//! - `stats.rs`: the statistics service (the stale fallback).
//! - `routes.rs`: the HTTP layer; it already marks stale statistics, you need not touch it.

mod client;
mod routes;
mod stats;

use service_kit::startup::Application;
use stats_service::config::Settings;

/// The service name in logs and `/health`.
const SERVICE: &str = "stats-service";

/// Listens on `PORT` (8003), calls task-service at `TASK_SERVICE_URL`.
fn main() -> anyhow::Result<()> {
    service_kit::startup::run(build)
}

async fn build(settings: Settings) -> anyhow::Result<Application> {
    let tasks = client::TaskServiceClient::new(&settings.task_service)?;
    let state = routes::AppState::new(stats::StatsService::new(tasks), &settings);
    Application::bind(SERVICE, settings.listen, routes::app(state)).await
}
