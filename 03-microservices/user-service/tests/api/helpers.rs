//! The real service on a random port over a fresh SQLite database.

use service_kit::config::fixed;
use user_service::{
    config::{FromEnv, Settings},
    startup,
};

/// The base URL, and the folder holding the database (deleted when dropped).
pub async fn spawn_server() -> (String, tempfile::TempDir) {
    let data = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}/users.sqlite3?mode=rwc", data.path().display());
    let settings = Settings::from_lookup(fixed(&[
        ("PORT", "0"),
        ("JWT_SECRET", "test-secret-that-is-at-least-32-bytes-long"),
        ("DATABASE_URL", &url),
    ]))
    .expect("valid settings");
    let application = startup::build(settings).await.expect("build");
    (application.spawn().expect("serve"), data)
}
