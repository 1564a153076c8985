//! Per-user statistics from task-service's counts.
//!
//! EXERCISE 05: when task-service cannot answer, the caller gets a 503 even if we showed
//! them their statistics a minute ago. Step 4 of the README keeps each caller's last good
//! statistics and answers them, marked stale, while task-service is down.

use stats_service::{auth::AuthUser, clients::CallError, error::ApiError, services::TaskStats};

use crate::client::TaskServiceClient;

#[derive(Clone)]
pub struct StatsService {
    tasks: TaskServiceClient,
}

impl StatsService {
    pub fn new(tasks: TaskServiceClient) -> Self {
        Self { tasks }
    }

    /// The caller's statistics; 503 when task-service cannot answer, 502 when its answer
    /// is unusable.
    pub async fn for_user(
        &self,
        caller: &AuthUser,
        request_id: Option<&str>,
    ) -> Result<TaskStats, ApiError> {
        match self.tasks.task_counts(&caller.token, request_id).await {
            Ok(counts) => Ok(TaskStats::from_counts(&counts)),
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
                tracing::warn!(%error, "task-service unavailable");
                Err(ApiError::ServiceUnavailable(format!(
                    "statistics are unavailable right now ({error}); try again shortly"
                )))
            }
        }
    }
}
