//! Password hashing. (Tokens are verified by every module, so `JwtKeys` and `AuthUser`
//! live in the shared kernel; only this module issues them.)

mod password;

pub(crate) use password::{hash_password, verify_password};
