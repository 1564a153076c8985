//! What the service holds: the tasks module with its seam plugged in, and its database for
//! `/health`.

use std::sync::Arc;

use service_kit::{auth::JwtKeys, database::Database};
use tasks::TasksApi;

use crate::{config::Settings, owners::Owners, seams::TokenProvesAccount};

/// Cheap to clone: every field is a handle to shared data (pool, keys).
#[derive(Clone)]
pub struct AppState {
    pub tasks: TasksApi,
    pub owners: Owners,
    pub database: Database,
}

impl AppState {
    /// The module over this service's own pool, its `UserDirectory` seam answered by the
    /// caller's token, its callers resolved to owners by [`Owners`]. task-service only
    /// verifies tokens, and only tokens that name their account.
    pub fn new(database: Database, settings: &Settings) -> Self {
        let jwt = JwtKeys::requiring_account(&settings.jwt_secret.bytes);
        let pools = database.pools().clone();
        Self {
            tasks: TasksApi::new(pools.clone(), jwt.clone(), Arc::new(TokenProvesAccount)),
            owners: Owners::new(pools, jwt),
            database,
        }
    }
}
