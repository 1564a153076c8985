//! The stats module: per-user statistics over all of a user's tasks.
//!
//! It owns no table. It gets its numbers through [`TaskCounts`], a trait it declares in its
//! own terms, and the app plugs the tasks module's facade in behind it. That trait is THE
//! seam between the two modules: in phase 03 an HTTP client to the task service implements
//! it, and nothing else in this crate changes.
//!
//! Public API: [`StatsApi`] (the facade), [`TaskCounts`], the response type [`TaskStats`]
//! and [`ApiDoc`].

mod routes;
mod services;

use std::sync::Arc;

use axum::{Router, extract::FromRef};
use chrono::{DateTime, Utc};
use shared_kernel::{BoxFuture, JwtKeys, ServiceError, UserId};

pub use routes::ApiDoc;
pub use services::{PriorityCounts, StatusCounts, TaskStats};
/// The answer of [`TaskCounts::counts_for_owner`]: the tasks module's public type.
pub use tasks::TaskCount;

use crate::services::StatsService;

/// What the stats module needs from the tasks module: all of one owner's tasks counted
/// per (status, priority), with how many of each group are overdue at `now`.
///
/// A failure behind the seam is a [`ServiceError`] (the tasks module's own, passed on, or
/// in phase 03 what the network adds: unavailable, an unusable answer), never an HTTP
/// error: the stats module does not speak HTTP below its routes.
pub trait TaskCounts: Send + Sync + 'static {
    fn counts_for_owner(
        &self,
        owner_id: UserId,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<Vec<TaskCount>, ServiceError>>;
}

/// The stats module as the rest of the application sees it. Cheap to clone.
#[derive(Clone)]
pub struct StatsApi {
    pub(crate) stats: StatsService,
    pub(crate) jwt: JwtKeys,
}

impl StatsApi {
    pub fn new(tasks: Arc<dyn TaskCounts>, jwt: JwtKeys) -> Self {
        Self {
            stats: StatsService::new(tasks),
            jwt,
        }
    }

    /// This module's slice of the HTTP API: `/api/v1/stats`.
    pub fn router(&self) -> Router {
        routes::router(self.clone())
    }

    /// The statistics of one user, as `GET /api/v1/stats` answers them.
    pub async fn for_user(&self, owner_id: UserId) -> Result<TaskStats, ServiceError> {
        self.stats.for_user(owner_id).await
    }
}

/// Lets the `AuthUser` extractor find the keys in this module's router state.
impl FromRef<StatsApi> for JwtKeys {
    fn from_ref(stats: &StatsApi) -> Self {
        stats.jwt.clone()
    }
}
