//! The stats module's `TaskCounts` seam, implemented over HTTP.
//!
//! In phase 02 the app plugged the tasks module's facade in behind `stats::TaskCounts`
//! (`02-modular-monolith/src/seams.rs`). The stats module now runs in another process, so
//! the same trait is implemented by a call to the monolith's `GET /internal/v1/task-counts`.
//! The stats module itself does not change at all: that is what the seam was for.

use std::time::Duration;

use chrono::{DateTime, Utc};
use shared_kernel::{BoxFuture, ServiceError, UserId};
use stats::{TaskCount, TaskCounts};

/// Asks whoever serves `/internal/v1/task-counts` at `base_url` (the monolith, for now).
pub struct TaskCountsOverHttp {
    pub http: reqwest::Client,
    pub base_url: String,
}

impl TaskCountsOverHttp {
    /// Every call gives up after `timeout`, so a hung monolith cannot hang the stats service.
    pub fn new(base_url: &str, timeout: Duration) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout)
                .build()?,
            base_url: base_url.trim_end_matches('/').to_string(),
        })
    }
}

impl TaskCounts for TaskCountsOverHttp {
    fn counts_for_owner(
        &self,
        _owner_id: UserId,
        _now: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<Vec<TaskCount>, ServiceError>> {
        // Step 2 (README): ask the monolith, forwarding the caller's token.
        Box::pin(async {
            Err(ServiceError::Unavailable(
                "not built yet: exercise 3 step 2 (src/task_counts.rs must ask the monolith for the task counts)".into(),
            ))
        })
    }
}
