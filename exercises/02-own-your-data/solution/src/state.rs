//! What every request handler can reach: the services, plus the few things the HTTP edge needs.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::{
    auth::{HashingSlots, JwtKeys, LoginLimiter},
    config::{RateLimit, Settings},
    domain::UserId,
    identity::IdentityFacade,
    repositories::Database,
    services::{ServiceError, StatsService},
    tasks::{BoxFuture, TasksFacade, UserDirectory},
};

/// Cheap to clone: every field is a handle to shared data (pool, keys).
#[derive(Clone)]
pub struct AppState {
    pub users: IdentityFacade,
    pub tasks: TasksFacade,
    pub stats: StatsService,
    pub jwt: JwtKeys,
    pub database: Database,
    pub rate_limit: RateLimit,
    /// The identity facade's hashing slots, shared with it: `/metrics` reads their queue's depth.
    pub hashing: HashingSlots,
}

impl AppState {
    /// Wires the layers together: repositories over the pools, services over repositories.
    /// The tasks module wires its own insides; stats gets the tasks facade, never its SQL;
    /// tasks gets the identity facade, seen through its own `UserDirectory` trait.
    pub fn new(database: Database, settings: &Settings) -> Self {
        let jwt = JwtKeys::new(&settings.jwt_secret.bytes, settings.jwt_ttl);
        let hashing = HashingSlots::new(settings.hashing.slots, settings.hashing.queue_max);
        let users = IdentityFacade::new(
            database.pools().clone(),
            jwt.clone(),
            hashing.clone(),
            LoginLimiter::new(
                settings.login_limit.max_failures,
                settings.login_limit.window,
            ),
        );
        let tasks = TasksFacade::new(
            database.pools().clone(),
            Arc::new(IdentityAsUserDirectory(users.clone())),
        );
        Self {
            users,
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

/// The seam: the tasks module's `UserDirectory`, answered in process by the identity
/// facade. Only the wiring knows both modules; phase 03 answers it over HTTP instead.
struct IdentityAsUserDirectory(IdentityFacade);

impl UserDirectory for IdentityAsUserDirectory {
    fn user_exists(&self, user_id: UserId) -> BoxFuture<'_, Result<bool, ServiceError>> {
        Box::pin(self.0.user_exists(user_id))
    }
}
