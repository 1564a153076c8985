//! The business layer: what the application does, independent of HTTP and of SQL.
//! Routes call services; services call repositories.

mod stats;
mod tasks;
#[path = "../../../../../01-monolith/src/services/users.rs"]
mod users;

pub use stats::{PriorityCounts, StatsService, StatusCounts, TaskStats};
pub use tasks::{TaskPage, TaskService};
pub use users::UserService;

use crate::{domain::FieldError, repositories::RepositoryError};

/// Why a service could not do what it was asked, in the application's terms.
///
/// A service says *what* went wrong; how to answer it is the HTTP edge's business (the one
/// `From<ServiceError> for ApiError` in `crate::error`). So no service names a status code,
/// and the same service could answer a CLI, a queue or another module just as well. The
/// `String`s are the human-readable detail a client reads.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// What was asked for does not exist, or is not the caller's (the two look the same,
    /// so that ids reveal nothing about other users).
    #[error("{0}")]
    NotFound(String),
    /// A value that must be unique (an email, a username) is already taken.
    #[error("{0}")]
    Conflict(String),
    /// The caller is not who they claim: wrong credentials, or a validly signed token of an
    /// account that no longer exists.
    #[error("{0}")]
    Unauthenticated(String),
    /// Well-formed input that breaks a rule only the service can check, one entry per field.
    #[error("{} field(s) are invalid", .0.len())]
    Invalid(Vec<FieldError>),
    /// Something the service depends on (the database) cannot be reached right now.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure. Its cause is for the log, never for the client.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<RepositoryError> for ServiceError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::UniqueViolation => {
                Self::Conflict("that value is already taken".into())
            }
            // The only reference a client can supply is the owner, from a validly signed
            // token whose account no longer exists: treat it like an invalid token.
            RepositoryError::MissingReference => {
                Self::Unauthenticated("the account no longer exists".into())
            }
            RepositoryError::Unavailable(_) => {
                Self::Unavailable("the database is unavailable; try again shortly".into())
            }
            RepositoryError::Database(error) => Self::Internal(error.into()),
            RepositoryError::CorruptRow(error) => Self::Internal(error),
        }
    }
}
