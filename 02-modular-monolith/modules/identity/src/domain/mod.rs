//! Domain types of the identity module: values that can only exist in a valid state.
//!
//! Each newtype has a `parse` constructor and no other way to build it ("parse, don't
//! validate"). They are private to this module: other modules see user ids only.

mod user;

pub(crate) use shared_kernel::domain::{FieldError, FieldErrors, UserId, now};
pub(crate) use user::{
    Email, FullName, InvalidUserField, LoginAttempt, NewUser, Password, User, Username,
};
