//! user-service's integration tests, in one test binary.
//!
//! - `contract`: the provider side of `contracts/user-service.json`: every interaction the
//!   gateway relies on, replayed against the real service.
//! - `login_limits`: failed logins per username end in 429 (whatever headers the client
//!   sends), and a full hashing queue is a 503 with `Retry-After`.
//! - `metrics`: `/metrics` on the service's own port: its answers, its pools and the
//!   hashing queue; the API port answers 404 there.
//! - `start_up`: the real binary refuses invalid settings (`RUST_LOG`, `DATABASE_URL`) with
//!   a message naming them, and never prints a password.

mod contract;
mod helpers;
mod login_limits;
mod metrics;
mod start_up;
