//! Creating, reading, changing and deleting one user's tasks.

use crate::{
    domain::{self, NewTask, Task, TaskChanges, TaskId, TaskListQuery, UserId},
    repositories::TaskRepository,
    services::ServiceError,
};

#[derive(Clone)]
pub struct TaskService {
    tasks: TaskRepository,
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
    pub fn new(tasks: TaskRepository) -> Self {
        Self { tasks }
    }

    #[tracing::instrument(level = "debug", name = "TaskService::create", skip_all)]
    pub async fn create(&self, owner_id: UserId, task: NewTask) -> Result<Task, ServiceError> {
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
}

fn not_found(id: TaskId) -> ServiceError {
    ServiceError::NotFound(format!("task {id} not found"))
}
