//! task-service's integration tests, in one test binary.
//!
//! - `contract`: the provider side of `contracts/task-service.json`: every interaction its
//!   consumers (stats-service, the gateway) rely on, replayed against the real service.
//! - `owners`: tasks belong to the token's account, not its user id (ADR 0017).
//! - `concurrency`: 32 concurrent writers on SQLite lose nothing and get no 5xx; a read
//!   right after the caller's own write sees it.

mod concurrency;
mod contract;
mod helpers;
mod owners;
