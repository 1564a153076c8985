//! Creating, reading, changing and deleting one user's tasks.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::{
    UserDirectory,
    domain::{self, NewTask, Task, TaskChanges, TaskCount, TaskId, TaskListQuery, UserId},
    repositories::TaskRepository,
    services::ServiceError,
};

#[derive(Clone)]
pub struct TaskService {
    tasks: TaskRepository,
    users: Arc<dyn UserDirectory>,
}

/// One page of a task listing.
#[derive(Debug)]
pub struct TaskPage {
    pub items: Vec<Task>,
    pub total: i64,
    pub skip: i64,
    pub limit: i64,
}

impl TaskService {
    pub fn new(tasks: TaskRepository, users: Arc<dyn UserDirectory>) -> Self {
        Self { tasks, users }
    }

    /// There is no foreign key to the users (they are another module's), so the owner's
    /// existence is checked through the identity module's API before a task points at it.
    /// A valid token for an account that no longer exists is treated like an invalid token.
    #[tracing::instrument(level = "debug", name = "TaskService::create", skip_all)]
    pub async fn create(&self, owner_id: UserId, task: NewTask) -> Result<Task, ServiceError> {
        if !self.users.user_exists(owner_id).await? {
            return Err(ServiceError::Unauthenticated(
                "the account no longer exists".into(),
            ));
        }
        Ok(self.tasks.insert(owner_id, &task, domain::now()).await?)
    }

    /// The caller's task. Someone else's task is "not found", never "forbidden", so ids
    /// reveal nothing about other users.
    #[tracing::instrument(level = "debug", name = "TaskService::get", skip_all)]
    pub async fn get(&self, owner_id: UserId, id: TaskId) -> Result<Task, ServiceError> {
        self.tasks
            .find(owner_id, id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    #[tracing::instrument(level = "debug", name = "TaskService::list", skip_all)]
    pub async fn list(
        &self,
        owner_id: UserId,
        query: TaskListQuery,
    ) -> Result<TaskPage, ServiceError> {
        let (items, total) = self.tasks.list(owner_id, &query).await?;
        Ok(TaskPage {
            items,
            total,
            skip: query.skip,
            limit: query.limit,
        })
    }

    /// Applies a partial update (also used for status changes) in one statement: read and
    /// write are not two steps that a concurrent change could fall between.
    #[tracing::instrument(level = "debug", name = "TaskService::update", skip_all)]
    pub async fn update(
        &self,
        owner_id: UserId,
        id: TaskId,
        changes: TaskChanges,
    ) -> Result<Task, ServiceError> {
        self.tasks
            .update(owner_id, id, &changes, domain::now())
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// Completes an open task, or reopens a completed one.
    #[tracing::instrument(level = "debug", name = "TaskService::toggle", skip_all)]
    pub async fn toggle(&self, owner_id: UserId, id: TaskId) -> Result<Task, ServiceError> {
        self.tasks
            .toggle(owner_id, id, domain::now())
            .await?
            .ok_or_else(|| not_found(id))
    }

    #[tracing::instrument(level = "debug", name = "TaskService::delete", skip_all)]
    pub async fn delete(&self, owner_id: UserId, id: TaskId) -> Result<(), ServiceError> {
        if self.tasks.delete(owner_id, id).await? {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }

    /// Per-(status, priority) counts of all the owner's tasks, with how many are overdue.
    #[tracing::instrument(level = "debug", name = "TaskService::counts_for_owner", skip_all)]
    pub async fn counts_for_owner(
        &self,
        owner_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<TaskCount>, ServiceError> {
        Ok(self
            .tasks
            .count_by_status_and_priority(owner_id, now)
            .await?)
    }
}

fn not_found(id: TaskId) -> ServiceError {
    ServiceError::NotFound(format!("task {id} not found"))
}
