//! `/metrics`: the Prometheus text format on the application's own metrics listener
//! (`METRICS_PORT`), never on the API port. The text is read back with a Prometheus
//! text-format parser, and the counters must equal the requests this test made; the
//! hashing queue's gauge must show the logins that wait for a slot while they wait.

use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};

use serde_json::json;

use crate::helpers::{Backend, TestServer, spawn_server, spawn_server_with};

type Exposition = MetricsExposition<PrometheusType, PrometheusValue>;

/// `GET /metrics` on the metrics listener, parsed.
async fn scrape(server: &TestServer) -> Exposition {
    let response = reqwest::get(format!("{}/metrics", server.metrics_url))
        .await
        .expect("the metrics listener answers");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap_or_default();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "the Prometheus text format names itself: {content_type:?}"
    );
    let text = response.text().await.expect("a body");
    openmetrics_parser::prometheus::parse_prometheus(&text)
        .unwrap_or_else(|error| panic!("not the Prometheus text format ({error:?}):\n{text}"))
}

/// The counter or gauge `family{labels}`, or a histogram's number of observations; 0 when the
/// series does not exist (yet).
fn value(exposition: &Exposition, family: &str, labels: &[(&str, &str)]) -> f64 {
    let Some(family_samples) = exposition.families.get(family) else {
        return 0.0;
    };
    let matching: Vec<_> = family_samples
        .iter_samples()
        .filter(|sample| {
            let set = sample.get_labelset().expect("a label set");
            labels
                .iter()
                .all(|(key, value)| set.get_label_value(key) == Some(*value))
        })
        .collect();
    match matching.as_slice() {
        [] => 0.0,
        [sample] => match &sample.value {
            PrometheusValue::Counter(counter) => counter.value.as_f64(),
            PrometheusValue::Gauge(gauge) => gauge.as_f64(),
            PrometheusValue::Histogram(histogram) => histogram
                .buckets
                .iter()
                .find(|bucket| bucket.upper_bound == f64::INFINITY)
                .map_or(0.0, |bucket| bucket.count.as_f64()),
            other => panic!("{family}{labels:?} is {other:?}"),
        },
        several => panic!("{family}{labels:?} names {} series", several.len()),
    }
}

#[tokio::test]
async fn the_counters_equal_the_requests_made_by_route_template_and_status() {
    let server = spawn_server(Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    let client = reqwest::Client::new();
    let before = scrape(&server).await;

    for _ in 0..3 {
        let health = client.get(format!("{}/health", server.base_url)).send();
        assert_eq!(health.await.expect("health").status(), 200);
    }
    // Two ids, one route template.
    for id in [1, 2] {
        let task = client.get(server.api(&format!("/tasks/{id}"))).send();
        assert_eq!(task.await.expect("a task").status(), 401);
    }
    let unknown = client
        .get(format!("{}/no/such/route", server.base_url))
        .send();
    assert_eq!(unknown.await.expect("an answer").status(), 404);

    let after = scrape(&server).await;
    let made = |route: &str, status: &str| {
        let labels = [("method", "GET"), ("route", route), ("status", status)];
        value(&after, "http_requests_total", &labels)
            - value(&before, "http_requests_total", &labels)
    };
    assert_eq!(made("/health", "200"), 3.0);
    assert_eq!(made("/api/v1/tasks/{id}", "401"), 2.0);
    assert_eq!(made("/api/v1/tasks/1", "401"), 0.0, "never the raw path");
    assert_eq!(made("unmatched", "404"), 1.0);
    let health = [("method", "GET"), ("route", "/health"), ("status", "200")];
    assert_eq!(
        value(&after, "http_request_duration_seconds", &health)
            - value(&before, "http_request_duration_seconds", &health),
        3.0,
        "each request's duration is observed once"
    );
    // The scrapes are not API requests: the metrics listener does not count itself.
    assert_eq!(made("/metrics", "200"), 0.0);

    // SQLite: a pool of readers and exactly one writer, sampled at the scrape.
    assert_eq!(
        value(&after, "db_pool_max_connections", &[("pool", "write")]),
        1.0
    );
    assert!(value(&after, "db_pool_max_connections", &[("pool", "read")]) >= 1.0);
}

#[tokio::test]
async fn the_api_port_does_not_serve_metrics() {
    let server = spawn_server(Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    assert_ne!(server.metrics_url, server.base_url);
    let response = reqwest::get(format!("{}/metrics", server.base_url))
        .await
        .expect("an answer");
    assert_eq!(response.status(), 404, "metrics are on METRICS_PORT only");
}

/// Logins sent at once to one hashing slot: one hashes, the others wait in its queue.
const LOGINS_AT_ONCE: usize = 8;

#[tokio::test]
async fn the_hashing_queue_gauge_is_zero_at_rest_and_counts_the_logins_waiting_for_a_slot() {
    let server = spawn_server_with(Backend::Sqlite, &[("HASH_SLOTS", "1")])
        .await
        .expect("SQLite always runs");
    let depth = |exposition: &Exposition| {
        assert!(
            exposition
                .families
                .contains_key("password_hashing_queue_depth"),
            "no password_hashing_queue_depth gauge"
        );
        value(exposition, "password_hashing_queue_depth", &[])
    };
    assert_eq!(depth(&scrape(&server).await), 0.0, "nothing waits at rest");

    let client = reqwest::Client::new();
    let logins: Vec<_> = (0..LOGINS_AT_ONCE)
        .map(|n| {
            let login = client
                .post(server.api("/auth/login"))
                .json(&json!({"username": format!("queued-{n}"), "password": "a wrong guess"}));
            tokio::spawn(login.send())
        })
        .collect();
    // Each hash takes tens of milliseconds on the one slot, so the queue stays up for
    // several of them: scrape until every login is answered.
    let mut deepest = 0.0_f64;
    while !logins.iter().all(tokio::task::JoinHandle::is_finished) {
        let seen = depth(&scrape(&server).await);
        assert!(
            seen <= (LOGINS_AT_ONCE - 1) as f64,
            "{seen} waiting, but only {LOGINS_AT_ONCE} logins were sent and one hashes"
        );
        deepest = deepest.max(seen);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    for login in logins {
        let answer = login.await.expect("a login").expect("an answer");
        assert_eq!(answer.status(), 401);
    }
    assert!(
        deepest >= 1.0,
        "{LOGINS_AT_ONCE} logins at once on one hashing slot, and the gauge never showed one waiting"
    );

    let after = scrape(&server).await;
    assert_eq!(
        depth(&after),
        0.0,
        "nothing waits once every login is answered"
    );
    let failed = [
        ("method", "POST"),
        ("route", "/api/v1/auth/login"),
        ("status", "401"),
    ];
    assert_eq!(
        value(&after, "http_requests_total", &failed),
        LOGINS_AT_ONCE as f64
    );
}
