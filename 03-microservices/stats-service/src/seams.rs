//! The stats module's seam, plugged into the network.
//!
//! In phase 02 the app answered `stats::TaskCounts` with an in-process call to the tasks
//! module. Here [`TaskServiceCounts`] answers it with a call to task-service (through the
//! resilient [`TaskServiceClient`]), and adds what only the network needs: when
//! task-service cannot answer, the caller's last known counts, marked stale. Those are
//! kept per account (the token's `acct`), not per user id: a user id is reused when the
//! users database is recreated, and must not bring an old account's counts (ADR 0017).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};
use shared_kernel::{AccountId, BoxFuture, JwtKeys, ServiceError, UserId};
use stats::{TaskCount, TaskCounts};

use crate::{
    caller::Caller,
    clients::{CallError, TaskServiceClient},
};

/// At most this many accounts' last known counts are kept (in memory, per process); beyond
/// it the cache starts over, so it cannot grow without bound.
const MAX_REMEMBERED_ACCOUNTS: usize = 10_000;

/// `TaskCounts` over HTTP, with each account's last known counts as the fallback.
#[derive(Clone)]
pub struct TaskServiceCounts {
    client: TaskServiceClient,
    /// The keys the module verified the caller's token with, to read its account.
    keys: JwtKeys,
    last_known: Arc<Mutex<HashMap<AccountId, Vec<TaskCount>>>>,
}

impl TaskServiceCounts {
    pub fn new(client: TaskServiceClient, keys: JwtKeys) -> Self {
        Self {
            client,
            keys,
            last_known: Arc::default(),
        }
    }

    /// The counts, else `stale` ones when task-service cannot answer but earlier counts
    /// are known; otherwise `Unavailable` (task-service down: a 503) or `BadUpstream` (a
    /// wrong answer: a 502). The statuses are the kernel's `From<ServiceError>` to decide.
    async fn counts(&self, owner_id: UserId) -> Result<Vec<TaskCount>, ServiceError> {
        // The module verified the token before asking; the layer must have kept it.
        let Some((Some(token), request_id)) = Caller::current() else {
            return Err(ServiceError::Internal(anyhow::anyhow!(
                "no caller token to forward: is the forward_caller layer missing?"
            )));
        };
        // The same token, verified again (remembered: a lookup), for its account.
        let account = match self.keys.verify_account(&token) {
            Ok(verified) if verified.user_id == owner_id => verified.account,
            _ => None,
        }
        .ok_or_else(|| {
            ServiceError::Internal(anyhow::anyhow!(
                "the caller's token does not name the owner's account"
            ))
        })?;
        // task-service counts the overdue tasks at its own `now`, which is this one's.
        match self.client.task_counts(&token, request_id.as_deref()).await {
            Ok(counts) => {
                self.remember(&account, &counts);
                Ok(counts)
            }
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
                tracing::warn!(%error, "task-service unavailable; trying last known counts");
                let counts = self.last_known(&account).ok_or_else(|| {
                    // The error (with task-service's address) is in the log line above.
                    ServiceError::Unavailable(
                        "statistics are unavailable right now: a dependency is unavailable; try again shortly".into(),
                    )
                })?;
                Caller::mark_stale();
                Ok(counts)
            }
        }
    }

    fn remember(&self, account: &AccountId, counts: &[TaskCount]) {
        // A poisoned lock only means another request panicked mid-insert: the map is fine.
        let mut last_known = self.last_known.lock().unwrap_or_else(|e| e.into_inner());
        if last_known.len() >= MAX_REMEMBERED_ACCOUNTS && !last_known.contains_key(account) {
            last_known.clear();
        }
        last_known.insert(account.clone(), counts.to_vec());
    }

    fn last_known(&self, account: &AccountId) -> Option<Vec<TaskCount>> {
        let last_known = self.last_known.lock().unwrap_or_else(|e| e.into_inner());
        last_known.get(account).cloned()
    }
}

impl TaskCounts for TaskServiceCounts {
    fn counts_for_owner(
        &self,
        owner_id: UserId,
        _now: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<Vec<TaskCount>, ServiceError>> {
        Box::pin(self.counts(owner_id))
    }
}
