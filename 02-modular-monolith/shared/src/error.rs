//! One error type for the whole API, and its one rendering: an RFC 9457 problem
//! (`application/problem+json`). Handlers return `Result<_, ApiError>`; nothing else
//! ever builds an error response, so every error path looks the same to clients.
//!
//! Shared by every module: a client must not be able to tell which module answered.
//!
//! Services do not return `ApiError`: they say what went wrong in their own terms
//! ([`ServiceError`]), and the one `From<ServiceError>` below turns that into an answer.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use problem_details::ProblemDetails;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{domain::FieldError, services::ServiceError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON at all, or a path parameter has the wrong type.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Missing, expired or forged credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A unique value (email, username) is already taken.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// Well-formed input that breaks a rule: one entry per offending field.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("too many requests")]
    TooManyRequests { retry_after_seconds: u64 },
    /// Too many failed logins for the username sent: refused before any password is hashed.
    #[error("too many failed logins")]
    TooManyFailedLogins { retry_after_seconds: u64 },
    /// Something we depend on (the database, in phase 03 another service) cannot be
    /// reached right now.
    #[error("service unavailable: {0}")]
    ServiceUnavailable(String),
    /// Too busy right now (every password-hashing slot taken, its queue full).
    #[error("busy")]
    Busy { retry_after_seconds: u64 },
    /// Another service answered with something we cannot use (a malformed body, a 5xx).
    /// Only phase 03 has other services; the variant lives here so that its services and
    /// gateway render it with the same one rendering.
    #[error("bad gateway: {0}")]
    BadGateway(String),
    /// Another service did not answer in time (phase 03).
    #[error("gateway timeout: {0}")]
    GatewayTimeout(String),
    /// A bug or an unexpected failure: logged in full, answered without details.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The `errors` member that validation problems add.
#[derive(Serialize)]
struct ValidationExtension<'a> {
    errors: &'a [FieldError],
}

/// An RFC 9457 problem document, as every error response carries it
/// (`Content-Type: application/problem+json`). Documentation only: every module's OpenAPI
/// operations refer to it.
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

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } | Self::TooManyFailedLogins { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::ServiceUnavailable(_) | Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::GatewayTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The human-readable `detail` member.
    fn detail(&self) -> String {
        match self {
            Self::BadRequest(detail)
            | Self::Unauthorized(detail)
            | Self::NotFound(detail)
            | Self::Conflict(detail)
            | Self::UnsupportedMediaType(detail)
            | Self::ServiceUnavailable(detail)
            | Self::BadGateway(detail)
            | Self::GatewayTimeout(detail) => detail.clone(),
            Self::MethodNotAllowed => "this route does not support that HTTP method".into(),
            Self::PayloadTooLarge => "the request body is larger than 64 KiB".into(),
            Self::Validation(errors) => {
                format!("{} field(s) are invalid; see `errors`", errors.len())
            }
            Self::TooManyRequests {
                retry_after_seconds,
            } => format!("rate limit exceeded; retry in {retry_after_seconds} s"),
            Self::TooManyFailedLogins {
                retry_after_seconds,
            } => format!(
                "too many failed logins for this username; retry in {retry_after_seconds} s"
            ),
            Self::Busy {
                retry_after_seconds,
            } => format!(
                "the server is too busy to check a password now; retry in {retry_after_seconds} s"
            ),
            Self::Internal(_) => "an unexpected error occurred; it has been logged".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Self::Internal(error) = &self {
            tracing::error!(error = ?error, "internal error");
        }
        let problem = ProblemDetails::from_status_code(status)
            .with_type(problem_details::ProblemType::default())
            .with_detail(self.detail());
        let mut response = match &self {
            Self::Validation(errors) => problem
                .with_extensions(ValidationExtension { errors })
                .into_response(),
            _ => problem.into_response(),
        };
        let headers = response.headers_mut();
        match self {
            // RFC 6750: a 401 tells the client which scheme to use.
            Self::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::TooManyRequests {
                retry_after_seconds,
            }
            | Self::TooManyFailedLogins {
                retry_after_seconds,
            }
            | Self::Busy {
                retry_after_seconds,
            } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
            }
            _ => {}
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    /// The one place where what went wrong in the application becomes an HTTP answer.
    /// Services never name a status code; this match decides them all, so a new kind of
    /// service failure cannot reach a client before someone decides how to answer it.
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound(detail) => Self::NotFound(detail),
            ServiceError::Conflict(detail) => Self::Conflict(detail),
            ServiceError::Unauthenticated(detail) => Self::Unauthorized(detail),
            ServiceError::Invalid(errors) => Self::Validation(errors),
            ServiceError::Unavailable(detail) => Self::ServiceUnavailable(detail),
            ServiceError::BadUpstream(detail) => Self::BadGateway(detail),
            ServiceError::TooManyFailedLogins { retry_after } => Self::TooManyFailedLogins {
                retry_after_seconds: whole_seconds(retry_after),
            },
            ServiceError::Busy { retry_after } => Self::Busy {
                retry_after_seconds: whole_seconds(retry_after),
            },
            ServiceError::Internal(error) => Self::Internal(error),
        }
    }
}

