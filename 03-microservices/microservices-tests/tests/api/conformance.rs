//! The black-box contract suite (`tools/conformance`) through the gateway, with all four
//! services running and each on its own database, exactly as a learner runs it with
//! `cargo run -p conformance`.

use crate::helpers::{Backend, TEST_JWT_SECRET, spawn_system};

async fn passes_the_contract(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return; // PostgreSQL not configured on this machine; the helper said so.
    };
    let report = conformance::run(&conformance::Config {
        base_url: system.gateway_url.clone(),
        jwt_secret: Some(TEST_JWT_SECRET.to_string()),
    })
    .await;
    assert!(
        report.is_success(),
        "phase 03 on {backend:?} breaks the contract:\n{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_contract_through_the_gateway() {
    passes_the_contract(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_contract_through_the_gateway() {
    passes_the_contract(Backend::Postgres).await;
}
