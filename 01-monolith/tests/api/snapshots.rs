//! What every endpoint answers, byte for byte, as reviewed insta snapshots in
//! `snapshots/`. Ids, timestamps and tokens change every run, so they are redacted.
//!
//! After an intended change: `INSTA_UPDATE=always cargo test -p monolith`, review the
//! diff of the `.snap` files, commit them.

use axum::{
    body::Body,
    http::{Request, header},
};
use serde_json::{Value, json};

use crate::helpers::{TestResponse, test_router};

/// The status, the headers a client relies on (when present) and the body, as one document.
fn shown(response: &TestResponse) -> Value {
    let mut headers = serde_json::Map::new();
    for name in [
        header::CONTENT_TYPE,
        header::LOCATION,
        header::WWW_AUTHENTICATE,
    ] {
        if let Some(value) = response.headers.get(&name).and_then(|v| v.to_str().ok()) {
            headers.insert(name.to_string(), Value::from(value));
        }
    }
    json!({
        "status": response.status.as_u16(),
        "headers": headers,
        "body": response.body,
    })
}

fn redactions() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for selector in [
        ".body.id",
        ".body.owner_id",
        ".body.items[].id",
        ".body.items[].owner_id",
    ] {
        settings.add_redaction(selector, "[id]");
    }
    for selector in [
        ".body.created_at",
        ".body.updated_at",
        ".body.items[].created_at",
        ".body.items[].updated_at",
    ] {
        settings.add_redaction(selector, "[timestamp]");
    }
    settings.add_redaction(".body.access_token", "[jwt]");
    // `/api/v1/tasks/17` → `/api/v1/tasks/[id]`
    settings.add_dynamic_redaction(".headers.location", |value, _path| {
        let location = value.as_str().unwrap_or_default();
        format!(
            "{}[id]",
            location.trim_end_matches(|c: char| c.is_ascii_digit())
        )
    });
    settings.set_sort_maps(true);
    settings
}

#[tokio::test]
async fn every_response_shape() {
    let _redacted = redactions().bind_to_scope();
    let app = test_router(&[]).await;

    let register = app
        .json(
            "POST",
            "/api/v1/auth/register",
            None,
            json!({"email": "Ann@Example.com", "username": "ann", "password": "correct horse", "full_name": "Ann Example"}),
        )
        .await;
    insta::assert_json_snapshot!("register_201", shown(&register));

    let login = app
        .send(
            Request::post("/api/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("username=ann&password=correct+horse"))
                .unwrap(),
        )
        .await;
    insta::assert_json_snapshot!("login_200", shown(&login));
    let bearer = login.body["access_token"].as_str().unwrap().to_string();
    let token = Some(bearer.as_str());

    insta::assert_json_snapshot!("me_200", shown(&app.get("/api/v1/users/me", token).await));

    let created = app
        .json(
            "POST",
            "/api/v1/tasks",
            token,
            json!({"title": "  Write the README  ", "description": "<b>two</b> commands 🚀", "priority": "high", "due_date": "2030-01-01T09:30:00+01:00"}),
        )
        .await;
    insta::assert_json_snapshot!("task_create_201", shown(&created));
    let path = created.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();

    insta::assert_json_snapshot!("task_get_200", shown(&app.get(&path, token).await));
    insta::assert_json_snapshot!(
        "task_update_200",
        shown(
            &app.json(
                "PUT",
                &path,
                token,
                json!({"description": null, "title": "Renamed"})
            )
            .await
        )
    );
    insta::assert_json_snapshot!(
        "task_status_200",
        shown(
            &app.json(
                "PATCH",
                &format!("{path}/status"),
                token,
                json!({"status": "in_progress"})
            )
            .await
        )
    );
    insta::assert_json_snapshot!(
        "task_toggle_200",
        shown(
            &app.json("POST", &format!("{path}/toggle"), token, json!({}))
                .await
        )
    );
    insta::assert_json_snapshot!(
        "task_list_200",
        shown(&app.get("/api/v1/tasks?limit=5", token).await)
    );
    insta::assert_json_snapshot!("stats_200", shown(&app.get("/api/v1/stats", token).await));
    insta::assert_json_snapshot!("health_200", shown(&app.get("/health", None).await));

    let delete = app
        .send(
            Request::delete(&path)
                .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    insta::assert_json_snapshot!("task_delete_204", shown(&delete));
}

#[tokio::test]
async fn every_problem_shape() {
    let _redacted = redactions().bind_to_scope();
    let app = test_router(&[]).await;
    let token = app.user("bob").await;
    let token = Some(token.as_str());

    insta::assert_json_snapshot!(
        "problem_422_validation",
        shown(
            &app.json(
                "POST",
                "/api/v1/auth/register",
                None,
                json!({"email": "not-an-email", "username": "x", "password": "short"}),
            )
            .await
        )
    );
    insta::assert_json_snapshot!(
        "problem_422_wrong_type",
        shown(
            &app.json("POST", "/api/v1/tasks", token, json!({"title": 42}))
                .await
        )
    );
    insta::assert_json_snapshot!(
        "problem_409_conflict",
        shown(
            &app.json(
                "POST",
                "/api/v1/auth/register",
                None,
                json!({"email": "bob@example.com", "username": "bobby", "password": "long enough"}),
            )
            .await
        )
    );
    insta::assert_json_snapshot!(
        "problem_401_bad_credentials",
        shown(
            &app.json(
                "POST",
                "/api/v1/auth/login",
                None,
                json!({"username": "bob", "password": "wrong password"})
            )
            .await
        )
    );
    insta::assert_json_snapshot!(
        "problem_401_no_token",
        shown(&app.get("/api/v1/users/me", None).await)
    );
    insta::assert_json_snapshot!(
        "problem_404_task",
        shown(&app.get("/api/v1/tasks/999999", token).await)
    );
    insta::assert_json_snapshot!(
        "problem_404_route",
        shown(&app.get("/api/v2/anything", None).await)
    );
    insta::assert_json_snapshot!(
        "problem_405",
        shown(
            &app.send(
                Request::delete("/api/v1/stats")
                    .body(Body::empty())
                    .unwrap()
            )
            .await
        )
    );
    insta::assert_json_snapshot!(
        "problem_400_malformed_json",
        shown(
            &app.send(
                Request::post("/api/v1/auth/register")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{\"email\": "))
                    .unwrap()
            )
            .await
        )
    );
    insta::assert_json_snapshot!(
        "problem_415",
        shown(
            &app.send(
                Request::post("/api/v1/auth/register")
                    .header(header::CONTENT_TYPE, "text/plain")
                    .body(Body::from("hello"))
                    .unwrap()
            )
            .await
        )
    );
    insta::assert_json_snapshot!(
        "problem_422_query",
        shown(
            &app.get("/api/v1/tasks?status=finished&limit=500", token)
                .await
        )
    );
}
