//! The gateway's integration tests, in one test binary: the gateway on a real port in
//! front of wiremock stubs of the services.
//!
//! - `routing`: the consumer side of `contracts/user-service.json` and
//!   `contracts/task-service.json` (each request reaches the right service unchanged and
//!   its answer comes back unchanged), then what the gateway does when a service fails.
//! - `edge`: what the gateway answers itself: 404s, `/internal`, 413, request ids,
//!   rate limiting, `/health` and `/openapi.json`.
//! - `metrics`: `/metrics` on the gateway's own port counts what it answered and forwarded;
//!   the API port answers 404 there and forwards nothing.
//! - `replicas`: `--scale task-service=3` without Docker: connections are spread over a
//!   service's replicas, and one that is down is skipped.
//! - `server_timing`: the gateway's `Server-Timing` entry on every answer, and each
//!   service's entries after it under the service's name.

mod edge;
mod helpers;
mod metrics;
mod replicas;
mod routing;
mod server_timing;
