//! The circuit breaker's two rules, against wiremock:
//! - while half-open, exactly one trial call reaches task-service; every other call fails at
//!   once (without waiting for the trial) until the trial's outcome closes or re-opens it;
//! - an answer stats-service cannot use (a 401, another status, a body that does not parse)
//!   counts as a failure: it opens the circuit, and a trial that gets one re-opens it.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stats_service::clients::{CallError, TaskServiceClient};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers};

use crate::helpers::{TOKEN, client_with_breaker};

const COUNTS: &str = "/internal/v1/task-counts";
/// How long an opened circuit stays open in these tests.
const OPEN: Duration = Duration::from_millis(200);

fn counts_body() -> Value {
    json!([{"status": "todo", "priority": "high", "tasks": 2, "overdue": 1}])
}

/// task-service answers `first` once, then `then` to every later call.
async fn answering_once_then(first: ResponseTemplate, then: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::path(COUNTS))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(matchers::path(COUNTS))
        .respond_with(then)
        .mount(&server)
        .await;
    server
}

async fn calls_received(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .len()
}

/// A client whose circuit opens at the first failure, for [`OPEN`], without retries.
fn opening_at_once(server: &MockServer) -> TaskServiceClient {
    client_with_breaker(&server.uri(), 0, 1, OPEN)
}

#[tokio::test]
async fn while_half_open_exactly_one_trial_call_goes_through_and_the_others_fail_fast() {
    let trial_answer = ResponseTemplate::new(200)
        .set_body_json(counts_body())
        .set_delay(Duration::from_millis(250));
    let server = answering_once_then(ResponseTemplate::new(503), trial_answer).await;
    let client = opening_at_once(&server);
    let opened = client.task_counts(TOKEN, None).await;
    assert!(
        matches!(opened, Err(CallError::ServerError(_))),
        "{opened:?}"
    );
    tokio::time::sleep(OPEN + Duration::from_millis(50)).await;

    // Five callers at once, as the open period ends: one trial, four turned away at once.
    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let client = client.clone();
        callers.spawn(async move {
            let started = Instant::now();
            let result = client.task_counts(TOKEN, None).await;
            (result, started.elapsed())
        });
    }
    let (mut answered, mut turned_away) = (0, 0);
    while let Some(joined) = callers.join_next().await {
        match joined.expect("a caller") {
            (Ok(_), _) => answered += 1,
            (Err(CallError::CircuitOpen), waited) => {
                turned_away += 1;
                assert!(
                    waited < Duration::from_millis(150),
                    "a caller turned away waited {waited:?}, as long as the trial"
                );
            }
            (other, _) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((answered, turned_away), (1, 4));
    assert_eq!(
        calls_received(&server).await,
        2,
        "the failure and one trial"
    );

    // The trial succeeded: the circuit is closed and everyone gets through again.
    for _ in 0..3 {
        client.task_counts(TOKEN, None).await.expect("counts");
    }
    assert_eq!(calls_received(&server).await, 5);
}

#[tokio::test]
async fn an_unusable_answer_counts_as_a_failure() {
    for (what, unusable) in [
        ("a 401", ResponseTemplate::new(401)),
        ("a 404", ResponseTemplate::new(404)),
        (
            "a body that is not JSON",
            ResponseTemplate::new(200).set_body_string("not json"),
        ),
        (
            "a body of another shape",
            ResponseTemplate::new(200).set_body_json(json!({"counts": []})),
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(matchers::path(COUNTS))
            .respond_with(unusable)
            .mount(&server)
            .await;
        // Two failures in a row open the circuit; retries are on, and change nothing.
        let client = client_with_breaker(&server.uri(), 2, 2, Duration::from_secs(60));
        for _ in 0..2 {
            let result = client.task_counts(TOKEN, None).await;
            assert!(
                matches!(
                    result,
                    Err(CallError::Unauthorized | CallError::Unexpected(_))
                ),
                "{what}: {result:?}"
            );
        }
        let result = client.task_counts(TOKEN, None).await;
        assert!(
            matches!(result, Err(CallError::CircuitOpen)),
            "{what}: the circuit should be open, got {result:?}"
        );
        assert_eq!(calls_received(&server).await, 2, "{what}");
    }
}

#[tokio::test]
async fn an_unusable_answer_to_the_trial_opens_the_circuit_again() {
    let server = answering_once_then(
        ResponseTemplate::new(503),
        ResponseTemplate::new(200).set_body_string("{"),
    )
    .await;
    let client = opening_at_once(&server);
    let opened = client.task_counts(TOKEN, None).await;
    assert!(
        matches!(opened, Err(CallError::ServerError(_))),
        "{opened:?}"
    );
    tokio::time::sleep(OPEN + Duration::from_millis(50)).await;

    let trial = client.task_counts(TOKEN, None).await;
    assert!(matches!(trial, Err(CallError::Unexpected(_))), "{trial:?}");
    let after = client.task_counts(TOKEN, None).await;
    assert!(
        matches!(after, Err(CallError::CircuitOpen)),
        "the trial's unusable answer should re-open the circuit, got {after:?}"
    );
    assert_eq!(calls_received(&server).await, 2);

    // A usable answer to the next trial closes it.
    server.reset().await;
    Mock::given(matchers::path(COUNTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(counts_body()))
        .mount(&server)
        .await;
    tokio::time::sleep(OPEN + Duration::from_millis(50)).await;
    for _ in 0..2 {
        client.task_counts(TOKEN, None).await.expect("counts");
    }
}
