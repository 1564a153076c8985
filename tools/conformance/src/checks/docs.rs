//! `GET /openapi.json` and `GET /docs`: the machine-readable description of the contract and a
//! page to try it out.

use serde_json::Value;

use super::Ctx;
use super::expect::{self, Check};
use crate::areas;
use crate::http::Request;
use crate::report::AreaReport;

/// Every endpoint of the contract with its methods. Path parameters are compared by position
/// only (`{id}` and `{task_id}` are the same path).
const ENDPOINTS: [(&str, &[&str]); 8] = [
    ("/api/v1/auth/register", &["post"]),
    ("/api/v1/auth/login", &["post"]),
    ("/api/v1/users/me", &["get"]),
    ("/api/v1/tasks", &["get", "post"]),
    ("/api/v1/tasks/{}", &["get", "put", "delete"]),
    ("/api/v1/tasks/{}/status", &["patch"]),
    ("/api/v1/tasks/{}/toggle", &["post"]),
    ("/api/v1/stats", &["get"]),
];

pub(crate) async fn run(ctx: &Ctx) -> AreaReport {
    let mut area = AreaReport::new(areas::DOCS);
    match openapi_document(ctx).await {
        Ok(document) => {
            area.record(
                "/openapi.json is an OpenAPI 3 document",
                openapi_version(&document),
            );
            area.record(
                "/openapi.json documents every endpoint of the contract with its methods",
                documents_endpoints(&document),
            );
        }
        Err(message) => area.record("GET /openapi.json answers 200 JSON", Err(message)),
    }
    area.record(
        "GET /docs answers 200 HTML (redirects followed)",
        docs_page(ctx).await,
    );
    area
}

async fn openapi_document(ctx: &Ctx) -> Result<Value, String> {
    let reply = ctx.api.send(&Request::get("/openapi.json")).await?;
    expect::json(&reply, 200)
}

fn openapi_version(document: &Value) -> Check {
    let version = expect::str_field(document, "openapi")?;
    expect::that(version.starts_with('3'), || {
        format!("expected `openapi` to start with \"3\", found {version:?}")
    })
}

fn documents_endpoints(document: &Value) -> Check {
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return Err("expected a `paths` object in /openapi.json".to_owned());
    };
    let missing: Vec<String> = ENDPOINTS
        .iter()
        .flat_map(|(path, methods)| methods.iter().map(move |method| (*path, *method)))
        .filter(|(path, method)| {
            !paths.iter().any(|(documented, operations)| {
                same_template(documented, path) && operations.get(*method).is_some()
            })
        })
        .map(|(path, method)| format!("{} {path}", method.to_uppercase()))
        .collect();
    expect::that(missing.is_empty(), || {
        format!("expected /openapi.json to document {}", missing.join(", "))
    })
}

/// `/api/v1/tasks/{task_id}` matches `/api/v1/tasks/{}`.
fn same_template(documented: &str, wanted: &str) -> bool {
    let documented: Vec<&str> = documented.split('/').collect();
    let wanted: Vec<&str> = wanted.split('/').collect();
    documented.len() == wanted.len()
        && documented.iter().zip(&wanted).all(|(documented, wanted)| {
            documented == wanted || (*wanted == "{}" && documented.starts_with('{'))
        })
}

async fn docs_page(ctx: &Ctx) -> Check {
    let reply = ctx.api.send(&Request::get("/docs")).await?;
    expect::status(&reply, 200)?;
    expect::that(reply.media_type() == "text/html", || {
        format!("expected Content-Type text/html, but {}", reply.describe())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_by_position() {
        assert!(same_template("/api/v1/tasks/{task_id}", "/api/v1/tasks/{}"));
        assert!(same_template("/api/v1/tasks", "/api/v1/tasks"));
        assert!(!same_template(
            "/api/v1/tasks/{id}/status",
            "/api/v1/tasks/{}"
        ));
        assert!(!same_template("/api/v1/tasks/mine", "/api/v1/tasks/{}"));
    }
}
