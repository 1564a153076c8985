//! The HTTP edge: rate limiting, request ids, panics, and a database that goes away
//! (`/health` says so, `/health/live` does not care).

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
    routing::get,
};
use modular_monolith::{config::RateLimit, middleware};

use crate::helpers::{send, test_router};

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let app = test_router(&[("RATE_LIMIT_PER_SECOND", "1"), ("RATE_LIMIT_BURST", "2")]).await;
    for _ in 0..2 {
        assert_eq!(app.get("/health", None).await.status, StatusCode::OK);
    }
    let limited = app.get("/health", None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.content_type(), "application/problem+json");
    let retry_after: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After: {retry_after}");
}

#[tokio::test]
async fn rate_limit_zero_switches_it_off() {
    // A burst of 2 would refuse the third request; `0` per second must switch it all off.
    let app = test_router(&[("RATE_LIMIT_PER_SECOND", "0"), ("RATE_LIMIT_BURST", "2")]).await;
    for _ in 0..20 {
        assert_eq!(app.get("/health", None).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = test_router(&[]).await;
    let echoed = app
        .send(
            Request::get("/health")
                .header("x-request-id", "my-trace-42")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(echoed.headers["x-request-id"], "my-trace-42");

    let generated = app.get("/health", None).await;
    let id = generated.headers["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID, got {id}");
    let problem = app.get("/no/such/route", None).await;
    assert!(
        problem.headers.contains_key("x-request-id"),
        "errors carry an id too"
    );
}

#[tokio::test]
async fn a_panicking_handler_becomes_a_500_problem() {
    async fn boom() -> &'static str {
        panic!("kaboom")
    }
    let routes = Router::new().route("/boom", get(boom));
    let router = middleware::edge(routes, RateLimit::Off);
    let response = send(&router, Request::get("/boom").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.content_type(), "application/problem+json");
    assert!(
        !response.body.to_string().contains("kaboom"),
        "no internals leak"
    );
}

#[tokio::test]
async fn a_lost_database_is_a_503_not_a_500() {
    let app = test_router(&[]).await;
    let token = app.user("ned").await;
    app.state.database.close().await;

    let health = app.get("/health", None).await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(health.body["status"], "unavailable");
    // The check's status only: the error text (hosts, users, driver messages) is logged.
    assert_eq!(health.body["checks"]["database"], "unreachable");

    let tasks = app.get("/api/v1/tasks", Some(&token)).await;
    assert_eq!(tasks.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(tasks.content_type(), "application/problem+json");
    assert_eq!(
        tasks.body["detail"],
        "a dependency is unavailable; try again shortly"
    );

    // Liveness does not depend on the database: restarting the process would not bring it
    // back, so a liveness probe must keep seeing 200 (Kubernetes, 03-microservices/k8s).
    let live = app.get("/health/live", None).await;
    assert_eq!(live.status, StatusCode::OK);
}
