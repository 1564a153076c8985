//! stats-service's HTTP client for task-service: the one place that knows the network can
//! fail, and what to do about it.
//!
//! Every call to `GET /internal/v1/task-counts`:
//! 1. has a **timeout** (`TASK_SERVICE_TIMEOUT_MS`, connect + answer), so a hung
//!    task-service cannot hang stats requests;
//! 2. goes through a **circuit breaker** (`failsafe`): after `CIRCUIT_BREAKER_FAILURES`
//!    failed calls in a row the circuit opens for `CIRCUIT_BREAKER_OPEN_MS`, and calls fail
//!    at once without touching the network, which gives a struggling task-service room to
//!    recover; then one trial call decides whether it closes again. Only transient failures
//!    (refused connection, timeout, 502/503/504) count; a 4xx is the caller's problem;
//! 3. is **retried** with exponential backoff and jitter (`backon`) on transient failures,
//!    at most `TASK_SERVICE_RETRIES` times. The call is a GET, so retrying is safe; an open
//!    circuit is not retried.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use failsafe::{
    Config, StateMachine, backoff,
    failure_policy::{self, ConsecutiveFailures},
    futures::CircuitBreaker,
};
use reqwest::{StatusCode, header::AUTHORIZATION};

use service_kit::middleware::REQUEST_ID_HEADER;

use stats::TaskCount;

use crate::config::TaskServiceSettings;

/// The internal route task-service answers counts on. Not reachable through the gateway.
pub const TASK_COUNTS_PATH: &str = "/internal/v1/task-counts";

type Breaker = StateMachine<ConsecutiveFailures<backoff::Constant>, ()>;

#[derive(Clone)]
pub struct TaskServiceClient {
    http: reqwest::Client,
    base_url: String,
    timeout: Duration,
    retries: usize,
    breaker: Breaker,
}

/// Why task-service gave no counts.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("task-service is unreachable: {0}")]
    Unreachable(String),
    #[error("task-service did not answer within {0:?}")]
    TimedOut(Duration),
    #[error("task-service answered {0}")]
    ServerError(StatusCode),
    #[error("the circuit to task-service is open after repeated failures")]
    CircuitOpen,
    /// task-service refused the caller's token (it is verified here first, so only a
    /// secret mismatch between the services gets here).
    #[error("task-service refused the token")]
    Unauthorized,
    /// Another status, or a body that is not the agreed shape.
    #[error("task-service answered unexpectedly: {0}")]
    Unexpected(String),
}

impl CallError {
    /// Worth retrying and worth counting against task-service's health.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unreachable(_) | Self::TimedOut(_) | Self::ServerError(_)
        )
    }
}

impl TaskServiceClient {
    pub fn new(settings: &TaskServiceSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .build()?;
        let policy = failure_policy::consecutive_failures(
            settings.breaker_failures,
            backoff::constant(settings.breaker_open),
        );
        Ok(Self {
            http,
            base_url: settings.url.clone(),
            timeout: settings.timeout,
            retries: settings.retries,
            breaker: Config::new().failure_policy(policy).build(),
        })
    }

    /// The caller's task counts, asked with the caller's own token. `request_id` (the
    /// caller's `x-request-id`) goes along, so task-service logs the call under the same id.
    pub async fn task_counts(
        &self,
        token: &str,
        request_id: Option<&str>,
    ) -> Result<Vec<TaskCount>, CallError> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(50))
            .with_max_delay(Duration::from_millis(500))
            .with_max_times(self.retries)
            .with_jitter();
        (|| self.through_breaker(token, request_id))
            .retry(backoff)
            .when(CallError::is_transient)
            .notify(|error, delay| {
                tracing::warn!(%error, ?delay, "task-service call failed; retrying");
            })
            .await
    }

    async fn through_breaker(
        &self,
        token: &str,
        request_id: Option<&str>,
    ) -> Result<Vec<TaskCount>, CallError> {
        self.breaker
            .call_with(CallError::is_transient, self.call(token, request_id))
            .await
            .map_err(|error| match error {
                failsafe::Error::Inner(error) => error,
                failsafe::Error::Rejected => CallError::CircuitOpen,
            })
    }

    async fn call(
        &self,
        token: &str,
        request_id: Option<&str>,
    ) -> Result<Vec<TaskCount>, CallError> {
        let mut request = self
            .http
            .get(format!("{}{TASK_COUNTS_PATH}", self.base_url))
            .header(AUTHORIZATION, format!("Bearer {token}"));
        if let Some(request_id) = request_id {
            request = request.header(REQUEST_ID_HEADER, request_id);
        }
        let response = request
            .send()
            .await
            .map_err(|error| self.transport_error(error))?;
        match response.status() {
            StatusCode::OK => response.json().await.map_err(|error| {
                if error.is_timeout() {
                    CallError::TimedOut(self.timeout)
                } else {
                    CallError::Unexpected(format!("a malformed body: {error}"))
                }
            }),
            StatusCode::UNAUTHORIZED => Err(CallError::Unauthorized),
            status @ (StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
            | StatusCode::INTERNAL_SERVER_ERROR) => Err(CallError::ServerError(status)),
            status => Err(CallError::Unexpected(format!("status {status}"))),
        }
    }

    fn transport_error(&self, error: reqwest::Error) -> CallError {
        if error.is_timeout() {
            CallError::TimedOut(self.timeout)
        } else {
            CallError::Unreachable(error.to_string())
        }
    }
}
