//! The router driven in-process with `tower::ServiceExt::oneshot`: fast, no sockets.
//! The conformance suite covers the whole contract over real HTTP; these tests pin the
//! behaviours a learner is most likely to break while refactoring.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::json;

use crate::helpers::test_router;

#[tokio::test]
async fn register_login_and_me_round_trip() {
    let app = test_router(&[]).await;
    let token = app.user("ann").await;
    let me = app.get("/api/v1/users/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["username"], "ann");
    assert_eq!(me.body["email"], "ann@example.com");
    assert!(me.body.get("password_hash").is_none());
}

#[tokio::test]
async fn login_accepts_a_form_and_the_email() {
    let app = test_router(&[]).await;
    app.user("bob").await;
    let request = Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            "username=BOB%40example.com&password=password-of-bob&grant_type=password",
        ))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(response.body["token_type"], "bearer");
    assert_eq!(response.body["expires_in"], 1800);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = test_router(&[]).await;
    app.user("cat").await;
    let wrong = app
        .json(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"username": "cat", "password": "not-her-password"}),
        )
        .await;
    let unknown = app
        .json(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"username": "nobody", "password": "not-her-password"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.headers[header::WWW_AUTHENTICATE], "Bearer");
    assert_eq!(unknown.headers[header::WWW_AUTHENTICATE], "Bearer");
}

#[tokio::test]
async fn duplicate_email_or_username_is_a_conflict() {
    let app = test_router(&[]).await;
    app.user("dan").await;
    for body in [
        json!({"email": "DAN@example.com", "username": "other", "password": "long enough"}),
        json!({"email": "other@example.com", "username": "DaN", "password": "long enough"}),
    ] {
        let response = app.json("POST", "/api/v1/auth/register", None, body).await;
        assert_eq!(response.status, StatusCode::CONFLICT, "{:?}", response.body);
        assert_eq!(response.content_type(), "application/problem+json");
    }
}

