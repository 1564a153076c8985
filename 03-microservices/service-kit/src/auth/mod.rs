//! Token verification, done by every service itself (no call to user-service per request):
//! the shared `JWT_SECRET` is all a service needs. Only user-service issues tokens.

mod extractor;
mod jwt;

pub use extractor::{AuthUser, bearer_token};
pub use jwt::{AccessToken, Claims, JwtKeys};
