//! The few domain values every service needs: ids, the 422 field errors, and the clock
//! at the precision both databases store.

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

/// The id of a user. Ids are positive integers handed out by the database.
pub type UserId = i64;

/// Free text of at most `max` characters (characters, not bytes), for a length-limited field.
pub fn at_most_chars(raw: &str, max: usize) -> Result<(), String> {
    if raw.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(())
    }
}

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

/// Collects every field error of a request, so the client learns them all in one answer.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Keeps the parsed value, or records the error under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    /// Like [`FieldErrors::check`] for a field the request must contain.
    pub fn require<T, R>(
        &mut self,
        field: &str,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, String>,
    ) -> Option<T> {
        match raw {
            Some(raw) => self.check(field, parse(raw)),
            None => self.check(field, Err("is required".to_string())),
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
