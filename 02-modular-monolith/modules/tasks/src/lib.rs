//! The tasks module: each user's tasks.
//!
//! Its public API is [`TasksApi`] (the facade), the types its methods take and return
//! ([`TaskCount`], [`TaskStatus`], [`Priority`], and [`InvalidTaskField`], why a status or
//! priority does not parse), [`TaskId`], [`UserDirectory`] (what it needs from
//! outside) and [`ApiDoc`]. The `tasks` table, its SQL and the rest of the domain are private.
//!
//! It stores `owner_id` as a plain number: the users live in another module's tables, so
//! there is no foreign key. Before storing a new `owner_id` it asks a [`UserDirectory`]
//! whether that user exists; the app plugs the identity module in behind that trait.

mod domain;
mod repositories;
mod routes;
mod services;

use std::sync::Arc;

use axum::{Router, extract::FromRef};
use chrono::{DateTime, Utc};
use shared_kernel::{Backend, BoxFuture, JwtKeys, Pools, ServiceError, UserId};
use sqlx::{AnyPool, migrate::Migrator};

/// Public so that code outside the module can hold an id without unwrapping it, and so that
/// `tests/compile_fail/` can show that a `TaskId` never passes for a `UserId`.
pub use domain::TaskId;
pub use domain::{InvalidTaskField, Priority, TaskCount, TaskStatus};
pub use routes::ApiDoc;

use crate::{repositories::TaskRepository, services::TaskService};

/// The database schema this module owns: its tables are `tasks.*`.
pub const SCHEMA: &str = "tasks";

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// What the tasks module needs to know about users, declared here in its own terms.
/// The app implements it with the identity module's facade.
///
/// It answers with a [`ServiceError`], not an HTTP error: whoever stands behind the seam
/// (a module in-process, a token, a network call) reports what went wrong in the
/// application's terms, and only the HTTP edge decides how to answer it.
pub trait UserDirectory: Send + Sync + 'static {
    fn user_exists(&self, user_id: UserId) -> BoxFuture<'_, Result<bool, ServiceError>>;
}

/// The tasks module as the rest of the application sees it. Cheap to clone.
#[derive(Clone)]
pub struct TasksApi {
    pub(crate) tasks: TaskService,
    pub(crate) jwt: JwtKeys,
}

impl TasksApi {
    /// Wires the module's layers over the shared pools.
    pub fn new(pools: Pools, jwt: JwtKeys, users: Arc<dyn UserDirectory>) -> Self {
        Self {
            tasks: TaskService::new(TaskRepository::new(pools), users),
            jwt,
        }
    }

    /// Creates or updates this module's tables, through `pool`, the writer (versions 2001 and up).
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

    /// This module's slice of the HTTP API: `/api/v1/tasks` and below.
    pub fn router(&self) -> Router {
        routes::router(self.clone())
    }

    /// How many of `owner_id`'s tasks have each (status, priority), and how many of those
    /// are overdue at `now`: counted by the database in one query, however many tasks.
    /// This is what the stats module asks for (through its `TaskCounts` seam).
    pub async fn counts_for_owner(
        &self,
        owner_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<TaskCount>, ServiceError> {
        self.tasks.counts_for_owner(owner_id, now).await
    }
}

/// Lets the `AuthUser` extractor find the keys in this module's router state.
impl FromRef<TasksApi> for JwtKeys {
    fn from_ref(tasks: &TasksApi) -> Self {
        tasks.jwt.clone()
    }
}
