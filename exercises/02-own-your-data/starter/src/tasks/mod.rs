//! The tasks module: everything the application knows about tasks, behind one door.
//!
//! The rest of the application sees only [`TasksFacade`] and the types its methods take and
//! return. The service and the repository (the SQL over the `tasks` table) are private
//! submodules: no route, no other service, can reach past the facade into the tasks' data.
//! That door is the seam along which phase 02 splits this code into its own crate, and
//! phase 03 into its own service.

mod repository;
mod service;

use chrono::{DateTime, Utc};

pub use repository::TaskCount;
pub use service::TaskPage;

use crate::{
    domain::{NewTask, Task, TaskChanges, TaskId, TaskListQuery, UserId},
    repositories::Pools,
    services::ServiceError,
};
use repository::TaskRepository;
use service::TaskService;

/// The tasks module as the rest of the application sees it. Cheap to clone.
#[derive(Clone)]
pub struct TasksFacade {
    service: TaskService,
}

impl TasksFacade {
    /// Wires the module's insides over the shared pools.
    pub fn new(pools: Pools) -> Self {
        Self {
            service: TaskService::new(TaskRepository::new(pools)),
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
