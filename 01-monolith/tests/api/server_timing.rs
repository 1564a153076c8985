//! `Server-Timing` on every answer: `app` (the whole request) and `db` (its database calls,
//! summed and counted), read back with the conformance suite's strict parser. The answers
//! the edge gives itself (404, 405, 401, 413, 429, a panic's 500) carry it too.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
    routing::get,
};
use conformance::server_timing::{Metric, parse_fields};
use monolith::{config::RateLimit, middleware};
use serde_json::json;

use crate::helpers::{TestResponse, send, test_router};

/// The metrics of an answer's header; fails the test when it is missing or malformed.
fn metrics(response: &TestResponse) -> Vec<Metric> {
    let fields = response
        .headers
        .get_all("server-timing")
        .iter()
        .map(|value| value.to_str().expect("ASCII"));
    parse_fields(fields).unwrap_or_else(|error| panic!("{error}: {:?}", response.headers))
}

fn names(metrics: &[Metric]) -> Vec<&str> {
    Metric::names(metrics)
}

fn metric<'a>(metrics: &'a [Metric], name: &str) -> &'a Metric {
    Metric::find(metrics, name).unwrap_or_else(|| panic!("no `{name}` in {metrics:?}"))
}

/// `db`'s description: how many queries the request made.
fn queries(metrics: &[Metric]) -> Option<&str> {
    metric(metrics, "db").description.as_deref()
}

#[tokio::test]
async fn a_task_read_shows_the_app_and_its_query() {
    let app = test_router(&[]).await;
    let token = app.user("tia").await;
    let created = app
        .json(
            "POST",
            "/api/v1/tasks",
            Some(&token),
            json!({"title": "Timed"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let read = app
        .get(
            &format!("/api/v1/tasks/{}", created.body["id"]),
            Some(&token),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);

    let metrics = metrics(&read);
    assert_eq!(names(&metrics), ["app", "db"]);
    assert_eq!(queries(&metrics), Some("1 query"), "{metrics:?}");
    assert!(metric(&metrics, "db").duration > 0.0, "{metrics:?}");
    assert!(
        metric(&metrics, "db").duration <= metric(&metrics, "app").duration,
        "the database time is part of the request's: {metrics:?}"
    );
}

#[tokio::test]
async fn a_request_that_touches_no_database_says_so() {
    let app = test_router(&[]).await;
    let page = app.get("/app.js", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let metrics = metrics(&page);
    assert_eq!(names(&metrics), ["app", "db"]);
    assert_eq!(queries(&metrics), Some("0 queries"));
    assert_eq!(metric(&metrics, "db").duration, 0.0);
}

#[tokio::test]
async fn the_answers_the_edge_gives_itself_carry_it() {
    let app = test_router(&[]).await;
    let oversized = Request::post("/api/v1/auth/register")
        .header("content-type", "application/json")
        .body(Body::from(vec![b' '; 70 * 1024]))
        .unwrap();
    for (response, status) in [
        (app.get("/no/such/route", None).await, StatusCode::NOT_FOUND),
        (
            app.send(
                Request::delete("/api/v1/tasks")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await,
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            app.get("/api/v1/tasks", None).await,
            StatusCode::UNAUTHORIZED,
        ),
        (app.send(oversized).await, StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        assert_eq!(response.status, status);
        assert_eq!(names(&metrics(&response)), ["app", "db"], "{status}");
    }
}

#[tokio::test]
async fn the_rate_limiters_429_carries_it() {
    let app = test_router(&[("RATE_LIMIT_PER_SECOND", "1"), ("RATE_LIMIT_BURST", "1")]).await;
    assert_eq!(app.get("/health", None).await.status, StatusCode::OK);
    let limited = app.get("/health", None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let metrics = metrics(&limited);
    assert_eq!(names(&metrics), ["app", "db"]);
    assert_eq!(
        queries(&metrics),
        Some("0 queries"),
        "refused before any query"
    );
}

#[tokio::test]
async fn a_panics_500_carries_it() {
    async fn boom() -> &'static str {
        panic!("kaboom")
    }
    let router = middleware::edge(Router::new().route("/boom", get(boom)), RateLimit::Off);
    let response = send(&router, Request::get("/boom").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(names(&metrics(&response)), ["app", "db"]);
}
