//! This service's part of the API as OpenAPI (`/openapi.json`, `/docs`): the module's
//! operation, with what the network adds to its answers, and `/health`. The gateway merges
//! it with the other services' documents into the one the clients see.

use service_kit::docs::BearerAuth;
use utoipa::{
    Modify, OpenApi,
    openapi::{
        ContentBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Schema, Type,
        header::HeaderBuilder,
    },
};

use crate::caller::STALE_HEADER;

#[derive(OpenApi)]
#[openapi(
    info(title = "TaskTracker stats-service", description = "The caller's statistics, computed from task-service's counts."),
    paths(service_kit::health::check, service_kit::health::live),
    modifiers(&BearerAuth),
    tags((name = "health", description = "Liveness and dependencies"))
)]
pub struct ApiDoc;

/// The service's document: its own part, then the stats module's slice with the answers
/// that only a remote `TaskCounts` gives.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    document.merge(stats::ApiDoc::openapi());
    NetworkAnswers.modify(&mut document);
    document
}

/// Documents, on the module's `GET /api/v1/stats`, the stale answers and the 502/503 that
/// [`crate::seams`] and [`crate::caller`] add.
struct NetworkAnswers;

impl Modify for NetworkAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut()
            && let Some(RefOr::T(Schema::Object(stats))) = components.schemas.get_mut("TaskStats")
        {
            stats.properties.insert(
                "stale".into(),
                ObjectBuilder::new()
                    .schema_type(Type::Boolean)
                    .description(Some(
                        "Present (and `true`) only when task-service could not be reached and \
                         these are the caller's last known statistics.",
                    ))
                    .into(),
            );
        }
        let Some(operation) = openapi
            .paths
            .paths
            .get_mut("/api/v1/stats")
            .and_then(|path| path.get.as_mut())
        else {
            return;
        };
        let responses = &mut operation.responses.responses;
        if let Some(RefOr::T(ok)) = responses.get_mut("200") {
            let header = |description: &str| {
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::String))
                    .description(Some(description))
                    .build()
            };
            ok.headers.insert(
                STALE_HEADER.to_string(),
                header("`true` on last known (stale) statistics"),
            );
            ok.headers.insert(
                "warning".into(),
                header("`110 - \"Response is Stale\"` on stale statistics"),
            );
        }
        for (status, description) in [
            ("502", "task-service answered something unusable"),
            (
                "503",
                "task-service is unavailable and no earlier statistics are known",
            ),
        ] {
            responses.insert(
                status.into(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/problem+json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("Problem")))
                                .build(),
                        )
                        .build(),
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module's slice says nothing of stale answers or of task-service failing; the
    /// document this service serves must, or a client generated from it is wrong.
    #[test]
    fn the_document_shows_what_the_network_adds_to_the_modules_answers() {
        let document = serde_json::to_value(openapi()).expect("a JSON document");
        let stats = &document["components"]["schemas"]["TaskStats"]["properties"];
        assert_eq!(stats["stale"]["type"], "boolean", "{stats}");
        let responses = &document["paths"]["/api/v1/stats"]["get"]["responses"];
        for status in ["200", "401", "502", "503"] {
            assert!(
                responses.get(status).is_some(),
                "no {status} in {responses}"
            );
        }
        assert!(
            responses["200"]["headers"].get("x-stats-stale").is_some(),
            "{}",
            responses["200"]
        );
    }
}
