//! `monolith`: phase 02's modular monolith, still serving everything it always did.
//!
//! Strangling starts here: before a service can be taken out, the monolith must offer what
//! that service will need from it, over HTTP instead of a function call. For the stats
//! module that is the tasks module's counts (see [`crate::wire`]).

use axum::Router;
use modular_monolith::{AppState, config, database::Database};
use service_kit::{
    config::{ConfigError, Env, FromEnv, Listen},
    startup::Application,
};

/// The name in logs.
pub const SERVICE: &str = "monolith";
/// The gateway takes 8000, the public entry point; the monolith moves behind it.
pub const DEFAULT_PORT: u16 = 8001;

/// Phase 02's settings (same variables: HOST, PORT, DATABASE_URL, JWT_SECRET, ...), with
/// this exercise's defaults for PORT and DATABASE_URL.
#[derive(Clone, Debug)]
pub struct Settings(pub config::Settings);

impl FromEnv for Settings {
    fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let lookup = |name: &str| match name {
            "PORT" => env.var(name).or_else(|| Some(DEFAULT_PORT.to_string())),
            "DATABASE_URL" => env.var(name).or_else(|| Some(default_database_url())),
            _ => env.var(name),
        };
        config::Settings::from_lookup(lookup)
            .map(Self)
            .map_err(|error| ConfigError {
                variable: error.variable,
                reason: error.reason,
            })
    }
}

/// `sqlite://<this crate's folder>/tasktracker.sqlite3`, created on first run.
fn default_database_url() -> String {
    format!(
        "sqlite://{}/tasktracker.sqlite3?mode=rwc",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Connects and migrates the one database, wires the modules (phase 02's `AppState`), binds.
pub async fn build(Settings(settings): Settings) -> anyhow::Result<Application> {
    if settings.jwt_secret.generated {
        tracing::warn!(
            "JWT_SECRET is not set: a random secret is used, so the stats service will not accept this monolith's tokens. Give every process the same JWT_SECRET."
        );
    }
    let database = Database::connect(&settings.database_url).await?;
    database.migrate().await?;
    let state = AppState::new(database, &settings);
    let listen = Listen {
        host: settings.host,
        port: settings.port,
        metrics_port: settings.metrics_port,
    };
    Application::bind(SERVICE, listen, routes(state)).await
}

/// Everything the monolith serves: phase 02's whole app.
///
/// Step 1 (README): the stats service will ask for the task counts over HTTP, at
/// `GET /internal/v1/task-counts` (see `crate::wire`). Nobody serves that route yet.
pub fn routes(state: AppState) -> Router {
    modular_monolith::app(state)
}
