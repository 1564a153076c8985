//! Authentication: this service verifies tokens itself, with the shared keys and extractor.

pub use service_kit::auth::{AuthUser, JwtKeys};
