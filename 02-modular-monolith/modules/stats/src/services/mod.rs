//! The stats module's business layer: folding counts into statistics.

mod stats;

pub use stats::{PriorityCounts, StatsService, StatusCounts, TaskStats};

/// What this layer reports when it cannot do what it was asked: the shared kernel's, so
/// that a failure keeps its meaning across a seam. Routes turn it into an `ApiError`.
pub(crate) use shared_kernel::ServiceError;
