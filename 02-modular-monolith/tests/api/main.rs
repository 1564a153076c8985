//! Phase 02's integration tests, in one test binary (one link step instead of many).
//!
//! - `router`: requests driven straight into the router with `oneshot`, no sockets.
//! - `edge`: rate limiting, request ids, body limits, database outages.
//! - `conformance`: the black-box contract suite against a real server, on SQLite
//!   and on PostgreSQL.
//! - `concurrency`: 32 concurrent writers on SQLite lose nothing and get no 5xx; a read
//!   right after the caller's own write sees it; 100 concurrent toggles of one task lose
//!   none, on SQLite and on PostgreSQL.
//! - `start_up`: the real binary refuses invalid settings (`RUST_LOG`, `DATABASE_URL`) with
//!   a message naming them, and never prints a password.
//! - `openapi`: `/openapi.json` documents every problem each operation can answer.
//! - `login_limits`: failed logins per username end in 429 before any hash; a full
//!   hashing queue is a 503 with `Retry-After`.
//! - `timeouts`: the header-read timeout, the request deadline, PostgreSQL's statement
//!   timeout and the shutdown grace period, over real sockets.
//! - `input`: the same bad text and dates get the same 422 on SQLite and PostgreSQL.
//! - `seam`: the modules wired to each other in-process, through their seam traits.
//! - `migrations`: each module's migrations, side by side in one database.
//! - `architecture`: fitness tests that fail when a module boundary is broken.
//! - `metrics`: `/metrics` on its own port (never the API's), read back by a Prometheus
//!   text-format parser; the counters equal the requests the test made.
//! - `server_timing`: every answer's `Server-Timing`: `app`, each module the request
//!   passed through, `db`.

mod architecture;
mod concurrency;
mod conformance;
mod edge;
mod helpers;
mod input;
mod login_limits;
mod metrics;
mod migrations;
mod openapi;
mod router;
mod seam;
mod server_timing;
mod start_up;
mod timeouts;
