//! task-service's integration tests, in one test binary.
//!
//! - `contract`: the provider side of `contracts/task-service.json`: every interaction its
//!   consumers (stats-service, the gateway) rely on, replayed against the real service.

mod contract;
mod helpers;
