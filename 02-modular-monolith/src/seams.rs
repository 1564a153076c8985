//! The seams: where one module's need meets another module's facade.
//!
//! A module that needs another declares a trait in its own terms (`tasks::UserDirectory`,
//! `stats::TaskCounts`) and never names the other module's crate for it. Only here, in the
//! app, is each trait implemented with the real facade. Phase 03 replaces these adapters
//! and the modules themselves do not change: its services depend on these very crates.
//! There, `stats-service/src/seams.rs` answers `TaskCounts` with an HTTP client to
//! task-service, and `task-service/src/seams.rs` answers `UserDirectory` with the caller's
//! verified token.
//!
//! ```text
//!   stats ──TaskCounts──▶ TasksAsTaskCounts ──▶ TasksApi::counts_for_owner
//!   tasks ──UserDirectory──▶ IdentityAsUserDirectory ──▶ IdentityApi::user_exists
//! ```
//!
//! Each call across a seam is a section of `Server-Timing` named after the module called
//! (`tasks`, `identity`): a stats request shows `stats` and, inside it, `tasks`, as phase
//! 03 shows `stats-service` and `stats-service.task-service`.

use chrono::{DateTime, Utc};
use identity::IdentityApi;
use shared_kernel::{BoxFuture, ServiceError, UserId, server_timing::section};
use stats::{TaskCount, TaskCounts};
use tasks::{TasksApi, UserDirectory};

/// Stats' view of the tasks module: an in-process call to the tasks facade.
pub struct TasksAsTaskCounts(pub TasksApi);

impl TaskCounts for TasksAsTaskCounts {
    fn counts_for_owner(
        &self,
        owner_id: UserId,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<Vec<TaskCount>, ServiceError>> {
        Box::pin(section("tasks", self.0.counts_for_owner(owner_id, now)))
    }
}

/// Tasks' view of the identity module: an in-process call to the identity facade.
pub struct IdentityAsUserDirectory(pub IdentityApi);

impl UserDirectory for IdentityAsUserDirectory {
    fn user_exists(&self, user_id: UserId) -> BoxFuture<'_, Result<bool, ServiceError>> {
        Box::pin(section("identity", self.0.user_exists(user_id)))
    }
}
