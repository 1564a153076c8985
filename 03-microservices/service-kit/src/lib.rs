//! Phase 03: what the TaskTracker microservices add to phase 02's shared kernel.
//!
//! Each service is a phase 02 module with a binary around it, so the services speak the
//! modules' HTTP dialect: errors, extractors, tokens and ids come from phase 02's
//! `shared-kernel`, re-exported here unchanged. This crate adds only what the network
//! needs, which a single process never did:
//!
//! | module | why it is here |
//! |---|---|
//! | [`error`], [`domain`], [`extract`], [`auth`] | phase 02's kernel, re-exported: one `ApiError` (with the 502/504 the gateway answers), one `AuthUser`, one `JwtKeys` in every service |
//! | [`server_timing`] | phase 02's kernel, re-exported: the `Server-Timing` layer every service ends with (its own entry and `db`), and `record_callee`, which adds a callee's entries under its name |
//! | [`metrics`] | phase 02's kernel, re-exported: the registry `/metrics` shows on each process's `METRICS_PORT` (requests by route template and status, pools, calls to other services, the circuit breaker) |
//! | [`config`] | the environment-variable parsing helpers: same names, same validation, same "present but invalid stops start-up" in every binary |
//! | [`middleware`] | the edge layers (request id, trace span, panic → 500 problem) and the gateway's per-IP rate limiter |
//! | [`routing`] | the 404/405 fallbacks and the 64 KiB body limit every router ends with |
//! | [`health`] | the `/health` document shape the gateway aggregates |
//! | [`docs`] | the `bearer` security scheme every service's OpenAPI document declares, and Swagger UI |
//! | [`startup`] | binding, serving with peer addresses, graceful shutdown on Ctrl-C/SIGTERM |
//! | [`telemetry`] | the `tracing` subscriber set-up |
//! | `database` (feature `database`) | a service's own pool over its one module schema, for the two services that own data |
//! | `metrics_text` (feature `metrics-tests`, tests only) | `/metrics` read back through a Prometheus text-format parser, for every service's tests |
//! | `contract` (feature `contracts`, tests only) | the loader and body matcher for the contract fixtures that consumer tests stub with and provider tests replay: one reading of the files on both sides |
//!
//! What is *not* here is any service's business: that is its phase 02 module, and the
//! adapters that plug the module's seams into the network stay in the service.

pub use shared_kernel::{auth, domain, error, extract, metrics, server_timing};

pub mod config;
#[cfg(feature = "contracts")]
pub mod contract;
#[cfg(feature = "database")]
pub mod database;
pub mod docs;
pub mod health;
#[cfg(any(test, feature = "metrics-tests"))]
pub mod metrics_text;
pub mod middleware;
pub mod routing;
pub mod startup;
pub mod telemetry;

pub use error::ApiError;
