//! Phase 03: what every TaskTracker microservice shares, in one small crate.
//!
//! The four services (`api-gateway`, `user-service`, `task-service`, `stats-service`) are
//! deployed independently, but they speak one HTTP dialect to clients. Everything that
//! makes up that dialect lives here ONCE, so the services cannot drift apart:
//!
//! | module | why it is shared |
//! |---|---|
//! | [`error`] | one `ApiError` and its one problem+json rendering: every service (and the gateway's 502/503/504) answers errors identically |
//! | [`domain`] | `FieldError`/`FieldErrors` (the 422 `errors` list), `UserId`, and the microsecond clock both databases store |
//! | [`extract`] | `Json`, `JsonOrForm`, `Path`, `Query` whose rejections are problems (400/415/422/413 the same everywhere) |
//! | [`auth`] | JWT keys and the `AuthUser` extractor: each service verifies tokens itself, with the same rules (HS256 only, no leeway) |
//! | [`config`] | the environment-variable parsing helpers: same names, same validation, same "present but invalid stops start-up" |
//! | [`middleware`] | the edge layers (request id, trace span, panic → 500 problem) and the gateway's per-IP rate limiter |
//! | [`routing`] | the 404/405 fallbacks and the 64 KiB body limit every router ends with |
//! | [`health`] | the `/health` document shape the gateway aggregates |
//! | [`docs`] | the `Problem` schema and the `bearer` security scheme every OpenAPI document declares |
//! | [`startup`] | binding, serving with peer addresses, graceful shutdown on Ctrl-C/SIGTERM |
//! | [`telemetry`] | the `tracing` subscriber set-up |
//! | `contract` (feature `contracts`, tests only) | the loader and body matcher for the contract fixtures that consumer tests stub with and provider tests replay: one reading of the files on both sides |
//! | `database` (feature `database`) | the SQLite/PostgreSQL pool, migrations runner and timestamp codec of the two services that own data |
//!
//! What is *not* here is each service's business: its domain types, SQL, handlers and
//! clients stay in the service, so a change to tasks never needs this crate.

pub mod auth;
pub mod config;
#[cfg(feature = "contracts")]
pub mod contract;
#[cfg(feature = "database")]
pub mod database;
pub mod docs;
pub mod domain;
pub mod error;
pub mod extract;
pub mod health;
pub mod middleware;
pub mod routing;
pub mod startup;
pub mod telemetry;

pub use error::ApiError;
