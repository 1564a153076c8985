//! Users: what a valid email, username, password and full name are.

use chrono::{DateTime, Utc};
use email_address::EmailAddress;

use super::{FieldError, FieldErrors, UserId};

/// Why a user's field was refused. The `Display` text is the `message` a 422 answer shows
/// for the field, word for word: clients may show it to people, and the conformance suite
/// checks it, so a variant's wording is part of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidUserField {
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must be {min} to {max} characters long")]
    LengthOutOfRange { min: usize, max: usize },
    #[error("must be a valid email address")]
    NotAnEmail,
    #[error("may contain only letters A-Z a-z, digits, '_', '.' and '-'")]
    DisallowedCharacter,
    #[error("must not be empty")]
    Empty,
    #[error("must not contain a NUL character")]
    ContainsNul,
}

/// Text may hold any character but NUL: PostgreSQL cannot store it in `TEXT` (it was a
/// 500 there, and stored as sent on SQLite), so both backends refuse it alike, as a 422.
fn refuse_nul(raw: &str) -> Result<(), InvalidUserField> {
    if raw.contains('\0') {
        return Err(InvalidUserField::ContainsNul);
    }
    Ok(())
}

/// A stored user. The password hash stays in the repository layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub username: Username,
    pub full_name: Option<FullName>,
    pub created_at: DateTime<Utc>,
}

