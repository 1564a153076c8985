//! Provider verification: task-service honours every interaction of
//! `contracts/task-service.json`, the file its consumers' tests stub task-service with.

use serde_json::Value;
use service_kit::contract::{replay, verify_provider};

use crate::helpers::{spawn_server, token_for};

#[tokio::test]
async fn task_service_honours_its_consumers_contract() {
    verify_provider("task-service", |interaction| async move {
        // A fresh service per interaction: each starts from its own `given` state only.
        let (base_url, _data) = spawn_server().await;
        let token = token_for(1);
        set_up(&base_url, &token, &interaction.given).await;
        replay(&base_url, &interaction, &token).await
    })
    .await;
}

/// `given.tasks`: tasks user 1 owns, created through the public API.
async fn set_up(base_url: &str, token: &str, given: &Value) {
    let client = reqwest::Client::new();
    for task in given["tasks"].as_array().into_iter().flatten() {
        let created = client
            .post(format!("{base_url}/api/v1/tasks"))
            .bearer_auth(token)
            .json(task)
            .send()
            .await
            .expect("task-service answers");
        assert_eq!(created.status(), 201, "setting up {task}");
    }
}
