//! stats-service's integration tests, in one test binary.
//!
//! - `task_service_client`: the consumer side of `contracts/task-service.json`, and the
//!   client's resilience (timeouts, retries, circuit breaker) against wiremock stubs.
//! - `stale`: last known statistics while task-service is down.

mod helpers;
mod stale;
mod task_service_client;
