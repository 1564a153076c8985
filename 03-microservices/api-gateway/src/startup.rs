//! Building the gateway from settings. It connects to nothing at start-up: a service that
//! is down only makes its own routes answer 503 until it is back.

pub use service_kit::startup::{Application, LateAnswer};

use crate::{config::Settings, routes::app, state::AppState};

/// The service name in logs and `/health`.
pub const SERVICE: &str = "api-gateway";

pub async fn build(settings: Settings) -> anyhow::Result<Application> {
    let state = AppState::new(&settings)?;
    let metrics = state.metrics.clone();
    Ok(Application::bind(SERVICE, settings.listen, app(state))
        .await?
        .with_timeouts(settings.timeouts)
        .with_metrics(metrics)
        .answering_late_requests_with(LateAnswer::GatewayTimeout))
}