/// `Retry-After` counts whole seconds: round up, so a client never comes back too early,
/// and never say 0.
fn whole_seconds(duration: std::time::Duration) -> u64 {
    let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    seconds.max(1)
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> Self {
        Self::Validation(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn render(error: ApiError) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let response = error.into_response();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        (
            parts.status,
            parts.headers,
            serde_json::from_slice(&bytes).unwrap(),
        )
    }

    #[tokio::test]
    async fn every_error_is_a_problem_document() {
        let (status, headers, body) = render(ApiError::NotFound("task 7 not found".into())).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(
            body,
            serde_json::json!({
                "type": "about:blank",
                "title": "Not Found",
                "status": 404,
                "detail": "task 7 not found"
            })
        );
    }

    #[tokio::test]
    async fn validation_problems_list_each_field() {
        let errors = vec![FieldError::new("title", "must not be empty")];
        let (status, _, body) = render(ApiError::Validation(errors)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            serde_json::json!([{"field": "title", "message": "must not be empty"}])
        );
    }

    #[tokio::test]
    async fn unauthorized_names_the_bearer_scheme() {
        let (_, headers, _) = render(ApiError::Unauthorized("no token".into())).await;
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    }

    #[tokio::test]
    async fn every_service_error_gets_its_status_and_keeps_its_detail() {
        let cases = [
            (ServiceError::NotFound("task 7 not found".into()), 404),
            (
                ServiceError::Conflict("that username is already taken".into()),
                409,
            ),
            (
                ServiceError::Unauthenticated("incorrect username or password".into()),
                401,
            ),
            (
                ServiceError::Unavailable("the database is unavailable".into()),
                503,
            ),
            (
                ServiceError::BadUpstream("task-service gave an answer it cannot use".into()),
                502,
            ),
        ];
        for (error, status) in cases {
            let detail = error.to_string();
            let (answered, _, body) = render(error.into()).await;
            assert_eq!(answered.as_u16(), status, "{detail}");
            assert_eq!(body["detail"], detail.as_str());
        }
        for (error, status, retry_after) in [
            (
                ServiceError::TooManyFailedLogins {
                    retry_after: std::time::Duration::from_millis(1500),
                },
                429,
                "2",
            ),
            (
                ServiceError::Busy {
                    retry_after: std::time::Duration::ZERO,
                },
                503,
                "1",
            ),
        ] {
            let (answered, headers, body) = render(error.into()).await;
            assert_eq!(answered.as_u16(), status);
            assert_eq!(headers[header::RETRY_AFTER], retry_after);
            assert!(
                body["detail"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("retry in {retry_after} s")),
                "{body}"
            );
        }
        let invalid = ServiceError::Invalid(vec![FieldError::new("title", "must not be empty")]);
        let (status, _, body) = render(invalid.into()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"][0]["field"], "title");
        let internal = ServiceError::Internal(anyhow::anyhow!("secret detail"));
        let (status, _, body) = render(internal.into()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("secret detail"));
    }

    #[tokio::test]
    async fn internal_errors_hide_their_cause() {
        let (status, _, body) = render(ApiError::Internal(anyhow::anyhow!("secret detail"))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("secret detail"));
    }
}
