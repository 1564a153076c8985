//! What every request handler can reach.

use axum::extract::FromRef;
use service_kit::database::Database;

use crate::{auth::JwtKeys, config::Settings, repositories::TaskRepository, services::TaskService};

/// Cheap to clone: every field is a handle to shared data (pool, keys).
#[derive(Clone)]
pub struct AppState {
    pub tasks: TaskService,
    pub jwt: JwtKeys,
    pub database: Database,
}

impl AppState {
    pub fn new(database: Database, settings: &Settings) -> Self {
        let tasks = TaskRepository::new(database.pool().clone());
        Self {
            tasks: TaskService::new(tasks),
            jwt: JwtKeys::verifier(&settings.jwt_secret.bytes),
            database,
        }
    }
}

/// Lets the [`crate::auth::AuthUser`] extractor find the keys without knowing `AppState`.
impl FromRef<AppState> for JwtKeys {
    fn from_ref(state: &AppState) -> Self {
        state.jwt.clone()
    }
}
