//! The tasks module: everything the application knows about tasks, behind one door.
//!
//! It owns its data: the `tasks_tasks` table, created by its own migrations
//! (`src/tasks/migrations/`), with no foreign key into another module's table.
//!
//! The rest of the application sees only [`TasksFacade`] and the types its methods take and
//! return. The service and the repository (the SQL over the `tasks` table) are private
//! submodules: no route, no other service, can reach past the facade into the tasks' data.
//! That door is the seam along which phase 02 splits this code into its own crate, and
//! phase 03 into its own service.

mod repository;
mod service;

use std::{future::Future, pin::Pin, sync::Arc};

use chrono::{DateTime, Utc};
use sqlx::{AnyPool, migrate::Migrator};

pub use repository::TaskCount;
pub use service::TaskPage;

use crate::{
    domain::{NewTask, Task, TaskChanges, TaskId, TaskListQuery, UserId},
    repositories::{Backend, Pools, run_module_migrations},
    services::ServiceError,
};
use repository::TaskRepository;
use service::TaskService;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("src/tasks/migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("src/tasks/migrations/postgres");

/// Creates or updates the tasks module's own tables.
pub async fn migrate(pool: &AnyPool, backend: Backend) -> anyhow::Result<()> {
    let migrations = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    run_module_migrations(pool, "tasks", migrations).await
}

/// A boxed future, so that [`UserDirectory`] can be used as `dyn UserDirectory`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the tasks module needs to know about users, declared here in its own terms. The
/// tasks module never names the identity module: the application plugs identity in
/// (see `crate::state`), and phase 03 will plug in an HTTP client instead.
pub trait UserDirectory: Send + Sync + 'static {
    fn user_exists(&self, user_id: UserId) -> BoxFuture<'_, Result<bool, ServiceError>>;
}

/// The tasks module as the rest of the application sees it. Cheap to clone.
#[derive(Clone)]
pub struct TasksFacade {
    service: TaskService,
}

impl TasksFacade {
    /// Wires the module's insides over the shared pools; `users` answers whether an owner
    /// exists.
    pub fn new(pools: Pools, users: Arc<dyn UserDirectory>) -> Self {
        Self {
            service: TaskService::new(TaskRepository::new(pools), users),
        }
    }

    pub async fn create(&self, owner_id: UserId, task: NewTask) -> Result<Task, ServiceError> {
        self.service.create(owner_id, task).await
    }

    /// The owner's task; someone else's task is "not found".
    pub async fn get(&self, owner_id: UserId, id: TaskId) -> Result<Task, ServiceError> {
        self.service.get(owner_id, id).await
    }

    pub async fn list(
        &self,
        owner_id: UserId,
        query: TaskListQuery,
    ) -> Result<TaskPage, ServiceError> {
        self.service.list(owner_id, query).await
    }

    pub async fn update(
        &self,
        owner_id: UserId,
        id: TaskId,
        changes: TaskChanges,
    ) -> Result<Task, ServiceError> {
        self.service.update(owner_id, id, changes).await
    }

    pub async fn toggle(&self, owner_id: UserId, id: TaskId) -> Result<Task, ServiceError> {
        self.service.toggle(owner_id, id).await
    }

    pub async fn delete(&self, owner_id: UserId, id: TaskId) -> Result<(), ServiceError> {
        self.service.delete(owner_id, id).await
    }

    /// How many of the owner's tasks have each status and priority, and how many of those
    /// are overdue at `now`: what the stats need, counted where the data lives.
    pub async fn count_by_status_and_priority(
        &self,
        owner_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<TaskCount>, ServiceError> {
        self.service.counts(owner_id, now).await
    }
}
