//! Settings, read once at start-up from the environment (a `.env` file may supply them),
//! with the variable names and validation every service shares (`service_kit::config`).

use std::time::Duration;

use service_kit::config::Env;
pub use service_kit::config::{
    ConfigError, FromEnv, HashingLimits, JwtSecret, Listen, LoginLimit, ServerTimeouts,
};

pub const DEFAULT_PORT: u16 = 8001;

/// Everything the service needs to know about its environment.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `HOST`, `PORT`
    pub listen: Listen,
    /// `DATABASE_URL`: the users database, which only this service uses
    pub database_url: String,
    /// `JWT_SECRET`: signs the tokens this service issues, and verifies them
    pub jwt_secret: JwtSecret,
    pub jwt_ttl: Duration,
    /// `LOGIN_MAX_FAILURES`, `LOGIN_FAILURE_WINDOW_SECONDS`: failed logins per username.
    /// Counted here, where the passwords are: this service sees only the gateway's
    /// address, so per-client limits stay at the gateway, and it trusts no header a client
    /// could set.
    pub login_limit: LoginLimit,
    /// `HASH_SLOTS`, `HASH_QUEUE_MAX`
    pub hashing: HashingLimits,
    /// `HTTP_HEADER_TIMEOUT_SECONDS`, `REQUEST_TIMEOUT_SECONDS`, `SHUTDOWN_GRACE_SECONDS`
    pub timeouts: ServerTimeouts,
    /// `DATABASE_STATEMENT_TIMEOUT_MS` (PostgreSQL only)
    pub database_statement_timeout: Duration,
}

impl FromEnv for Settings {
    fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            listen: env.listen(DEFAULT_PORT)?,
            // Default: `users.sqlite3` in this service's folder.
            database_url: env.database_url(env!("CARGO_MANIFEST_DIR"), "users.sqlite3")?,
            jwt_secret: env.jwt_secret()?,
            jwt_ttl: env.jwt_ttl()?,
            login_limit: env.login_limit()?,
            hashing: env.hashing()?,
            timeouts: env.server_timeouts()?,
            database_statement_timeout: env.database_statement_timeout()?,
        })
    }
}
