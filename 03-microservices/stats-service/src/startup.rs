//! Building the service from settings: the module with its seam over HTTP, the port.

pub use service_kit::startup::Application;

use service_kit::metrics::Metrics;

use crate::{config::Settings, routes::app, state::AppState};

/// The service name in logs and `/health`.
pub const SERVICE: &str = "stats-service";

pub async fn build(settings: Settings) -> anyhow::Result<Application> {
    let metrics = Metrics::new();
    let state = AppState::new(&settings, &metrics)?;
    Ok(Application::bind(SERVICE, settings.listen, app(state))
        .await?
        .with_timeouts(settings.timeouts)
        .with_metrics(metrics))
}