#[tokio::test]
async fn another_users_task_is_not_found_and_untouched() {
    let app = test_router(&[]).await;
    let owner = app.user("eve").await;
    let intruder = app.user("mallory").await;
    let created = app
        .json(
            "POST",
            "/api/v1/tasks",
            Some(&owner),
            json!({"title": "mine"}),
        )
        .await;
    let path = format!("/api/v1/tasks/{}", created.body["id"]);

    assert_eq!(
        app.get(&path, Some(&intruder)).await.status,
        StatusCode::NOT_FOUND
    );
    let changed = app
        .json("PUT", &path, Some(&intruder), json!({"title": "yours now"}))
        .await;
    assert_eq!(changed.status, StatusCode::NOT_FOUND);
    let deleted = app
        .send(
            Request::delete(&path)
                .header(header::AUTHORIZATION, format!("Bearer {intruder}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NOT_FOUND);

    let still = app.get(&path, Some(&owner)).await;
    assert_eq!(still.body["title"], "mine");
    let listed = app.get("/api/v1/tasks", Some(&intruder)).await;
    assert_eq!(listed.body["total"], 0);
}

#[tokio::test]
async fn update_changes_only_what_is_sent_and_null_clears() {
    let app = test_router(&[]).await;
    let token = app.user("fay").await;
    let created = app
        .json(
            "POST",
            "/api/v1/tasks",
            Some(&token),
            json!({"title": "t", "description": "d", "priority": "high", "due_date": "2030-01-01T00:00:00Z"}),
        )
        .await;
    let path = format!("/api/v1/tasks/{}", created.body["id"]);
    let updated = app
        .json(
            "PUT",
            &path,
            Some(&token),
            json!({"description": null, "status": "in_progress"}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
    assert_eq!(updated.body["title"], "t");
    assert_eq!(updated.body["priority"], "high");
    assert_eq!(updated.body["description"], serde_json::Value::Null);
    assert_eq!(updated.body["due_date"], "2030-01-01T00:00:00Z");
    assert_eq!(updated.body["status"], "in_progress");
    assert!(updated.body["updated_at"].as_str() > created.body["updated_at"].as_str());
}

#[tokio::test]
async fn invalid_input_changes_nothing() {
    let app = test_router(&[]).await;
    let token = app.user("gus").await;
    let created = app
        .json(
            "POST",
            "/api/v1/tasks",
            Some(&token),
            json!({"title": "keep"}),
        )
        .await;
    let path = format!("/api/v1/tasks/{}", created.body["id"]);
    let refused = app
        .json(
            "PUT",
            &path,
            Some(&token),
            json!({"title": "new", "priority": "urgent"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["errors"][0]["field"], "priority");
    assert_eq!(app.get(&path, Some(&token)).await.body, created.body);
}

#[tokio::test]
async fn protocol_errors_are_problems() {
    let app = test_router(&[]).await;
    let token = app.user("hal").await;
    let bearer = format!("Bearer {token}");
    let cases = [
        (
            Request::post("/api/v1/tasks")
                .header(header::AUTHORIZATION, &bearer)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Request::post("/api/v1/tasks")
                .header(header::AUTHORIZATION, &bearer)
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(r#"{"title": "x"}"#))
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            Request::post("/api/v1/tasks")
                .header(header::AUTHORIZATION, &bearer)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(format!(
                    r#"{{"title": "{}"}}"#,
                    "x".repeat(70_000)
                )))
                .unwrap(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            Request::get("/api/v1/tasks/not-a-number")
                .header(header::AUTHORIZATION, &bearer)
                .body(Body::empty())
                .unwrap(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Request::get("/api/v1/nothing-here")
                .body(Body::empty())
                .unwrap(),
            StatusCode::NOT_FOUND,
        ),
        (
            Request::patch("/api/v1/stats").body(Body::empty()).unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Request::get("/api/v1/tasks").body(Body::empty()).unwrap(),
            StatusCode::UNAUTHORIZED,
        ),
    ];
    for (request, expected) in cases {
        let label = format!("{} {}", request.method(), request.uri());
        let response = app.send(request).await;
        assert_eq!(response.status, expected, "{label}: {:?}", response.body);
        assert_eq!(
            response.content_type(),
            "application/problem+json",
            "{label}"
        );
        assert_eq!(response.body["status"], expected.as_u16(), "{label}");
    }
}

#[tokio::test]
async fn stats_count_every_task_not_just_one_page() {
    let app = test_router(&[]).await;
    let token = app.user("ida").await;
    for i in 0..130 {
        let status = ["todo", "in_progress", "done"][i % 3];
        let priority = ["low", "medium", "high"][i % 3];
        let due = if i % 2 == 0 {
            "2000-01-01T00:00:00Z"
        } else {
            "2999-01-01T00:00:00Z"
        };
        let created = app
            .json(
                "POST",
                "/api/v1/tasks",
                Some(&token),
                json!({"title": format!("task {i}"), "status": status, "priority": priority, "due_date": due}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
    }
    let stats = app.get("/api/v1/stats", Some(&token)).await.body;
    assert_eq!(stats["total_tasks"], 130);
    assert_eq!(
        stats["by_status"],
        json!({"todo": 44, "in_progress": 43, "done": 43})
    );
    assert_eq!(
        stats["by_priority"],
        json!({"low": 44, "medium": 43, "high": 43})
    );
    // Overdue: past due date (even i) and not done (i % 3 != 2): even i with i%6 in {0, 4}.
    let overdue = (0..130).filter(|i| i % 2 == 0 && i % 3 != 2).count();
    assert_eq!(stats["overdue_tasks"], overdue);
    let rate = stats["completion_rate"].as_f64().unwrap();
    assert!((rate - 43.0 / 130.0).abs() < 1e-9, "{rate}");
}

#[tokio::test]
async fn an_id_that_cannot_exist_is_refused_at_the_edge() {
    // `TaskId` is parsed in the path extractor: 0, a negative or an overflowing id never
    // reaches a service or a query.
    let app = test_router(&[]).await;
    let token = app.user("ida").await;
    for id in ["0", "-1", "abc", "99999999999999999999"] {
        let response = app.get(&format!("/api/v1/tasks/{id}"), Some(&token)).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "id {id}");
        assert_eq!(response.content_type(), "application/problem+json");
    }
}

#[tokio::test]
async fn the_api_document_holds_every_modules_operations() {
    let app = test_router(&[]).await;
    let document = app.get("/openapi.json", None).await;
    assert_eq!(document.status, StatusCode::OK);
    let paths = document.body["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/users/me",
        "/api/v1/tasks",
        "/api/v1/tasks/{id}",
        "/api/v1/tasks/{id}/status",
        "/api/v1/tasks/{id}/toggle",
        "/api/v1/stats",
        "/health",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} is missing from /openapi.json"
        );
    }
    assert!(document.body["components"]["securitySchemes"]["bearer"].is_object());
    assert!(document.body["components"]["schemas"]["Problem"].is_object());
}
