//! Per-user statistics from task-service's counts.
//!
//! EXERCISE 05 (solved): each caller's last good statistics are kept, and while
//! task-service cannot answer the caller gets them back marked `stale` (the routes then add
//! `x-stats-stale: true` and `Warning: 110`). Slightly old numbers beat an error page.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use stats_service::{
    auth::AuthUser, clients::CallError, domain::UserId, error::ApiError, services::TaskStats,
};

use crate::client::TaskServiceClient;

/// At most this many users' last known statistics are kept (in memory, per process);
/// beyond it the cache starts over, so it cannot grow without bound.
const MAX_REMEMBERED_USERS: usize = 10_000;

#[derive(Clone)]
pub struct StatsService {
    tasks: TaskServiceClient,
    last_known: Arc<Mutex<HashMap<UserId, TaskStats>>>,
}

impl StatsService {
    pub fn new(tasks: TaskServiceClient) -> Self {
        Self {
            tasks,
            last_known: Arc::default(),
        }
    }

    /// The caller's statistics; their last known ones, marked stale, when task-service
    /// cannot answer; 503 when there are none; 502 when task-service's answer is unusable.
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

    /// A copy of the caller's last good statistics, marked stale.
    fn last_known(&self, user_id: UserId) -> Option<TaskStats> {
        let last_known = self.last_known.lock().unwrap_or_else(|e| e.into_inner());
        last_known.get(&user_id).map(|stats| TaskStats {
            stale: true,
            ..stats.clone()
        })
    }
}
