//! Building the service from settings: its own database, the module, the port.

pub use service_kit::startup::Application;

use service_kit::database::Database;

use crate::{config::Settings, routes::app, state::AppState};

/// The service name in logs and `/health`.
pub const SERVICE: &str = "user-service";

pub async fn build(settings: Settings) -> anyhow::Result<Application> {
    // The users database holds one schema, the identity module's, and the module runs its
    // own migrations into it, exactly as in phase 02.
    let database = Database::connect(&settings.database_url, identity::SCHEMA).await?;
    identity::IdentityApi::migrate(&database.pools().write, database.backend()).await?;
    let state = AppState::new(database, &settings);
    Application::bind(SERVICE, settings.listen, app(state)).await
}
