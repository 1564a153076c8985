//! Settings, read once at start-up from the environment (a `.env` file may supply them),
//! with the variable names and validation every service shares (`service_kit::config`).

use std::time::Duration;

use service_kit::config::Env;
pub use service_kit::config::{ConfigError, FromEnv, JwtSecret, Listen, ServerTimeouts};

pub const DEFAULT_PORT: u16 = 8002;

/// Everything the service needs to know about its environment. It only verifies tokens,
/// so it needs the secret but not the token lifetime.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `HOST`, `PORT`
    pub listen: Listen,
    /// `DATABASE_URL`: the tasks database, which only this service uses
    pub database_url: String,
    /// `JWT_SECRET`: verifies the callers' tokens (user-service signs them)
    pub jwt_secret: JwtSecret,
    /// `HTTP_HEADER_TIMEOUT_SECONDS`, `REQUEST_TIMEOUT_SECONDS`, `SHUTDOWN_GRACE_SECONDS`
    pub timeouts: ServerTimeouts,
    /// `DATABASE_STATEMENT_TIMEOUT_MS` (PostgreSQL only)
    pub database_statement_timeout: Duration,
}

impl FromEnv for Settings {
    fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            listen: env.listen(DEFAULT_PORT)?,
            // Default: `tasks.sqlite3` in this service's folder.
            database_url: env.database_url(env!("CARGO_MANIFEST_DIR"), "tasks.sqlite3")?,
            jwt_secret: env.jwt_secret()?,
            timeouts: env.server_timeouts()?,
            database_statement_timeout: env.database_statement_timeout()?,
        })
    }
}
