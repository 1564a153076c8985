//! What every module's business layer says when it cannot do what it was asked: the
//! application's own terms, independent of HTTP and of SQL.
//!
//! Shared because failures cross module boundaries: a seam (`tasks::UserDirectory`,
//! `stats::TaskCounts`) passes the other module's failure on as it is, and one rendering
//! (`From<ServiceError> for ApiError`) must answer every module's failures alike.

use std::time::Duration;

use crate::{db::RepositoryError, domain::FieldError};

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
    /// Something the service depends on (the database, in phase 03 another service) cannot
    /// be reached right now.
    #[error("{0}")]
    Unavailable(String),
    /// Something the service depends on answered, but with something it cannot use (in
    /// phase 03: another service broke the contract between them). Not the caller's fault
    /// and not ours, which is why it is neither `Invalid` nor `Internal`.
    #[error("{0}")]
    BadUpstream(String),
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

impl From<RepositoryError> for ServiceError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::UniqueViolation => {
                Self::Conflict("that value is already taken".into())
            }
            RepositoryError::Unavailable(_) => {
                Self::Unavailable("a dependency is unavailable; try again shortly".into())
            }
            RepositoryError::Database(error) => Self::Internal(error.into()),
            RepositoryError::CorruptRow(error) => Self::Internal(error),
        }
    }
}
