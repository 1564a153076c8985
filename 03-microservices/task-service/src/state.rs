//! What the service holds: the tasks module with its seam plugged in, and its database for
//! `/health`.

use std::sync::Arc;

use service_kit::{auth::JwtKeys, database::Database};
use tasks::TasksApi;

use crate::{config::Settings, seams::TokenProvesAccount};

/// Cheap to clone: every field is a handle to shared data (pool, keys).
#[derive(Clone)]
pub struct AppState {
    pub tasks: TasksApi,
    pub database: Database,
}

impl AppState {
    /// The module over this service's own pool, its `UserDirectory` seam answered by the
    /// caller's token. task-service only verifies tokens: the lifetime is never used.
    pub fn new(database: Database, settings: &Settings) -> Self {
        let jwt = JwtKeys::new(&settings.jwt_secret.bytes, std::time::Duration::ZERO);
        Self {
            tasks: TasksApi::new(database.pools().clone(), jwt, Arc::new(TokenProvesAccount)),
            database,
        }
    }
}
