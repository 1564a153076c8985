//! The task-service client against wiremock: first the interactions of the shared contract
//! file (the provider replays the same file), then the failures a network adds.

use std::time::Duration;

use serde_json::{Value, json};
use service_kit::contract::{Contract, mount};
use stats::{TaskCount, TaskStats};
use stats_service::clients::{CallError, TaskServiceClient};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers};

use crate::helpers::{TOKEN, client, closed_port_url};

const COUNTS: &str = "/internal/v1/task-counts";

async fn answering(template: ResponseTemplate, expected_calls: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::method("GET"))
        .and(matchers::path(COUNTS))
        .respond_with(template)
        .expect(expected_calls)
        .mount(&server)
        .await;
    server
}

fn counts_body() -> Value {
    json!([{"status": "todo", "priority": "high", "tasks": 2, "overdue": 1}])
}

#[tokio::test]
async fn the_client_understands_every_answer_in_the_contract() {
    let contract = Contract::load("task-service").expect("the contract file");
    let interactions: Vec<_> = contract.for_consumer("stats-service").collect();
    assert!(!interactions.is_empty());
    for interaction in interactions {
        let server = MockServer::start().await;
        mount(&server, interaction, TOKEN).await;
        let result = client(&server.uri(), 0, 100).task_counts(TOKEN, None).await;
        match (interaction.response.status, result) {
            (200, Ok(counts)) => {
                let expected: Vec<TaskCount> =
                    serde_json::from_value(interaction.response.body.clone().unwrap_or_default())
                        .expect("the contract's counts");
                assert_eq!(counts, expected, "{}", interaction.description);
                let stats = TaskStats::from_counts(&counts);
                assert_eq!(
                    stats.total_tasks,
                    expected.iter().map(|c| c.tasks).sum::<i64>()
                );
            }
            (401, Err(CallError::Unauthorized)) => {}
            (status, result) => panic!("{}: {status} gave {result:?}", interaction.description),
        }
    }
}

#[tokio::test]
async fn the_request_id_goes_along() {
    let server = MockServer::start().await;
    Mock::given(matchers::header("x-request-id", "trace-7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(counts_body()))
        .expect(1)
        .mount(&server)
        .await;
    let counts = client(&server.uri(), 0, 100)
        .task_counts(TOKEN, Some("trace-7"))
        .await
        .expect("counts");
    assert_eq!(counts.len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let server = answering(ResponseTemplate::new(503), 3).await;
    let result = client(&server.uri(), 2, 100).task_counts(TOKEN, None).await;
    assert!(
        matches!(result, Err(CallError::ServerError(s)) if s == 503),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_retry_can_succeed() {
    let server = MockServer::start().await;
    Mock::given(matchers::path(COUNTS))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(matchers::path(COUNTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(counts_body()))
        .expect(1)
        .mount(&server)
        .await;
    let counts = client(&server.uri(), 2, 100)
        .task_counts(TOKEN, None)
        .await
        .expect("the retry's counts");
    assert_eq!(counts.len(), 1);
}

#[tokio::test]
async fn client_errors_and_malformed_bodies_are_not_retried() {
    for template in [
        ResponseTemplate::new(404),
        ResponseTemplate::new(200).set_body_string("not json"),
        ResponseTemplate::new(200).set_body_json(json!({"counts": []})),
        ResponseTemplate::new(200).set_body_json(
            json!([{"status": "archived", "priority": "high", "tasks": 1, "overdue": 0}]),
        ),
    ] {
        let server = answering(template, 1).await;
        let result = client(&server.uri(), 2, 100).task_counts(TOKEN, None).await;
        assert!(
            matches!(result, Err(CallError::Unexpected(_))),
            "{result:?}"
        );
    }
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let slow = ResponseTemplate::new(200)
        .set_body_json(counts_body())
        .set_delay(Duration::from_secs(2));
    let server = answering(slow, 2).await;
    let result = client(&server.uri(), 1, 100).task_counts(TOKEN, None).await;
    assert!(matches!(result, Err(CallError::TimedOut(_))), "{result:?}");
}

#[tokio::test]
async fn a_refused_connection_is_unreachable() {
    let result = client(&closed_port_url(), 1, 100)
        .task_counts(TOKEN, None)
        .await;
    assert!(
        matches!(result, Err(CallError::Unreachable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_circuit_opens_after_repeated_failures_and_stops_calling() {
    // Two failed calls open the circuit; the next calls never reach the stub.
    let server = answering(ResponseTemplate::new(500), 2).await;
    let client: TaskServiceClient = client(&server.uri(), 0, 2);
    for _ in 0..2 {
        let result = client.task_counts(TOKEN, None).await;
        assert!(
            matches!(result, Err(CallError::ServerError(_))),
            "{result:?}"
        );
    }
    for _ in 0..3 {
        let result = client.task_counts(TOKEN, None).await;
        assert!(matches!(result, Err(CallError::CircuitOpen)), "{result:?}");
    }
}

/// stats-service → task-service: the request itself, as task-service receives it (snapshot in
/// `tests/api/snapshots/`). The caller's token and request id go along; nothing else the
/// provider would have to understand. Headers reqwest adds on its own (`host`) are left out.
#[tokio::test]
async fn the_request_to_task_service_is_as_snapshot() {
    let server = answering(ResponseTemplate::new(200).set_body_json(counts_body()), 1).await;
    client(&server.uri(), 0, 100)
        .task_counts(TOKEN, Some("trace-7"))
        .await
        .expect("counts");
    let requests = server.received_requests().await.expect("recording is on");
    let [request] = requests.as_slice() else {
        panic!("one request, got {}", requests.len());
    };
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(name, _)| name.as_str() != "host")
        .map(|(name, value)| {
            (
                name.to_string(),
                value.to_str().unwrap_or("(not UTF-8)").to_string(),
            )
        })
        .collect();
    headers.sort();
    let received = json!({
        "method": request.method.to_string(),
        "path": request.url.path(),
        "query": request.url.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&request.body),
    });
    insta::assert_json_snapshot!("task_counts_request", received);
}
