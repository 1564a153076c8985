//! What the app holds: the modules' facades, wired to each other through the seams, plus
//! the few things the HTTP edge needs.

use std::sync::Arc;

use identity::{HashingSlots, IdentityApi, LoginLimiter};
use shared_kernel::JwtKeys;
use stats::StatsApi;
use tasks::TasksApi;

use crate::{
    config::{RateLimit, Settings},
    database::Database,
    seams::{IdentityAsUserDirectory, TasksAsTaskCounts},
};

/// Cheap to clone: every field is a handle to shared data (pool, keys).
#[derive(Clone)]
pub struct AppState {
    pub identity: IdentityApi,
    pub tasks: TasksApi,
    pub stats: StatsApi,
    pub database: Database,
    pub rate_limit: RateLimit,
    /// The identity module's hashing slots, shared with it: `/metrics` reads their queue's
    /// depth.
    pub hashing: HashingSlots,
}

impl AppState {
    /// Wires the modules together: each over the one pool, each seam to its facade.
    pub fn new(database: Database, settings: &Settings) -> Self {
        let jwt = JwtKeys::new(&settings.jwt_secret.bytes, settings.jwt_ttl);
        let hashing = HashingSlots::new(settings.hashing.slots, settings.hashing.queue_max);
        let identity = IdentityApi::new(
            database.pools().clone(),
            jwt.clone(),
            hashing.clone(),
            LoginLimiter::new(
                settings.login_limit.max_failures,
                settings.login_limit.window,
            ),
        );
        let tasks = TasksApi::new(
            database.pools().clone(),
            jwt.clone(),
            Arc::new(IdentityAsUserDirectory(identity.clone())),
        );
        let stats = StatsApi::new(Arc::new(TasksAsTaskCounts(tasks.clone())), jwt);
        Self {
            identity,
            tasks,
            stats,
            database,
            rate_limit: settings.rate_limit,
            hashing,
        }
    }
}
