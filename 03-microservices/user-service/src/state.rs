//! What every request handler can reach.

use axum::extract::FromRef;
use service_kit::database::Database;

use crate::{auth::JwtKeys, config::Settings, repositories::UserRepository, services::UserService};

/// Cheap to clone: every field is a handle to shared data (pool, keys).
#[derive(Clone)]
pub struct AppState {
    pub users: UserService,
    pub jwt: JwtKeys,
    pub database: Database,
}

impl AppState {
    pub fn new(database: Database, settings: &Settings) -> Self {
        let jwt = JwtKeys::new(&settings.jwt_secret.bytes, settings.jwt_ttl);
        let users = UserRepository::new(database.pool().clone());
        Self {
            users: UserService::new(users, jwt.clone()),
            jwt,
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
