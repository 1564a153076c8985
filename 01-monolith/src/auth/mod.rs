//! Authentication: password hashing, JSON Web Tokens, and the extractor that turns a
//! bearer token into the caller's user id.

mod extractor;
mod jwt;
mod password;

pub use extractor::AuthUser;
pub use jwt::{AccessToken, Claims, JwtKeys, TokenError};
pub use password::{hash_password, verify_password};
