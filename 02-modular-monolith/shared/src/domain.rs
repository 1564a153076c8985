//! The values every module shares: the user id, field errors, and the clock.
//!
//! Each module still has its own `domain` with its own types (`Email` in identity,
//! `TaskTitle` in tasks); only what crosses a module boundary lives here.

use chrono::{DateTime, Timelike, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// The current time at the precision the database keeps (microseconds), so a value we
/// answer with is exactly the value a later read returns.
pub fn now() -> DateTime<Utc> {
    to_stored_precision(Utc::now())
}

/// Drops the nanoseconds below one microsecond. (chrono's `duration_trunc` would do, but it
/// counts in nanoseconds and fails for dates after 2262.)
pub fn to_stored_precision(time: DateTime<Utc>) -> DateTime<Utc> {
    let micros_as_nanos = time.nanosecond() / 1_000 * 1_000;
    time.with_nanosecond(micros_as_nanos).unwrap_or(time)
}

/// The id of a user. Ids are positive integers handed out by the identity module's
/// database; the other modules keep them as plain references (no foreign keys).
pub type UserId = i64;

/// One invalid field of a request, reported in a 422 problem's `errors` list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A field that must hold a value and holds none, whatever kind of value it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Missing {
    /// The request left the field out.
    #[error("is required")]
    Required,
    /// The request sent `null` for a field that cannot be empty.
    #[error("must not be null")]
    Null,
}

/// Collects every field error of a request, so the client learns them all in one answer.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Keeps the parsed value, or records why it was refused under `field`.
    ///
    /// The error's `Display` text becomes the `message` the client reads. Asking for
    /// [`std::error::Error`] rather than any text means every rule names its failures in a
    /// type of its own (`InvalidTaskField`, `InvalidUserField`, [`Missing`]), next to the
    /// rule, where a test can match on them; a bare `String` does not compile here.
    pub fn check<T, E: std::error::Error>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(FieldError::new(field, error.to_string()));
                None
            }
        }
    }

    /// Like [`FieldErrors::check`] for a field the request must contain.
    pub fn require<T, R, E: std::error::Error>(
        &mut self,
        field: &str,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, E>,
    ) -> Option<T> {
        match raw {
            Some(raw) => self.check(field, parse(raw)),
            None => self.check(field, Err::<T, _>(Missing::Required)),
        }
    }

    /// `Ok(value)` when no error was recorded, otherwise every error.
    pub fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            value().ok_or(self.0)
        } else {
            Err(self.0)
        }
    }
}
