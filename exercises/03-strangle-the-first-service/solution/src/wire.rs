//! The contract between the monolith and the stats service: `GET /internal/v1/task-counts`.
//!
//! Exactly the shape phase 03's task-service answers (`03-microservices/contracts/task-service.json`):
//! the caller's tasks counted per (status, priority), with how many of each group are
//! overdue, as a JSON array. Whoever serves this route can stand behind the stats service:
//! the monolith today, a task service tomorrow (exercise 4).
//!
//! The tasks module's `TaskCount` is an in-process type with no JSON shape, so the wire has
//! its own type, converted at both ends.

use serde::{Deserialize, Serialize};
use shared_kernel::ServiceError;
use tasks::{InvalidTaskField, Priority, TaskCount, TaskStatus};

/// Where the counts are served. `/internal/*` is never forwarded by the gateway.
pub const TASK_COUNTS_PATH: &str = "/internal/v1/task-counts";

/// One element of the answer: `{"status": "todo", "priority": "high", "tasks": 2, "overdue": 1}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskCountBody {
    pub status: String,
    pub priority: String,
    pub tasks: i64,
    pub overdue: i64,
}

impl From<&TaskCount> for TaskCountBody {
    fn from(count: &TaskCount) -> Self {
        Self {
            status: count.status.as_str().to_string(),
            priority: count.priority.as_str().to_string(),
            tasks: count.tasks,
            overdue: count.overdue,
        }
    }
}

impl TaskCountBody {
    /// Back to the tasks module's type. A status or priority this side does not know means
    /// the two sides no longer agree on the contract: an error, never a silent zero.
    pub fn into_task_count(self) -> Result<TaskCount, ServiceError> {
        let disagree = |reason: InvalidTaskField| {
            ServiceError::Internal(anyhow::anyhow!(
                "the task counts do not follow the contract: {reason}"
            ))
        };
        Ok(TaskCount {
            status: TaskStatus::parse(&self.status).map_err(disagree)?,
            priority: Priority::parse(&self.priority).map_err(disagree)?,
            tasks: self.tasks,
            overdue: self.overdue,
        })
    }
}
