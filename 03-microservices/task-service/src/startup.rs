//! Building the service from settings: its own database, the state, the port.

pub use service_kit::startup::Application;

use crate::{config::Settings, routes::app, state::AppState};

/// The service name in logs and `/health`.
pub const SERVICE: &str = "task-service";

pub async fn build(settings: Settings) -> anyhow::Result<Application> {
    // Connects, and runs this service's own migrations (`migrations/<engine>/`).
    let database = service_kit::connect_database!(&settings.database_url).await?;
    let state = AppState::new(database, &settings);
    Application::bind(SERVICE, settings.listen, app(state)).await
}
