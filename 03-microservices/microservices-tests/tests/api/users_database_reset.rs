//! A users database recreated under running services (ADR 0017).
//!
//! user-service is stopped and started again on a fresh SQLite file, so its user ids start
//! again at 1 while task-service keeps every task. The new account that gets an old user
//! id must see nothing of the old account's, through any route (list, one task by id,
//! statistics), and the old account, whose token is still valid, nothing of the new one's.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    fault_isolation::Caller,
    helpers::{Backend, System, fresh_database_url},
};

async fn json_of(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    response.json().await.expect("a JSON body")
}

async fn me(caller: &Caller) -> i64 {
    let me = json_of(
        caller.send("GET", "/api/v1/users/me", None).await,
        StatusCode::OK,
    )
    .await;
    me["id"].as_i64().expect("an id")
}

/// The titles of the caller's tasks, and the list's `total`.
async fn titles(caller: &Caller) -> (Vec<String>, i64) {
    let page = json_of(
        caller.send("GET", "/api/v1/tasks", None).await,
        StatusCode::OK,
    )
    .await;
    let titles = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|task| task["title"].as_str().expect("a title").to_string())
        .collect();
    (titles, page["total"].as_i64().expect("a total"))
}

async fn total_in_stats(caller: &Caller) -> i64 {
    let stats = json_of(
        caller.send("GET", "/api/v1/stats", None).await,
        StatusCode::OK,
    )
    .await;
    stats["total_tasks"].as_i64().expect("total_tasks")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recreated_users_database_hands_no_tasks_to_new_accounts() {
    let Some(mut system) = System::start(Backend::Sqlite, &[]).await else {
        return;
    };
    let client = reqwest::Client::new();
    let gateway = system.gateway.url.clone();

    let old = Caller::account(&client, &gateway, "old").await;
    let old_id = me(&old).await;
    let created = json_of(
        old.send(
            "POST",
            "/api/v1/tasks",
            Some(json!({"title": "old's secret"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let secret_task = created["id"].as_i64().expect("a task id");
    assert_eq!(created["owner_id"], old_id);

    // The users database is recreated: a fresh file, user-service restarted on it.
    let data = tempfile::tempdir().expect("a temp dir");
    let fresh = fresh_database_url(Backend::Sqlite, &data, "users-again")
        .await
        .expect("a SQLite URL");
    system.users.set_env("DATABASE_URL", &fresh);
    system.users.restart().await;

    let new = Caller::account(&client, &gateway, "new").await;
    let new_id = me(&new).await;
    assert_eq!(
        new_id, old_id,
        "the fresh database hands out the old id again"
    );

    assert_eq!(titles(&new).await, (vec![], 0), "the list");
    let by_id = new
        .send("GET", &format!("/api/v1/tasks/{secret_task}"), None)
        .await;
    assert_eq!(by_id.status(), StatusCode::NOT_FOUND, "a task by its id");
    assert_eq!(total_in_stats(&new).await, 0, "the statistics");

    // The new account's own task is its own, and shows its user id as the owner.
    let own = json_of(
        new.send("POST", "/api/v1/tasks", Some(json!({"title": "new's own"})))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(own["owner_id"], new_id);
    let own_task = own["id"].as_i64().expect("a task id");
    assert_eq!(titles(&new).await, (vec!["new's own".to_string()], 1));
    let fetched = json_of(
        new.send("GET", &format!("/api/v1/tasks/{own_task}"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(fetched["owner_id"], new_id);
    assert_eq!(total_in_stats(&new).await, 1);

    // The old account's token is still valid: it sees its own task and nothing else.
    assert_eq!(titles(&old).await, (vec!["old's secret".to_string()], 1));
    let theirs = old
        .send("GET", &format!("/api/v1/tasks/{own_task}"), None)
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    assert_eq!(total_in_stats(&old).await, 1);
}
