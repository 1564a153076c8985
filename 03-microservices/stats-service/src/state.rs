//! What the service holds: the stats module with its seam plugged into the network.

use std::sync::Arc;

use service_kit::auth::JwtKeys;
use stats::StatsApi;

use crate::{clients::TaskServiceClient, config::Settings, seams::TaskServiceCounts};

/// Cheap to clone: every field is a handle to shared data (client, cache, keys).
#[derive(Clone)]
pub struct AppState {
    pub stats: StatsApi,
}

impl AppState {
    /// The module, its `TaskCounts` seam answered by task-service over HTTP.
    /// stats-service only verifies tokens: the lifetime is never used.
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let tasks = TaskServiceCounts::new(TaskServiceClient::new(&settings.task_service)?);
        let jwt = JwtKeys::new(&settings.jwt_secret.bytes, std::time::Duration::ZERO);
        Ok(Self {
            stats: StatsApi::new(Arc::new(tasks), jwt),
        })
    }
}
