//! user-service's integration tests, in one test binary.
//!
//! - `contract`: the provider side of `contracts/user-service.json`: every interaction the
//!   gateway relies on, replayed against the real service.

mod contract;
mod helpers;