/// An email address, stored lower-cased so that `Ann@Example.com` and `ann@example.com` are one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The longest address SMTP can deliver to (RFC 5321).
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, InvalidUserField> {
        refuse_nul(raw)?;
        let email = raw.trim().to_lowercase();
        if email.len() > Self::MAX_LEN {
            return Err(InvalidUserField::TooLong { max: Self::MAX_LEN });
        }
        // Display names ("Ann <ann@example.com>") are valid RFC 5322 but not an address to store.
        if !EmailAddress::is_valid(&email) || email.contains(['<', '>', ' ']) {
            return Err(InvalidUserField::NotAnEmail);
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 3 to 32 characters of `A-Z a-z 0-9 _ . -`. Unique ignoring case, but shown as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, InvalidUserField> {
        let length = raw.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&length) {
            return Err(InvalidUserField::LengthOutOfRange {
                min: Self::MIN_LEN,
                max: Self::MAX_LEN,
            });
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
        if !raw.chars().all(allowed) {
            return Err(InvalidUserField::DisallowedCharacter);
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as the user typed it: 8 to 128 characters. It never leaves the auth layer
/// except as a hash, and its `Debug` output is redacted so it cannot end up in a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 8;
    pub const MAX_LEN: usize = 128;

    pub fn parse(raw: String) -> Result<Self, InvalidUserField> {
        refuse_nul(&raw)?;
        let length = raw.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&length) {
            return Err(InvalidUserField::LengthOutOfRange {
                min: Self::MIN_LEN,
                max: Self::MAX_LEN,
            });
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// An optional display name, up to 200 characters, stored as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    pub const MAX_LEN: usize = 200;

    pub fn parse(raw: String) -> Result<Self, InvalidUserField> {
        refuse_nul(&raw)?;
        if raw.chars().count() > Self::MAX_LEN {
            return Err(InvalidUserField::TooLong { max: Self::MAX_LEN });
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A registration that passed every rule.
#[derive(Debug)]
pub struct NewUser {
    pub email: Email,
    pub username: Username,
    pub password: Password,
    pub full_name: Option<FullName>,
}

impl NewUser {
    /// Parses every field and reports all invalid ones together.
    pub fn parse(
        email: Option<String>,
        username: Option<String>,
        password: Option<String>,
        full_name: Option<String>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        let email = errors.require("email", email, |raw| Email::parse(&raw));
        let username = errors.require("username", username, |raw| Username::parse(&raw));
        let password = errors.require("password", password, Password::parse);
        let full_name = match full_name {
            Some(raw) => errors.check("full_name", FullName::parse(raw)).map(Some),
            None => Some(None),
        };
        errors.finish(|| {
            Some(NewUser {
                email: email?,
                username: username?,
                password: password?,
                full_name: full_name?,
            })
        })
    }
}

/// A login attempt: a username or email, and a password. Only presence is checked here,
/// and that neither holds a NUL character (a 422 naming the field, before any SQL: no
/// account can have one); whether they match an account is the service's question.
#[derive(Debug)]
pub struct LoginAttempt {
    pub login: String,
    pub password: String,
}

impl LoginAttempt {
    pub fn parse(
        username: Option<String>,
        password: Option<String>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        let present = |raw: String| {
            if raw.is_empty() {
                Err(InvalidUserField::Empty)
            } else if raw.contains('\0') {
                Err(InvalidUserField::ContainsNul)
            } else {
                Ok(raw)
            }
        };
        let login = errors.require("username", username, present);
        let password = errors.require("password", password, present);
        errors.finish(|| {
            Some(LoginAttempt {
                login: login?,
                password: password?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_with_a_nul_character_is_refused() {
        assert_eq!(
            Email::parse("ann\0@example.com"),
            Err(InvalidUserField::ContainsNul)
        );
        assert_eq!(
            Password::parse("long\0enough".to_string()),
            Err(InvalidUserField::ContainsNul)
        );
        assert_eq!(
            FullName::parse("Ann\0".to_string()),
            Err(InvalidUserField::ContainsNul)
        );
        assert!(Username::parse("ann\0").is_err());
        for (username, password, field) in [
            ("a\0b", "long enough", "username"),
            ("ann", "a\0b", "password"),
        ] {
            let errors =
                LoginAttempt::parse(Some(username.into()), Some(password.into())).unwrap_err();
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].field, field);
            assert_eq!(errors[0].message, "must not contain a NUL character");
        }
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse(" Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
    }

    #[test]
    fn invalid_emails_are_rejected() {
        for raw in [
            "",
            "plain",
            "@example.com",
            "ann@",
            "a b@example.com",
            "Ann <ann@example.com>",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} should be rejected");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn usernames_follow_the_contract() {
        for ok in ["abc", "a_b.c-d", &"x".repeat(32), "ABC123"] {
            assert!(Username::parse(ok).is_ok(), "{ok:?} should be accepted");
        }
        for bad in [
            "ab",
            &"x".repeat(33),
            "has space",
            "émile",
            "semi;colon",
            "at@sign",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn passwords_count_characters_not_bytes() {
        assert!(Password::parse("1234567".into()).is_err());
        assert!(Password::parse("12345678".into()).is_ok());
        assert!(
            Password::parse("ü".repeat(128)).is_ok(),
            "128 characters, 256 bytes"
        );
        assert!(Password::parse("x".repeat(129)).is_err());
    }

    #[test]
    fn passwords_never_show_in_debug_output() {
        let password = Password::parse("correct horse battery".into()).unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }

    #[test]
    fn a_new_user_reports_every_invalid_field() {
        let errors = NewUser::parse(Some("nope".into()), Some("x".into()), None, None).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "username", "password"]);
        let messages: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "must be a valid email address",
                "must be 3 to 32 characters long",
                "is required"
            ]
        );
    }

    #[test]
    fn refusals_say_what_clients_have_always_read() {
        let long_email = format!("{}@example.com", "a".repeat(250));
        let messages = [
            (
                Email::parse(&long_email).unwrap_err(),
                "must be at most 254 characters",
            ),
            (
                Username::parse("has space").unwrap_err(),
                "may contain only letters A-Z a-z, digits, '_', '.' and '-'",
            ),
            (
                Password::parse("short".into()).unwrap_err(),
                "must be 8 to 128 characters long",
            ),
            (
                FullName::parse("x".repeat(201)).unwrap_err(),
                "must be at most 200 characters",
            ),
        ];
        for (error, message) in messages {
            assert_eq!(error.to_string(), message, "{error:?}");
        }
        let errors = LoginAttempt::parse(Some(String::new()), Some("pw".into())).unwrap_err();
        assert_eq!(errors[0].message, "must not be empty");
    }

    #[test]
    fn a_login_attempt_needs_both_fields() {
        let errors = LoginAttempt::parse(None, Some(String::new())).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["username", "password"]);
        assert!(LoginAttempt::parse(Some("ann".into()), Some("pw".into())).is_ok());
    }

    #[test]
    fn a_valid_new_user_parses() {
        let user = NewUser::parse(
            Some("ann@example.com".into()),
            Some("ann".into()),
            Some("long enough".into()),
            Some("Ann Smith".into()),
        )
        .unwrap();
        assert_eq!(user.username.as_str(), "ann");
        assert_eq!(user.full_name.unwrap().as_str(), "Ann Smith");
    }
}
