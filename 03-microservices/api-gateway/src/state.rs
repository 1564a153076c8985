//! What every request handler can reach: the HTTP client and where the services are.

use std::time::Duration;

use crate::{
    config::{RateLimit, Settings},
    proxy::Upstream,
};

/// Cheap to clone: the client is a handle to one shared connection pool.
#[derive(Clone)]
pub struct AppState {
    pub http: reqwest::Client,
    pub upstreams: Vec<Upstream>,
    pub health_timeout: Duration,
    pub rate_limit: RateLimit,
}

impl AppState {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.upstream_timeout)
            .connect_timeout(settings.upstream_timeout)
            // A redirect is the client's business: pass it through, never follow it here.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            upstreams: Upstream::all(&settings.upstreams),
            health_timeout: settings.health_timeout,
            rate_limit: settings.rate_limit,
        })
    }
}
