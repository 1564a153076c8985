//! The environment-variable helpers every service's `config.rs` is built from, so the same
//! variable means the same thing, with the same validation, in every service.
//!
//! Every variable has a default so that `cargo run -p <service>` works with no setup at
//! all, but a variable that is *present and invalid* stops the program with a message
//! naming it: a typo must never fall back silently to a default.

use std::{net::IpAddr, time::Duration};

use rand::RngCore;

/// Generous enough for test suites and a busy learner, low enough to stop a runaway loop.
pub const DEFAULT_RATE_LIMIT_PER_SECOND: u32 = 200;
pub const DEFAULT_RATE_LIMIT_BURST: u32 = 400;
pub const DEFAULT_JWT_TTL_SECONDS: u64 = 1800;
/// HS256 keys shorter than the hash output (32 bytes) weaken the signature.
pub const MIN_JWT_SECRET_BYTES: usize = 32;
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

/// A variable was set to something we cannot use.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

/// The HS256 key, and where it came from (so start-up can warn about it).
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

impl JwtSecret {
    /// A fresh random key: tokens stop working at every restart, and each service would
    /// generate its own, so only a launcher that shares one `JWT_SECRET` makes the services
    /// agree. Fine for poking at one service; start-up warns loudly.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self {
            bytes,
            generated: true,
        }
    }
}

/// Where a service listens: `HOST` (loopback by default; `0.0.0.0` in a container),
/// `PORT` (each service has its own default; 0 picks a free port) and `METRICS_PORT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listen {
    pub host: IpAddr,
    pub port: u16,
    /// Where `/metrics` is served: never on `port`, the API's (see [`Env::metrics_port`]).
    pub metrics_port: u16,
}

/// Per-client-IP limit at the edge (the gateway): a steady rate plus a burst allowance.
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

/// How long a server waits for a client and for itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerTimeouts {
    /// `HTTP_HEADER_TIMEOUT_SECONDS`: a connection that has not sent a request's headers
    /// within this time is closed (a client sending one byte a minute holds nothing).
    pub header_read: Duration,
    /// `REQUEST_TIMEOUT_SECONDS`: a request still unanswered after this is answered 503
    /// (504 at the gateway, whose requests wait for a service upstream).
    pub request: Duration,
    /// `SHUTDOWN_GRACE_SECONDS`: on Ctrl-C or SIGTERM, requests in flight get this long to
    /// finish; what still runs then is cut off. `0` cuts them off at once.
    pub shutdown_grace: Duration,
}

impl Default for ServerTimeouts {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(DEFAULT_HTTP_HEADER_TIMEOUT_SECONDS),
            request: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECONDS),
            shutdown_grace: Duration::from_secs(DEFAULT_SHUTDOWN_GRACE_SECONDS),
        }
    }
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

/// Reads variables through a lookup function, so tests can supply them without touching
/// the process. An empty value counts as unset (docker compose passes `${JWT_SECRET:-}` as "").
pub struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

/// A service's settings, read from the environment. Each service implements [`FromEnv::read`]
/// with the variables it needs; reading the process environment (after `.env`) or a test's
/// variables is the same for all.
pub trait FromEnv: Sized {
    fn read(env: &Env<'_>) -> Result<Self, ConfigError>;

    /// Reads the process environment, after loading `.env` if there is one.
    fn from_env() -> Result<Self, ConfigError> {
        // A missing .env file is normal; a malformed one is reported by the values it leaves unset.
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply variables without touching the process.
    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::read(&Env::new(&lookup))
    }
}

/// A lookup over fixed `(name, value)` pairs, for tests.
pub fn fixed(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    move |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

impl<'a> Env<'a> {
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { lookup }
    }

    pub fn var(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|value| !value.trim().is_empty())
    }

