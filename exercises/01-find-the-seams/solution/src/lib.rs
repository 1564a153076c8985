//! Exercise 01, "Find the seams": phase 01's layered monolith, with the tasks code moved
//! behind one door, the [`tasks::TasksFacade`].
//!
//! Only the files this exercise asks you to change live in this crate. Every module marked
//! `#[path = ".../01-monolith/..."]` is phase 01's own file, compiled here unchanged: read
//! it, but do not edit it (it is phase 01's code, and other exercises use it too).

#[path = "../../../../01-monolith/src/auth/mod.rs"]
pub mod auth;
#[path = "../../../../01-monolith/src/config.rs"]
pub mod config;
#[path = "../../../../01-monolith/src/domain/mod.rs"]
pub mod domain;
#[path = "../../../../01-monolith/src/error.rs"]
pub mod error;
#[path = "../../../../01-monolith/src/extract.rs"]
pub mod extract;
#[path = "../../../../01-monolith/src/metrics.rs"]
pub mod metrics;
#[path = "../../../../01-monolith/src/middleware.rs"]
pub mod middleware;
pub mod repositories;
#[path = "../../../../01-monolith/src/routes/mod.rs"]
pub mod routes;
#[path = "../../../../01-monolith/src/server_timing.rs"]
pub mod server_timing;
pub mod services;
#[path = "../../../../01-monolith/src/startup.rs"]
pub mod startup;
pub mod state;
pub mod tasks;
#[path = "../../../../01-monolith/src/telemetry.rs"]
pub mod telemetry;

pub use routes::app;
pub use state::AppState;
