//! `/api/v1/auth/*` and `/api/v1/users/me`.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    auth::AuthUser,
    domain::{LoginAttempt, NewUser, User, UserId},
    error::ApiError,
    extract::{Json, JsonOrForm},
    state::AppState,
};

/// Every field is optional here so that a missing field is reported alongside the
/// invalid ones, by name, instead of as the first deserialization error. The document
/// states each rule the domain checks (`value_type` drops the `null` an `Option` would
/// allow: a `null` is refused like a missing field).
#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// A valid email address, at most 254 characters; stored lower-cased; unique.
    #[schema(required = true, value_type = String, format = Email, max_length = 254, example = "ann@example.com")]
    pub email: Option<String>,
    /// 3 to 32 characters of `A-Z a-z 0-9 _ . -`; unique ignoring case.
    #[schema(required = true, value_type = String, min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9_.-]*$", example = "ann")]
    pub username: Option<String>,
    /// 8 to 128 characters, none of them NUL.
    #[schema(required = true, value_type = String, min_length = 8, max_length = 128, pattern = "^[^\\u0000]*$", example = "correct horse battery")]
    pub password: Option<String>,
    /// Up to 200 characters, none of them NUL.
    #[schema(max_length = 200, pattern = "^[^\\u0000]*$", example = "Ann Smith")]
    pub full_name: Option<String>,
}

/// OAuth2 password grant fields. `username` may also be the email address. Neither may
/// contain a NUL character (no account has one).
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(required = true, value_type = String, min_length = 1, pattern = "^[^\\u0000]*$", example = "ann")]
    pub username: Option<String>,
    #[schema(required = true, value_type = String, min_length = 1, pattern = "^[^\\u0000]*$", example = "correct horse battery")]
    pub password: Option<String>,
}

/// A user as the API shows it: never the password or its hash.
#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    #[schema(value_type = i64)]
    pub id: UserId,
    pub email: String,
    pub username: String,
    pub full_name: Option<String>,
    /// Accounts cannot be deactivated in this workshop, so this is always true.
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            email: user.email.as_str().to_string(),
            username: user.username.as_str().to_string(),
            full_name: user.full_name.map(|name| name.as_str().to_string()),
            is_active: true,
            created_at: user.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    #[schema(example = 1800)]
    pub expires_in: u64,
}

/// Create an account.
#[utoipa::path(
    post, path = "/api/v1/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "The new user", body = UserResponse),
        (status = 409, description = "Email or username taken", body = crate::routes::docs::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::routes::docs::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    Json(body): Json<RegisterRequest>,
) -> Result<(StatusCode, axum::Json<UserResponse>), ApiError> {
    let new_user = NewUser::parse(body.email, body.username, body.password, body.full_name)?;
    let user = state.users.register(new_user).await?;
    Ok((StatusCode::CREATED, axum::Json(user.into())))
}

/// Log in with a username (or email) and password; returns a bearer token.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body(content(
        (LoginRequest = "application/x-www-form-urlencoded"),
        (LoginRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 401, description = "Wrong username or password", body = crate::routes::docs::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing fields", body = crate::routes::docs::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    JsonOrForm(body): JsonOrForm<LoginRequest>,
) -> Result<axum::Json<TokenResponse>, ApiError> {
    let attempt = LoginAttempt::parse(body.username, body.password)?;
    let token = state.users.login(attempt).await?;
    Ok(axum::Json(TokenResponse {
        access_token: token.token,
        token_type: "bearer",
        expires_in: token.expires_in.as_secs(),
    }))
}

/// The caller's own account.
#[utoipa::path(
    get, path = "/api/v1/users/me", tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = UserResponse),
        (status = 401, description = "Missing or invalid token", body = crate::routes::docs::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn me(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<axum::Json<UserResponse>, ApiError> {
    let user = state.users.me(caller.user_id).await?;
    Ok(axum::Json(user.into()))
}
