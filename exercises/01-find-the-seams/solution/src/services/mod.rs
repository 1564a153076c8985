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

use std::time::Duration;

use crate::{
    auth::{HashingError, LockedFor},
    domain::FieldError,
    repositories::RepositoryError,
};

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
    /// Too many failed logins for this username: refused, unchecked, for `retry_after`.
    #[error("too many failed logins for this username")]
    TooManyFailedLogins { retry_after: Duration },
    /// Too busy to do it now (every password-hashing slot is taken and its queue is
    /// full); trying again after `retry_after` may work.
    #[error("too busy to check a password now")]
    Busy { retry_after: Duration },
    /// A bug or an unexpected failure. Its cause is for the log, never for the client.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// How long a client refused for a full hashing queue should wait: about what a queue's
/// worth of hashes takes.
pub const HASHING_RETRY_AFTER: Duration = Duration::from_secs(1);

impl From<LockedFor> for ServiceError {
    fn from(LockedFor(retry_after): LockedFor) -> Self {
        Self::TooManyFailedLogins { retry_after }
    }
}

impl From<HashingError> for ServiceError {
    fn from(error: HashingError) -> Self {
        match error {
            HashingError::Busy => Self::Busy {
                retry_after: HASHING_RETRY_AFTER,
            },
            HashingError::Failed(error) => Self::Internal(error),
        }
    }
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
                Self::Unavailable("a dependency is unavailable; try again shortly".into())
            }
            RepositoryError::Database(error) => Self::Internal(error.into()),
            RepositoryError::CorruptRow(error) => Self::Internal(error),
        }
    }
}
