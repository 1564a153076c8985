//! The business layer: what the service does, independent of HTTP.

mod stats;

pub use stats::{PriorityCounts, StatsService, StatusCounts, TaskStats};
