//! `task-service`: phase 02's `tasks` module as a service of its own, over its own database
//! (ADR 0007). Nothing else reads or writes that database: the monolith keeps the users,
//! the stats service asks this service's `/internal/v1/task-counts`.

use std::{collections::BTreeMap, time::Duration};

use axum::{
    Json, Router,
    http::{StatusCode, header::CONTENT_TYPE},
    response::{IntoResponse, Response},
    routing::get,
};
use service_kit::{
    config::{ConfigError, Env, FromEnv, JwtSecret, Listen},
    health::Probe,
    startup::Application,
};

/// The name in logs and `/health`.
pub const SERVICE: &str = "task-service";
pub const DEFAULT_PORT: u16 = 8002;

#[derive(Clone, Debug)]
pub struct Settings {
    /// `HOST`, `PORT`
    pub listen: Listen,
    /// `DATABASE_URL`: the task service's own database; by default
    /// `tasks-service.sqlite3` in this crate's folder.
    pub database_url: String,
    /// `JWT_SECRET`: the monolith's, since the monolith issues the tokens.
    pub jwt_secret: JwtSecret,
    /// `JWT_TTL_SECONDS`
    pub jwt_ttl: Duration,
}

impl FromEnv for Settings {
    fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            listen: env.listen(DEFAULT_PORT)?,
            database_url: env.database_url(env!("CARGO_MANIFEST_DIR"), "tasks-service.sqlite3")?,
            jwt_secret: env.jwt_secret()?,
            jwt_ttl: env.jwt_ttl()?,
        })
    }
}

/// A skeleton: it listens and answers `/health`, and every other route with a 501 problem.
///
/// Steps 1 to 3 (README): connect its own database (`crate::database`), run the tasks
/// module's migrations, build a `tasks::TasksApi` over it and serve its routes, plus the
/// internal counts route the stats service calls.
pub async fn build(settings: Settings) -> anyhow::Result<Application> {
    let routes = Router::new()
        .route("/health", get(service_kit::health::check::<Health>))
        .with_state(Health)
        .fallback(not_built_yet);
    let router = service_kit::middleware::edge(routes);
    Application::bind(SERVICE, settings.listen, router).await
}

/// Every route but `/health`, for now.
async fn not_built_yet() -> Response {
    let problem = serde_json::json!({
        "type": "about:blank",
        "title": "Not Implemented",
        "status": 501,
        "detail": "not built yet: exercise 4 (src/task_service.rs serves no tasks yet)",
    });
    (
        StatusCode::NOT_IMPLEMENTED,
        [(CONTENT_TYPE, "application/problem+json")],
        Json(problem),
    )
        .into_response()
}

/// `/health`: the skeleton has nothing to check yet.
#[derive(Clone)]
struct Health;

impl Probe for Health {
    const SERVICE: &'static str = SERVICE;

    async fn checks(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }
}
