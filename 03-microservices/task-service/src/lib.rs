//! Phase 03's task service: phase 02's `tasks` module, extracted into a process of its own
//! with its own tasks database.
//!
//! The module (task CRUD, filters, pagination, status and toggle: its domain, repositories,
//! services and routes) is the crate `tasks`, used as it is. This crate is only what
//! extraction adds:
//! - a binary, its settings and its database connection;
//! - [`owners`]: tasks are owned by accounts (the token's never-reused `acct`), each
//!   given an owner id of this service's own, so a recreated users database hands nobody
//!   another account's tasks (ADR 0017);
//! - [`seams`]: the module's `UserDirectory` seam, answered without calling user-service;
//! - `routes::internal`: the other end of stats' `TaskCounts` seam, as an HTTP route
//!   (`/internal/v1/task-counts`, never exposed by the gateway).

pub mod config;
pub mod owners;
pub mod routes;
pub mod seams;
pub mod startup;
pub mod state;

pub use routes::app;
pub use state::AppState;
