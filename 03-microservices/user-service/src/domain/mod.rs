//! Domain types of accounts: values that can only exist in a valid state
//! ("parse, don't validate"). The field-error plumbing is shared (`service_kit::domain`).

mod user;

pub use service_kit::domain::{FieldError, FieldErrors, UserId, now};
pub use user::{Email, FullName, LoginAttempt, NewUser, Password, User, Username};
