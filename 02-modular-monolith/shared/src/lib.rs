//! The shared kernel of phase 02: the small vocabulary every module must agree on.
//!
//! A module may depend on this crate and on nothing else of the phase (the architecture
//! tests check it). Everything here is shared for a reason, and phase 03 keeps each item
//! as a *copy of the same contract* in every service:
//!
//! - [`domain`]: [`UserId`] (identity hands ids out, tasks store them as `owner_id`, stats
//!   asks for them) and `positive_id!`, which declares it and the tasks module's `TaskId`, the `FieldError` list every 422 carries, and the microsecond clock that
//!   every stored timestamp uses.
//! - [`error`]: [`ApiError`], the ONE problem+json rendering, so that every module's errors look
//!   identical to a client. Two renderings would drift apart.
//! - [`extract`]: the request extractors that turn bad input into those problems.
//! - [`auth`]: [`JwtKeys`] and [`AuthUser`]. Identity issues tokens; every module verifies them
//!   with the same key, so the verification code must be the same code.
//! - [`services`]: [`ServiceError`], what every module's services report instead of an
//!   HTTP error, so that a seam can pass one module's failure to another as it is;
//!   `ApiError`'s one `From<ServiceError>` decides the statuses.
//! - [`db`]: what a repository needs around its own SQL: the database [`Backend`], the
//!   timestamp encoding, the repository error, and running a module's migrations next to
//!   the other modules' migrations in one database.
//! - [`server_timing`]: the `Server-Timing` header: the app's layer, a section per module,
//!   the timed pools behind `db`; phase 03 adds each callee's entries with it.
//! - [`metrics`]: `/metrics` in the Prometheus text format on its own listener: the request
//!   layer, pool and queue gauges, and (phase 03) outbound calls and the circuit breaker.
//!
//! What is NOT here: users, tasks, statistics, SQL. Those belong to exactly one module.

pub mod auth;
pub mod db;
pub mod domain;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod problem_responses;
pub mod server_timing;
pub mod services;

pub use auth::{
    AccessToken, AccountId, AuthUser, JwtKeys, TokenError, VerifiedToken, bearer_token,
};
pub use db::{Backend, Pools, RepositoryError, RepositoryResult};
pub use domain::{FieldError, FieldErrors, InvalidId, Missing, UserId};
pub use error::{ApiError, Problem};
pub use problem_responses::ProblemResponses;
pub use services::ServiceError;

/// What a module's seam trait returns: a boxed future, so the trait stays object-safe
/// (`Arc<dyn TaskCounts>`) and the app can plug in any implementation (the real module in
/// this phase, an HTTP client in phase 03, a fake in tests). Shared because every seam
/// has this shape.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
