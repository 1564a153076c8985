//! The business layer: what the application does, independent of HTTP and of SQL.
//! Routes call services; services call repositories.

mod stats;
#[path = "../../../../../01-monolith/src/services/users.rs"]
mod users;

pub use stats::{PriorityCounts, StatsService, StatusCounts, TaskStats};
pub use users::UserService;

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
            // The only reference a client can supply is the owner, from a validly signed
            // token whose account no longer exists: treat it like an invalid token.
            RepositoryError::MissingReference => {
                ApiError::Unauthorized("the account no longer exists".into())
            }
            RepositoryError::Database(error) => error.into(),
            RepositoryError::CorruptRow(error) => ApiError::Internal(error),
        }
    }
}
