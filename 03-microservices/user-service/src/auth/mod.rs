//! Authentication: password hashing lives here (only this service knows passwords); tokens
//! and the `AuthUser` extractor are the shared ones every service verifies with.

mod password;

pub use password::{hash_password, verify_password};
pub use service_kit::auth::{AccessToken, AuthUser, Claims, JwtKeys};
