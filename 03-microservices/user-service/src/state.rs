//! What the service holds: the identity module, and its database for `/health`.

use identity::{HashingSlots, IdentityApi, LoginLimiter};
use service_kit::{auth::JwtKeys, database::Database};

use crate::config::Settings;

/// Cheap to clone: every field is a handle to shared data (pool, keys).
#[derive(Clone)]
pub struct AppState {
    pub identity: IdentityApi,
    pub database: Database,
    /// The module's hashing slots, shared with it: `/metrics` reads their queue's depth.
    pub hashing: HashingSlots,
}

impl AppState {
    /// The module over this service's own pool. It needs no seam: identity depends on no
    /// other module.
    pub fn new(database: Database, settings: &Settings) -> Self {
        let jwt = JwtKeys::new(&settings.jwt_secret.bytes, settings.jwt_ttl);
        let hashing = HashingSlots::new(settings.hashing.slots, settings.hashing.queue_max);
        Self {
            identity: IdentityApi::new(
                database.pools().clone(),
                jwt,
                hashing.clone(),
                LoginLimiter::new(
                    settings.login_limit.max_failures,
                    settings.login_limit.window,
                ),
            ),
            database,
            hashing,
        }
    }
}
