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
    /// Where `/metrics` is served: never on `port`, the API's.
    pub metrics_port: u16,
    pub database_url: String,
    pub jwt_secret: JwtSecret,
    pub jwt_ttl: Duration,
    pub rate_limit: RateLimit,
    pub login_limit: LoginLimit,
    pub hashing: HashingLimits,
    pub timeouts: ServerTimeouts,
    /// `DATABASE_STATEMENT_TIMEOUT_MS`: PostgreSQL cancels a statement that runs longer.
    /// SQLite has no such setting; there the request deadline bounds a slow statement.
    pub database_statement_timeout: Duration,
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

/// Failed logins per account: after `max_failures` within `window` of the first one, the
/// account's logins are refused (429) until the window ends. `0` in either switches it off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginLimit {
    pub max_failures: u32,
    pub window: Duration,
}

/// Password hashing: how many hashes run at once, and how many logins or registrations
/// may wait for one of those slots before the next is refused (503).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashingLimits {
    pub slots: usize,
    pub queue_max: usize,
}

/// How long the server waits for a client and for itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerTimeouts {
    /// `HTTP_HEADER_TIMEOUT_SECONDS`: a connection that has not sent a request's headers
    /// within this time is closed (a client sending one byte a minute holds nothing).
    pub header_read: Duration,
    /// `REQUEST_TIMEOUT_SECONDS`: a request still unanswered after this is answered 503.
    pub request: Duration,
    /// `SHUTDOWN_GRACE_SECONDS`: on Ctrl-C or SIGTERM, requests in flight get this long to
    /// finish; what still runs then is cut off. `0` cuts them off at once.
    pub shutdown_grace: Duration,
}

/// Above what the conformance suite and an honest user send (a few wrong passwords in a
/// row), far below what guessing needs.
pub const DEFAULT_LOGIN_MAX_FAILURES: u32 = 10;
pub const DEFAULT_LOGIN_FAILURE_WINDOW_SECONDS: u64 = 300;
/// Logins waiting for a hashing slot. Each holds no thread and no argon2 memory while it
/// waits, only its request; at a few tens of milliseconds a hash and one slot per core,
/// the last one in a full queue waits about a second on 2 cores.
pub const DEFAULT_HASH_QUEUE_MAX: usize = 64;
pub const DEFAULT_HTTP_HEADER_TIMEOUT_SECONDS: u64 = 10;
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 30;
pub const DEFAULT_SHUTDOWN_GRACE_SECONDS: u64 = 10;
pub const DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS: u64 = 5000;

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
        let metrics_port = metrics_port(var("METRICS_PORT"), port)?;
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

        let login_limit = LoginLimit {
            max_failures: parse_or(
                var("LOGIN_MAX_FAILURES"),
                "LOGIN_MAX_FAILURES",
                DEFAULT_LOGIN_MAX_FAILURES,
            )?,
            window: Duration::from_secs(parse_or(
                var("LOGIN_FAILURE_WINDOW_SECONDS"),
                "LOGIN_FAILURE_WINDOW_SECONDS",
                DEFAULT_LOGIN_FAILURE_WINDOW_SECONDS,
            )?),
        };
        let hashing = HashingLimits {
            slots: at_least_one(
                "HASH_SLOTS",
                parse_or(var("HASH_SLOTS"), "HASH_SLOTS", cores())?,
            )?,
            queue_max: parse_or(
                var("HASH_QUEUE_MAX"),
                "HASH_QUEUE_MAX",
                DEFAULT_HASH_QUEUE_MAX,
            )?,
        };
        let number = |variable: &'static str, default: u64| -> Result<u64, ConfigError> {
            parse_or(var(variable), variable, default)
        };
        let timeouts = ServerTimeouts {
            header_read: Duration::from_secs(at_least_one(
                "HTTP_HEADER_TIMEOUT_SECONDS",
                number(
                    "HTTP_HEADER_TIMEOUT_SECONDS",
                    DEFAULT_HTTP_HEADER_TIMEOUT_SECONDS,
                )?,
            )?),
            request: Duration::from_secs(at_least_one(
                "REQUEST_TIMEOUT_SECONDS",
                number("REQUEST_TIMEOUT_SECONDS", DEFAULT_REQUEST_TIMEOUT_SECONDS)?,
            )?),
            shutdown_grace: Duration::from_secs(number(
                "SHUTDOWN_GRACE_SECONDS",
                DEFAULT_SHUTDOWN_GRACE_SECONDS,
            )?),
        };
        let database_statement_timeout = Duration::from_millis(at_least_one(
            "DATABASE_STATEMENT_TIMEOUT_MS",
            number(
                "DATABASE_STATEMENT_TIMEOUT_MS",
                DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS,
            )?,
        )?);

        Ok(Self {
            host,
            port,
            metrics_port,
            database_url,
            jwt_secret,
            jwt_ttl: Duration::from_secs(ttl_seconds),
            rate_limit,
            login_limit,
            hashing,
            timeouts,
            database_statement_timeout,
        })
    }
}

