//! The service as a whole (the stats module, its seam over HTTP and the caller layer),
//! driven through its router against a wiremock task-service: while task-service is down a
//! caller gets their last known statistics marked stale; a caller with none gets a 503; and
//! the caller's own token and request id are what task-service receives.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use service_kit::{
    auth::{AccountId, JwtKeys},
    config::fixed,
    domain::UserId,
    metrics::Metrics,
};
use stats_service::{
    AppState, app,
    config::{FromEnv, Settings},
};
use tower::ServiceExt;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers};

const SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";
const COUNTS: &str = "/internal/v1/task-counts";

/// stats-service aimed at `task_service`, with no retries and a breaker that stays closed.
fn service(task_service: &str) -> Router {
    let settings = Settings::from_lookup(fixed(&[
        ("JWT_SECRET", SECRET),
        ("TASK_SERVICE_URL", task_service),
        ("TASK_SERVICE_TIMEOUT_MS", "300"),
        ("TASK_SERVICE_RETRIES", "0"),
        ("CIRCUIT_BREAKER_FAILURES", "100"),
    ]))
    .expect("valid settings");
    app(AppState::new(&settings, &Metrics::new()).expect("state"))
}

/// A token for the user with this (positive) id, as user-service would issue it: with
/// the account's identity, here `account-of-<id>`.
fn token_for(user_id: i64) -> String {
    token_for_account(user_id, &format!("account-of-{user_id}"))
}

/// A token for `user_id` naming `account`.
fn token_for_account(user_id: i64, account: &str) -> String {
    let user_id = UserId::new(user_id).expect("a positive user id");
    JwtKeys::new(SECRET.as_bytes(), Duration::from_secs(600))
        .issue_for_account(user_id, &AccountId::new(account))
        .expect("a token")
        .token
}

/// `GET /api/v1/stats` as `user_id`: status, the `x-stats-stale` and `warning` headers, body.
async fn stats_of(
    service: &Router,
    user_id: i64,
) -> (StatusCode, Option<String>, Option<String>, Value) {
    stats_with(service, user_id, &token_for(user_id)).await
}

/// `GET /api/v1/stats` with `token` (whose user is `user_id`).
async fn stats_with(
    service: &Router,
    user_id: i64,
    token: &str,
) -> (StatusCode, Option<String>, Option<String>, Value) {
    let request = Request::get("/api/v1/stats")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("x-request-id", format!("request-of-{user_id}"))
        .body(Body::empty())
        .expect("a request");
    let response = service.clone().oneshot(request).await.expect("an answer");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap_or_default().to_string())
    };
    let (stale, warning) = (header("x-stats-stale"), header("warning"));
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    let body = serde_json::from_slice(&bytes).expect("a JSON body");
    (status, stale, warning, body)
}

async fn answer(server: &MockServer, template: ResponseTemplate) {
    server.reset().await;
    Mock::given(matchers::path(COUNTS))
        .respond_with(template)
        .mount(server)
        .await;
}

#[tokio::test]
async fn last_known_stats_are_served_stale_while_task_service_fails() {
    let server = MockServer::start().await;
    let service = service(&server.uri());
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!([
            {"status": "done", "priority": "low", "tasks": 3, "overdue": 0}
        ])),
    )
    .await;
    let (status, stale, warning, fresh) = stats_of(&service, 1).await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    assert_eq!((stale, warning), (None, None));
    assert_eq!(fresh.get("stale"), None, "fresh statistics carry no flag");
    assert_eq!(fresh["total_tasks"], 3);

    answer(&server, ResponseTemplate::new(503)).await;
    let (status, stale, warning, last_known) = stats_of(&service, 1).await;
    assert_eq!(status, StatusCode::OK, "{last_known}");
    assert_eq!(stale.as_deref(), Some("true"));
    assert_eq!(warning.as_deref(), Some("110 - \"Response is Stale\""));
    assert_eq!(last_known["stale"], true);
    assert_eq!(last_known["total_tasks"], 3);
    assert_eq!(last_known["by_status"]["done"], 3);

    // Another user's last known statistics are never anyone else's.
    let (status, stale, _, problem) = stats_of(&service, 2).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    assert_eq!(stale, None);
    assert_eq!(problem["status"], 503);
    // What failed, and where, is in the log: the client learns only that it is not its fault.
    assert_eq!(
        problem["detail"],
        "statistics are unavailable right now: a dependency is unavailable; try again shortly"
    );
}

#[tokio::test]
async fn a_broken_answer_is_a_bad_gateway_not_stale_stats() {
    let server = MockServer::start().await;
    let service = service(&server.uri());
    answer(&server, ResponseTemplate::new(200).set_body_string("{")).await;
    let (status, stale, _, problem) = stats_of(&service, 1).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{problem}");
    assert_eq!(stale, None);
}

#[tokio::test]
async fn task_service_receives_the_callers_own_token_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(matchers::path(COUNTS))
        .and(matchers::header(
            "authorization",
            format!("Bearer {}", token_for(7)).as_str(),
        ))
        .and(matchers::header("x-request-id", "request-of-7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let (status, _, _, body) = stats_of(&service(&server.uri()), 7).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total_tasks"], 0);
}

/// A user id is reused when the users database is recreated; the account is not. The
/// last known statistics belong to the account: a new account with an old user id gets
/// none of the old account's.
#[tokio::test]
async fn last_known_stats_belong_to_the_account_not_the_user_id() {
    let server = MockServer::start().await;
    let service = service(&server.uri());
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!([
            {"status": "todo", "priority": "high", "tasks": 5, "overdue": 2}
        ])),
    )
    .await;
    let old_account = token_for_account(1, "the-account-before-the-reset");
    let (status, _, _, fresh) = stats_with(&service, 1, &old_account).await;
    assert_eq!((status, &fresh["total_tasks"]), (StatusCode::OK, &json!(5)));

    answer(&server, ResponseTemplate::new(503)).await;
    let new_account = token_for_account(1, "the-account-after-the-reset");
    let (status, stale, _, problem) = stats_with(&service, 1, &new_account).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    assert_eq!(stale, None);
    // The old account still gets its own.
    let (status, stale, _, last_known) = stats_with(&service, 1, &old_account).await;
    assert_eq!(status, StatusCode::OK, "{last_known}");
    assert_eq!(
        (stale.as_deref(), &last_known["total_tasks"]),
        (Some("true"), &json!(5))
    );
}

/// task-service refuses a token without an account identity; stats-service refuses it too,
/// before calling, so no such token ever counts against task-service's circuit.
#[tokio::test]
async fn a_token_without_an_account_is_refused_before_any_call() {
    let server = MockServer::start().await;
    Mock::given(matchers::path(COUNTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(0)
        .mount(&server)
        .await;
    let without_account = JwtKeys::new(SECRET.as_bytes(), Duration::from_secs(600))
        .issue(UserId::new(1).expect("an id"))
        .expect("a token")
        .token;
    let (status, _, _, problem) = stats_with(&service(&server.uri()), 1, &without_account).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
}
