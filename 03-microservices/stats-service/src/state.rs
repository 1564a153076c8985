//! What every request handler can reach.

use axum::extract::FromRef;

use crate::{auth::JwtKeys, clients::TaskServiceClient, config::Settings, services::StatsService};

/// Cheap to clone: every field is a handle to shared data (client, cache, keys).
#[derive(Clone)]
pub struct AppState {
    pub stats: StatsService,
    pub jwt: JwtKeys,
}

impl AppState {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let tasks = TaskServiceClient::new(&settings.task_service)?;
        Ok(Self {
            stats: StatsService::new(tasks),
            jwt: JwtKeys::verifier(&settings.jwt_secret.bytes),
        })
    }
}

/// Lets the [`crate::auth::AuthUser`] extractor find the keys without knowing `AppState`.
impl FromRef<AppState> for JwtKeys {
    fn from_ref(state: &AppState) -> Self {
        state.jwt.clone()
    }
}
