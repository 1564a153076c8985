//! The identity module: users, their passwords, and the tokens that prove who is calling.
//!
//! Its public API is [`IdentityApi`] (the facade the app wires in), [`ApiDoc`] (its slice
//! of the OpenAPI document) and [`SCHEMA`]. Everything else (the `users` table, its SQL,
//! the password hashing, the domain types) is private to this crate: other modules cannot
//! name it, so they cannot come to depend on it.
//!
//! Inside, the layers are phase 01's: `routes` → `services` → `repositories` → its own
//! tables, with `domain` shared by the layers.

mod auth;
mod domain;
mod repositories;
mod routes;
mod services;

use axum::{Router, extract::FromRef};
use shared_kernel::{Backend, JwtKeys, Pools, ServiceError, UserId};
use sqlx::{AnyPool, migrate::Migrator};

pub use auth::{HashingSlots, LoginLimiter};
pub use routes::ApiDoc;

use crate::{repositories::UserRepository, services::UserService};

/// The database schema this module owns (PostgreSQL schema, or SQLite attached database):
/// its tables are `identity.*`, and no other module's SQL may name them.
pub const SCHEMA: &str = "identity";

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The identity module as the rest of the application sees it.
///
/// Cheap to clone: a handle to the pool and the keys.
#[derive(Clone)]
pub struct IdentityApi {
    pub(crate) users: UserService,
    pub(crate) jwt: JwtKeys,
}

impl IdentityApi {
    /// Wires the module's layers over the shared pools. `hashing` bounds the password
    /// hashes (running and waiting); `failed_logins` counts wrong passwords per username.
    pub fn new(
        pools: Pools,
        jwt: JwtKeys,
        hashing: HashingSlots,
        failed_logins: LoginLimiter,
    ) -> Self {
        let users = UserRepository::new(pools);
        Self {
            users: UserService::new(users, jwt.clone(), hashing, failed_logins),
            jwt,
        }
    }

    /// Creates or updates this module's tables, through `pool`, the writer (versions 1001 and up).
    pub async fn migrate(pool: &AnyPool, backend: Backend) -> anyhow::Result<()> {
        shared_kernel::db::migrate(
            pool,
            backend,
            SCHEMA,
            &SQLITE_MIGRATIONS,
            &POSTGRES_MIGRATIONS,
        )
        .await
    }

    /// This module's slice of the HTTP API: `/api/v1/auth/*` and `/api/v1/users/me`.
    pub fn router(&self) -> Router {
        routes::router(self.clone())
    }

    /// Whether a user with this id exists. Other modules ask this instead of reading the
    /// `identity.users` table (tasks does, before it stores a new `owner_id`).
    pub async fn user_exists(&self, id: UserId) -> Result<bool, ServiceError> {
        self.users.exists(id).await
    }
}

/// Lets the `AuthUser` extractor find the keys in this module's router state.
impl FromRef<IdentityApi> for JwtKeys {
    fn from_ref(identity: &IdentityApi) -> Self {
        identity.jwt.clone()
    }
}
