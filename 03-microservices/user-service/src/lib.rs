//! Phase 03's user service: registration, login and the caller's account, over its own
//! users database. It is the only service that issues tokens; every service (this one
//! included) verifies them itself with the shared `JWT_SECRET`.
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