    /// The parsed value of `variable`, or `default` when it is unset.
    pub fn parse_or<T: std::str::FromStr>(
        &self,
        variable: &'static str,
        default: T,
    ) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.var(variable) {
            None => Ok(default),
            Some(raw) => raw.trim().parse().map_err(|error| ConfigError {
                variable,
                reason: format!("{raw:?} is not valid: {error}"),
            }),
        }
    }

    /// `HOST`: the address to listen on (loopback by default; `0.0.0.0` in a container).
    pub fn host(&self) -> Result<IpAddr, ConfigError> {
        self.parse_or("HOST", IpAddr::from([127, 0, 0, 1]))
    }

    /// `PORT`, with this service's default.
    pub fn port(&self, default: u16) -> Result<u16, ConfigError> {
        self.parse_or("PORT", default)
    }

    /// `HOST`, `PORT` (with this service's default) and `METRICS_PORT`.
    pub fn listen(&self, default_port: u16) -> Result<Listen, ConfigError> {
        let port = self.port(default_port)?;
        Ok(Listen {
            host: self.host()?,
            port,
            metrics_port: self.metrics_port(port)?,
        })
    }

    /// `METRICS_PORT`: where `/metrics` is served. By default `PORT` + 1000 (9000-9003 next
    /// to 8000-8003), and any free port when `PORT` is 0 (tests). Never the API's port:
    /// metrics are for the operator, not for the API's clients.
    pub fn metrics_port(&self, port: u16) -> Result<u16, ConfigError> {
        let metrics_port = match self.var("METRICS_PORT") {
            Some(_) => self.parse_or("METRICS_PORT", 0)?,
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

    /// `DATABASE_URL`: `sqlite:...` or `postgres://...`; by default the SQLite file `file`
    /// in the service's `folder`, created on first run.
    pub fn database_url(&self, folder: &str, file: &str) -> Result<String, ConfigError> {
        let Some(url) = self.var("DATABASE_URL") else {
            return Ok(format!("sqlite://{folder}/{file}?mode=rwc"));
        };
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

    /// `JWT_SECRET`: at least 32 bytes, or generated (with a warning at start-up).
    pub fn jwt_secret(&self) -> Result<JwtSecret, ConfigError> {
        match self.var("JWT_SECRET") {
            Some(secret) if secret.len() < MIN_JWT_SECRET_BYTES => Err(ConfigError {
                variable: "JWT_SECRET",
                reason: format!(
                    "must be at least {MIN_JWT_SECRET_BYTES} bytes, got {}",
                    secret.len()
                ),
            }),
            Some(secret) => Ok(JwtSecret {
                bytes: secret.into_bytes(),
                generated: false,
            }),
            None => {
                tracing::warn!(
                    "\n\
                    ************************************************************************\n\
                    *  JWT_SECRET is not set: using a RANDOM secret generated at start-up. *\n\
                    *  The services will not accept each other's tokens: run them with one *\n\
                    *  shared JWT_SECRET (scripts/run-all.sh does). Tokens stop working at *\n\
                    *  every restart. NEVER run like this in production.                   *\n\
                    ************************************************************************"
                );
                Ok(JwtSecret::generate())
            }
        }
    }

    /// `JWT_TTL_SECONDS`: at least 1.
    pub fn jwt_ttl(&self) -> Result<Duration, ConfigError> {
        self.positive_duration(
            "JWT_TTL_SECONDS",
            DEFAULT_JWT_TTL_SECONDS,
            Duration::from_secs,
        )
    }

    /// A duration in milliseconds, at least 1 (timeouts, delays).
    pub fn millis(&self, variable: &'static str, default: u64) -> Result<Duration, ConfigError> {
        self.positive_duration(variable, default, Duration::from_millis)
    }

    fn positive_duration(
        &self,
        variable: &'static str,
        default: u64,
        unit: fn(u64) -> Duration,
    ) -> Result<Duration, ConfigError> {
        match self.parse_or(variable, default)? {
            0 => Err(ConfigError {
                variable,
                reason: "must be at least 1".into(),
            }),
            value => Ok(unit(value)),
        }
    }

    /// `HTTP_HEADER_TIMEOUT_SECONDS` and `REQUEST_TIMEOUT_SECONDS` (at least 1), and
    /// `SHUTDOWN_GRACE_SECONDS` (`0` allowed).
    pub fn server_timeouts(&self) -> Result<ServerTimeouts, ConfigError> {
        Ok(ServerTimeouts {
            header_read: self.positive_duration(
                "HTTP_HEADER_TIMEOUT_SECONDS",
                DEFAULT_HTTP_HEADER_TIMEOUT_SECONDS,
                Duration::from_secs,
            )?,
            request: self.positive_duration(
                "REQUEST_TIMEOUT_SECONDS",
                DEFAULT_REQUEST_TIMEOUT_SECONDS,
                Duration::from_secs,
            )?,
            shutdown_grace: Duration::from_secs(
                self.parse_or("SHUTDOWN_GRACE_SECONDS", DEFAULT_SHUTDOWN_GRACE_SECONDS)?,
            ),
        })
    }

    /// `DATABASE_STATEMENT_TIMEOUT_MS`: PostgreSQL cancels a statement that runs longer.
    /// SQLite has no such setting; there the request deadline bounds a slow statement.
    pub fn database_statement_timeout(&self) -> Result<Duration, ConfigError> {
        self.millis(
            "DATABASE_STATEMENT_TIMEOUT_MS",
            DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS,
        )
    }

    /// `LOGIN_MAX_FAILURES` and `LOGIN_FAILURE_WINDOW_SECONDS`; `0` in either switches the
    /// limit off.
    pub fn login_limit(&self) -> Result<LoginLimit, ConfigError> {
        Ok(LoginLimit {
            max_failures: self.parse_or("LOGIN_MAX_FAILURES", DEFAULT_LOGIN_MAX_FAILURES)?,
            window: Duration::from_secs(self.parse_or(
                "LOGIN_FAILURE_WINDOW_SECONDS",
                DEFAULT_LOGIN_FAILURE_WINDOW_SECONDS,
            )?),
        })
    }

    /// `HASH_SLOTS` (at least 1; one per CPU core by default) and `HASH_QUEUE_MAX`.
    pub fn hashing(&self) -> Result<HashingLimits, ConfigError> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let slots = self.parse_or("HASH_SLOTS", cores)?;
        if slots == 0 {
            return Err(ConfigError {
                variable: "HASH_SLOTS",
                reason: "must be at least 1".into(),
            });
        }
        Ok(HashingLimits {
            slots,
            queue_max: self.parse_or("HASH_QUEUE_MAX", DEFAULT_HASH_QUEUE_MAX)?,
        })
    }

    /// `RATE_LIMIT_PER_SECOND` and `RATE_LIMIT_BURST`; `0` in either switches limiting off.
    pub fn rate_limit(&self) -> Result<RateLimit, ConfigError> {
        let per_second = self.parse_or("RATE_LIMIT_PER_SECOND", DEFAULT_RATE_LIMIT_PER_SECOND)?;
        let burst = self.parse_or("RATE_LIMIT_BURST", DEFAULT_RATE_LIMIT_BURST)?;
        Ok(if per_second == 0 || burst == 0 {
            RateLimit::Off
        } else {
            RateLimit::PerClientIp { per_second, burst }
        })
    }

    /// The base URL of another service (`USER_SERVICE_URL`...), without a trailing slash.
    pub fn service_url(
        &self,
        variable: &'static str,
        default: &str,
    ) -> Result<String, ConfigError> {
        let url = self.var(variable).unwrap_or_else(|| default.to_string());
        if url.starts_with("http://") || url.starts_with("https://") {
            Ok(url.trim().trim_end_matches('/').to_string())
        } else {
            Err(ConfigError {
                variable,
                reason: format!("{url:?} must start with http:// or https://"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_settings_gives_runnable_defaults() {
        let lookup = fixed(&[]);
        let env = Env::new(&lookup);
        assert_eq!(env.port(8002).unwrap(), 8002);
        assert!(env.jwt_secret().unwrap().generated);
        assert_eq!(env.jwt_ttl().unwrap(), Duration::from_secs(1800));
        assert_eq!(
            env.rate_limit().unwrap(),
            RateLimit::PerClientIp {
                per_second: 200,
                burst: 400
            }
        );
        assert_eq!(
            env.service_url("TASK_SERVICE_URL", "http://127.0.0.1:8002")
                .unwrap(),
            "http://127.0.0.1:8002"
        );
        assert_eq!(env.server_timeouts().unwrap(), ServerTimeouts::default());
        assert_eq!(
            ServerTimeouts::default(),
            ServerTimeouts {
                header_read: Duration::from_secs(10),
                request: Duration::from_secs(30),
                shutdown_grace: Duration::from_secs(10),
            }
        );
        assert_eq!(
            env.database_statement_timeout().unwrap(),
            Duration::from_secs(5)
        );
        assert_eq!(
            env.login_limit().unwrap(),
            LoginLimit {
                max_failures: 10,
                window: Duration::from_secs(300)
            }
        );
        assert_eq!(env.hashing().unwrap().queue_max, 64);
        assert!(env.hashing().unwrap().slots >= 1);
    }

    #[test]
    fn the_statement_timeout_reaches_postgresql_only() {
        let timeout = Duration::from_millis(250);
        assert_eq!(
            with_statement_timeout("postgres://app@db/users", timeout),
            "postgres://app@db/users?options=-c%20statement_timeout%3D250"
        );
        assert_eq!(
            with_statement_timeout("sqlite::memory:", timeout),
            "sqlite::memory:"
        );
    }

    #[test]
    fn generated_secrets_differ_between_starts() {
        assert_ne!(JwtSecret::generate().bytes, JwtSecret::generate().bytes);
    }

    #[test]
    fn invalid_values_name_the_variable() {
        type Read = fn(&Env) -> Option<ConfigError>;
        let checks: [(&str, &str, Read); 18] = [
            ("PORT", "eighty", |e| e.port(1).err()),
            ("METRICS_PORT", "nine thousand", |e| e.listen(8000).err()),
            ("METRICS_PORT", "8000", |e| e.listen(8000).err()),
            ("DATABASE_URL", "mysql://x/db", |e| {
                e.database_url("/x", "y").err()
            }),
            ("JWT_SECRET", "too-short", |e| e.jwt_secret().err()),
            ("JWT_TTL_SECONDS", "0", |e| e.jwt_ttl().err()),
            ("RATE_LIMIT_PER_SECOND", "lots", |e| e.rate_limit().err()),
            ("HOST", "not-an-ip", |e| e.host().err()),
            ("TASK_SERVICE_URL", "localhost:8002", |e| {
                e.service_url("TASK_SERVICE_URL", "http://x").err()
            }),
            ("HTTP_HEADER_TIMEOUT_SECONDS", "0", |e| {
                e.server_timeouts().err()
            }),
            ("HTTP_HEADER_TIMEOUT_SECONDS", "ten", |e| {
                e.server_timeouts().err()
            }),
            ("REQUEST_TIMEOUT_SECONDS", "0", |e| {
                e.server_timeouts().err()
            }),
            ("REQUEST_TIMEOUT_SECONDS", "1.5", |e| {
                e.server_timeouts().err()
            }),
            ("SHUTDOWN_GRACE_SECONDS", "-1", |e| {
                e.server_timeouts().err()
            }),
            ("DATABASE_STATEMENT_TIMEOUT_MS", "0", |e| {
                e.database_statement_timeout().err()
            }),
            ("LOGIN_MAX_FAILURES", "-1", |e| e.login_limit().err()),
            ("HASH_SLOTS", "0", |e| e.hashing().err()),
            ("HASH_QUEUE_MAX", "many", |e| e.hashing().err()),
        ];
        for (name, value, read) in checks {
            let lookup = fixed(&[(name, value)]);
            let error = read(&Env::new(&lookup)).expect("an error");
            assert_eq!(error.variable, name, "{name}={value}");
            assert!(error.to_string().contains(name));
        }
    }

    #[test]
    fn metrics_are_served_next_to_the_api_port_by_default() {
        let metrics_port = |pairs: &[(&str, &str)], default_port| {
            let lookup = fixed(pairs);
            Env::new(&lookup)
                .listen(default_port)
                .map(|l| l.metrics_port)
        };
        assert_eq!(metrics_port(&[], 8003).unwrap(), 9003);
        assert_eq!(metrics_port(&[("PORT", "8100")], 8003).unwrap(), 9100);
        assert_eq!(metrics_port(&[("PORT", "0")], 8003).unwrap(), 0);
        assert_eq!(
            metrics_port(&[("METRICS_PORT", "9500")], 8003).unwrap(),
            9500
        );
        let error = metrics_port(&[("PORT", "65000")], 8003).unwrap_err();
        assert_eq!(error.variable, "METRICS_PORT");
    }

    #[test]
    fn empty_values_count_as_unset_and_urls_lose_trailing_slashes() {
        let lookup = fixed(&[
            ("JWT_SECRET", ""),
            ("PORT", " "),
            ("USER_SERVICE_URL", "http://users:8001/"),
            ("RATE_LIMIT_BURST", "0"),
        ]);
        let env = Env::new(&lookup);
        assert!(env.jwt_secret().unwrap().generated);
        assert_eq!(env.port(8001).unwrap(), 8001);
        assert_eq!(
            env.service_url("USER_SERVICE_URL", "http://x").unwrap(),
            "http://users:8001"
        );
        assert_eq!(env.rate_limit().unwrap(), RateLimit::Off);
    }
}
