//! Phase 03's user service: phase 02's `identity` module, extracted into a process of its
//! own with its own users database.
//!
//! The module (its domain, repositories, services and routes) is the crate `identity`,
//! used as it is. This crate is only what extraction adds: a binary, its settings, the
//! database connection, and the routes every service has (`/health`, `/openapi.json`).
//! It is the only service that issues tokens; every service (this one included) verifies
//! them itself with the shared `JWT_SECRET`.

pub mod config;
pub mod routes;
pub mod startup;
pub mod state;

pub use routes::app;
pub use state::AppState;
