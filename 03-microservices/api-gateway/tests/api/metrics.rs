//! `/metrics` is the operator's, on the gateway's own port: the API port answers 404 and
//! forwards nothing; the metrics port counts what the gateway answered and forwarded.

use service_kit::metrics_text::sample;
use wiremock::{Mock, ResponseTemplate, matchers};

use crate::helpers::{TOKEN, spawn_gateway};

#[tokio::test]
async fn metrics_are_a_404_on_the_api_port_and_count_forwarded_calls_on_their_own() {
    let gateway = spawn_gateway(&[]).await;
    for stub in [&gateway.users, &gateway.tasks, &gateway.stats] {
        Mock::given(matchers::any())
            .respond_with(ResponseTemplate::new(200).set_body_string("# a service's metrics"))
            .mount(stub)
            .await;
    }
    let http = reqwest::Client::new();
    let get = |url: String| {
        let http = http.clone();
        async move {
            http.get(url)
                .bearer_auth(TOKEN)
                .send()
                .await
                .expect("an answer")
        }
    };

    let on_api_port = get(format!("{}/metrics", gateway.url)).await;
    assert_eq!(on_api_port.status(), 404);
    for stub in [&gateway.users, &gateway.tasks, &gateway.stats] {
        let received = stub.received_requests().await.expect("recording is on");
        assert!(received.is_empty(), "/metrics was forwarded: {received:?}");
    }
    for _ in 0..2 {
        assert_eq!(
            get(format!("{}/api/v1/tasks", gateway.url)).await.status(),
            200
        );
    }

    let scrape = get(gateway.metrics_url.clone()).await;
    assert_eq!(scrape.status(), 200);
    let text = scrape.text().await.expect("a body");
    let forwarded = [("peer", "task-service"), ("outcome", "2xx")];
    assert_eq!(
        sample(&text, "outbound_request_duration_seconds", &forwarded),
        Some(2.0),
        "{text}"
    );
    let answered = |status| {
        sample(
            &text,
            "http_requests_total",
            &[("method", "GET"), ("status", status)],
        )
    };
    assert_eq!(answered("200"), Some(2.0), "{text}");
    assert_eq!(answered("404"), Some(1.0), "{text}");
}
