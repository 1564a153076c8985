//! The OpenAPI document states every answer an operation can give (issue 15, item 8): each
//! operation with a path id or a body documents 400, each that needs a token 401, each with
//! a body 413, 415 and 422, each under `/api/` 429 and 503 (with `Retry-After`), all as
//! problem documents. Then a client generated from `/openapi.json` expects what the server
//! sends; schemathesis (`.ci/schemathesis.sh`) checks the same against the running server.

use serde_json::Value;

use crate::helpers::test_router;

/// `(method, path, operation)` for every operation in the document.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            found.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    found
}

/// Why `operation` does not document `status` as a problem document, if it does not.
fn problem_missing(operation: &Value, status: &str) -> Option<String> {
    let response = &operation["responses"][status];
    let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
    (schema != "#/components/schemas/Problem").then(|| format!("{status}: {response}"))
}

#[tokio::test]
async fn every_operation_documents_every_problem_it_can_answer() {
    let app = test_router(&[]).await;
    let document = app.get("/openapi.json", None).await.body;
    assert!(document["components"]["schemas"]["Problem"].is_object());
    let mut missing = Vec::new();
    let all = operations(&document);
    assert!(all.len() >= 10, "{} operations", all.len());
    for (method, path, operation) in &all {
        let has_body = operation.get("requestBody").is_some();
        let needs_token = operation["security"]
            .as_array()
            .is_some_and(|security| !security.is_empty());
        let mut expected = Vec::new();
        if path.contains('{') || has_body {
            expected.push("400");
        }
        if needs_token {
            expected.push("401");
        }
        if has_body {
            expected.extend(["413", "415", "422"]);
        }
        if path.starts_with("/api/") {
            expected.extend(["429", "503"]);
        }
        for status in expected {
            if let Some(why) = problem_missing(operation, status) {
                missing.push(format!("{method} {path} {why}"));
            }
        }
        if path.starts_with("/api/") {
            let retry_after = &operation["responses"]["429"]["headers"]["retry-after"];
            if !retry_after.is_object() {
                missing.push(format!("{method} {path}: 429 without Retry-After"));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented:\n{}", missing.join("\n"));
}

/// Each rule the domain enforces on input is stated in the schema, so that what the
/// document calls valid is accepted and what it calls invalid is refused: lengths,
/// patterns, formats, ranges, and `null` only where the server takes it.
#[tokio::test]
async fn the_schemas_state_the_rules_the_server_enforces() {
    let app = test_router(&[]).await;
    let document = app.get("/openapi.json", None).await.body;
    let schemas = &document["components"]["schemas"];
    let register = &schemas["RegisterRequest"]["properties"];
    assert_eq!(
        (
            &register["password"]["minLength"],
            &register["password"]["maxLength"]
        ),
        (&8.into(), &128.into()),
        "{register}"
    );
    assert_eq!(register["password"]["type"], "string", "not nullable");
    assert_eq!(register["email"]["format"], "email");
    assert_eq!(register["username"]["maxLength"], 32);
    let update = &schemas["UpdateTaskRequest"]["properties"];
    assert_eq!(
        update["status"],
        serde_json::json!({"$ref": "#/components/schemas/TaskStatus"}),
        "a null status is refused, so the schema must not allow it"
    );
    assert_eq!(
        schemas["UpdateTaskRequest"].get("required"),
        None,
        "every field of an update may be left out"
    );
    assert_eq!(update["title"]["maxLength"], 200);
    assert_eq!(update["title"]["type"], "string", "not nullable");
    let create = &schemas["CreateTaskRequest"]["properties"];
    assert_eq!(create["title"]["maxLength"], 200);
    assert_eq!(create["description"]["maxLength"], 5000);
    let id = &document["paths"]["/api/v1/tasks/{id}"]["get"]["parameters"][0]["schema"];
    assert_eq!(id["minimum"], 1, "{id}");
}
