//! Login protection over real HTTP: failed logins are counted per username, existing or
//! not, and refused with 429 before any hash; the hashing queue is bounded, and a full
//! queue is a 503, never an unbounded wait.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestServer, spawn_server_with};

type Answer = (StatusCode, Option<u64>, Value);

async fn login(server: &TestServer, client: &Client, username: &str, password: &str) -> Answer {
    send_login(
        client.clone(),
        server.api("/auth/login"),
        username.to_string(),
        password.to_string(),
    )
    .await
}

/// One login: its status, its `Retry-After` and its body.
async fn send_login(client: Client, url: String, username: String, password: String) -> Answer {
    let response = client
        .post(url)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("login");
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().parse().unwrap());
    (
        status,
        retry_after,
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn register(server: &TestServer, client: &Client, name: &str) {
    let response = client
        .post(server.api("/auth/register"))
        .json(&json!({"email": format!("{name}@example.com"), "username": name, "password": format!("password-of-{name}")}))
        .send()
        .await
        .expect("register");
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn failed_logins_per_username_end_in_429_with_retry_after_whether_or_not_it_exists() {
    let server = spawn_server_with(Backend::Sqlite, &[("LOGIN_MAX_FAILURES", "3")])
        .await
        .unwrap();
    let client = Client::new();
    register(&server, &client, "ann").await;
    register(&server, &client, "bob").await;
    for username in ["ann", "nobody"] {
        for _ in 0..3 {
            let (status, _, _) = login(&server, &client, username, "wrong password").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{username}");
        }
        let (status, retry_after, problem) =
            login(&server, &client, username, "wrong password").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{username}");
        let retry_after = retry_after.expect("Retry-After");
        assert!(
            (1..=300).contains(&retry_after),
            "Retry-After: {retry_after}"
        );
        assert_eq!(problem["status"], 429);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("failed logins"),
            "{problem}"
        );
    }
    // Locked means locked: the right password is not even checked, in any spelling.
    let (status, _, _) = login(&server, &client, "ANN", "password-of-ann").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another account is not affected.
    let (status, _, _) = login(&server, &client, "bob", "password-of-bob").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn by_default_an_honest_user_may_mistype_a_few_times() {
    let server = spawn_server_with(Backend::Sqlite, &[]).await.unwrap();
    let client = Client::new();
    register(&server, &client, "cara").await;
    for _ in 0..5 {
        let (status, _, _) = login(&server, &client, "cara", "wrong password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _, _) = login(&server, &client, "cara", "password-of-cara").await;
    assert_eq!(status, StatusCode::OK);
    // A success starts the count again.
    for _ in 0..9 {
        let (status, _, _) = login(&server, &client, "cara", "wrong password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

/// `count` logins at once, as `username(n)` with a wrong password: each answer.
async fn at_once(
    server: &TestServer,
    count: usize,
    username: impl Fn(usize) -> String,
) -> Vec<Answer> {
    let client = Client::new();
    let logins: Vec<_> = (0..count)
        .map(|n| {
            tokio::spawn(send_login(
                client.clone(),
                server.api("/auth/login"),
                username(n),
                "wrong password".into(),
            ))
        })
        .collect();
    let mut answers = Vec::new();
    for login in logins {
        answers.push(login.await.expect("a login"));
    }
    answers
}

#[tokio::test]
async fn a_locked_username_is_refused_without_taking_a_hashing_slot() {
    let server = spawn_server_with(
        Backend::Sqlite,
        &[
            ("LOGIN_MAX_FAILURES", "1"),
            ("HASH_SLOTS", "1"),
            ("HASH_QUEUE_MAX", "0"),
        ],
    )
    .await
    .unwrap();
    let client = Client::new();
    let (status, _, _) = login(&server, &client, "dan", "wrong password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Were these hashed, one slot and no queue would refuse most of them with 503.
    for (status, _, problem) in at_once(&server, 24, |_| "dan".into()).await {
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{problem}");
    }
}

#[tokio::test]
async fn a_full_hashing_queue_is_a_503_with_retry_after() {
    let server = spawn_server_with(
        Backend::Sqlite,
        &[
            ("LOGIN_MAX_FAILURES", "0"),
            ("HASH_SLOTS", "1"),
            ("HASH_QUEUE_MAX", "1"),
        ],
    )
    .await
    .unwrap();
    let answers = at_once(&server, 32, |n| format!("flood-{n}")).await;
    let busy: Vec<_> = answers
        .iter()
        .filter(|(status, _, _)| *status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert!(
        !busy.is_empty(),
        "32 logins at once, one slot and one place in the queue: none was refused"
    );
    for (status, retry_after, problem) in &answers {
        match *status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(*retry_after, Some(1));
                assert_eq!(problem["status"], 503);
            }
            other => panic!("unexpected {other}: {problem}"),
        }
    }
    // Once the flood is over, logins are served again.
    let (status, _, _) = login(&server, &Client::new(), "after-the-flood", "wrong password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
