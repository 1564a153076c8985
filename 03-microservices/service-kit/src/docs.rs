//! What every service's OpenAPI document declares the same way: the `Problem` schema of
//! error responses and the `bearer` security scheme. Each service serves its own document
//! at `/openapi.json` (and a Swagger UI at `/docs`); the gateway merges them into one.

pub use shared_kernel::{Problem, ProblemResponses};
use utoipa::{
    Modify,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
pub use utoipa_swagger_ui::SwaggerUi;

/// Declares the `bearer` security scheme the protected operations refer to.
pub struct BearerAuth;

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

/// `/openapi.json` with `document` and a Swagger UI over it at `/docs`. The UI's files are
/// compiled in (utoipa-swagger-ui's `vendored` feature), so the docs work offline. The
/// answers every operation can give besides its own are added here, to every service's
/// document alike ([`ProblemResponses`]).
pub fn router(mut document: utoipa::openapi::OpenApi) -> SwaggerUi {
    ProblemResponses.modify(&mut document);
    SwaggerUi::new("/docs").url("/openapi.json", document)
}
