//! `AuthUser`: add it to a handler's arguments and the handler only runs for a valid token.

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{header::AUTHORIZATION, request::Parts},
};

use super::JwtKeys;
use crate::{domain::UserId, error::ApiError};

/// The authenticated caller, taken from `Authorization: Bearer <token>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthUser {
    pub user_id: UserId,
    /// The verified token itself, for a service that calls another on the caller's behalf.
    pub token: String,
}

impl<S> FromRequestParts<S> for AuthUser
where
    JwtKeys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        let user_id = JwtKeys::from_ref(state)
            .verify(token)
            .map_err(ApiError::Unauthorized)?;
        Ok(Self {
            user_id,
            token: token.to_string(),
        })
    }
}

/// The token of `Authorization: Bearer <token>`, or why there is none. stats-service also
/// uses it to forward the caller's token to task-service.
pub fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("missing Authorization header".into()))?;
    header
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
        })
}
