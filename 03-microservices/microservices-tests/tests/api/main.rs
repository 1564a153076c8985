//! Phase 03's system tests, in one test binary (one link step instead of many).
//!
//! - `conformance`: the black-box contract suite through the gateway, with all four
//!   services running as separate processes, on SQLite and on PostgreSQL (one database
//!   per service).
//! - `fault_isolation`: the four services as real processes; task-service is stopped and
//!   restarted while the gateway keeps running.
//! - `payloads`: `insta` snapshots of what crosses a service boundary (task counts, the
//!   token claims, the health documents the gateway aggregates), from the real processes.
//! - `users_database_reset`: user-service restarted on a fresh users database hands out
//!   user ids again from 1; the new accounts get none of the old accounts' tasks or
//!   statistics (ADR 0017).
//! - `docker_compose`: the compose file and Dockerfiles, parsed and checked.
//! - `tracing`: one request is one OpenTelemetry trace across the processes, parent links
//!   following the call path, a retried call one client span per attempt (`fault_proxy`
//!   makes task-service fail once).
//! - `server_timing`: one answer's `Server-Timing` lists every process the request
//!   crossed, prefixed by the path it came back through, the times nested.

mod conformance;
mod docker_compose;
mod fault_isolation;
mod fault_proxy;
mod helpers;
mod payloads;
mod server_timing;
mod tracing;
mod users_database_reset;
