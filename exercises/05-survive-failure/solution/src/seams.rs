//! The stats module's `TaskCounts` seam, answered by task-service over HTTP.
//!
//! The module asks "this owner's counts, please" and knows nothing of tokens or networks.
//! This adapter asks task-service through the client, with the caller's own token (which
//! task-service verifies again) and request id. The caller layer of phase 03
//! (`caller.rs`, phase 03's own file) keeps both for the request, and [`Caller::current`] reads them.
//!
//! EXERCISE 05 (solved): each caller's last good counts are kept, and while task-service
//! cannot answer the caller gets them back, marked stale: [`Caller::mark_stale`] tells the
//! caller layer, which adds `"stale": true`, `x-stats-stale: true` and `Warning: 110` to the
//! module's answer. Slightly old numbers beat an error page. The module itself is
//! unchanged: staleness is the network's business, so it lives in the network's adapter.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use crate::{call_error::CallError, caller::Caller};
use chrono::{DateTime, Utc};
use shared_kernel::{BoxFuture, ServiceError, UserId};
use stats::{TaskCount, TaskCounts};

use crate::client::TaskServiceClient;

/// At most this many users' last known counts are kept (in memory, per process); beyond it
/// the cache starts over, so it cannot grow without bound.
const MAX_REMEMBERED_USERS: usize = 10_000;

/// `TaskCounts` over HTTP, with each user's last known counts as the fallback. Cheap to
/// clone: the client and the cache are handles to shared state.
#[derive(Clone)]
pub struct TaskServiceCounts {
    client: TaskServiceClient,
    /// Keyed by owner: one user's counts are never anyone else's answer.
    last_known: Arc<Mutex<HashMap<UserId, Vec<TaskCount>>>>,
}

impl TaskServiceCounts {
    pub fn new(client: TaskServiceClient) -> Self {
        Self {
            client,
            last_known: Arc::default(),
        }
    }

    /// The owner's counts; their last known ones, marked stale, when task-service cannot
    /// answer; 503 when there are none; 502 when task-service's answer is unusable. The
    /// statistics are the module's business: it folds these counts itself.
    async fn counts(&self, owner_id: UserId) -> Result<Vec<TaskCount>, ServiceError> {
        // The module verified the token before asking; the layer must have kept it.
        let Some((Some(token), request_id)) = Caller::current() else {
            return Err(ServiceError::Internal(anyhow::anyhow!(
                "no caller token to forward: is the forward_caller layer missing?"
            )));
        };
        match self.client.task_counts(&token, request_id.as_deref()).await {
            Ok(counts) => {
                self.remember(owner_id, &counts);
                Ok(counts)
            }
            Err(CallError::Unauthorized) => Err(ServiceError::Unauthenticated(
                "the token was refused by task-service".into(),
            )),
            // Not a fallback case: a broken contract is a bug to see, not an outage to hide.
            Err(error @ CallError::Unexpected(_)) => {
                tracing::error!(%error, "task-service broke the task-counts contract");
                Err(ServiceError::BadUpstream(
                    "task-service gave an answer stats-service cannot use".into(),
                ))
            }
            Err(error) => {
                tracing::warn!(
                    %error,
                    %owner_id,
                    "task-service unavailable; trying last known counts"
                );
                let counts = self.last_known(owner_id).ok_or_else(|| {
                    ServiceError::Unavailable(format!(
                        "statistics are unavailable right now ({error}); try again shortly"
                    ))
                })?;
                Caller::mark_stale();
                Ok(counts)
            }
        }
    }

    fn remember(&self, owner_id: UserId, counts: &[TaskCount]) {
        // A poisoned lock only means another request panicked mid-insert: the map is fine.
        let mut last_known = self.last_known.lock().unwrap_or_else(|e| e.into_inner());
        if last_known.len() >= MAX_REMEMBERED_USERS && !last_known.contains_key(&owner_id) {
            last_known.clear();
        }
        last_known.insert(owner_id, counts.to_vec());
    }

    /// A copy of the owner's last good counts, if any. The module folds them into
    /// statistics exactly as it would fresh ones.
    fn last_known(&self, owner_id: UserId) -> Option<Vec<TaskCount>> {
        let last_known = self.last_known.lock().unwrap_or_else(|e| e.into_inner());
        last_known.get(&owner_id).cloned()
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
