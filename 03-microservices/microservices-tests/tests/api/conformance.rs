//! The black-box contract suite (`tools/conformance`) through the gateway, with all four
//! services running as SEPARATE PROCESSES (their real binaries), each service with data on
//! its own database, exactly as a learner runs it with `cargo run -p conformance` against
//! `cargo run -p workshop -- up 03`. On SQLite, and on PostgreSQL (two databases on the
//! `TEST_POSTGRES_URL` server: skipped with a message without it, a failure when `CI=true`).

use crate::helpers::{Backend, System, TEST_JWT_SECRET};

async fn passes_the_contract(backend: Backend) {
    let Some(system) = System::start(backend, &[]).await else {
        return; // PostgreSQL not configured on this machine; the helper said so.
    };
    let report = conformance::run(&conformance::Config {
        base_url: system.gateway.url.clone(),
        jwt_secret: Some(TEST_JWT_SECRET.to_string()),
        // Server-Timing on every answer, the gateway's own entry in each (optional area, on
        // here); tests/api/server_timing.rs checks the services' entries behind it.
        server_timing: Some(conformance::ServerTiming::requiring(&["gateway"])),
    })
    .await;
    assert!(
        report.is_success(),
        "phase 03 on {backend:?} (four processes) breaks the contract:\n{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_contract_through_the_gateway_with_four_processes() {
    passes_the_contract(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_contract_through_the_gateway_with_four_processes() {
    passes_the_contract(Backend::Postgres).await;
}
