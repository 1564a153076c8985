//! `gateway`: the single entry point (ADR 0009), and the strangler fig's trunk.
//!
//! Clients talk to the gateway only, so what stands behind a path can change without them
//! noticing: the routing table below decides, path prefix by path prefix, which process
//! answers. Strangling a module out of the monolith is one row of that table at a time.
//!
//! The forwarding itself is phase 03's gateway (`api_gateway`), reused as a library: the
//! relaying of method, headers and body, the 503/504/502 problems when a process does not
//! answer, `/health` over every process, the merged `/openapi.json`, and the rate limit.

use std::time::Duration;

use api_gateway::{
    config::{DEFAULT_HEALTH_TIMEOUT_MS, DEFAULT_UPSTREAM_TIMEOUT_MS, Upstreams},
    proxy::Upstream,
};
use service_kit::{
    config::{ConfigError, Env, FromEnv, Listen, RateLimit},
    startup::Application,
};

/// The name in logs and `/health`.
pub const SERVICE: &str = "gateway";
pub const DEFAULT_PORT: u16 = 8000;
pub const DEFAULT_MONOLITH_URL: &str = "http://127.0.0.1:8001";
pub const DEFAULT_STATS_SERVICE_URL: &str = "http://127.0.0.1:8003";

#[derive(Clone, Debug)]
pub struct Settings {
    /// `HOST`, `PORT`
    pub listen: Listen,
    /// `RATE_LIMIT_PER_SECOND`, `RATE_LIMIT_BURST`
    pub rate_limit: RateLimit,
    /// `MONOLITH_URL`
    pub monolith_url: String,
    /// `STATS_SERVICE_URL`
    pub stats_service_url: String,
    /// `UPSTREAM_TIMEOUT_MS`
    pub upstream_timeout: Duration,
    /// `HEALTH_TIMEOUT_MS`
    pub health_timeout: Duration,
}

impl FromEnv for Settings {
    fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            listen: env.listen(DEFAULT_PORT)?,
            rate_limit: env.rate_limit()?,
            monolith_url: env.service_url("MONOLITH_URL", DEFAULT_MONOLITH_URL)?,
            stats_service_url: env.service_url("STATS_SERVICE_URL", DEFAULT_STATS_SERVICE_URL)?,
            upstream_timeout: env.millis("UPSTREAM_TIMEOUT_MS", DEFAULT_UPSTREAM_TIMEOUT_MS)?,
            health_timeout: env.millis("HEALTH_TIMEOUT_MS", DEFAULT_HEALTH_TIMEOUT_MS)?,
        })
    }
}

/// The routing table: which process owns which path prefixes. A path no row owns
/// (`/internal/*` included) is a 404 at the gateway.
pub fn route_table(settings: &Settings) -> Vec<Upstream> {
    vec![
        Upstream::new(
            "stats-service",
            &settings.stats_service_url,
            &["/api/v1/stats"],
        ),
        Upstream::new(
            "monolith",
            &settings.monolith_url,
            &["/api/v1/auth", "/api/v1/users", "/api/v1/tasks"],
        ),
    ]
}

pub async fn build(settings: Settings) -> anyhow::Result<Application> {
    // Phase 03's gateway state (its HTTP client, timeouts, rate limit) with our table.
    let mut state = api_gateway::AppState::new(&api_gateway::config::Settings {
        listen: settings.listen,
        rate_limit: settings.rate_limit,
        upstreams: Upstreams {
            users: settings.monolith_url.clone(),
            tasks: settings.monolith_url.clone(),
            stats: settings.stats_service_url.clone(),
        },
        upstream_timeout: settings.upstream_timeout,
        health_timeout: settings.health_timeout,
        timeouts: Default::default(),
    })?;
    state.upstreams = route_table(&settings);
    Application::bind(SERVICE, settings.listen, api_gateway::app(state)).await
}
