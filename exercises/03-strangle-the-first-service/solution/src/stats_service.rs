//! `stats-service`: phase 02's `stats` module, unchanged, in a process of its own.
//!
//! `StatsApi` brings its router (`GET /api/v1/stats`) and checks the caller's JWT itself
//! (ADR 0010), so this file only adds what every service needs: settings, `/health`, the
//! docs, and the module's `TaskCounts` seam filled with an HTTP client
//! ([`crate::task_counts`]) instead of the tasks module's facade.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::Request,
    http::header::AUTHORIZATION,
    middleware::{self, Next},
    response::Response,
    routing::get,
};
use service_kit::{
    config::{ConfigError, Env, FromEnv, JwtSecret, Listen},
    health::Probe,
    server_timing::ServerTimingLayer,
    startup::Application,
};
use shared_kernel::JwtKeys;
use stats::StatsApi;
use utoipa::OpenApi;

use crate::task_counts::TaskCountsOverHttp;

/// The name in logs and `/health`.
pub const SERVICE: &str = "stats-service";
pub const DEFAULT_PORT: u16 = 8003;
/// The monolith, which serves `/internal/v1/task-counts` for now. Named like phase 03's
/// variable: whoever serves the counts plays the task service's part.
pub const DEFAULT_TASK_SERVICE_URL: &str = "http://127.0.0.1:8001";
pub const DEFAULT_TASK_SERVICE_TIMEOUT_MS: u64 = 2000;

#[derive(Clone, Debug)]
pub struct Settings {
    /// `HOST`, `PORT`
    pub listen: Listen,
    /// `JWT_SECRET`: the same as the monolith's, or no token it issued is accepted here.
    pub jwt_secret: JwtSecret,
    /// `TASK_SERVICE_URL`
    pub task_service_url: String,
    /// `TASK_SERVICE_TIMEOUT_MS`
    pub task_service_timeout: Duration,
}

impl FromEnv for Settings {
    fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            listen: env.listen(DEFAULT_PORT)?,
            jwt_secret: env.jwt_secret()?,
            task_service_url: env.service_url("TASK_SERVICE_URL", DEFAULT_TASK_SERVICE_URL)?,
            task_service_timeout: env
                .millis("TASK_SERVICE_TIMEOUT_MS", DEFAULT_TASK_SERVICE_TIMEOUT_MS)?,
        })
    }
}

pub async fn build(settings: Settings) -> anyhow::Result<Application> {
    // This service verifies tokens but never issues one, so their lifetime does not matter here.
    let jwt = JwtKeys::new(&settings.jwt_secret.bytes, Duration::from_secs(1));
    let counts =
        TaskCountsOverHttp::new(&settings.task_service_url, settings.task_service_timeout)?;
    let stats = StatsApi::new(Arc::new(counts), jwt);
    Application::bind(SERVICE, settings.listen, router(stats)).await
}

/// The stats module's routes, `/health` and the docs, behind the edge every service has.
pub fn router(stats: StatsApi) -> Router {
    let routes = stats
        .router()
        .merge(
            Router::new()
                .route("/health", get(service_kit::health::check::<Alive>))
                .with_state(Alive),
        )
        .merge(service_kit::docs::router(stats::ApiDoc::openapi()))
        .layer(middleware::from_fn(remember_caller));
    service_kit::routing::finish(routes, ServerTimingLayer::new(SERVICE))
}

/// `/health`: this service has no database; it is usable as soon as it listens. (Whether
/// the monolith answers shows in the stats requests themselves.)
#[derive(Clone)]
struct Alive;

impl Probe for Alive {
    const SERVICE: &'static str = SERVICE;

    async fn checks(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }
}

tokio::task_local! {
    /// The bearer token of the request being served, if it has one.
    static CALLER_TOKEN: Option<String>;
}

/// The token of the request this task is serving: the stats module's seam does not carry
/// it (in one process nobody needed it), but the call to the monolith must forward it.
pub fn caller_token() -> Option<String> {
    CALLER_TOKEN.try_with(Clone::clone).ok().flatten()
}

/// Keeps the request's bearer token for [`caller_token`] while the request is served.
async fn remember_caller(request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string());
    CALLER_TOKEN.scope(token, next.run(request)).await
}
