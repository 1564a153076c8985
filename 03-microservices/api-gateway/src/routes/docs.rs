//! One OpenAPI document for the whole API at `/openapi.json`, and Swagger UI over it at
//! `/docs` (files compiled in with utoipa-swagger-ui's `vendored` feature: works offline).
//!
//! The document is merged **at request time** from each service's own `/openapi.json`:
//! the gateway's document (info, `/health`, the `bearer` scheme) plus every path, schema
//! and tag the services publish, except their own `/health`, `/health/live` and anything
//! `/internal`.
//! So the gateway links none of the services' code (each stays independently deployable)
//! and the document always describes the versions actually running. The price: while a
//! service is down its operations are missing, and the document's description says so.

use axum::{extract::State, response::IntoResponse};
use futures_util::future::join_all;
use serde_json::{Map, Value};
use service_kit::docs::BearerAuth;
use utoipa::OpenApi;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::{proxy::Upstream, state::AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TaskTracker API",
        description = "The API every phase of the TaskTracker architecture workshop serves, \
            here through the phase 03 gateway in front of user-service, task-service and \
            stats-service. Errors are RFC 9457 problem documents. Timestamps are RFC 3339 in \
            UTC with microsecond precision. Another user's task answers 404, exactly like a \
            missing one. A service that is down makes its routes answer 503 (504 when it is \
            too slow)."
    ),
    paths(service_kit::health::check, service_kit::health::live),
    modifiers(&BearerAuth),
    tags((name = "health", description = "The whole system's health: every service's, from the gateway")),
)]
pub struct ApiDoc;

/// `GET /openapi.json`: the merged document.
pub async fn openapi(State(state): State<AppState>) -> impl IntoResponse {
    let documents = join_all(
        state
            .upstreams
            .iter()
            .map(|upstream| fetch(&state.http, upstream)),
    )
    .await;
    axum::Json(merge(&state.upstreams, documents))
}

/// The Swagger UI page, reading the merged document.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/docs").config(Config::from("/openapi.json"))
}

async fn fetch(http: &reqwest::Client, upstream: &Upstream) -> Result<Value, String> {
    let answer = http
        .get(format!("{}/openapi.json", upstream.base_url))
        .send()
        .await
        .map_err(|error| {
            // The error names an internal address: the log gets it, the document does not.
            tracing::warn!(service = upstream.name, %error, "cannot fetch its /openapi.json");
            "unreachable".to_string()
        })?;
    if !answer.status().is_success() {
        return Err(format!("its /openapi.json answered {}", answer.status()));
    }
    answer
        .json()
        .await
        .map_err(|error| format!("its /openapi.json is not JSON: {error}"))
}

/// The gateway's document with the services' paths, schemas, security schemes and tags.
pub fn merge(upstreams: &[Upstream], documents: Vec<Result<Value, String>>) -> Value {
    let mut merged = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let mut missing = Vec::new();
    for (upstream, document) in upstreams.iter().zip(documents) {
        let document = match document {
            Ok(document) => document,
            Err(reason) => {
                missing.push(format!("{} ({reason})", upstream.name));
                continue;
            }
        };
        for (path, item) in entries(&document, &["paths"]) {
            if path != "/health"
                && path != service_kit::health::LIVE
                && !path.starts_with("/internal")
                && let Some(paths) = object_at(&mut merged, &["paths"])
            {
                paths.entry(path).or_insert(with_gateway_problems(item));
            }
        }
        for section in ["schemas", "securitySchemes"] {
            for (name, schema) in entries(&document, &["components", section]) {
                if let Some(known) = object_at(&mut merged, &["components", section]) {
                    known.entry(name).or_insert(schema);
                }
            }
        }
        merge_tags(&mut merged, &document);
    }
    if !missing.is_empty() {
        let note = format!(
            "\n\nNot available right now, so their operations are missing: {}.",
            missing.join(", ")
        );
        if let Some(Value::String(description)) = merged.pointer_mut("/info/description") {
            description.push_str(&note);
        }
    }
    merged
}

/// `item`'s operations, each also documenting what the gateway itself answers for it: 502
/// when the service's answer is unusable, 504 when it is too slow (503, when it is down,
/// every service's document states already).
fn with_gateway_problems(mut item: Value) -> Value {
    let Some(operations) = item.as_object_mut() else {
        return item;
    };
    for operation in operations.values_mut() {
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for (status, description) in [
            (
                "502",
                "The service behind this route gave an answer the gateway cannot pass on",
            ),
            (
                "504",
                "The service behind this route did not answer in time",
            ),
        ] {
            responses.entry(status).or_insert_with(|| {
                serde_json::json!({
                    "description": description,
                    "content": {"application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/Problem"}
                    }},
                })
            });
        }
    }
    item
}

