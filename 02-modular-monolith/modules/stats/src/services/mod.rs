//! The stats module's business layer: folding counts into statistics.

mod stats;

pub use stats::{PriorityCounts, StatsService, StatusCounts, TaskStats};
