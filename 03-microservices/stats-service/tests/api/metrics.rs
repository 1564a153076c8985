//! `/metrics` on stats-service's own port: a task-service that keeps failing shows there as
//! failed attempts, retries and an open circuit breaker.

use std::time::Duration;

use service_kit::{
    auth::{AccountId, JwtKeys},
    config::fixed,
    domain::UserId,
    metrics_text::sample as value,
};
use stats_service::{
    config::{FromEnv, Settings},
    startup,
};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers};

const SECRET: &str = "a-test-secret-that-is-at-least-32-bytes";

#[tokio::test]
async fn a_failing_task_service_shows_as_retries_and_an_open_breaker() {
    let task_service = MockServer::start().await;
    Mock::given(matchers::any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&task_service)
        .await;
    // Three attempts (one and two retries) fail, and three failures open the circuit.
    let settings = Settings::from_lookup(fixed(&[
        ("PORT", "0"),
        ("JWT_SECRET", SECRET),
        ("TASK_SERVICE_URL", &task_service.uri()),
        ("TASK_SERVICE_TIMEOUT_MS", "300"),
        ("TASK_SERVICE_RETRIES", "2"),
        ("CIRCUIT_BREAKER_FAILURES", "3"),
        ("CIRCUIT_BREAKER_OPEN_MS", "60000"),
    ]))
    .expect("valid settings");
    let application = startup::build(settings).await.expect("build");
    let metrics_url = format!("http://{}/metrics", application.metrics_address().unwrap());
    let url = application.spawn().expect("serve");
    let http = reqwest::Client::new();
    let scrape = || async {
        let answer = http.get(&metrics_url).send().await.expect("an answer");
        assert_eq!(answer.status(), 200);
        answer.text().await.expect("a body")
    };

    // Before any call: the breaker is closed, nothing was retried.
    let before = scrape().await;
    let peer = ("peer", "task-service");
    assert_eq!(value(&before, "circuit_breaker_state", &[peer]), Some(0.0));
    assert_eq!(value(&before, "outbound_retries_total", &[peer]), None);

    let token = JwtKeys::new(SECRET.as_bytes(), Duration::from_secs(600))
        .issue_for_account(UserId::new(7).unwrap(), &AccountId::new("account-of-7"))
        .expect("a token")
        .token;
    let stats = |token: String| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            http.get(format!("{url}/api/v1/stats"))
                .bearer_auth(token)
                .send()
                .await
                .expect("an answer")
                .status()
        }
    };
    let first = stats(token.clone()).await;
    assert!(first.is_server_error(), "{first}");
    // The circuit is open now: the next request fails without calling.
    let second = stats(token).await;
    assert!(second.is_server_error(), "{second}");

    let after = scrape().await;
    assert_eq!(
        value(&after, "outbound_retries_total", &[peer]),
        Some(2.0),
        "{after}"
    );
    assert_eq!(
        value(&after, "circuit_breaker_state", &[peer]),
        Some(2.0),
        "{after}"
    );
    let attempts = |outcome| {
        value(
            &after,
            "outbound_request_duration_seconds",
            &[peer, ("outcome", outcome)],
        )
    };
    assert_eq!(attempts("5xx"), Some(3.0), "{after}");
    assert_eq!(attempts("rejected"), Some(1.0), "{after}");
    assert_eq!(task_service.received_requests().await.unwrap().len(), 3);
    let answered = value(
        &after,
        "http_requests_total",
        &[("route", "/api/v1/stats"), ("status", first.as_str())],
    );
    assert_eq!(answered, Some(2.0), "{after}");
}
