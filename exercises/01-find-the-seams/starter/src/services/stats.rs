//! Per-user statistics over all of a user's tasks.

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::{self, Priority, TaskStatus, UserId},
    repositories::{TaskCount, TaskRepository},
    services::ServiceError,
};

#[derive(Clone)]
pub struct StatsService {
    tasks: TaskRepository,
}

/// The body of `GET /api/v1/stats`.
#[derive(Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct TaskStats {
    pub total_tasks: i64,
    pub by_status: StatusCounts,
    pub by_priority: PriorityCounts,
    /// done / total, from 0 to 1; 0 when there are no tasks.
    pub completion_rate: f64,
    /// Tasks with a due date in the past that are not done.
    pub overdue_tasks: i64,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatusCounts {
    pub todo: i64,
    pub in_progress: i64,
    pub done: i64,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct PriorityCounts {
    pub low: i64,
    pub medium: i64,
    pub high: i64,
}

impl StatsService {
    pub fn new(tasks: TaskRepository) -> Self {
        Self { tasks }
    }

    #[tracing::instrument(level = "debug", name = "StatsService::for_user", skip_all)]
    pub async fn for_user(&self, owner_id: UserId) -> Result<TaskStats, ServiceError> {
        let counts = self
            .tasks
            .count_by_status_and_priority(owner_id, domain::now())
            .await?;
        Ok(TaskStats::from_counts(&counts))
    }
}

impl TaskStats {
    /// Folds the per-(status, priority) counts the database returns into the response shape.
    pub fn from_counts(counts: &[TaskCount]) -> Self {
        let mut stats = TaskStats::default();
        for count in counts {
            stats.total_tasks += count.tasks;
            stats.overdue_tasks += count.overdue;
            *match count.status {
                TaskStatus::Todo => &mut stats.by_status.todo,
                TaskStatus::InProgress => &mut stats.by_status.in_progress,
                TaskStatus::Done => &mut stats.by_status.done,
            } += count.tasks;
            *match count.priority {
                Priority::Low => &mut stats.by_priority.low,
                Priority::Medium => &mut stats.by_priority.medium,
                Priority::High => &mut stats.by_priority.high,
            } += count.tasks;
        }
        if stats.total_tasks > 0 {
            stats.completion_rate = stats.by_status.done as f64 / stats.total_tasks as f64;
        }
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(status: TaskStatus, priority: Priority, tasks: i64, overdue: i64) -> TaskCount {
        TaskCount {
            status,
            priority,
            tasks,
            overdue,
        }
    }

    #[test]
    fn no_tasks_means_all_zero() {
        assert_eq!(TaskStats::from_counts(&[]), TaskStats::default());
    }

    #[test]
    fn counts_fold_into_status_priority_and_rate() {
        let stats = TaskStats::from_counts(&[
            count(TaskStatus::Done, Priority::High, 3, 0),
            count(TaskStatus::Todo, Priority::High, 2, 1),
            count(TaskStatus::InProgress, Priority::Low, 5, 2),
            count(TaskStatus::Done, Priority::Medium, 2, 0),
        ]);
        assert_eq!(stats.total_tasks, 12);
        assert_eq!(
            stats.by_status,
            StatusCounts {
                todo: 2,
                in_progress: 5,
                done: 5
            }
        );
        assert_eq!(
            stats.by_priority,
            PriorityCounts {
                low: 5,
                medium: 2,
                high: 5
            }
        );
        assert_eq!(stats.overdue_tasks, 3);
        assert!((stats.completion_rate - 5.0 / 12.0).abs() < 1e-12);
    }
}
