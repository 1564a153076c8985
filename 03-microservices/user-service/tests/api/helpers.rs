//! The real service on a random port over a fresh SQLite database.

use service_kit::config::fixed;
use user_service::{
    config::{FromEnv, Settings},
    startup,
};

pub const TEST_JWT_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

/// The service binary, for tests that run it as a process.
pub const SERVER_BINARY: &str = env!("CARGO_BIN_EXE_user-service");

/// The base URL, and the folder holding the database (deleted when dropped).
pub async fn spawn_server() -> (String, tempfile::TempDir) {
    spawn_server_with(&[]).await
}

/// [`spawn_server`] with `extra` settings.
pub async fn spawn_server_with(extra: &[(&str, &str)]) -> (String, tempfile::TempDir) {
    let (url, _metrics, data) = spawn_server_with_metrics(extra).await;
    (url, data)
}

/// [`spawn_server_with`], and the URL of its `/metrics` (on its own port).
pub async fn spawn_server_with_metrics(
    extra: &[(&str, &str)],
) -> (String, String, tempfile::TempDir) {
    let data = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}/users.sqlite3?mode=rwc", data.path().display());
    let mut vars = vec![
        ("PORT", "0"),
        ("JWT_SECRET", TEST_JWT_SECRET),
        ("DATABASE_URL", url.as_str()),
    ];
    vars.extend_from_slice(extra);
    let settings = Settings::from_lookup(fixed(&vars)).expect("valid settings");
    let application = startup::build(settings).await.expect("build");
    let metrics = format!(
        "http://{}/metrics",
        application.metrics_address().expect("a metrics address")
    );
    (application.spawn().expect("serve"), metrics, data)
}
