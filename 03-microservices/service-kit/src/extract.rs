//! Request extractors whose failures are [`ApiError`]s.
//!
//! axum's own `Json`, `Path`, `Query` and `Form` answer bad input with plain-text errors.
//! These thin wrappers keep axum's parsing but turn every rejection into a problem
//! document, and report JSON type errors with the name of the offending field.

use axum::{
    body::Bytes,
    extract::{
        FromRequest, FromRequestParts, Request,
        rejection::{BytesRejection, FormRejection, PathRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode, header::CONTENT_TYPE, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::{domain::FieldError, error::ApiError};

/// A JSON request body: `Content-Type: application/json` (or `application/*+json`) required.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_content_type(request.headers(), is_json) {
            return Err(ApiError::UnsupportedMediaType(
                "expected a JSON body with `Content-Type: application/json`".into(),
            ));
        }
        let bytes = Bytes::from_request(request, state).await?;
        parse_json(&bytes).map(Json)
    }
}

/// A body sent either as JSON or as an HTML form (`application/x-www-form-urlencoded`),
/// as OAuth2 password-grant clients do for login.
pub struct JsonOrForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonOrForm<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if has_content_type(request.headers(), is_json) {
            let Json(value) = Json::from_request(request, state).await?;
            return Ok(Self(value));
        }
        if has_content_type(request.headers(), |mime| {
            mime == "application/x-www-form-urlencoded"
        }) {
            let axum::Form(value) = axum::Form::from_request(request, state).await?;
            return Ok(Self(value));
        }
        Err(ApiError::UnsupportedMediaType(
            "expected `application/x-www-form-urlencoded` or `application/json`".into(),
        ))
    }
}

/// A path parameter; `/tasks/abc` where an integer id is expected is a 400.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(value) =
            axum::extract::Path::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

/// A query string. Use `Option<String>` fields and parse them in the domain, so that each
/// bad parameter is reported by name.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(value) =
            axum::extract::Query::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

/// Deserializes a JSON object, telling apart "not JSON" (400) from "JSON of the wrong
/// shape" (422).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // serde would happily fill a struct from an array, by position; we only take objects.
    let starts_an_object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !starts_an_object && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "body",
            "must be a JSON object",
        )]));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = match error.path().to_string() {
            root if root == "." => "body".to_string(),
            path => path,
        };
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                ApiError::Validation(vec![FieldError::new(field, without_position(&inner))])
            }
            _ => ApiError::BadRequest(format!("the body is not valid JSON: {inner}")),
        }
    })?;
    deserializer
        .end()
        .map_err(|error| ApiError::BadRequest(format!("the body is not valid JSON: {error}")))?;
    Ok(value)
}

/// serde_json ends messages with "at line 1 column 9"; for a field error that is noise.
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rsplit_once(" at line ") {
        Some((text, _)) => text.to_string(),
        None => message,
    }
}

fn has_content_type(headers: &HeaderMap, accept: impl Fn(&str) -> bool) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|mime| accept(&mime.trim().to_ascii_lowercase()))
        .unwrap_or(false)
}

fn is_json(mime: &str) -> bool {
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::PayloadTooLarge
        } else {
            Self::BadRequest(rejection.body_text())
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::BadRequest(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::Validation(vec![FieldError::new("query", rejection.body_text())])
    }
}

impl From<FormRejection> for ApiError {
    fn from(rejection: FormRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType(rejection.body_text()),
            StatusCode::UNPROCESSABLE_ENTITY => {
                Self::Validation(vec![FieldError::new("body", rejection.body_text())])
            }
            _ => Self::BadRequest(rejection.body_text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Body {
        #[allow(dead_code)]
        title: Option<String>,
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for bytes in [&b"{"[..], b"not json", b"{\"title\": \"x\"} trailing", b""] {
            let error = parse_json::<Body>(bytes).unwrap_err();
            assert!(
                matches!(error, ApiError::BadRequest(_)),
                "{bytes:?}: {error:?}"
            );
        }
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        match parse_json::<Body>(br#"{"title": 5}"#) {
            Err(ApiError::Validation(errors)) => {
                assert_eq!(errors[0].field, "title");
                assert!(
                    errors[0].message.contains("expected a string"),
                    "{}",
                    errors[0].message
                );
                assert!(!errors[0].message.contains("line"));
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_body_of_the_wrong_shape_is_reported_on_body() {
        match parse_json::<Body>(b"[1, 2]") {
            Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, "body"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn json_content_types_are_recognised() {
        for (value, expected) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/merge-patch+json", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, value.parse().unwrap());
            assert_eq!(has_content_type(&headers, is_json), expected, "{value}");
        }
        assert!(!has_content_type(&HeaderMap::new(), is_json));
    }
}
