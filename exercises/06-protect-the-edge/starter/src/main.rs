//! Exercise 06, "Protect the edge": phase 03's API gateway, to which you add a per-client
//! rate limit.
//!
//! Everything but the limiter comes from phase 03 as a library (`api-gateway` for its
//! settings, state, forwarding, `/health` and `/openapi.json`, `service-kit` for the edge
//! layers and start-up), so the binary is a drop-in replacement for phase 03's gateway:
//! same environment variables (`PORT`, `USER_SERVICE_URL`, `TASK_SERVICE_URL`,
//! `STATS_SERVICE_URL`, `RATE_LIMIT_PER_SECOND`, `RATE_LIMIT_BURST`, ...), same routes.
//!
//! - `routes.rs`: the gateway's router; it already calls the limiter for every request.
//! - `rate_limit.rs`: the limiter, the one file of the exercise.

mod rate_limit;
mod routes;

use api_gateway::{config::Settings, state::AppState};
use service_kit::startup::Application;

/// The service name in logs and `/health`.
const SERVICE: &str = "api-gateway";

/// Listens on `PORT` (8000) and forwards to the services at the `*_SERVICE_URL`s.
fn main() -> anyhow::Result<()> {
    service_kit::startup::run(build)
}

async fn build(settings: Settings) -> anyhow::Result<Application> {
    let state = AppState::new(&settings)?;
    Application::bind(SERVICE, settings.listen, routes::app(state)).await
}
