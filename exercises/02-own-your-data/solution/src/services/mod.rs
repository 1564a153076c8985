//! The services that belong to no module yet: the stats. Identity and tasks are modules
//! now (`crate::identity`, `crate::tasks`), each with its own service inside.

#[path = "../../../../01-find-the-seams/solution/src/services/stats.rs"]
mod stats;

pub use stats::{PriorityCounts, StatsService, StatusCounts, TaskStats};

// Phase 01's routes, compiled here unchanged, import `TaskPage` from `crate::services`;
// it lives in the tasks module now.
pub use crate::tasks::TaskPage;

use crate::{error::ApiError, repositories::RepositoryError};

impl From<RepositoryError> for ApiError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::UniqueViolation => {
                ApiError::Conflict("that value is already taken".into())
            }
            RepositoryError::Database(error) => error.into(),
            RepositoryError::CorruptRow(error) => ApiError::Internal(error),
        }
    }
}
