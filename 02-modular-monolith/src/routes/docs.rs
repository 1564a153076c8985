//! `/openapi.json`, generated from the handlers' annotations (each module documents its
//! own operations; this file merges them), and `/docs`, a Swagger UI page over it. The UI's files are compiled into the binary (utoipa-swagger-ui's
//! `vendored` feature), so the docs work offline and load nothing from a CDN.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_swagger_ui::SwaggerUi;

use super::health;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TaskTracker API",
        description = "The API every phase of the TaskTracker architecture workshop serves. \
            Errors are RFC 9457 problem documents. Timestamps are RFC 3339 in UTC with \
            microsecond precision. Another user's task answers 404, exactly like a missing one."
    ),
    paths(health::check, health::live),
    modifiers(&BearerAuth),
    tags((name = "health", description = "Liveness and dependencies"))
)]
pub struct ApiDoc;

/// The whole document: the app's own part, then each module's slice, then the answers
/// every operation can give besides its own (`shared_kernel::ProblemResponses`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    document.merge(identity::ApiDoc::openapi());
    document.merge(tasks::ApiDoc::openapi());
    document.merge(stats::ApiDoc::openapi());
    shared_kernel::ProblemResponses.modify(&mut document);
    document
}

/// Declares the `bearer` security scheme the protected operations refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The routes that serve the document and the UI.
pub fn router() -> SwaggerUi {
    SwaggerUi::new("/docs").url("/openapi.json", openapi())
}
