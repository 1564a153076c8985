//! The load generator against a wiremock server with a known delay: the latencies it
//! reports must reflect that delay, and every non-2xx answer must count as an error, except
//! a 503 with `Retry-After` (a server shedding load on purpose), which counts as shed.

use std::time::Duration;

use reqwest::{Client, Method};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};
use workshop::bench::load::{self, Request};

fn get(server: &MockServer, route: &str) -> Request {
    Request {
        method: Method::GET,
        url: format!("{}{route}", server.uri()),
        token: None,
        body: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measured_latency_reflects_a_known_delay() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(50)))
        .mount(&server)
        .await;

    let measured = load::run(
        &Client::new(),
        &get(&server, "/slow"),
        4,
        Duration::from_millis(600),
    )
    .await
    .unwrap();

    assert_eq!(measured.errors, 0);
    assert!(
        measured.p50_ms >= 50.0,
        "p50 {} ms is below the 50 ms delay",
        measured.p50_ms
    );
    assert!(
        measured.p50_ms < 150.0,
        "p50 {} ms is far above the 50 ms delay",
        measured.p50_ms
    );
    // 4 clients, each at most one request per 50 ms, for 0.6 s: about 48 requests.
    assert!(
        (20..=60).contains(&measured.requests),
        "{} requests",
        measured.requests
    );
    assert!(
        (measured.requests_per_second - 80.0).abs() < 40.0,
        "{} req/s",
        measured.requests_per_second
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_2xx_answers_are_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/broken"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;

    let measured = load::run(
        &Client::new(),
        &get(&server, "/broken"),
        2,
        Duration::from_millis(200),
    )
    .await
    .unwrap();

    assert!(measured.requests > 0);
    assert_eq!(measured.errors, measured.requests);
    assert_eq!(measured.shed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_with_retry_after_is_shed_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/full"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .mount(&server)
        .await;

    let measured = load::run(
        &Client::new(),
        &get(&server, "/full"),
        2,
        Duration::from_millis(200),
    )
    .await
    .unwrap();

    assert!(measured.requests > 0);
    assert_eq!(measured.shed, measured.requests);
    assert_eq!(measured.errors, 0);
}
