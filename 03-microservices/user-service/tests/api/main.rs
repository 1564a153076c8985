//! user-service's integration tests, in one test binary.
//!
//! - `contract`: the provider side of `contracts/user-service.json`: every interaction the
//!   gateway relies on, replayed against the real service.
//! - `start_up`: the real binary refuses invalid settings (`RUST_LOG`, `DATABASE_URL`) with
//!   a message naming them, and never prints a password.

mod contract;
mod helpers;
mod start_up;
