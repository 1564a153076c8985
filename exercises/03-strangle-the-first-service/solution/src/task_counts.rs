//! The stats module's `TaskCounts` seam, implemented over HTTP.
//!
//! In phase 02 the app plugged the tasks module's facade in behind `stats::TaskCounts`
//! (`02-modular-monolith/src/seams.rs`). The stats module now runs in another process, so
//! the same trait is implemented by a call to the monolith's `GET /internal/v1/task-counts`.
//! The stats module itself does not change at all: that is what the seam was for.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use shared_kernel::{BoxFuture, ServiceError, UserId};
use stats::{TaskCount, TaskCounts};

use crate::{
    stats_service::caller_token,
    wire::{TASK_COUNTS_PATH, TaskCountBody},
};

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
        owner_id: UserId,
        _now: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<Vec<TaskCount>, ServiceError>> {
        // `now` stays behind: the monolith counts "overdue" with its own clock.
        Box::pin(self.fetch(owner_id))
    }
}

impl TaskCountsOverHttp {
    async fn fetch(&self, owner_id: UserId) -> Result<Vec<TaskCount>, ServiceError> {
        // The stats module only ever asks about the caller, so the caller's own token
        // proves the request (ADR 0010): the monolith checks it like any other.
        let token = caller_token().ok_or_else(|| {
            ServiceError::Unauthenticated("no token to forward to the monolith".into())
        })?;
        let unavailable = |why: String| {
            tracing::warn!(%owner_id, %why, "task counts unavailable");
            ServiceError::Unavailable(
                "the task counts are unavailable right now; try again shortly".into(),
            )
        };
        let response = self
            .http
            .get(format!("{}{TASK_COUNTS_PATH}", self.base_url))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|error| unavailable(format!("cannot reach the monolith: {error}")))?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::UNAUTHORIZED => {
                return Err(ServiceError::Unauthenticated(
                    "the monolith refused the token".into(),
                ));
            }
            status => return Err(unavailable(format!("the monolith answered {status}"))),
        }
        let counts: Vec<TaskCountBody> = response
            .json()
            .await
            .map_err(|error| unavailable(format!("a malformed answer: {error}")))?;
        counts
            .into_iter()
            .map(TaskCountBody::into_task_count)
            .collect()
    }
}
