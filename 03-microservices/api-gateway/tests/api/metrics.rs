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

#[tokio::test]
async fn forwarded_requests_are_counted_by_the_api_route_template_unknown_paths_as_unmatched() {
    let gateway = spawn_gateway(&[]).await;
    // task-service knows its routes; any other path under its prefix is its 404.
    Mock::given(matchers::path_regex(r"^/api/v1/tasks/[0-9]+(/toggle)?$"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&gateway.tasks)
        .await;
    Mock::given(matchers::path("/api/v1/stats"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&gateway.stats)
        .await;
    let http = reqwest::Client::new();
    let send = |method: reqwest::Method, path: &str| {
        let request = http
            .request(method, format!("{}{path}", gateway.url))
            .bearer_auth(TOKEN);
        async move { request.send().await.expect("an answer").status().as_u16() }
    };
    for id in [7, 8] {
        let path = format!("/api/v1/tasks/{id}");
        assert_eq!(send(reqwest::Method::GET, &path).await, 200);
    }
    assert_eq!(
        send(reqwest::Method::POST, "/api/v1/tasks/7/toggle").await,
        200
    );
    assert_eq!(send(reqwest::Method::GET, "/api/v1/stats").await, 200);
    // Forwarded, but no template matches: task-service's 404.
    assert_eq!(
        send(reqwest::Method::GET, "/api/v1/tasks/7/no-such-thing").await,
        404
    );
    // Nobody's: the gateway's own 404.
    assert_eq!(send(reqwest::Method::GET, "/no/such/route").await, 404);

    let text = reqwest::get(&gateway.metrics_url)
        .await
        .expect("a scrape")
        .text()
        .await
        .expect("a body");
    let answered = |method, route, status| {
        sample(
            &text,
            "http_requests_total",
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(
        answered("GET", "/api/v1/tasks/{id}", "200"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        answered("POST", "/api/v1/tasks/{id}/toggle", "200"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(answered("GET", "/api/v1/stats", "200"), Some(1.0), "{text}");
    assert_eq!(answered("GET", "unmatched", "404"), Some(2.0), "{text}");
    // Never the raw path: one series per template, whatever the ids.
    for raw in [
        "/api/v1/tasks/7",
        "/api/v1/tasks/8",
        "/api/v1/tasks/7/toggle",
        "/api/v1/tasks/7/no-such-thing",
        "/no/such/route",
    ] {
        assert_eq!(
            sample(&text, "http_requests_total", &[("route", raw)]),
            None,
            "{text}"
        );
    }
    // The duration histogram carries the same labels.
    let template = [("method", "GET"), ("route", "/api/v1/tasks/{id}")];
    assert_eq!(
        sample(&text, "http_request_duration_seconds", &template),
        Some(2.0),
        "{text}"
    );
}
