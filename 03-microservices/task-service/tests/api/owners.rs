//! Tasks belong to accounts, not user ids (ADR 0017): a token naming another account with a
//! user id that was used before (a recreated users database) sees none of the first
//! account's tasks or counts, and its own tasks still show its user id as `owner_id`.

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{spawn_server, token_for_account};

async fn send(
    client: &Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = client.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_reused_user_id_with_another_account_gets_none_of_the_first_accounts_tasks() {
    let (base, _data) = spawn_server().await;
    let client = Client::new();
    let before = token_for_account(1, "account-before-the-reset");
    let after = token_for_account(1, "account-after-the-reset");
    let tasks = format!("{base}/api/v1/tasks");
    let counts = format!("{base}/internal/v1/task-counts");

    let (status, secret) = send(
        &client,
        Method::POST,
        tasks.clone(),
        &before,
        Some(json!({"title": "before's"})),
    )
    .await;
    assert_eq!(
        (status, &secret["owner_id"]),
        (StatusCode::CREATED, &json!(1))
    );
    let secret_url = format!("{tasks}/{}", secret["id"]);

    let (status, page) = send(&client, Method::GET, tasks.clone(), &after, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&page["total"], &page["items"]),
        (&json!(0), &json!([])),
        "the list"
    );
    let (status, _) = send(&client, Method::GET, secret_url.clone(), &after, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a task by id");
    let (status, _) = send(&client, Method::DELETE, secret_url.clone(), &after, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a delete");
    let (status, counted) = send(&client, Method::GET, counts.clone(), &after, None).await;
    assert_eq!((status, counted), (StatusCode::OK, json!([])), "the counts");

    // Its own task shows its user id, in every answer that carries one.
    let (status, own) = send(
        &client,
        Method::POST,
        tasks.clone(),
        &after,
        Some(json!({"title": "after's"})),
    )
    .await;
    assert_eq!((status, &own["owner_id"]), (StatusCode::CREATED, &json!(1)));
    let (_, page) = send(&client, Method::GET, tasks.clone(), &after, None).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["title"], "after's");
    assert_eq!(page["items"][0]["owner_id"], 1);
    let (_, toggled) = send(
        &client,
        Method::POST,
        format!("{tasks}/{}/toggle", own["id"]),
        &after,
        None,
    )
    .await;
    assert_eq!(toggled["owner_id"], 1);

    // And the first account still has exactly its own.
    let (_, page) = send(&client, Method::GET, tasks.clone(), &before, None).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["title"], "before's");
    let (status, _) = send(&client, Method::GET, secret_url, &before, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_token_without_an_account_is_refused() {
    let (base, _data) = spawn_server().await;
    let token = service_kit::auth::JwtKeys::new(
        crate::helpers::TEST_JWT_SECRET.as_bytes(),
        std::time::Duration::from_secs(60),
    )
    .issue(service_kit::domain::UserId::new(1).expect("an id"))
    .expect("a token")
    .token;
    let (status, problem) = send(
        &Client::new(),
        Method::GET,
        format!("{base}/api/v1/tasks"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    assert_eq!(
        problem["detail"],
        "the token carries no account identity; log in again"
    );
}
