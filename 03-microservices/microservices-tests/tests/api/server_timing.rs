//! `Server-Timing` across real processes: one answer through the gateway lists every
//! process the request crossed, each under the path of names it came back through
//! (`stats-service.task-service.db` is task-service's database time, as stats-service
//! reported it to the gateway), and the times nest: no hop lasts longer than the one
//! that waited for it.

use conformance::server_timing::{Metric, parse_fields};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::fault_isolation::Caller;
use crate::helpers::{Backend, System};

fn metrics(answer: &reqwest::Response) -> Vec<Metric> {
    let fields = answer
        .headers()
        .get_all("server-timing")
        .iter()
        .map(|value| value.to_str().expect("ASCII"));
    parse_fields(fields).unwrap_or_else(|error| panic!("{error}: {:?}", answer.headers()))
}

/// Each metric's time is at most the one before it: the callers come first.
fn assert_nested(metrics: &[Metric]) {
    for pair in metrics.windows(2) {
        assert!(
            pair[0].duration >= pair[1].duration,
            "{} ({} ms) waited for {} ({} ms): {metrics:?}",
            pair[0].name,
            pair[0].duration,
            pair[1].name,
            pair[1].duration
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hop_reports_its_time_under_the_path_it_came_back_through() {
    let Some(system) = System::start(Backend::Sqlite, &[]).await else {
        unreachable!("SQLite needs no configuration");
    };
    let gateway = system.gateway.url.clone();
    let client = Client::new();
    let tia = Caller::account(&client, &gateway, "tia").await;

    let created = tia
        .send("POST", "/api/v1/tasks", Some(json!({"title": "Timed"})))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created_metrics = metrics(&created);
    let task: Value = created.json().await.expect("a task");
    assert_eq!(
        Metric::names(&created_metrics),
        ["gateway", "task-service", "task-service.db"]
    );

    let read = tia
        .send("GET", &format!("/api/v1/tasks/{}", task["id"]), None)
        .await;
    assert_eq!(read.status(), StatusCode::OK);
    let read = metrics(&read);
    assert_eq!(
        Metric::names(&read),
        ["gateway", "task-service", "task-service.db"]
    );
    assert_nested(&read);

    let stats = tia.send("GET", "/api/v1/stats", None).await;
    assert_eq!(stats.status(), StatusCode::OK);
    let stats = metrics(&stats);
    assert_eq!(
        Metric::names(&stats),
        [
            "gateway",
            "stats-service",
            "stats-service.task-service",
            "stats-service.task-service.db"
        ]
    );
    assert_nested(&stats);
    let queries = stats[3].description.as_deref().unwrap_or_default();
    assert!(
        queries.ends_with(" query")
            || (queries.ends_with(" queries") && !queries.starts_with("0 ")),
        "task-service's database answered the counts: {queries:?}"
    );

    let me = tia.send("GET", "/api/v1/users/me", None).await;
    assert_eq!(
        Metric::names(&metrics(&me)),
        ["gateway", "user-service", "user-service.db"]
    );

    // No token: task-service's own 401 comes back through the gateway with its entries.
    let anonymous = client
        .get(format!("{gateway}/api/v1/tasks"))
        .send()
        .await
        .expect("the gateway answers");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        Metric::names(&metrics(&anonymous)),
        ["gateway", "task-service", "task-service.db"]
    );
}
