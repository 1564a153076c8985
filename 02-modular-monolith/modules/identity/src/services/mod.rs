//! The identity module's business layer, independent of HTTP and of SQL.

mod users;

pub(crate) use users::UserService;

/// What this layer reports when it cannot do what it was asked: the shared kernel's, so
/// that a failure keeps its meaning across a seam. Routes turn it into an `ApiError`.
pub(crate) use shared_kernel::ServiceError;

use std::time::Duration;

use crate::auth::{HashingError, LockedFor};

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
