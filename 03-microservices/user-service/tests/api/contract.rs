//! Provider verification: user-service honours every interaction of
//! `contracts/user-service.json`, the file the gateway's tests stub user-service with.

use serde_json::{Value, json};
use service_kit::contract::{replay, verify_provider};

use crate::helpers::spawn_server;

#[tokio::test]
async fn user_service_honours_its_consumers_contract() {
    verify_provider("user-service", |interaction| async move {
        // A fresh service per interaction: each starts from its own `given` state only.
        let (base_url, _data) = spawn_server().await;
        let token = set_up(&base_url, &interaction.given).await;
        replay(&base_url, &interaction, &token).await
    })
    .await;
}

/// `given.users`: accounts registered through the public API. Returns a token of the
/// first one (user id 1), or an empty string when there is none.
async fn set_up(base_url: &str, given: &Value) -> String {
    let client = reqwest::Client::new();
    let mut token = String::new();
    for user in given["users"].as_array().into_iter().flatten() {
        let registered = client
            .post(format!("{base_url}/api/v1/auth/register"))
            .json(user)
            .send()
            .await
            .expect("user-service answers");
        assert_eq!(registered.status(), 201, "setting up {user}");
        if token.is_empty() {
            let login: Value = client
                .post(format!("{base_url}/api/v1/auth/login"))
                .json(&json!({"username": user["username"], "password": user["password"]}))
                .send()
                .await
                .expect("user-service answers")
                .json()
                .await
                .expect("a token");
            token = login["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        }
    }
    token
}