/// The members of the object at `path` in `document` (none if it is absent).
fn entries(document: &Value, path: &[&str]) -> Map<String, Value> {
    let mut value = document;
    for key in path {
        match value.get(key) {
            Some(inner) => value = inner,
            None => return Map::new(),
        }
    }
    value.as_object().cloned().unwrap_or_default()
}

/// The object at `path` in `document`, created where missing (`None` if a non-object is in the way).
fn object_at<'a>(document: &'a mut Value, path: &[&str]) -> Option<&'a mut Map<String, Value>> {
    let mut value = document;
    for key in path {
        value = value
            .as_object_mut()?
            .entry(*key)
            .or_insert_with(|| Value::Object(Map::new()));
    }
    value.as_object_mut()
}

/// Adds the service's tags the document does not have yet (not the `internal` one).
fn merge_tags(merged: &mut Value, document: &Value) {
    let Some(tags) = document.get("tags").and_then(Value::as_array) else {
        return;
    };
    let Value::Object(root) = merged else {
        return;
    };
    let known = root
        .entry("tags")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(known) = known else {
        return;
    };
    for tag in tags {
        let name = tag.get("name");
        let new = name.is_some_and(|name| !known.iter().any(|t| t.get("name") == Some(name)));
        if new && name.and_then(Value::as_str) != Some("internal") {
            known.push(tag.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Upstreams;
    use serde_json::json;

    #[test]
    fn services_documents_merge_without_internal_routes() {
        let upstreams = Upstream::all(&Upstreams {
            users: "http://u".into(),
            tasks: "http://t".into(),
            stats: "http://s".into(),
        });
        let users = json!({
            "paths": {"/api/v1/users/me": {"get": {}}, "/health": {"get": {"x": 1}}},
            "components": {"schemas": {"UserResponse": {}}},
            "tags": [{"name": "users"}, {"name": "health"}],
        });
        let tasks = json!({
            "paths": {"/api/v1/tasks": {"get": {}}, "/internal/v1/task-counts": {"get": {}}},
            "tags": [{"name": "tasks"}, {"name": "internal"}],
        });
        let merged = merge(
            &upstreams,
            vec![Ok(users), Ok(tasks), Err("unreachable: refused".into())],
        );
        let paths = merged["paths"].as_object().unwrap();
        assert!(paths.contains_key("/api/v1/users/me"));
        assert!(paths.contains_key("/api/v1/tasks"));
        assert!(!paths.contains_key("/internal/v1/task-counts"));
        assert_ne!(
            paths["/health"]["get"]["x"], 1,
            "the gateway's own /health wins"
        );
        assert!(merged["components"]["schemas"]["UserResponse"].is_object());
        assert!(merged["components"]["securitySchemes"]["bearer"].is_object());
        let tags: Vec<&str> = merged["tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert_eq!(tags, ["health", "users", "tasks"]);
        let description = merged["info"]["description"].as_str().unwrap();
        assert!(description.contains("stats-service (unreachable: refused)"));
    }

    /// What the gateway answers itself for a service's route (502, 504) is in the merged
    /// document, next to the service's own answers, which stay as they are.
    #[test]
    fn every_forwarded_operation_documents_the_gateways_own_answers() {
        let upstreams = Upstream::all(&Upstreams {
            users: "http://u".into(),
            tasks: "http://t".into(),
            stats: "http://s".into(),
        });
        let tasks = json!({"paths": {"/api/v1/tasks": {
            "get": {"responses": {"200": {"description": "the page"}}},
            "post": {"responses": {"502": {"description": "the service's own"}}},
        }}});
        let merged = merge(&upstreams, vec![Ok(json!({})), Ok(tasks), Ok(json!({}))]);
        let item = &merged["paths"]["/api/v1/tasks"];
        for status in ["502", "504"] {
            let schema = &item["get"]["responses"][status]["content"]["application/problem+json"]["schema"]
                ["$ref"];
            assert_eq!(schema, "#/components/schemas/Problem", "{status}: {item}");
        }
        assert_eq!(item["get"]["responses"]["200"]["description"], "the page");
        assert_eq!(
            item["post"]["responses"]["502"]["description"],
            "the service's own"
        );
    }
}
