//! Settings, read once at start-up from the environment (a `.env` file may supply them),
//! with the variable names and validation every service shares (`service_kit::config`).

use std::time::Duration;

use service_kit::config::Env;
pub use service_kit::config::{ConfigError, FromEnv, JwtSecret, Listen, ServerTimeouts};

pub const DEFAULT_PORT: u16 = 8003;
pub const DEFAULT_TASK_SERVICE_URL: &str = "http://127.0.0.1:8002";
/// One call to task-service may take this long (connect + answer) before it counts as failed.
pub const DEFAULT_TASK_SERVICE_TIMEOUT_MS: u64 = 2000;
/// Retries after a failed call (connection refused, timeout, 502/503/504); 0 = none.
pub const DEFAULT_TASK_SERVICE_RETRIES: usize = 2;
/// This many failed calls in a row open the circuit...
pub const DEFAULT_CIRCUIT_BREAKER_FAILURES: u32 = 5;
/// ...for this long, during which calls fail at once without touching the network.
pub const DEFAULT_CIRCUIT_BREAKER_OPEN_MS: u64 = 10_000;

/// Everything the service needs to know about its environment.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `HOST`, `PORT`
    pub listen: Listen,
    pub jwt_secret: JwtSecret,
    pub task_service: TaskServiceSettings,
    /// `HTTP_HEADER_TIMEOUT_SECONDS`, `REQUEST_TIMEOUT_SECONDS`, `SHUTDOWN_GRACE_SECONDS`
    pub timeouts: ServerTimeouts,
}

/// How stats-service calls task-service.
#[derive(Clone, Debug)]
pub struct TaskServiceSettings {
    /// `TASK_SERVICE_URL`
    pub url: String,
    /// `TASK_SERVICE_TIMEOUT_MS`
    pub timeout: Duration,
    /// `TASK_SERVICE_RETRIES`
    pub retries: usize,
    /// `CIRCUIT_BREAKER_FAILURES`
    pub breaker_failures: u32,
    /// `CIRCUIT_BREAKER_OPEN_MS`
    pub breaker_open: Duration,
}

impl FromEnv for Settings {
    fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            listen: env.listen(DEFAULT_PORT)?,
            jwt_secret: env.jwt_secret()?,
            task_service: TaskServiceSettings {
                url: env.service_url("TASK_SERVICE_URL", DEFAULT_TASK_SERVICE_URL)?,
                timeout: env.millis("TASK_SERVICE_TIMEOUT_MS", DEFAULT_TASK_SERVICE_TIMEOUT_MS)?,
                retries: env.parse_or("TASK_SERVICE_RETRIES", DEFAULT_TASK_SERVICE_RETRIES)?,
                breaker_failures: match env
                    .parse_or("CIRCUIT_BREAKER_FAILURES", DEFAULT_CIRCUIT_BREAKER_FAILURES)?
                {
                    0 => {
                        return Err(ConfigError {
                            variable: "CIRCUIT_BREAKER_FAILURES",
                            reason: "must be at least 1".into(),
                        });
                    }
                    failures => failures,
                },
                breaker_open: env
                    .millis("CIRCUIT_BREAKER_OPEN_MS", DEFAULT_CIRCUIT_BREAKER_OPEN_MS)?,
            },
            timeouts: env.server_timeouts()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_a_local_task_service() {
        let settings = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(settings.listen.port, 8003);
        assert_eq!(settings.task_service.url, "http://127.0.0.1:8002");
        assert_eq!(settings.task_service.timeout, Duration::from_secs(2));
        assert_eq!(settings.task_service.retries, 2);
    }

    #[test]
    fn a_zero_failure_threshold_is_refused() {
        let error = Settings::from_lookup(|name| {
            (name == "CIRCUIT_BREAKER_FAILURES").then(|| "0".to_string())
        })
        .unwrap_err();
        assert_eq!(error.variable, "CIRCUIT_BREAKER_FAILURES");
    }
}
