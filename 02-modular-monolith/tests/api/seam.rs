//! The modules wired to each other in-process, through their seam traits, with no HTTP
//! between them: stats reads the real tasks module's counts, and tasks asks a user
//! directory before storing an owner. (Stats against a *fake* `TaskCounts` is a unit test
//! in the stats crate.)

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use modular_monolith::{database::Database, seams::TasksAsTaskCounts};
use serde_json::{Value, json};
use shared_kernel::{BoxFuture, JwtKeys, ServiceError, UserId};
use stats::StatsApi;
use tasks::{TasksApi, UserDirectory};

use crate::helpers::{
    Backend, TEST_JWT_SECRET, TestResponse, fresh_database_url, send, test_router,
};

/// A user id from a literal the test knows is positive.
fn user(id: i64) -> UserId {
    UserId::new(id).expect("a positive id")
}

/// A user directory that knows every user (identity is not under test here).
struct EveryoneExists;

impl UserDirectory for EveryoneExists {
    fn user_exists(&self, _: UserId) -> BoxFuture<'_, Result<bool, ServiceError>> {
        Box::pin(async { Ok(true) })
    }
}

/// A user directory in which nobody exists.
struct NobodyExists;

impl UserDirectory for NobodyExists {
    fn user_exists(&self, _: UserId) -> BoxFuture<'_, Result<bool, ServiceError>> {
        Box::pin(async { Ok(false) })
    }
}

/// The tasks module alone, over a fresh SQLite database.
struct TasksOnly {
    api: TasksApi,
    jwt: JwtKeys,
    _data: Option<tempfile::TempDir>,
}

async fn tasks_module(users: Arc<dyn UserDirectory>) -> TasksOnly {
    let (url, data) = fresh_database_url(Backend::Sqlite)
        .await
        .expect("sqlite always works");
    let database = Database::connect(&url).await.expect("connect");
    database.migrate().await.expect("migrate");
    let jwt = JwtKeys::new(TEST_JWT_SECRET.as_bytes(), Duration::from_secs(60));
    TasksOnly {
        api: TasksApi::new(database.pools().clone(), jwt.clone(), users),
        jwt,
        _data: data,
    }
}

async fn call(
    router: &Router,
    jwt: &JwtKeys,
    owner: UserId,
    method: &str,
    uri: &str,
    body: Value,
) -> TestResponse {
    let token = jwt.issue(owner).expect("issue a token").token;
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request");
    send(router, request).await
}

#[tokio::test]
async fn stats_wired_to_the_real_tasks_module_counts_its_tasks() {
    let module = tasks_module(Arc::new(EveryoneExists)).await;
    let tasks_router = module.api.router();
    for (owner, body) in [
        (
            user(7),
            json!({"title": "a", "status": "done", "priority": "high"}),
        ),
        (
            user(7),
            json!({"title": "b", "priority": "low", "due_date": "2000-01-01T00:00:00Z"}),
        ),
        (user(7), json!({"title": "c", "status": "in_progress"})),
        (user(8), json!({"title": "someone else's"})),
    ] {
        let created = call(
            &tasks_router,
            &module.jwt,
            owner,
            "POST",
            "/api/v1/tasks",
            body,
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    }

    // The seam exactly as the app wires it: stats → TaskCounts → the tasks facade.
    let stats = StatsApi::new(
        Arc::new(TasksAsTaskCounts(module.api.clone())),
        module.jwt.clone(),
    );
    let mine = stats.for_user(user(7)).await.expect("stats");
    assert_eq!(mine.total_tasks, 3);
    assert_eq!(
        (
            mine.by_status.todo,
            mine.by_status.in_progress,
            mine.by_status.done
        ),
        (1, 1, 1)
    );
    assert_eq!(
        (
            mine.by_priority.low,
            mine.by_priority.medium,
            mine.by_priority.high
        ),
        (1, 1, 1)
    );
    assert_eq!(mine.overdue_tasks, 1);
    assert!((mine.completion_rate - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(stats.for_user(user(9)).await.expect("stats").total_tasks, 0);

    // And over the stats module's own router.
    let answer = call(
        &stats.router(),
        &module.jwt,
        user(8),
        "GET",
        "/api/v1/stats",
        Value::Null,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body["total_tasks"], 1);
}

#[tokio::test]
async fn tasks_asks_the_user_directory_before_storing_an_owner() {
    let module = tasks_module(Arc::new(NobodyExists)).await;
    let refused = call(
        &module.api.router(),
        &module.jwt,
        user(7),
        "POST",
        "/api/v1/tasks",
        json!({"title": "orphan"}),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "{:?}",
        refused.body
    );
    assert_eq!(refused.content_type(), "application/problem+json");
    let counts = module
        .api
        .counts_for_owner(user(7), chrono::Utc::now())
        .await
        .expect("counts");
    assert!(counts.is_empty(), "nothing was stored: {counts:?}");
}

#[tokio::test]
async fn in_the_app_a_token_for_a_missing_account_cannot_create_tasks() {
    let app = test_router(&[]).await;
    // Signed with the right key, but for a user id the identity module never handed out.
    let jwt = JwtKeys::new(TEST_JWT_SECRET.as_bytes(), Duration::from_secs(60));
    let ghost = jwt.issue(user(999)).expect("a token").token;
    let refused = app
        .json(
            "POST",
            "/api/v1/tasks",
            Some(&ghost),
            json!({"title": "boo"}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "{:?}",
        refused.body
    );

    let token = app.user("real").await;
    let created = app
        .json(
            "POST",
            "/api/v1/tasks",
            Some(&token),
            json!({"title": "fine"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
}

#[tokio::test]
async fn identity_answers_from_memory_for_accounts_it_has_seen() {
    let app = test_router(&[]).await;
    let identity = &app.state.identity;
    assert!(
        !identity
            .user_exists(user(1))
            .await
            .expect("the database is up"),
        "nobody has registered yet"
    );
    // The "no" above was not remembered: the account registered now is found.
    app.user("remembered").await;
    assert!(
        identity
            .user_exists(user(1))
            .await
            .expect("the database is up")
    );

    // With the database gone, a known account is still known: it costs no query...
    app.state.database.close().await;
    assert!(
        identity
            .user_exists(user(1))
            .await
            .expect("answered from memory"),
        "the tasks module's check before every write would be a query again"
    );
    // ... while an unknown one still has to be looked up, and that fails now.
    assert!(identity.user_exists(user(2)).await.is_err());
}
