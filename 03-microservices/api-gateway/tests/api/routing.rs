//! Forwarding, checked against the contract files: every interaction the gateway relies
//! on is stubbed exactly as the file says (the providers replay the same files), sent
//! through the gateway, and must arrive unchanged and come back unchanged.

use std::time::Duration;

use reqwest::StatusCode;
use service_kit::contract::{Contract, body_bytes, mount};
use wiremock::{Mock, ResponseTemplate, matchers};

use crate::helpers::{Gateway, TOKEN, spawn_gateway};

#[tokio::test]
async fn every_contract_interaction_passes_through_unchanged() {
    for provider in ["user-service", "task-service"] {
        let contract = Contract::load(provider).expect("the contract file");
        for interaction in contract.for_consumer("api-gateway") {
            let gateway = spawn_gateway(&[]).await;
            let stub = match provider {
                "user-service" => &gateway.users,
                _ => &gateway.tasks,
            };
            // The stub only answers the exact request (method, path, query, headers,
            // body) and fails the test on drop unless it got it once.
            mount(stub, interaction, TOKEN).await;
            let request = &interaction.request;
            let mut outgoing = reqwest::Client::new().request(
                request.method.parse().expect("a method"),
                format!("{}{}", gateway.url, request.path),
            );
            for (name, value) in &request.headers {
                outgoing = outgoing.header(name, value.replace("{token}", TOKEN));
            }
            if let Some(body) = &request.body {
                outgoing = outgoing.body(body_bytes(body));
            }
            let answer = outgoing.send().await.expect("the gateway answers");
            let expected = &interaction.response;
            assert_eq!(
                answer.status().as_u16(),
                expected.status,
                "{}",
                interaction.description
            );
            for (name, value) in &expected.headers {
                assert_eq!(answer.headers()[name.as_str()], value.as_str(), "{name}");
            }
            let bytes = answer.bytes().await.expect("a body");
            let expected_bytes = expected.body.as_ref().map(body_bytes).unwrap_or_default();
            assert_eq!(
                bytes.as_ref(),
                expected_bytes.as_slice(),
                "{}",
                interaction.description
            );
        }
    }
}

async fn stub(gateway: &Gateway, template: ResponseTemplate) {
    Mock::given(matchers::any())
        .respond_with(template)
        .mount(&gateway.tasks)
        .await;
}

async fn get(url: String) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("the gateway answers")
}

#[tokio::test]
async fn server_errors_and_odd_bodies_pass_through_as_the_service_sent_them() {
    for (status, body, content_type) in [
        (500, "{\"status\": 500}", "application/problem+json"),
        (503, "", "text/plain"),
        (200, "this is not json {", "application/json"),
        (418, "teapot", "text/plain"),
    ] {
        let gateway = spawn_gateway(&[]).await;
        stub(
            &gateway,
            ResponseTemplate::new(status)
                .insert_header("x-custom", "kept")
                .set_body_raw(body, content_type),
        )
        .await;
        let answer = get(format!("{}/api/v1/tasks?skip=2", gateway.url)).await;
        assert_eq!(answer.status().as_u16(), status);
        assert_eq!(answer.headers()["content-type"], content_type);
        assert_eq!(answer.headers()["x-custom"], "kept");
        assert_eq!(answer.text().await.expect("a body"), body);
    }
}

/// A problem whose detail says what failed, "a dependency", and nothing about which one or
/// where: the service's name and address stay in the gateway's log.
async fn assert_problem(answer: reqwest::Response, status: StatusCode, service: &str) {
    assert_eq!(answer.status(), status);
    assert_eq!(answer.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = answer.json().await.expect("a problem");
    assert_eq!(problem["status"], status.as_u16());
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.starts_with("a dependency "), "{detail}");
    assert!(
        !detail.contains(service),
        "the detail names {service}: {detail}"
    );
    assert!(
        !detail.contains("127.0.0.1"),
        "the detail names an address: {detail}"
    );
}

#[tokio::test]
async fn a_slow_service_is_a_504_problem() {
    let gateway = spawn_gateway(&[("UPSTREAM_TIMEOUT_MS", "300")]).await;
    stub(
        &gateway,
        ResponseTemplate::new(200).set_delay(Duration::from_secs(2)),
    )
    .await;
    let answer = get(format!("{}/api/v1/tasks", gateway.url)).await;
    assert_problem(answer, StatusCode::GATEWAY_TIMEOUT, "task-service").await;
}

#[tokio::test]
async fn an_unreachable_service_is_a_503_problem_and_the_others_still_work() {
    // task-service's address refuses connections (nothing listens there).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let gateway = spawn_gateway(&[("TASK_SERVICE_URL", &closed)]).await;
    Mock::given(matchers::path("/api/v1/users/me"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(1)
        .mount(&gateway.users)
        .await;
    let answer = get(format!("{}/api/v1/tasks/1", gateway.url)).await;
    assert_problem(answer, StatusCode::SERVICE_UNAVAILABLE, "task-service").await;
    let me = get(format!("{}/api/v1/users/me", gateway.url)).await;
    assert_eq!(me.status(), StatusCode::OK);
}
