//! Phase 01 of the TaskTracker workshop: a layered monolith.
//!
//! A request flows down the layers and back up:
//! `routes` (HTTP in and out) → `services` (what the application does) →
//! `repositories` (SQL) → the database. `domain` holds the types every layer shares;
//! `auth`, `error`, `extract`, `middleware` and `server_timing` are the cross-cutting pieces.

pub mod auth;
pub mod config;
pub mod domain;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod repositories;
pub mod routes;
pub mod server_timing;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use routes::app;
pub use state::AppState;
