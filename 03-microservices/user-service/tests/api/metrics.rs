//! `/metrics` on user-service's own port: the answers by route template and status, the
//! pools of its database (SQLite: readers and one writer), and the hashing queue's depth.

use reqwest::{Client, StatusCode};
use serde_json::json;
use service_kit::metrics_text::sample;

use crate::helpers::spawn_server_with_metrics;

#[tokio::test]
async fn metrics_show_answers_pools_and_the_hashing_queue_on_their_own_port() {
    let (base, metrics, _data) = spawn_server_with_metrics(&[]).await;
    let client = Client::new();
    for _ in 0..2 {
        let answer = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "ann", "password": "a wrong guess"}))
            .send()
            .await
            .expect("login");
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    }
    let on_api_port = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(on_api_port.status(), StatusCode::NOT_FOUND);

    let answer = client.get(&metrics).send().await.expect("a scrape");
    assert_eq!(answer.status(), StatusCode::OK);
    let text = answer.text().await.expect("a body");
    let login = [
        ("method", "POST"),
        ("route", "/api/v1/auth/login"),
        ("status", "401"),
    ];
    assert_eq!(
        sample(&text, "http_requests_total", &login),
        Some(2.0),
        "{text}"
    );
    let unmatched = [("route", "unmatched"), ("status", "404")];
    assert_eq!(
        sample(&text, "http_requests_total", &unmatched),
        Some(1.0),
        "{text}"
    );
    // One writer on SQLite; every hash has finished by the time the answer came back.
    let writer = [("pool", "write")];
    assert_eq!(
        sample(&text, "db_pool_max_connections", &writer),
        Some(1.0),
        "{text}"
    );
    assert!(sample(&text, "db_pool_max_connections", &[("pool", "read")]).is_some());
    assert_eq!(
        sample(&text, "password_hashing_queue_depth", &[]),
        Some(0.0),
        "{text}"
    );
}
