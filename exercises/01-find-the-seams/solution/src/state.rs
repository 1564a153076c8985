//! What every request handler can reach: the services, plus the few things the HTTP edge needs.

use axum::extract::FromRef;

use crate::{
    auth::{HashingSlots, JwtKeys, LoginLimiter},
    config::{RateLimit, Settings},
    repositories::{Database, UserRepository},
    services::{StatsService, UserService},
    tasks::TasksFacade,
};

/// Cheap to clone: every field is a handle to shared data (pool, keys).
#[derive(Clone)]
pub struct AppState {
    pub users: UserService,
    pub tasks: TasksFacade,
    pub stats: StatsService,
    pub jwt: JwtKeys,
    pub database: Database,
    pub rate_limit: RateLimit,
    /// The user service's hashing slots, shared with it: `/metrics` reads their queue's depth.
    pub hashing: HashingSlots,
}

impl AppState {
    /// Wires the layers together: repositories over the pools, services over repositories.
    /// The tasks module wires its own insides; stats gets the tasks facade, never its SQL.
    pub fn new(database: Database, settings: &Settings) -> Self {
        let jwt = JwtKeys::new(&settings.jwt_secret.bytes, settings.jwt_ttl);
        let users = UserRepository::new(database.pools().clone());
        let tasks = TasksFacade::new(database.pools().clone());
        let hashing = HashingSlots::new(settings.hashing.slots, settings.hashing.queue_max);
        Self {
            users: UserService::new(
                users,
                jwt.clone(),
                hashing.clone(),
                LoginLimiter::new(
                    settings.login_limit.max_failures,
                    settings.login_limit.window,
                ),
            ),
            tasks: tasks.clone(),
            stats: StatsService::new(tasks),
            jwt,
            database,
            rate_limit: settings.rate_limit,
            hashing,
        }
    }
}

/// Lets the [`crate::auth::AuthUser`] extractor find the keys without knowing `AppState`.
impl FromRef<AppState> for JwtKeys {
    fn from_ref(state: &AppState) -> Self {
        state.jwt.clone()
    }
}
