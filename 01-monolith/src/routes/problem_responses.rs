//! The answers every operation can give besides its own, added to the OpenAPI document by
//! what the operation is, so that none is forgotten on one operation and a client generated
//! from the document expects every status the server can send.
//!
//! The handlers' annotations document what the operation itself decides (201, 404, 409, a
//! 422 naming fields...). The layers and extractors around every handler add the rest, and
//! add it the same way everywhere, so it is documented here the same way everywhere:
//!
//! | when the operation... | status | sent by |
//! |---|---|---|
//! | has a path id or a body | 400 | the path extractor (an id that is not a positive integer), the JSON extractor (a body that does not parse) |
//! | needs a token | 401 | the `AuthUser` extractor (missing, malformed, expired or forged token) |
//! | has a body | 413, 415, 422 | the body limit (64 KiB), the JSON extractor (another content type), the domain (a field it refuses) |
//! | is under `/api/` | 429, 503 | the per-client rate limit (with `Retry-After`); a dependency that is unavailable, or the request deadline |
//!
//! Each is a problem document (`application/problem+json`, schema `Problem`). A status the
//! handler documents already keeps its own description.
//!
//! Kept the same in every phase (docs/same-files.toml).

use utoipa::{
    Modify,
    openapi::{
        ContentBuilder, ObjectBuilder, OpenApi, Ref, RefOr, ResponseBuilder, Type,
        header::HeaderBuilder, path::Operation,
    },
};

/// The modifier: `modifiers(&ProblemResponses)`, or `ProblemResponses.modify(&mut doc)`
/// on a document merged from several.
pub struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                add_problems(path, operation);
            }
        }
    }
}

fn add_problems(path: &str, operation: &mut Operation) {
    let has_path_id = path.contains('{');
    let has_body = operation.request_body.is_some();
    let needs_token = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    if has_path_id || has_body {
        add(
            operation,
            "400",
            "The request cannot be read: a path id that is not a positive integer, or a body \
             that is not well-formed JSON (or is not an object)",
        );
    }
    if needs_token {
        add(
            operation,
            "401",
            "A missing, malformed, expired or wrongly signed bearer token",
        );
    }
    if has_body {
        add(operation, "413", "The body is larger than 64 KiB");
        add(
            operation,
            "415",
            "The body's `Content-Type` is not one this operation reads",
        );
        add(
            operation,
            "422",
            "Well-formed, but a field is missing or invalid; `errors` names each one",
        );
    }
    if path.starts_with("/api/") {
        add_with_retry_after(
            operation,
            "429",
            "Too many requests from this client, or (on login) too many failed logins for \
             this account; `Retry-After` says when to try again",
        );
        add_with_retry_after(
            operation,
            "503",
            "A dependency is unavailable, or the request took longer than the server's \
             deadline; try again shortly",
        );
    }
}

fn problem(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/problem+json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    )
}

fn add(operation: &mut Operation, status: &str, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::T(problem(description).build()));
}

fn add_with_retry_after(operation: &mut Operation, status: &str, description: &str) {
    let retry_after = HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .description(Some("Seconds to wait before trying again (when sent)"))
        .build();
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| {
            RefOr::T(
                problem(description)
                    .header("retry-after", retry_after)
                    .build(),
            )
        });
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::{
        OpenApiBuilder, PathItem, PathsBuilder, ResponseBuilder,
        path::{HttpMethod, OperationBuilder},
        request_body::RequestBodyBuilder,
        security::SecurityRequirement,
    };

    use super::*;

    fn modified(path: &str, operation: OperationBuilder) -> OpenApi {
        let mut document = OpenApiBuilder::new()
            .paths(
                PathsBuilder::new().path(path, PathItem::new(HttpMethod::Put, operation.build())),
            )
            .build();
        ProblemResponses.modify(&mut document);
        document
    }

    fn statuses(document: &OpenApi, path: &str) -> Vec<String> {
        let item = &document.paths.paths[path];
        let operation = item.put.as_ref().expect("the operation");
        operation.responses.responses.keys().cloned().collect()
    }

    #[test]
    fn each_operation_gets_the_problems_its_shape_can_answer() {
        let secured_with_body = OperationBuilder::new()
            .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
            .request_body(Some(RequestBodyBuilder::new().build()))
            .response("200", ResponseBuilder::new().description("ok"));
        let document = modified("/api/v1/things/{id}", secured_with_body);
        assert_eq!(
            statuses(&document, "/api/v1/things/{id}"),
            ["200", "400", "401", "413", "415", "422", "429", "503"]
        );

        let plain =
            OperationBuilder::new().response("200", ResponseBuilder::new().description("ok"));
        let document = modified("/health", plain);
        assert_eq!(
            statuses(&document, "/health"),
            ["200"],
            "no id, body, token or /api/"
        );
    }

    #[test]
    fn a_status_the_handler_documents_keeps_its_description() {
        let own = OperationBuilder::new()
            .request_body(Some(RequestBodyBuilder::new().build()))
            .response("422", ResponseBuilder::new().description("Missing fields"));
        let document = modified("/api/v1/login", own);
        let operation = document.paths.paths["/api/v1/login"]
            .put
            .as_ref()
            .expect("put");
        let RefOr::T(unprocessable) = &operation.responses.responses["422"] else {
            panic!("an inline response");
        };
        assert_eq!(unprocessable.description, "Missing fields");
        let RefOr::T(too_many) = &operation.responses.responses["429"] else {
            panic!("an inline response");
        };
        assert!(too_many.headers.contains_key("retry-after"));
    }
}
