//! Fault isolation with REAL processes: the four binaries run as child processes; then
//! task-service is killed and later restarted, while the gateway keeps running.
//!
//! With task-service down: accounts still work through the gateway, task routes answer
//! 503 problems, stats serves the caller's last known statistics marked stale (or a 503
//! problem for a caller it has none for), and `/health` says which service is down.
//! After the restart everything recovers without restarting anything else.

use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, System};

/// A client of the gateway, logged in once it has an account. (Also used by
/// `users_database_reset`.)
pub(crate) struct Caller {
    client: Client,
    gateway: String,
    token: Option<String>,
}

impl Caller {
    pub(crate) async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(
            method.parse().expect("a method"),
            format!("{}{path}", self.gateway),
        );
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("the gateway answers")
    }

    /// Registers and logs in `name`; the token is kept for later calls.
    pub(crate) async fn account(client: &Client, gateway: &str, name: &str) -> Self {
        let mut caller = Self {
            client: client.clone(),
            gateway: gateway.to_string(),
            token: None,
        };
        let password = format!("password-of-{name}");
        let registered = caller
            .send(
                "POST",
                "/api/v1/auth/register",
                Some(json!({"email": format!("{name}@example.com"), "username": name, "password": password})),
            )
            .await;
        assert_eq!(registered.status(), StatusCode::CREATED);
        let login: Value = caller
            .send(
                "POST",
                "/api/v1/auth/login",
                Some(json!({"username": name, "password": password})),
            )
            .await
            .json()
            .await
            .expect("a token");
        caller.token = login["access_token"].as_str().map(str::to_string);
        assert!(caller.token.is_some(), "{login}");
        caller
    }
}

async fn problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    response.json().await.expect("a problem document")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_fail_alone_and_recover_without_restarting_the_gateway() {
    let Some(mut system) = System::start(
        Backend::Sqlite,
        &[
            ("TASK_SERVICE_TIMEOUT_MS", "1000"),
            ("TASK_SERVICE_RETRIES", "1"),
            ("CIRCUIT_BREAKER_FAILURES", "3"),
            ("CIRCUIT_BREAKER_OPEN_MS", "300"),
        ],
    )
    .await
    else {
        unreachable!("SQLite needs no configuration");
    };
    let gateway = system.gateway.url.clone();
    let client = Client::new();
    let health = || async {
        let answer = client
            .get(format!("{gateway}/health"))
            .send()
            .await
            .expect("the gateway answers");
        (answer.status(), answer.json::<Value>().await.expect("JSON"))
    };
    let (status, body) = health().await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Everything up: alice has two tasks and fresh statistics.
    let alice = Caller::account(&client, &gateway, "alice").await;
    for title in ["one", "two"] {
        let created = alice
            .send("POST", "/api/v1/tasks", Some(json!({"title": title})))
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let fresh = alice.send("GET", "/api/v1/stats", None).await;
    assert_eq!(fresh.status(), StatusCode::OK);
    assert!(fresh.headers().get("x-stats-stale").is_none());
    let fresh: Value = fresh.json().await.expect("stats");
    assert_eq!(fresh["total_tasks"], 2);
    assert!(fresh.get("stale").is_none(), "{fresh}");

    // task-service goes down.
    system.tasks.stop();
    let (status, body) = health().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["service"], "api-gateway");
    assert_eq!(body["checks"]["user-service"], "ok");
    assert_eq!(body["checks"]["stats-service"], "ok");
    let task_check = body["checks"]["task-service"].as_str().unwrap_or_default();
    // The check's status only: the error (the service's address) is in the gateway's log.
    assert_eq!(task_check, "unreachable", "{body}");

    // Accounts do not depend on task-service.
    let bob = Caller::account(&client, &gateway, "bob").await;
    let me = bob.send("GET", "/api/v1/users/me", None).await;
    assert_eq!(me.status(), StatusCode::OK);

    // Task routes answer a problem that says a dependency is down, without naming it: the
    // gateway's log says which service, and why.
    let listed = problem(
        alice.send("GET", "/api/v1/tasks", None).await,
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;
    assert!(
        listed["detail"]
            .as_str()
            .unwrap_or_default()
            .starts_with("a dependency is unavailable"),
        "{listed}"
    );

    // Stats: alice gets her last known statistics, marked stale; bob has none → 503.
    for _ in 0..3 {
        let stale = alice.send("GET", "/api/v1/stats", None).await;
        assert_eq!(stale.status(), StatusCode::OK);
        assert_eq!(stale.headers()["x-stats-stale"], "true");
        assert!(stale.headers().contains_key("warning"));
        let stale: Value = stale.json().await.expect("stats");
        assert_eq!(stale["stale"], true);
        assert_eq!(stale["total_tasks"], 2);
    }
    problem(
        bob.send("GET", "/api/v1/stats", None).await,
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;

    // task-service comes back (same port, same database); nothing else restarts.
    system.tasks.restart().await;
    let (status, body) = health().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed: Value = alice
        .send("GET", "/api/v1/tasks", None)
        .await
        .json()
        .await
        .expect("a page");
    assert_eq!(listed["total"], 2);
    // The circuit breaker lets a trial call through after CIRCUIT_BREAKER_OPEN_MS.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = alice.send("GET", "/api/v1/stats", None).await;
        if answer.status() == StatusCode::OK && answer.headers().get("x-stats-stale").is_none() {
            let stats: Value = answer.json().await.expect("stats");
            assert_eq!(stats["total_tasks"], 2);
            break;
        }
        assert!(Instant::now() < deadline, "stats never recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = bob.send("GET", "/api/v1/stats", None).await;
    assert_eq!(recovered.status(), StatusCode::OK);
}
