//! The real service on a random port over a fresh SQLite database.

use std::time::Duration;

use service_kit::{
    auth::{AccountId, JwtKeys},
    config::fixed,
    domain::UserId,
};
use task_service::{
    config::{FromEnv, Settings},
    startup,
};

pub const TEST_JWT_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

/// The base URL, and the folder holding the database (deleted when dropped).
pub async fn spawn_server() -> (String, tempfile::TempDir) {
    let data = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}/tasks.sqlite3?mode=rwc", data.path().display());
    let settings = Settings::from_lookup(fixed(&[
        ("PORT", "0"),
        ("JWT_SECRET", TEST_JWT_SECRET),
        ("DATABASE_URL", &url),
    ]))
    .expect("valid settings");
    let application = startup::build(settings).await.expect("build");
    (application.spawn().expect("serve"), data)
}

/// A token for the user with this (positive) id, as user-service would issue it: with
/// the account's identity, here `account-of-<id>`.
pub fn token_for(user_id: i64) -> String {
    token_for_account(user_id, &format!("account-of-{user_id}"))
}

/// A token for `user_id` naming `account`.
pub fn token_for_account(user_id: i64, account: &str) -> String {
    let user_id = UserId::new(user_id).expect("a positive user id");
    JwtKeys::new(TEST_JWT_SECRET.as_bytes(), Duration::from_secs(600))
        .issue_for_account(user_id, &AccountId::new(account))
        .expect("a token")
        .token
}
