//! The benchmark ceiling: what axum alone serves on this machine.
//!
//! `GET /api/v1/tasks/{id}` answers a task with the same fields, types and about the same
//! size as the phases' answer to the benchmark's task read, but without anything a phase
//! does to earn it: no token check, no database, no middleware (tracing, request ids, rate
//! limits, problem details). What is left is the part no architecture can remove: HTTP
//! parsing, routing, extracting the path, serialising the JSON, and the loopback round trip.
//! So a phase's requests per second divided by the ceiling's, measured in the same run with
//! the same load generator, says how much of the machine the phase's own work takes.
//!
//! It is not a phase and not a target to reach: a server that checks no token and reads no
//! data cannot be a task manager. It is an upper bound.

use axum::{Json, Router, extract::Path, routing::get};
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

/// A task as the API contract shapes it (`shared/api-contract.md`), with the field types the
/// phases serialise, so that serialising it costs what theirs costs.
#[derive(Debug, Serialize)]
pub struct Task {
    pub id: i64,
    pub title: &'static str,
    pub description: Option<&'static str>,
    pub status: &'static str,
    pub priority: &'static str,
    pub due_date: Option<DateTime<Utc>>,
    pub completed: bool,
    pub owner_id: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The ceiling's routes: the task read, and `/health` (200), which `workshop` waits for
/// before it measures, as it does with every phase.
pub fn app() -> Router {
    Router::new()
        .route("/api/v1/tasks/{id}", get(task))
        .route("/health", get(health))
}

/// The last task `workshop bench` seeds (`benchmark task 99`, todo, low, no due date), with
/// sub-second timestamps as a database returns them: the same document a phase answers.
async fn task(Path(id): Path<i64>) -> Json<Task> {
    // A constant instant: 2026-12-01T21:04:00.123456Z.
    let stamp = Utc
        .timestamp_opt(1_796_159_040, 123_456_000)
        .single()
        .unwrap_or_default();
    Json(Task {
        id,
        title: "benchmark task 99",
        description: None,
        status: "todo",
        priority: "low",
        due_date: None,
        completed: false,
        owner_id: 1,
        created_at: stamp,
        updated_at: stamp,
    })
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok", "phase": "ceiling"}))
}
