//! What stats-service knows of tasks: only the vocabulary of the counts task-service sends.
//! A status or priority it does not know makes the answer malformed (a 502), never a
//! silently wrong statistic.

use serde::Deserialize;

pub use service_kit::domain::UserId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    InProgress,
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Medium,
    High,
}

/// How many of a user's tasks have one status and priority, and how many of those are
/// overdue: one element of task-service's `/internal/v1/task-counts` answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TaskCount {
    pub status: TaskStatus,
    pub priority: Priority,
    pub tasks: i64,
    pub overdue: i64,
}
