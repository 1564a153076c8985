//! Creating, reading, changing and deleting one user's tasks.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

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
    pub async fn get(&self, owner_id: UserId, id: TaskId) -> Result<Task, ServiceError> {
        self.tasks
            .find(owner_id, id)
            .await?
            .ok_or_else(|| not_found(id))
    }

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

    /// Applies a partial update (also used for status changes).
    pub async fn update(
        &self,
        owner_id: UserId,
        id: TaskId,
        changes: TaskChanges,
    ) -> Result<Task, ServiceError> {
        let mut task = self.get(owner_id, id).await?;
        changes.apply_to(&mut task);
        self.save(task).await
    }

    /// Completes an open task, or reopens a completed one.
    pub async fn toggle(&self, owner_id: UserId, id: TaskId) -> Result<Task, ServiceError> {
        let mut task = self.get(owner_id, id).await?;
        task.status = task.status.toggled();
        self.save(task).await
    }

    pub async fn delete(&self, owner_id: UserId, id: TaskId) -> Result<(), ServiceError> {
        if self.tasks.delete(owner_id, id).await? {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }

    /// Per-(status, priority) counts of all the owner's tasks, with how many are overdue.
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

    async fn save(&self, mut task: Task) -> Result<Task, ServiceError> {
        task.updated_at = next_update_time(task.updated_at, domain::now());
        if self.tasks.update(&task).await? {
            Ok(task)
        } else {
            // Deleted between our read and our write.
            Err(not_found(task.id))
        }
    }
}

/// `updated_at` must move forward on every change, even two changes within one clock tick
/// (or after the clock stepped back), so clients can rely on it to order versions.
fn next_update_time(previous: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    now.max(previous + TimeDelta::microseconds(1))
}

fn not_found(id: TaskId) -> ServiceError {
    ServiceError::NotFound(format!("task {id} not found"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updated_at_always_moves_forward() {
        let earlier = domain::now();
        let later = earlier + TimeDelta::seconds(5);
        assert_eq!(next_update_time(earlier, later), later);
        assert_eq!(
            next_update_time(earlier, earlier),
            earlier + TimeDelta::microseconds(1)
        );
        assert_eq!(
            next_update_time(later, earlier),
            later + TimeDelta::microseconds(1)
        );
    }
}
