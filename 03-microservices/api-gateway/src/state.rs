//! What every request handler can reach: the HTTP client and where the services are.

use std::time::Duration;

use service_kit::metrics::Metrics;

use crate::{
    config::{RateLimit, Settings},
    proxy::Upstream,
    resolve::RoundRobin,
};

/// An idle upstream connection is closed after this long, so the next request opens a new
/// one: a new DNS lookup, and with several replicas of a service, the next replica (see
/// `resolve.rs`). A busy connection is kept, so back-to-back requests pay no new handshake.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(1);

/// At most this many idle connections are kept per service (all replicas of it share one
/// pool key, the service's name and port); connections opened for a burst beyond that are
/// closed when it is over, and the next burst opens new ones, spread over the replicas.
pub const POOL_MAX_IDLE_PER_SERVICE: usize = 16;

/// Cheap to clone: the client is a handle to one shared connection pool.
#[derive(Clone)]
pub struct AppState {
    pub http: reqwest::Client,
    pub upstreams: Vec<Upstream>,
    pub health_timeout: Duration,
    pub rate_limit: RateLimit,
    /// What `/metrics` shows, on the gateway's own `METRICS_PORT`: its requests, and each
    /// call it forwards, by service and outcome.
    pub metrics: Metrics,
}

impl AppState {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        Self::with_resolver(settings, RoundRobin::default())
    }

    /// The state with a resolver of the caller's (the tests' replicas on loopback).
    pub fn with_resolver(settings: &Settings, resolver: RoundRobin) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.upstream_timeout)
            .connect_timeout(settings.upstream_timeout)
            // A redirect is the client's business: pass it through, never follow it here.
            .redirect(reqwest::redirect::Policy::none())
            // Spread connections over a service's replicas (`--scale task-service=3`).
            .dns_resolver(resolver)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(POOL_MAX_IDLE_PER_SERVICE)
            .build()?;
        Ok(Self {
            http,
            upstreams: Upstream::all(&settings.upstreams),
            health_timeout: settings.health_timeout,
            rate_limit: settings.rate_limit,
            metrics: Metrics::new(),
        })
    }
}
