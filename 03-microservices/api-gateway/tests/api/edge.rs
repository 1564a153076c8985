//! What the gateway answers itself, without a service's help.

use reqwest::StatusCode;
use serde_json::Value;
use wiremock::{Mock, ResponseTemplate, matchers};

use crate::helpers::spawn_gateway;

async fn problem(answer: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(answer.status(), status);
    assert_eq!(answer.headers()["content-type"], "application/problem+json");
    answer.json().await.expect("a problem document")
}

#[tokio::test]
async fn unknown_and_internal_routes_are_404_and_never_forwarded() {
    let gateway = spawn_gateway(&[]).await;
    for stub in [&gateway.users, &gateway.tasks, &gateway.stats] {
        Mock::given(matchers::any())
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(stub)
            .await;
    }
    let client = reqwest::Client::new();
    for path in [
        "/internal/v1/task-counts",
        "/api/v1/nothing",
        "/api/v1/tasksx",
        "/api/v1/tasks/../../internal/v1/task-counts",
        "/api/v1/tasks/%2e%2e/%2e%2e/internal/v1/task-counts",
    ] {
        let answer = client
            .get(format!("{}{path}", gateway.url))
            .send()
            .await
            .expect("answer");
        problem(answer, StatusCode::NOT_FOUND).await;
    }
    let answer = client
        .post(format!("{}/health", gateway.url))
        .send()
        .await
        .expect("answer");
    problem(answer, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn request_ids_are_forwarded_and_echoed() {
    let gateway = spawn_gateway(&[]).await;
    Mock::given(matchers::header("x-request-id", "trace-me-42"))
        .and(matchers::header_exists("x-forwarded-for"))
        .respond_with(ResponseTemplate::new(200).insert_header("x-request-id", "trace-me-42"))
        .expect(1)
        .mount(&gateway.stats)
        .await;
    let answer = reqwest::Client::new()
        .get(format!("{}/api/v1/stats", gateway.url))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["x-request-id"], "trace-me-42");

    // Without one, the gateway makes one up, and the service sees it.
    Mock::given(matchers::header_exists("x-request-id"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&gateway.users)
        .await;
    let answer = reqwest::Client::new()
        .get(format!("{}/api/v1/users/me", gateway.url))
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    assert!(answer.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn an_oversized_body_is_refused_at_the_gateway() {
    let gateway = spawn_gateway(&[]).await;
    Mock::given(matchers::any())
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&gateway.tasks)
        .await;
    let answer = reqwest::Client::new()
        .post(format!("{}/api/v1/tasks", gateway.url))
        .header("content-type", "application/json")
        .body(vec![b' '; 65 * 1024])
        .send()
        .await
        .expect("answer");
    problem(answer, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn the_rate_limit_applies_per_client_at_the_gateway() {
    let gateway = spawn_gateway(&[("RATE_LIMIT_PER_SECOND", "1"), ("RATE_LIMIT_BURST", "2")]).await;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let answer = client
            .get(format!("{}/api/v1/nothing", gateway.url))
            .send()
            .await
            .expect("answer");
        statuses.push(answer.status());
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(answer.headers().contains_key("retry-after"));
        }
    }
    assert_eq!(statuses[2], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
}

#[tokio::test]
async fn health_is_degraded_and_names_the_failing_service() {
    let gateway = spawn_gateway(&[("HEALTH_TIMEOUT_MS", "300")]).await;
    Mock::given(matchers::path("/health"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&gateway.users)
        .await;
    Mock::given(matchers::path("/health"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&gateway.tasks)
        .await;
    Mock::given(matchers::path("/health"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(2)))
        .mount(&gateway.stats)
        .await;
    let answer = reqwest::get(format!("{}/health", gateway.url))
        .await
        .expect("answer");
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    let health: Value = answer.json().await.expect("JSON");
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["phase"], "03-microservices");
    assert_eq!(health["service"], "api-gateway");
    assert_eq!(health["checks"]["user-service"], "ok");
    assert!(
        health["checks"]["task-service"]
            .as_str()
            .unwrap()
            .contains("503")
    );
    assert!(
        health["checks"]["stats-service"]
            .as_str()
            .unwrap()
            .starts_with("timed out")
    );

    // Liveness is the gateway's own: 200 while /health is degraded, so that a readiness
    // probe on it keeps the gateway in rotation (03-microservices/k8s/README.md, "Probes").
    let live = reqwest::get(format!("{}/health/live", gateway.url))
        .await
        .expect("answer");
    assert_eq!(live.status(), StatusCode::OK);
}

#[tokio::test]
async fn openapi_merges_the_services_documents_and_docs_is_served() {
    let gateway = spawn_gateway(&[]).await;
    Mock::given(matchers::path("/openapi.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "openapi": "3.1.0",
            "paths": {"/api/v1/users/me": {"get": {}}},
        })))
        .mount(&gateway.users)
        .await;
    Mock::given(matchers::path("/openapi.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "paths": {"/api/v1/tasks": {"get": {}}, "/internal/v1/task-counts": {"get": {}}},
        })))
        .mount(&gateway.tasks)
        .await;
    let document: Value = reqwest::get(format!("{}/openapi.json", gateway.url))
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert!(document["openapi"].as_str().unwrap().starts_with('3'));
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/users/me"));
    assert!(paths.contains_key("/api/v1/tasks"));
    assert!(paths.contains_key("/health"));
    assert!(paths.contains_key("/health/live"));
    assert!(!paths.contains_key("/internal/v1/task-counts"));
    assert!(
        document["info"]["description"]
            .as_str()
            .unwrap()
            .contains("stats-service")
    );

    let docs = reqwest::get(format!("{}/docs", gateway.url))
        .await
        .expect("answer");
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(
        docs.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}
