//! `cargo run -p monolith`: the TaskTracker API on http://127.0.0.1:8000 (SQLite by default).

use monolith::{config::Settings, startup::Application, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Kept until `main` returns: dropping it exports the spans still queued.
    let _telemetry = telemetry::init()?;
    let settings = Settings::from_env()?;
    let application = Application::build(settings).await?;
    let address = application.address()?;
    tracing::info!(
        "TaskTracker (phase 01) on http://{address} — API docs at http://{address}/docs"
    );
    application.run_until_stopped().await
}
