//! Per-user statistics over all of a user's tasks, from task-service's counts, with the
//! caller's last known statistics kept to answer (marked stale) while task-service is down.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    auth::AuthUser,
    clients::{CallError, TaskServiceClient},
    domain::{Priority, TaskCount, TaskStatus, UserId},
    error::ApiError,
};

/// At most this many users' last known statistics are kept (in memory, per process);
/// beyond it the cache starts over, so it cannot grow without bound.
const MAX_REMEMBERED_USERS: usize = 10_000;

#[derive(Clone)]
pub struct StatsService {
    tasks: TaskServiceClient,
    last_known: Arc<Mutex<HashMap<UserId, TaskStats>>>,
}

/// The body of `GET /api/v1/stats`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct TaskStats {
    pub total_tasks: i64,
    pub by_status: StatusCounts,
    pub by_priority: PriorityCounts,
    /// done / total, from 0 to 1; 0 when there are no tasks.
    pub completion_rate: f64,
    /// Tasks with a due date in the past that are not done.
    pub overdue_tasks: i64,
    /// Present (and `true`) only when task-service could not be reached and these are the
    /// caller's last known statistics; the response then also carries `x-stats-stale: true`
    /// and `Warning: 110 - "Response is Stale"`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schema(value_type = Option<bool>)]
    pub stale: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatusCounts {
    pub todo: i64,
    pub in_progress: i64,
    pub done: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct PriorityCounts {
    pub low: i64,
    pub medium: i64,
    pub high: i64,
}

impl StatsService {
    pub fn new(tasks: TaskServiceClient) -> Self {
        Self {
            tasks,
            last_known: Arc::default(),
        }
    }

    /// The caller's statistics; `stale` ones when task-service cannot answer but earlier
    /// statistics are known; otherwise 503 (task-service down) or 502 (a wrong answer).
    pub async fn for_user(
        &self,
        caller: &AuthUser,
        request_id: Option<&str>,
    ) -> Result<TaskStats, ApiError> {
        match self.tasks.task_counts(&caller.token, request_id).await {
            Ok(counts) => {
                let stats = TaskStats::from_counts(&counts);
                self.remember(caller.user_id, &stats);
                Ok(stats)
            }
            Err(CallError::Unauthorized) => Err(ApiError::Unauthorized(
                "the token was refused by task-service".into(),
            )),
            Err(error @ CallError::Unexpected(_)) => {
                tracing::error!(%error, "task-service broke the task-counts contract");
                Err(ApiError::BadGateway(
                    "task-service gave an answer stats-service cannot use".into(),
                ))
            }
            Err(error) => {
                tracing::warn!(%error, "task-service unavailable; trying last known stats");
                self.last_known(caller.user_id).ok_or_else(|| {
                    ApiError::ServiceUnavailable(format!(
                        "statistics are unavailable right now ({error}); try again shortly"
                    ))
                })
            }
        }
    }

    fn remember(&self, user_id: UserId, stats: &TaskStats) {
        // A poisoned lock only means another request panicked mid-insert: the map is fine.
        let mut last_known = self.last_known.lock().unwrap_or_else(|e| e.into_inner());
        if last_known.len() >= MAX_REMEMBERED_USERS && !last_known.contains_key(&user_id) {
            last_known.clear();
        }
        last_known.insert(user_id, stats.clone());
    }

    fn last_known(&self, user_id: UserId) -> Option<TaskStats> {
        let last_known = self.last_known.lock().unwrap_or_else(|e| e.into_inner());
        last_known.get(&user_id).map(|stats| TaskStats {
            stale: true,
            ..stats.clone()
        })
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
