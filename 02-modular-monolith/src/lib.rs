//! Phase 02 of the TaskTracker workshop: a modular monolith.
//!
//! Still one process and one deployable, but the code is split into modules that could
//! each become a service: `identity`, `tasks` and `stats` (crates under `modules/`), plus
//! the tiny `shared-kernel`. This crate is the app: it connects the database, runs each
//! module's migrations, plugs the modules into each other's seams ([`seams`]), merges
//! their routers, and owns the HTTP edge (rate limit, request ids, tracing, docs, problems).

pub mod config;
pub mod database;
pub mod middleware;
pub mod routes;
pub mod seams;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use routes::app;
pub use state::AppState;
