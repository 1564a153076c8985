//! What the service holds: the stats module with its seam plugged into the network.

use std::sync::Arc;

use service_kit::{auth::JwtKeys, metrics::Metrics};
use stats::StatsApi;

use crate::{clients::TaskServiceClient, config::Settings, seams::TaskServiceCounts};

/// Cheap to clone: every field is a handle to shared data (client, cache, keys).
#[derive(Clone)]
pub struct AppState {
    pub stats: StatsApi,
}

impl AppState {
    /// The module, its `TaskCounts` seam answered by task-service over HTTP.
    /// stats-service only verifies tokens, and only tokens that name their account, as
    /// task-service does: a token it would refuse is refused here, before any call.
    /// Its calls to task-service show in `metrics`.
    pub fn new(settings: &Settings, metrics: &Metrics) -> anyhow::Result<Self> {
        let jwt = JwtKeys::requiring_account(&settings.jwt_secret.bytes);
        let client = TaskServiceClient::new(&settings.task_service, metrics.outbound())?;
        let tasks = TaskServiceCounts::new(client, jwt.clone());
        Ok(Self {
            stats: StatsApi::new(Arc::new(tasks), jwt),
        })
    }
}
