//! `insta` snapshots of the payloads that cross a service boundary, taken from the four real
//! processes (`tests/api/snapshots/`). A change to any of them shows up as a snapshot diff to
//! review: it is a change every consumer of that payload must agree to.
//!
//! - task-service → stats-service: the `GET /internal/v1/task-counts` answer;
//! - user-service → task- and stats-service: the claims of the token user-service issues
//!   and the others verify on their own;
//! - every service → the gateway: the `/health` documents it aggregates, and the aggregate.
//!
//! Ids and timestamps are redacted; rows whose order is not part of the contract are sorted.
//! (The request stats-service sends task-service is snapshot in stats-service's own tests.)
//! Update with `INSTA_UPDATE=always cargo test -p microservices-tests payloads`, then review.

use base64::Engine;
use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{Backend, System};

/// A redacted timestamp: what it is, not when.
fn seconds(value: Option<u64>) -> &'static str {
    match value {
        Some(_) => "[seconds since the epoch]",
        None => "[NOT an unsigned number]",
    }
}

async fn json(response: reqwest::Response) -> Value {
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("a JSON body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payloads_between_services_are_as_snapshot() {
    let Some(system) = System::start(Backend::Sqlite, &[]).await else {
        unreachable!("SQLite needs no configuration");
    };
    let client = Client::new();
    let gateway = &system.gateway.url;
    let registered = client
        .post(format!("{gateway}/api/v1/auth/register"))
        .json(&json!({"email": "ada@example.com", "username": "ada", "password": "correct horse battery"}))
        .send()
        .await
        .expect("the gateway answers");
    assert_eq!(registered.status(), 201);
    let login = json(
        client
            .post(format!("{gateway}/api/v1/auth/login"))
            .json(&json!({"username": "ada", "password": "correct horse battery"}))
            .send()
            .await
            .expect("the gateway answers"),
    )
    .await;
    let token = login["access_token"].as_str().expect("a token").to_string();

    // user-service → task-/stats-service: what a token says (its header and claims).
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWS in compact form");
    let decode = |part: &str| -> Value {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .expect("base64url");
        serde_json::from_slice(&bytes).expect("JSON")
    };
    insta::assert_json_snapshot!("jwt_header", decode(parts[0]));
    // Redacted to their TYPE: `sub` is the user id as a string (RFC 7519), the times are
    // seconds since the epoch, `acct` the account's never-reused identity (a UUID, ADR
    // 0017); a change of type breaks every verifier.
    insta::assert_json_snapshot!("jwt_claims", decode(parts[1]), {
        ".acct" => insta::dynamic_redaction(|value, _| match value.as_str() {
            Some(id) if uuid::Uuid::parse_str(id).is_ok() => "[account id, a UUID string]",
            _ => "[NOT a UUID string]",
        }),
        ".sub" => insta::dynamic_redaction(|value, _| match value.as_str() {
            Some(id) if id.parse::<i64>().is_ok() => "[user id, a numeric string]",
            _ => "[NOT a numeric string]",
        }),
        ".iat" => insta::dynamic_redaction(|value, _| seconds(value.as_u64())),
        ".exp" => insta::dynamic_redaction(|value, _| seconds(value.as_u64())),
    });

    // task-service → stats-service: the counts, from tasks created through the gateway.
    for task in [
        json!({"title": "overdue and open", "status": "todo", "priority": "high", "due_date": "2020-01-01T00:00:00Z"}),
        json!({"title": "open, no due date", "status": "todo", "priority": "high"}),
        json!({"title": "overdue but done", "status": "done", "priority": "low", "due_date": "2020-01-01T00:00:00Z"}),
        json!({"title": "in progress", "status": "in_progress", "priority": "medium"}),
    ] {
        let created = client
            .post(format!("{gateway}/api/v1/tasks"))
            .bearer_auth(&token)
            .json(&task)
            .send()
            .await
            .expect("the gateway answers");
        assert_eq!(created.status(), 201);
    }
    let counts = client
        .get(format!("{}/internal/v1/task-counts", system.tasks.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("task-service answers");
    assert_eq!(counts.headers()["content-type"], "application/json");
    let mut counts = json(counts).await;
    if let Some(rows) = counts.as_array_mut() {
        rows.sort_by_key(|row| (row["status"].to_string(), row["priority"].to_string()));
    }
    insta::assert_json_snapshot!("task_counts", counts);

    // Every service → the gateway: the health documents, and what the gateway makes of them.
    for service in [&system.users, &system.tasks, &system.stats] {
        let health = json(
            client
                .get(format!("{}/health", service.url))
                .send()
                .await
                .expect("the service answers"),
        )
        .await;
        insta::assert_json_snapshot!(format!("health_{}", service.name), health, {
            ".version" => "[version]",
        });
    }
    let health = json(
        client
            .get(format!("{gateway}/health"))
            .send()
            .await
            .expect("the gateway answers"),
    )
    .await;
    insta::assert_json_snapshot!("health_api-gateway", health, {
        ".version" => "[version]",
    });
}
