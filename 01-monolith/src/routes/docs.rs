//! `/openapi.json`, generated from the handlers' annotations, and `/docs`, a Swagger UI
//! page over it. The UI's files are compiled into the binary (utoipa-swagger-ui's
//! `vendored` feature), so the docs work offline and load nothing from a CDN.

use serde::Serialize;
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_swagger_ui::SwaggerUi;

use super::{health, problem_responses::ProblemResponses, stats, tasks, users};
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

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TaskTracker API",
        description = "The API every phase of the TaskTracker architecture workshop serves. \
            Errors are RFC 9457 problem documents. Timestamps are RFC 3339 in UTC with \
            microsecond precision. Another user's task answers 404, exactly like a missing one."
    ),
    paths(
        users::register, users::login, users::me,
        tasks::create, tasks::list, tasks::get, tasks::update, tasks::set_status,
        tasks::toggle, tasks::delete,
        stats::get,
        health::check, health::live,
    ),
    modifiers(&BearerAuth, &ProblemResponses),
    tags(
        (name = "auth", description = "Register and log in"),
        (name = "users", description = "The caller's account"),
        (name = "tasks", description = "The caller's tasks"),
        (name = "stats", description = "The caller's statistics"),
        (name = "health", description = "Liveness and dependencies"),
    )
)]
pub struct ApiDoc;

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
    SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi())
}
