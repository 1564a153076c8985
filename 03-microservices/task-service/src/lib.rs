//! Phase 03's task service: task CRUD, filters, pagination, status and toggle over its own
//! tasks database, plus one internal route for stats-service (`/internal/v1/task-counts`,
//! never exposed by the gateway). It verifies tokens itself; `owner_id` is a plain
//! reference to a user-service account.
//!
//! The layers are phase 01's: `routes` → `services` → `repositories` → the database.
//! `error` and `extract` are the shared ones from `service-kit`, re-exported so the code
//! reads exactly as in phase 01.

pub mod auth;
pub mod config;
pub mod domain;
pub mod repositories;
pub mod routes;
pub mod services;
pub mod startup;
pub mod state;

pub use routes::app;
pub use service_kit::{error, extract};
pub use state::AppState;
