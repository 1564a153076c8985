//! Phase 03's stats service: phase 02's `stats` module, extracted into a process of its
//! own. Like the module, it owns no data.
//!
//! The module (folding per-(status, priority) counts into statistics, and the
//! `/api/v1/stats` route) is the crate `stats`, used as it is. In phase 02 the app plugged
//! the tasks module's facade in behind the module's `TaskCounts` seam. Here the tasks live
//! in another process, so this crate plugs in the network instead:
//! - [`clients::TaskServiceClient`]: task-service's internal `/internal/v1/task-counts`,
//!   with a timeout on every call, bounded retries with backoff (`backon`) and a circuit
//!   breaker (`failsafe`'s state machine, wrapped so that exactly one trial call goes
//!   through while half-open and every unusable answer counts as a failure);
//! - [`seams::TaskServiceCounts`]: the `TaskCounts` seam over that client, keeping each
//!   user's last known counts to answer with (marked stale) while task-service is down;
//! - [`caller`]: a layer that hands the caller's token and request id to the outbound call,
//!   and marks stale answers. The module's signatures carry neither: transport stays out
//!   of the module, which is why it needs no change to become a service.

pub mod caller;
pub mod clients;
pub mod config;
pub mod routes;
pub mod seams;
pub mod startup;
pub mod state;

pub use routes::app;
pub use state::AppState;
