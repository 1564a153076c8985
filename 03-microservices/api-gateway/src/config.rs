//! Settings, read once at start-up from the environment (a `.env` file may supply them),
//! with the variable names and validation every service shares (`service_kit::config`).

use std::time::Duration;

use service_kit::config::Env;
pub use service_kit::config::{ConfigError, FromEnv, Listen, RateLimit, ServerTimeouts};

pub const DEFAULT_PORT: u16 = 8000;
pub const DEFAULT_USER_SERVICE_URL: &str = "http://127.0.0.1:8001";
pub const DEFAULT_TASK_SERVICE_URL: &str = "http://127.0.0.1:8002";
pub const DEFAULT_STATS_SERVICE_URL: &str = "http://127.0.0.1:8003";
/// A forwarded request (answer included) may take this long before the client gets a 504.
/// Longer than stats-service's own worst case (its timeout times its attempts).
pub const DEFAULT_UPSTREAM_TIMEOUT_MS: u64 = 10_000;
/// Each service's `/health` must answer within this for the gateway's `/health`.
pub const DEFAULT_HEALTH_TIMEOUT_MS: u64 = 2_000;

/// Everything the gateway needs to know about its environment. It verifies no tokens, so
/// it needs no `JWT_SECRET`.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `HOST`, `PORT`
    pub listen: Listen,
    pub rate_limit: RateLimit,
    pub upstreams: Upstreams,
    /// `UPSTREAM_TIMEOUT_MS`
    pub upstream_timeout: Duration,
    /// `HEALTH_TIMEOUT_MS`
    pub health_timeout: Duration,
    /// `HTTP_HEADER_TIMEOUT_SECONDS`, `REQUEST_TIMEOUT_SECONDS` (answered 504 here: the
    /// gateway's requests wait for a service), `SHUTDOWN_GRACE_SECONDS`
    pub timeouts: ServerTimeouts,
}

/// The base URLs of the services behind the gateway.
#[derive(Clone, Debug)]
pub struct Upstreams {
    pub users: String,
    pub tasks: String,
    pub stats: String,
}

impl FromEnv for Settings {
    fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            listen: env.listen(DEFAULT_PORT)?,
            rate_limit: env.rate_limit()?,
            upstreams: Upstreams {
                users: env.service_url("USER_SERVICE_URL", DEFAULT_USER_SERVICE_URL)?,
                tasks: env.service_url("TASK_SERVICE_URL", DEFAULT_TASK_SERVICE_URL)?,
                stats: env.service_url("STATS_SERVICE_URL", DEFAULT_STATS_SERVICE_URL)?,
            },
            upstream_timeout: env.millis("UPSTREAM_TIMEOUT_MS", DEFAULT_UPSTREAM_TIMEOUT_MS)?,
            health_timeout: env.millis("HEALTH_TIMEOUT_MS", DEFAULT_HEALTH_TIMEOUT_MS)?,
            timeouts: env.server_timeouts()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_the_local_services() {
        let settings = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(settings.listen.port, 8000);
        assert_eq!(settings.upstreams.users, "http://127.0.0.1:8001");
        assert_eq!(settings.upstreams.tasks, "http://127.0.0.1:8002");
        assert_eq!(settings.upstreams.stats, "http://127.0.0.1:8003");
        assert_eq!(
            settings.rate_limit,
            RateLimit::PerClientIp {
                per_second: 200,
                burst: 400
            }
        );
    }

    #[test]
    fn a_bad_upstream_url_names_its_variable() {
        let error = Settings::from_lookup(|name| {
            (name == "STATS_SERVICE_URL").then(|| "stats:8003".to_string())
        })
        .unwrap_err();
        assert_eq!(error.variable, "STATS_SERVICE_URL");
    }
}
