//! Building the service from settings: its own database, the module, the port.

pub use service_kit::startup::Application;

use service_kit::{config::with_statement_timeout, database::Database, metrics::Metrics};

use crate::{config::Settings, routes::app, state::AppState};

/// The service name in logs and `/health`.
pub const SERVICE: &str = "user-service";

pub async fn build(settings: Settings) -> anyhow::Result<Application> {
    // The users database holds one schema, the identity module's, and the module runs its
    // own migrations into it, exactly as in phase 02.
    let database = Database::connect(
        &with_statement_timeout(&settings.database_url, settings.database_statement_timeout),
        identity::SCHEMA,
    )
    .await?;
    identity::IdentityApi::migrate(&database.pools().write, database.backend()).await?;
    let metrics = Metrics::new();
    database.watch_pools(&metrics);
    let state = AppState::new(database, &settings);
    let hashing = state.hashing.clone();
    metrics.watch_hashing_queue(move || hashing.queue_depth());
    Ok(Application::bind(SERVICE, settings.listen, app(state))
        .await?
        .with_timeouts(settings.timeouts)
        .with_metrics(metrics))
}
