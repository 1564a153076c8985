//! Authentication: password hashing, failed-login limits, JSON Web Tokens, and the
//! extractor that turns a bearer token into the caller's user id.

mod extractor;
mod jwt;
mod login_limit;
mod password;

pub use extractor::AuthUser;
pub use jwt::{AccessToken, Claims, JwtKeys, TokenError};
pub use login_limit::{LockedFor, LoginLimiter};
pub use password::{HashingError, HashingSlots};
