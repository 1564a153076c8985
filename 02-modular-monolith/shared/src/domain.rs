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

/// Why a value is not an id: ids are positive integers, handed out by the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("must be a positive integer")]
pub struct InvalidId;

/// Declares an id type: a positive `i64` that no other id type can stand in for.
///
/// When `UserId` and `TaskId` were two names for `i64`, `find(owner_id, id)` with its
/// arguments swapped compiled, ran, and answered "not found" (the tasks module's
/// `tests/compile_fail/` shows that it no longer compiles). Each id declared with it:
/// - is built only by `new`, `parse` or deserializing, which all refuse 0 and negatives, so
///   an id is checked once, where it enters (a path, a token's `sub`), and trusted after;
/// - serializes as a plain integer, so the JSON of the API does not change;
/// - is bound to SQL and read back as itself (`sqlx::Type`, `Encode` and `Decode` for every
///   database whose `i64` sqlx supports, the `Any` driver included), so no query unwraps it.
///
/// The sqlx impls sit next to the type because Rust allows them only in the crate that
/// defines it: wherever an id type moves, they move with it. That is why this is a macro
/// the kernel exports rather than one generic type: [`UserId`] is declared here, because
/// every module speaks of users, and `TaskId` in the tasks module, the only one that knows
/// tasks, each with the same rules. The crate that uses it must depend on `serde` and `sqlx`.
#[macro_export]
macro_rules! positive_id {
    ($(#[$doc:meta])* pub struct $name:ident(i64);) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(into = "i64", try_from = "i64")]
        pub struct $name(i64);

        impl $name {
            /// `raw` as an id, if it is one: only positive numbers are.
            pub fn new(raw: i64) -> Result<Self, $crate::domain::InvalidId> {
                if raw > 0 {
                    Ok(Self(raw))
                } else {
                    Err($crate::domain::InvalidId)
                }
            }

            /// The bare number. Rarely needed: ids format, serialize and bind to SQL as they are.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl TryFrom<i64> for $name {
            type Error = $crate::domain::InvalidId;

            fn try_from(raw: i64) -> Result<Self, $crate::domain::InvalidId> {
                Self::new(raw)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::InvalidId;

            /// Parses the decimal text of an id, as a token's `sub` carries it.
            fn from_str(raw: &str) -> Result<Self, $crate::domain::InvalidId> {
                raw.parse::<i64>().map_err(|_| $crate::domain::InvalidId).and_then(Self::new)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            i64: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <i64 as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <i64 as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            i64: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                self.0.encode_by_ref(buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            i64: sqlx::Decode<'r, DB>,
        {
            /// A stored id that is not positive makes the row an error, never a value.
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(Self::new(<i64 as sqlx::Decode<'r, DB>>::decode(value)?)?)
            }
        }
    };
}

positive_id! {
    /// The id of a user. Ids are positive integers handed out by the identity module's
    /// database; the other modules keep them as plain references (no foreign keys).
    pub struct UserId(i64);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_integers_only() {
        assert_eq!(UserId::new(42).map(UserId::get), Ok(42));
        assert_eq!(UserId::new(0), Err(InvalidId));
        assert_eq!(UserId::new(-3), Err(InvalidId));
        assert_eq!(
            "42".parse::<UserId>().map(|id| id.to_string()),
            Ok("42".into())
        );
        for raw in ["0", "-1", "admin", "", " 1", "1.0", "99999999999999999999"] {
            assert_eq!(raw.parse::<UserId>(), Err(InvalidId), "{raw:?}");
        }
    }

    #[test]
    fn ids_are_plain_integers_in_json() {
        let id = UserId::new(7).unwrap();
        assert_eq!(serde_json::to_value(id).unwrap(), serde_json::json!(7));
        assert_eq!(
            serde_json::from_value::<UserId>(serde_json::json!(7)).unwrap(),
            id
        );
        for raw in [
            serde_json::json!(0),
            serde_json::json!(-7),
            serde_json::json!("7"),
        ] {
            assert!(
                serde_json::from_value::<UserId>(raw.clone()).is_err(),
                "{raw}"
            );
        }
    }

    #[tokio::test]
    async fn ids_bind_to_sql_and_read_back_as_themselves() {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect("sqlite::memory:").await.unwrap();
        let id = UserId::new(7).unwrap();
        let (back,): (UserId,) = sqlx::query_as("SELECT $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(back, id);
        let stored_zero = sqlx::query_as::<_, (UserId,)>("SELECT 0")
            .fetch_one(&pool)
            .await;
        assert!(stored_zero.is_err(), "a stored 0 must not become a UserId");
    }
}
