//! The phase process lifecycle for real: build phase 01, start it on free ports, wait for
//! health, put load on it, stop it, and check the port is free again.

use std::time::Duration;

use reqwest::{Client, Method};
use workshop::{
    bench::load::{self, Request},
    phases::{self, Launch, Phase, Profile, RunningPhase},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phase_01_starts_serves_and_stops() {
    phases::build(&[Phase::Monolith], Profile::Debug)
        .await
        .expect("cargo build -p monolith");
    let data = tempfile::tempdir().unwrap();
    let launch = Launch::private(Profile::Debug, data.path(), false).unwrap();
    let running = RunningPhase::start(Phase::Monolith, &launch)
        .await
        .expect("start");
    assert_eq!(running.pids().len(), 1);
    let health: serde_json::Value = reqwest::get(format!("{}/health", running.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["phase"], "01-monolith");

    let client = Client::new();
    let request = |path: &str| Request {
        method: Method::GET,
        url: format!("{}{path}", running.base_url),
        token: None,
        body: None,
    };
    let healthy = load::run(&client, &request("/health"), 2, Duration::from_millis(300))
        .await
        .unwrap();
    assert!(healthy.requests > 10, "{healthy:?}");
    assert_eq!(healthy.errors, 0);
    assert!(healthy.p50_ms > 0.0 && healthy.p50_ms <= healthy.p99_ms);

    let missing = load::run(
        &client,
        &request("/no-such-route"),
        2,
        Duration::from_millis(200),
    )
    .await
    .unwrap();
    assert!(missing.requests > 0);
    assert_eq!(
        missing.errors, missing.requests,
        "every non-2xx answer is an error"
    );

    running.stop().await;
    phases::ensure_ports_free(Phase::Monolith, &launch.ports)
        .expect("the port is released after stop");
}
