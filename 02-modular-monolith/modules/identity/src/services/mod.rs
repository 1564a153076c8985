//! The identity module's business layer, independent of HTTP and of SQL.

mod users;

pub(crate) use users::UserService;

/// What this layer reports when it cannot do what it was asked: the shared kernel's, so
/// that a failure keeps its meaning across a seam. Routes turn it into an `ApiError`.
pub(crate) use shared_kernel::ServiceError;
