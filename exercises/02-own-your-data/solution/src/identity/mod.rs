//! The identity module: accounts, passwords and tokens, behind one door.
//!
//! It owns its data: the `identity_users` table, created by its own migrations
//! (`src/identity/migrations/`). No other module reads that table; a module that needs to
//! know about users asks [`IdentityFacade`].

mod repository;
mod service;

use sqlx::{AnyPool, migrate::Migrator};

use crate::{
    auth::{AccessToken, HashingSlots, JwtKeys, LoginLimiter},
    domain::{LoginAttempt, NewUser, User, UserId},
    repositories::{Backend, Pools, run_module_migrations},
    services::ServiceError,
};
use repository::UserRepository;
use service::UserService;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("src/identity/migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("src/identity/migrations/postgres");

/// Creates or updates the identity module's own tables.
pub async fn migrate(pool: &AnyPool, backend: Backend) -> anyhow::Result<()> {
    let migrations = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    run_module_migrations(pool, "identity", migrations).await
}

/// The identity module as the rest of the application sees it. Cheap to clone.
#[derive(Clone)]
pub struct IdentityFacade {
    service: UserService,
}

impl IdentityFacade {
    /// Wires the module's insides over the shared pools.
    pub fn new(
        pools: Pools,
        jwt: JwtKeys,
        hashing: HashingSlots,
        failed_logins: LoginLimiter,
    ) -> Self {
        Self {
            service: UserService::new(UserRepository::new(pools), jwt, hashing, failed_logins),
        }
    }

    pub async fn register(&self, new_user: NewUser) -> Result<User, ServiceError> {
        self.service.register(new_user).await
    }

    pub async fn login(&self, attempt: LoginAttempt) -> Result<AccessToken, ServiceError> {
        self.service.login(attempt).await
    }

    pub async fn me(&self, user_id: UserId) -> Result<User, ServiceError> {
        self.service.me(user_id).await
    }

    /// Whether an account with this id exists: what other modules may ask about users,
    /// now that no foreign key answers it for them.
    pub async fn user_exists(&self, user_id: UserId) -> Result<bool, ServiceError> {
        self.service.exists(user_id).await
    }
}