/// `METRICS_PORT`: where `/metrics` is served. By default `PORT` + 1000 (9000 next to 8000),
/// and any free port when `PORT` is 0 (tests). Never the API's port: metrics are for the
/// operator, not for the API's clients.
fn metrics_port(value: Option<String>, port: u16) -> Result<u16, ConfigError> {
    let metrics_port = match value {
        Some(_) => parse_or(value, "METRICS_PORT", 0)?,
        None if port == 0 => 0,
        None => port.checked_add(1000).ok_or_else(|| ConfigError {
            variable: "METRICS_PORT",
            reason: format!("PORT {port} + 1000 is past 65535: set METRICS_PORT"),
        })?,
    };
    if metrics_port == port && port != 0 {
        return Err(ConfigError {
            variable: "METRICS_PORT",
            reason: format!(
                "must differ from PORT ({port}): /metrics is never served on the API port"
            ),
        });
    }
    Ok(metrics_port)
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

/// `url` with the statement timeout a PostgreSQL server should apply to every statement
/// of the connection (libpq's `options=-c statement_timeout=...`, which sqlx passes on at
/// connection start-up); a SQLite URL unchanged, as SQLite has no such setting.
pub fn with_statement_timeout(url: &str, timeout: Duration) -> String {
    if url.starts_with("sqlite:") {
        return url.to_string();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!(
        "{url}{separator}options=-c%20statement_timeout%3D{}",
        timeout.as_millis()
    )
}

/// One hashing slot per CPU core, as many as can hash at once.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// A count or duration where `0` would refuse everything (no hashing slot, a deadline
/// already passed) stops start-up instead.
fn at_least_one<T: PartialEq + From<u8>>(
    variable: &'static str,
    value: T,
) -> Result<T, ConfigError> {
    if value == T::from(0) {
        Err(ConfigError {
            variable,
            reason: "must be at least 1".into(),
        })
    } else {
        Ok(value)
    }
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
        assert_eq!(
            settings.login_limit,
            LoginLimit {
                max_failures: 10,
                window: Duration::from_secs(300)
            }
        );
        assert_eq!(settings.hashing.slots, cores());
        assert_eq!(settings.hashing.queue_max, 64);
        assert_eq!(
            settings.timeouts,
            ServerTimeouts {
                header_read: Duration::from_secs(10),
                request: Duration::from_secs(30),
                shutdown_grace: Duration::from_secs(10),
            }
        );
        assert_eq!(settings.database_statement_timeout, Duration::from_secs(5));
    }

    #[test]
    fn zero_switches_the_login_limit_off_and_the_grace_period_may_be_zero() {
        let settings = settings(&[
            ("LOGIN_MAX_FAILURES", "0"),
            ("HASH_QUEUE_MAX", "0"),
            ("SHUTDOWN_GRACE_SECONDS", "0"),
        ])
        .unwrap();
        assert_eq!(settings.login_limit.max_failures, 0);
        assert_eq!(settings.hashing.queue_max, 0);
        assert_eq!(settings.timeouts.shutdown_grace, Duration::ZERO);
    }

    #[test]
    fn the_statement_timeout_reaches_postgresql_only() {
        let timeout = Duration::from_millis(250);
        assert_eq!(
            with_statement_timeout("postgres://app@db/tasks", timeout),
            "postgres://app@db/tasks?options=-c%20statement_timeout%3D250"
        );
        assert_eq!(
            with_statement_timeout("postgres://app@db/tasks?sslmode=disable", timeout),
            "postgres://app@db/tasks?sslmode=disable&options=-c%20statement_timeout%3D250"
        );
        assert_eq!(
            with_statement_timeout("sqlite::memory:", timeout),
            "sqlite::memory:"
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
            ("METRICS_PORT", "nine thousand"),
            ("METRICS_PORT", "8000"),
            ("LOGIN_MAX_FAILURES", "-1"),
            ("LOGIN_FAILURE_WINDOW_SECONDS", "5m"),
            ("HASH_SLOTS", "0"),
            ("HASH_QUEUE_MAX", "many"),
            ("HTTP_HEADER_TIMEOUT_SECONDS", "0"),
            ("HTTP_HEADER_TIMEOUT_SECONDS", "ten"),
            ("REQUEST_TIMEOUT_SECONDS", "0"),
            ("REQUEST_TIMEOUT_SECONDS", "1.5"),
            ("SHUTDOWN_GRACE_SECONDS", "-1"),
            ("DATABASE_STATEMENT_TIMEOUT_MS", "0"),
            ("DATABASE_STATEMENT_TIMEOUT_MS", "5s"),
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
    fn metrics_are_served_next_to_the_api_port_by_default() {
        assert_eq!(settings(&[]).unwrap().metrics_port, 9000);
        assert_eq!(settings(&[("PORT", "8100")]).unwrap().metrics_port, 9100);
        assert_eq!(settings(&[("PORT", "0")]).unwrap().metrics_port, 0);
        let explicit = settings(&[("PORT", "8000"), ("METRICS_PORT", "9500")]).unwrap();
        assert_eq!(explicit.metrics_port, 9500);
        let error = settings(&[("PORT", "65000")]).unwrap_err();
        assert_eq!(error.variable, "METRICS_PORT");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let settings = settings(&[("JWT_SECRET", ""), ("PORT", " ")]).unwrap();
        assert!(settings.jwt_secret.generated);
        assert_eq!(settings.port, 8000);
    }
}
