//! Phase 03's API gateway: the single entry point clients see, on port 8000.
//!
//! It owns no data and no business rules. It routes each request by path prefix to the
//! service that owns it (`proxy`), applies the per-client-IP rate limit, assigns request
//! ids, answers `/health` for the whole system (every downstream service's health) and
//! serves one OpenAPI document for the whole API (`routes::docs`). Each service still
//! verifies the caller's token itself.

pub mod config;
pub mod proxy;
pub mod resolve;
pub mod routes;
pub mod startup;
pub mod state;

pub use routes::app;
pub use service_kit::error;
pub use state::AppState;
