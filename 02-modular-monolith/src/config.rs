//! Settings, read once at start-up from the environment (a `.env` file may supply them).
//!
//! Every variable has a default so that `cargo run` works with no setup at all, but a
//! variable that is *present and invalid* stops the program with a message naming it:
//! a typo must never fall back silently to a default.

use std::{net::IpAddr, time::Duration};

use rand::RngCore;

/// Everything the service needs to know about its environment.
#[derive(Clone, Debug)]
pub struct Settings {
    pub host: IpAddr,
    pub port: u16,
    pub database_url: String,
    pub jwt_secret: JwtSecret,
    pub jwt_ttl: Duration,
    pub rate_limit: RateLimit,
}

/// The HS256 signing key, and where it came from (so start-up can warn about it).
#[derive(Clone)]
pub struct JwtSecret {
    pub bytes: Vec<u8>,
    pub generated: bool,
}

impl std::fmt::Debug for JwtSecret {
    // Never print the key itself, not even in debug logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtSecret")
            .field("bytes", &"<redacted>")
            .field("generated", &self.generated)
            .finish()
    }
}

/// Per-client-IP limit at the edge: a steady rate plus a burst allowance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimit {
    Off,
    PerClientIp { per_second: u32, burst: u32 },
}

/// Generous enough for test suites and a busy learner, low enough to stop a runaway loop.
pub const DEFAULT_RATE_LIMIT_PER_SECOND: u32 = 200;
pub const DEFAULT_RATE_LIMIT_BURST: u32 = 400;
pub const DEFAULT_PORT: u16 = 8000;
pub const DEFAULT_JWT_TTL_SECONDS: u64 = 1800;
/// HS256 keys shorter than the hash output (32 bytes) weaken the signature.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// A variable was set to something we cannot use.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl Settings {
    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env file is normal; a malformed one is reported by the values it leaves unset.
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply variables without touching the process.
    /// An empty value counts as unset (docker compose passes `${JWT_SECRET:-}` as "").
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let host = parse_or(var("HOST"), "HOST", IpAddr::from([127, 0, 0, 1]))?;
        let port = parse_or(var("PORT"), "PORT", DEFAULT_PORT)?;
        let database_url = match var("DATABASE_URL") {
            Some(url) => check_database_url(url)?,
            None => default_database_url(),
        };
        let jwt_secret = match var("JWT_SECRET") {
            Some(secret) if secret.len() < MIN_JWT_SECRET_BYTES => {
                return Err(ConfigError {
                    variable: "JWT_SECRET",
                    reason: format!(
                        "must be at least {MIN_JWT_SECRET_BYTES} bytes, got {}",
                        secret.len()
                    ),
                });
            }
            Some(secret) => JwtSecret {
                bytes: secret.into_bytes(),
                generated: false,
            },
            None => JwtSecret::generate(),
        };
        let ttl_seconds: u64 = parse_or(
            var("JWT_TTL_SECONDS"),
            "JWT_TTL_SECONDS",
            DEFAULT_JWT_TTL_SECONDS,
        )?;
        if ttl_seconds == 0 {
            return Err(ConfigError {
                variable: "JWT_TTL_SECONDS",
                reason: "must be at least 1".into(),
            });
        }
        let per_second = parse_or(
            var("RATE_LIMIT_PER_SECOND"),
            "RATE_LIMIT_PER_SECOND",
            DEFAULT_RATE_LIMIT_PER_SECOND,
        )?;
        let burst = parse_or(
            var("RATE_LIMIT_BURST"),
            "RATE_LIMIT_BURST",
            DEFAULT_RATE_LIMIT_BURST,
        )?;
        let rate_limit = if per_second == 0 || burst == 0 {
            RateLimit::Off
        } else {
            RateLimit::PerClientIp { per_second, burst }
        };

        Ok(Self {
            host,
            port,
            database_url,
            jwt_secret,
            jwt_ttl: Duration::from_secs(ttl_seconds),
            rate_limit,
        })
    }
}

impl JwtSecret {
    /// A fresh random key: tokens stop working at every restart, which is fine for a dev server.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self {
            bytes,
            generated: true,
        }
    }
}

/// `sqlite://<this phase's folder>/tasktracker.sqlite3`, created on first run.
/// Anchored at the crate folder so it is the same file whichever directory `cargo run` starts in.
pub fn default_database_url() -> String {
    format!(
        "sqlite://{}/tasktracker.sqlite3?mode=rwc",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn check_database_url(url: String) -> Result<String, ConfigError> {
    let known = ["sqlite:", "postgres://", "postgresql://"];
    if known.iter().any(|scheme| url.starts_with(scheme)) {
        Ok(url)
    } else {
        Err(ConfigError {
            variable: "DATABASE_URL",
            reason: "must start with sqlite: or postgres://".into(),
        })
    }
}

fn parse_or<T: std::str::FromStr>(
    value: Option<String>,
    variable: &'static str,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match value {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|error| ConfigError {
            variable,
            reason: format!("{raw:?} is not valid: {error}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn no_settings_gives_a_runnable_dev_configuration() {
        let settings = settings(&[]).unwrap();
        assert_eq!(settings.port, 8000);
        assert!(settings.database_url.starts_with("sqlite://"));
        assert!(settings.jwt_secret.generated);
        assert_eq!(settings.jwt_secret.bytes.len(), 32);
        assert_eq!(settings.jwt_ttl, Duration::from_secs(1800));
        assert_eq!(
            settings.rate_limit,
            RateLimit::PerClientIp {
                per_second: 200,
                burst: 400
            }
        );
    }

    #[test]
    fn generated_secrets_differ_between_starts() {
        assert_ne!(
            JwtSecret::generate().bytes,
            JwtSecret::generate().bytes,
            "a generated secret must be random, never a well-known default"
        );
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (name, value) in [
            ("PORT", "eighty"),
            ("DATABASE_URL", "mysql://localhost/db"),
            ("JWT_SECRET", "too-short"),
            ("JWT_TTL_SECONDS", "-5"),
            ("JWT_TTL_SECONDS", "0"),
            ("RATE_LIMIT_PER_SECOND", "lots"),
            ("HOST", "not-an-ip"),
        ] {
            let error = settings(&[(name, value)]).unwrap_err();
            assert_eq!(error.variable, name, "{name}={value}");
            assert!(error.to_string().contains(name));
        }
    }

    #[test]
    fn explicit_values_are_used() {
        let secret = "s".repeat(32);
        let settings = settings(&[
            ("PORT", "9000"),
            ("DATABASE_URL", "postgres://app@localhost/db"),
            ("JWT_SECRET", &secret),
            ("JWT_TTL_SECONDS", "60"),
            ("RATE_LIMIT_PER_SECOND", "0"),
        ])
        .unwrap();
        assert_eq!(settings.port, 9000);
        assert_eq!(settings.database_url, "postgres://app@localhost/db");
        assert_eq!(settings.jwt_secret.bytes, secret.as_bytes());
        assert!(!settings.jwt_secret.generated);
        assert_eq!(settings.jwt_ttl, Duration::from_secs(60));
        assert_eq!(settings.rate_limit, RateLimit::Off);
    }

    #[test]
    fn empty_values_count_as_unset() {
        let settings = settings(&[("JWT_SECRET", ""), ("PORT", " ")]).unwrap();
        assert!(settings.jwt_secret.generated);
        assert_eq!(settings.port, 8000);
    }
}
