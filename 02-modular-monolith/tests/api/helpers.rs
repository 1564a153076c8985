//! Test fixtures: a fresh database per test, the router for `oneshot` tests, and a real
//! server on a random port for black-box tests.

use std::{collections::HashMap, net::SocketAddr};

use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use modular_monolith::{AppState, app, config::Settings, database::Database, startup::Application};
use serde_json::Value;
use tower::ServiceExt;

/// Where a test's data lives. Each test gets its own, so tests never see each other's rows.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database URL, or `None` when PostgreSQL is wanted but not configured.
///
/// PostgreSQL tests need `TEST_POSTGRES_URL`, an admin URL such as
/// `postgres://app@localhost:55432/postgres`; each test creates its own database there.
/// On a laptop without it they are skipped with a message; in CI (`CI=true`) a missing
/// server is a failure, never a silent skip.
pub async fn fresh_database_url(backend: Backend) -> Option<(String, Option<tempfile::TempDir>)> {
    match backend {
        Backend::Sqlite => {
            let folder = tempfile::tempdir().expect("create a temp dir");
            let url = format!("sqlite://{}/test.sqlite3?mode=rwc", folder.path().display());
            Some((url, Some(folder)))
        }
        Backend::Postgres => {
            let Some(admin_url) = std::env::var("TEST_POSTGRES_URL")
                .ok()
                .filter(|u| !u.is_empty())
            else {
                if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                    panic!(
                        "CI=true but TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI"
                    );
                }
                eprintln!(
                    "SKIPPED: PostgreSQL test (set TEST_POSTGRES_URL=postgres://user@host:port/postgres to run it)"
                );
                return None;
            };
            use sqlx::{Connection, Executor};
            let name = format!("tasktracker_test_{}", uuid::Uuid::new_v4().simple());
            let mut admin = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("connect to TEST_POSTGRES_URL");
            admin
                .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
                .await
                .expect("create a test database");
            let base = admin_url.split('?').next().unwrap_or(&admin_url);
            let (server, _) = base
                .rsplit_once('/')
                .expect("TEST_POSTGRES_URL has a database path");
            Some((format!("{server}/{name}"), None))
        }
    }
}

/// Settings for a test: random port, fixed known secret, rate limiting off unless asked.
pub fn test_settings(database_url: &str, extra: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<String, String> = [
        ("PORT", "0"),
        ("DATABASE_URL", database_url),
        ("JWT_SECRET", TEST_JWT_SECRET),
        ("RATE_LIMIT_PER_SECOND", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (name, value) in extra {
        vars.insert(name.to_string(), value.to_string());
    }
    Settings::from_lookup(|name| vars.get(name).cloned()).expect("valid test settings")
}

pub const TEST_JWT_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

/// The server binary this phase builds, for tests that run it as a process.
pub const SERVER_BINARY: &str = env!("CARGO_BIN_EXE_modular-monolith");

/// A running server on a random port.
pub struct TestServer {
    pub base_url: String,
    /// The metrics listener's `http://<address>` (`/metrics` is only there).
    pub metrics_url: String,
    _data: Option<tempfile::TempDir>,
}

impl TestServer {
    /// `/api/v1{path}` on this server.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base_url)
    }

    /// Registers `name`, logs in over real HTTP and creates one task titled `title`:
    /// the bearer token and the created task.
    pub async fn user_with_a_task(
        &self,
        client: &reqwest::Client,
        name: &str,
        title: &str,
    ) -> (String, Value) {
        let password = format!("password-of-{name}");
        let registered = client
            .post(self.api("/auth/register"))
            .json(&serde_json::json!({"email": format!("{name}@example.com"), "username": name, "password": password}))
            .send()
            .await
            .expect("register");
        assert_eq!(registered.status(), reqwest::StatusCode::CREATED);
        let login: Value = client
            .post(self.api("/auth/login"))
            .json(&serde_json::json!({"username": name, "password": password}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("a token");
        let token = login["access_token"].as_str().expect("a token").to_string();
        let task: Value = client
            .post(self.api("/tasks"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"title": title}))
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("a task");
        (token, task)
    }
}

/// Starts the application exactly as `main` does, on a random port.
pub async fn spawn_server(backend: Backend) -> Option<TestServer> {
    spawn_server_with(backend, &[]).await
}

/// [`spawn_server`] with `extra` settings.
pub async fn spawn_server_with(backend: Backend, extra: &[(&str, &str)]) -> Option<TestServer> {
    let (url, data) = fresh_database_url(backend).await?;
    let application = Application::build(test_settings(&url, extra))
        .await
        .expect("build the app");
    let address = application.address().expect("bound address");
    let metrics_address = application
        .metrics_address()
        .expect("bound metrics address");
    tokio::spawn(application.run_until_stopped());
    Some(TestServer {
        base_url: format!("http://{address}"),
        metrics_url: format!("http://{metrics_address}"),
        _data: data,
    })
}

/// The router over a fresh SQLite database, for `oneshot` tests.
pub struct TestRouter {
    pub router: Router,
    pub state: AppState,
    _data: tempfile::TempDir,
}

pub async fn test_router(extra_settings: &[(&str, &str)]) -> TestRouter {
    let (url, data) = fresh_database_url(Backend::Sqlite)
        .await
        .expect("sqlite always works");
    let settings = test_settings(&url, extra_settings);
    let database = Database::connect(&settings.database_url)
        .await
        .expect("connect");
    database.migrate().await.expect("migrate");
    let state = AppState::new(database, &settings);
    TestRouter {
        router: app(state.clone()),
        state,
        _data: data.expect("sqlite has a temp dir"),
    }
}

/// A decoded response.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Sends one request through `router` in-process, as if from 127.0.0.1, and decodes the answer.
pub async fn send(router: &Router, mut request: Request<Body>) -> TestResponse {
    // The rate limiter keys on the peer address, which a real server provides.
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 4000))));
    let response = router.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("read body").to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    TestResponse {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

impl TestRouter {
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        send(&self.router, request).await
    }

    pub async fn json(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Value,
    ) -> TestResponse {
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(builder.body(Body::from(body.to_string())).unwrap())
            .await
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> TestResponse {
        let mut builder = Request::builder().uri(uri);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(builder.body(Body::empty()).unwrap()).await
    }

    /// Registers `name` (password `password-of-{name}`) and returns a token for it.
    pub async fn user(&self, name: &str) -> String {
        let registered = self
            .json(
                "POST",
                "/api/v1/auth/register",
                None,
                serde_json::json!({
                    "email": format!("{name}@example.com"),
                    "username": name,
                    "password": format!("password-of-{name}"),
                }),
            )
            .await;
        assert_eq!(
            registered.status,
            StatusCode::CREATED,
            "{:?}",
            registered.body
        );
        let login = self
            .json(
                "POST",
                "/api/v1/auth/login",
                None,
                serde_json::json!({"username": name, "password": format!("password-of-{name}")}),
            )
            .await;
        assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
        login.body["access_token"]
            .as_str()
            .expect("a token")
            .to_string()
    }
}
