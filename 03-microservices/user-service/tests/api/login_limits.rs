//! Login protection in user-service, which holds the passwords: failed logins per username
//! end in 429 before any hash, whatever headers the client sends (the service sees only
//! the gateway, so it keys on nothing a client could set); a full hashing queue is a 503.

use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::helpers::spawn_server_with;

async fn login(client: &Client, base: &str, forwarded_for: &str) -> (StatusCode, Option<String>) {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .header("x-real-ip", forwarded_for)
        .json(&json!({"username": "ann", "password": "a wrong guess"}))
        .send()
        .await
        .expect("login");
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().to_string());
    (response.status(), retry_after)
}

#[tokio::test]
async fn failed_logins_per_username_end_in_429_whatever_address_the_client_claims() {
    let (base, _data) = spawn_server_with(&[("LOGIN_MAX_FAILURES", "2")]).await;
    let client = Client::new();
    for address in ["203.0.113.1", "203.0.113.2"] {
        assert_eq!(
            login(&client, &base, address).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    for address in ["203.0.113.3", "198.51.100.7", "unknown"] {
        let (status, retry_after) = login(&client, &base, address).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "claiming {address}");
        assert!(retry_after.is_some());
    }
}

#[tokio::test]
async fn a_full_hashing_queue_is_a_503_with_retry_after() {
    let (base, _data) = spawn_server_with(&[
        ("LOGIN_MAX_FAILURES", "0"),
        ("HASH_SLOTS", "1"),
        ("HASH_QUEUE_MAX", "1"),
    ])
    .await;
    let client = Client::new();
    let logins: Vec<_> = (0..32)
        .map(|n| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move { login(&client, &base, &format!("198.51.100.{n}")).await })
        })
        .collect();
    let mut busy = 0;
    for login in logins {
        match login.await.unwrap() {
            (StatusCode::UNAUTHORIZED, _) => {}
            (StatusCode::SERVICE_UNAVAILABLE, retry_after) => {
                assert_eq!(retry_after.as_deref(), Some("1"));
                busy += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        busy > 0,
        "32 logins at once, one slot and one place in the queue: none refused"
    );
}
