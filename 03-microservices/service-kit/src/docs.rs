//! What every service's OpenAPI document declares the same way: the `Problem` schema of
//! error responses and the `bearer` security scheme. Each service serves its own document
//! at `/openapi.json` (and a Swagger UI at `/docs`); the gateway merges them into one.

use serde::Serialize;
use utoipa::{
    Modify, ToSchema,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
pub use utoipa_swagger_ui::SwaggerUi;

use crate::domain::FieldError;

/// An RFC 9457 problem document, as every error response carries it
/// (`Content-Type: application/problem+json`). Documentation only.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type; `about:blank` means "see the status code".
    #[schema(example = "about:blank")]
    pub r#type: String,
    #[schema(example = "Unprocessable Entity")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    #[schema(example = "1 field(s) are invalid; see `errors`")]
    pub detail: String,
    /// Only on 422: one entry per invalid field.
    pub errors: Option<Vec<FieldError>>,
}

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
/// compiled in (utoipa-swagger-ui's `vendored` feature), so the docs work offline.
pub fn router(document: utoipa::openapi::OpenApi) -> SwaggerUi {
    SwaggerUi::new("/docs").url("/openapi.json", document)
}
