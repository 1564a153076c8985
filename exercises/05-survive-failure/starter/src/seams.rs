//! The stats module's `TaskCounts` seam, answered by task-service over HTTP.
//!
//! The module asks "this owner's counts, please" and knows nothing of tokens or networks.
//! This adapter asks task-service through the client, with the caller's own token (which
//! task-service verifies again) and request id. The caller layer of phase 03
//! (`caller.rs`, phase 03's own file) keeps both for the request, and [`Caller::current`] reads them.
//!
//! EXERCISE 05: when task-service cannot answer, the caller gets a 503 even if we showed
//! them their statistics a minute ago. Step 4 of the README keeps each caller's last good
//! counts and answers them, marked stale, while task-service is down.

use crate::{call_error::CallError, caller::Caller};
use chrono::{DateTime, Utc};
use shared_kernel::{BoxFuture, ServiceError, UserId};
use stats::{TaskCount, TaskCounts};

use crate::client::TaskServiceClient;

/// `TaskCounts` over HTTP. Cheap to clone: the client is a handle to shared state.
#[derive(Clone)]
pub struct TaskServiceCounts {
    client: TaskServiceClient,
}

impl TaskServiceCounts {
    pub fn new(client: TaskServiceClient) -> Self {
        Self { client }
    }

    /// The owner's counts; 503 when task-service cannot answer, 502 when its answer is
    /// unusable. The statistics are the module's business: it folds these counts itself.
    async fn counts(&self, owner_id: UserId) -> Result<Vec<TaskCount>, ServiceError> {
        // The module verified the token before asking; the layer must have kept it.
        let Some((Some(token), request_id)) = Caller::current() else {
            return Err(ServiceError::Internal(anyhow::anyhow!(
                "no caller token to forward: is the forward_caller layer missing?"
            )));
        };
        match self.client.task_counts(&token, request_id.as_deref()).await {
            Ok(counts) => Ok(counts),
            Err(CallError::Unauthorized) => Err(ServiceError::Unauthenticated(
                "the token was refused by task-service".into(),
            )),
            Err(error @ CallError::Unexpected(_)) => {
                tracing::error!(%error, "task-service broke the task-counts contract");
                Err(ServiceError::BadUpstream(
                    "task-service gave an answer stats-service cannot use".into(),
                ))
            }
            Err(error) => {
                tracing::warn!(%error, %owner_id, "task-service unavailable");
                Err(ServiceError::Unavailable(format!(
                    "statistics are unavailable right now ({error}); try again shortly"
                )))
            }
        }
    }
}

/// task-service counts the overdue tasks at its own `now`, so `_now` is not sent along.
impl TaskCounts for TaskServiceCounts {
    fn counts_for_owner(
        &self,
        owner_id: UserId,
        _now: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<Vec<TaskCount>, ServiceError>> {
        Box::pin(self.counts(owner_id))
    }
}
