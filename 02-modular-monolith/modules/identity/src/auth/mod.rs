//! Password hashing and the failed-login limit. (Tokens are verified by every module, so
//! `JwtKeys` and `AuthUser` live in the shared kernel; only this module issues them.)

mod login_limit;
mod password;

pub use login_limit::{LockedFor, LoginLimiter};
pub use password::{HashingError, HashingSlots};
