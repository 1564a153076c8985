//! `cargo run -p exercise-02-starter`: the TaskTracker API on http://127.0.0.1:8000, exactly
//! like phase 01 (same environment variables: HOST, PORT, DATABASE_URL, JWT_SECRET, ...).

use exercise_02_starter::{config::Settings, startup::Application, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Kept until `main` returns: dropping it exports the spans still queued.
    let _telemetry = telemetry::init()?;
    let settings = Settings::from_env()?;
    let application = Application::build(settings).await?;
    let address = application.address()?;
    tracing::info!(
        "TaskTracker (exercise 02) on http://{address} — API docs at http://{address}/docs"
    );
    application.run_until_stopped().await
}
