//! stats-service's integration tests, in one test binary.
//!
//! - `task_service_client`: the consumer side of `contracts/task-service.json`, and the
//!   client's resilience (timeouts, retries, circuit breaker) against wiremock stubs.
//! - `circuit_breaker`: the breaker's rules (one trial call while half-open; an unusable
//!   answer is a failure).
//! - `metrics`: retries and the breaker's state on `/metrics`, on the service's own port.
//! - `stale`: last known statistics while task-service is down.

mod circuit_breaker;
mod helpers;
mod metrics;
mod stale;
mod task_service_client;
