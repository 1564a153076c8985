//! `task-service`: phase 02's `tasks` module as a service of its own, over its own database
//! (ADR 0007). Nothing else reads or writes that database: the monolith keeps the users,
//! the stats service asks this service's `/internal/v1/task-counts`.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use axum::{Router, routing::get};
use service_kit::{
    config::{ConfigError, Env, FromEnv, JwtSecret, Listen},
    health::Probe,
    server_timing::ServerTimingLayer,
    startup::Application,
};
use shared_kernel::{BoxFuture, JwtKeys, ServiceError, UserId};
use tasks::{TasksApi, UserDirectory};
use utoipa::OpenApi;

use crate::database::TasksDatabase;

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

pub async fn build(settings: Settings) -> anyhow::Result<Application> {
    let database = TasksDatabase::connect(&settings.database_url).await?;
    // Only the tasks module's migrations: this database holds tasks and nothing else.
    TasksApi::migrate(&database.pools().write, database.backend()).await?;
    let jwt = JwtKeys::new(&settings.jwt_secret.bytes, settings.jwt_ttl);
    let tasks = TasksApi::new(database.pools().clone(), jwt, Arc::new(TrustTheToken));
    Application::bind(SERVICE, settings.listen, router(tasks, database)).await
}

/// The tasks module's routes (it checks the JWT itself), the internal counts route the
/// stats service calls (the same code as exercise 03's monolith), `/health` and the docs.
pub fn router(tasks: TasksApi, database: TasksDatabase) -> Router {
    let routes = tasks
        .router()
        .merge(exercise_03_solution::internal::router(tasks.clone()))
        .merge(
            Router::new()
                .route("/health", get(service_kit::health::check::<Health>))
                .with_state(Health { database }),
        )
        .merge(service_kit::docs::router(tasks::ApiDoc::openapi()));
    service_kit::routing::finish(routes, ServerTimingLayer::new(SERVICE).with_database())
}

/// The tasks module asks "does this user exist?" before storing a new `owner_id`. In the
/// monolith the identity module answered from its table; here there is no users table to
/// ask, and asking the monolith over HTTP would put it back on every write's path.
///
/// So we trust the signed token, as phase 03's task-service does: the tasks module only
/// asks about the caller, whose id comes from a token the shared `JWT_SECRET` verified, and
/// only the identity side issues tokens, for users it has. The price: a user deleted after
/// logging in could still write tasks until the token expires (the API has no user deletion).
pub struct TrustTheToken;

impl UserDirectory for TrustTheToken {
    fn user_exists(&self, _user_id: UserId) -> BoxFuture<'_, Result<bool, ServiceError>> {
        Box::pin(async { Ok(true) })
    }
}

/// `/health`: usable when its own database answers.
#[derive(Clone)]
struct Health {
    database: TasksDatabase,
}

impl Probe for Health {
    const SERVICE: &'static str = SERVICE;

    async fn checks(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("database".to_string(), self.database.health().await)])
    }
}
