//! The ceiling answers what a phase answers to the benchmark's task read: a task with the
//! contract's fields and types, so comparing their throughput compares like with like.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

async fn get(uri: &str) -> (StatusCode, Option<String>, Vec<u8>) {
    let response = ceiling::app()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_string());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, content_type, body.to_vec())
}

#[tokio::test]
async fn a_task_read_answers_a_task_of_the_contract() {
    let (status, content_type, body) = get("/api/v1/tasks/42").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let task: Value = serde_json::from_slice(&body).unwrap();
    let object = task.as_object().unwrap();

    // Exactly the fields of a task in shared/api-contract.md, no more.
    let mut fields: Vec<&str> = object.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "completed",
            "created_at",
            "description",
            "due_date",
            "id",
            "owner_id",
            "priority",
            "status",
            "title",
            "updated_at"
        ]
    );
    assert_eq!(task["id"], 42, "the id is the one asked for");
    assert!(task["title"].is_string());
    assert!(task["description"].is_null());
    assert!(["todo", "in_progress", "done"].contains(&task["status"].as_str().unwrap()));
    assert!(["low", "medium", "high"].contains(&task["priority"].as_str().unwrap()));
    assert!(task["due_date"].is_null());
    assert_eq!(task["completed"], task["status"] == "done");
    assert!(task["owner_id"].as_i64().unwrap() > 0);
    for stamp in ["created_at", "updated_at"] {
        let text = task[stamp].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(text).is_ok() && text.ends_with('Z'),
            "{stamp} is not an RFC 3339 time in UTC: {text}"
        );
    }
}

#[tokio::test]
async fn health_answers_200_so_the_workshop_can_wait_for_it() {
    let (status, _, _) = get("/health").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn it_serves_nothing_else() {
    let (status, _, _) = get("/api/v1/tasks").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get("/api/v1/tasks/not-a-number").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
