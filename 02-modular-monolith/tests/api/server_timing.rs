//! `Server-Timing` in the modular monolith: `app`, then one entry per module the request
//! passed through (the module it entered, then each module that one called through a
//! seam), then `db`. Read back with the conformance suite's strict parser.

use axum::http::StatusCode;
use conformance::server_timing::{Metric, parse_fields};
use serde_json::json;

use crate::helpers::{TestResponse, test_router};

fn metrics(response: &TestResponse) -> Vec<Metric> {
    let fields = response
        .headers
        .get_all("server-timing")
        .iter()
        .map(|value| value.to_str().expect("ASCII"));
    parse_fields(fields).unwrap_or_else(|error| panic!("{error}: {:?}", response.headers))
}

fn duration(metrics: &[Metric], name: &str) -> f64 {
    Metric::find(metrics, name)
        .unwrap_or_else(|| panic!("no `{name}` in {metrics:?}"))
        .duration
}

#[tokio::test]
async fn stats_shows_the_stats_module_and_the_tasks_module_it_asked() {
    let app = test_router(&[]).await;
    let token = app.user("sam").await;
    let stats = app.get("/api/v1/stats", Some(&token)).await;
    assert_eq!(stats.status, StatusCode::OK);

    let metrics = metrics(&stats);
    assert_eq!(Metric::names(&metrics), ["app", "stats", "tasks", "db"]);
    assert!(
        duration(&metrics, "app") >= duration(&metrics, "stats")
            && duration(&metrics, "stats") >= duration(&metrics, "tasks")
            && duration(&metrics, "tasks") >= duration(&metrics, "db"),
        "each part is inside the one before it: {metrics:?}"
    );
    let db = Metric::find(&metrics, "db").and_then(|db| db.description.as_deref());
    assert_eq!(db, Some("1 query"), "the counts are one query");
}

#[tokio::test]
async fn creating_a_task_shows_the_tasks_module_and_the_identity_module_it_asked() {
    let app = test_router(&[]).await;
    let token = app.user("cat").await;
    let created = app
        .json(
            "POST",
            "/api/v1/tasks",
            Some(&token),
            json!({"title": "Timed"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        Metric::names(&metrics(&created)),
        ["app", "tasks", "identity", "db"]
    );
}

#[tokio::test]
async fn a_request_no_module_serves_shows_only_the_app() {
    let app = test_router(&[]).await;
    for path in ["/health", "/no/such/route", "/openapi.json"] {
        let response = app.get(path, None).await;
        assert_eq!(Metric::names(&metrics(&response)), ["app", "db"], "{path}");
    }
    let login = app
        .json(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"username": "nobody", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        Metric::names(&metrics(&login)),
        ["app", "identity", "db"],
        "a module's own 401 is inside the module"
    );
}
