//! Phase 03's stats service: a user's statistics, computed from task-service's data over
//! HTTP. It owns no database.
//!
//! Where phase 01's `StatsService` asked a repository for per-(status, priority) counts,
//! this one asks task-service's internal route `/internal/v1/task-counts` through
//! [`clients::TaskServiceClient`] and folds them with the same `TaskStats::from_counts`.
//! The client is where the network's failures are handled: a timeout on every call,
//! bounded retries with backoff (`backon`), and a circuit breaker (`failsafe`). When
//! task-service cannot answer, the caller gets their last known statistics marked stale.

pub mod auth;
pub mod clients;
pub mod config;
pub mod domain;
pub mod routes;
pub mod services;
pub mod startup;
pub mod state;

pub use routes::app;
pub use service_kit::{error, extract};
pub use state::AppState;
