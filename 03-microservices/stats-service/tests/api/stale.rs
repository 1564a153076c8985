//! While task-service is down, a caller gets their last known statistics marked stale;
//! a caller with none gets a 503.

use serde_json::json;
use service_kit::{auth::AuthUser, error::ApiError};
use stats_service::services::StatsService;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers};

use crate::helpers::{TOKEN, client};

fn caller(user_id: i64) -> AuthUser {
    AuthUser {
        user_id,
        token: TOKEN.to_string(),
    }
}

#[tokio::test]
async fn last_known_stats_are_served_stale_while_task_service_fails() {
    let server = MockServer::start().await;
    Mock::given(matchers::path("/internal/v1/task-counts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"status": "done", "priority": "low", "tasks": 3, "overdue": 0}
        ])))
        .mount(&server)
        .await;
    let stats = StatsService::new(client(&server.uri(), 0, 100));
    let fresh = stats.for_user(&caller(1), None).await.expect("fresh stats");
    assert!(!fresh.stale);
    assert_eq!(serde_json::to_value(&fresh).unwrap().get("stale"), None);

    server.reset().await;
    Mock::given(matchers::path("/internal/v1/task-counts"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let stale = stats.for_user(&caller(1), None).await.expect("stale stats");
    assert!(stale.stale);
    assert_eq!(stale.total_tasks, 3);
    assert_eq!(serde_json::to_value(&stale).unwrap()["stale"], true);

    let unknown = stats.for_user(&caller(2), None).await;
    assert!(
        matches!(unknown, Err(ApiError::ServiceUnavailable(_))),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn a_broken_answer_is_a_bad_gateway_not_stale_stats() {
    let server = MockServer::start().await;
    Mock::given(matchers::path("/internal/v1/task-counts"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{"))
        .mount(&server)
        .await;
    let result = StatsService::new(client(&server.uri(), 0, 100))
        .for_user(&caller(1), None)
        .await;
    assert!(matches!(result, Err(ApiError::BadGateway(_))), "{result:?}");
}
