//! The HTTP client for task-service: `GET /internal/v1/task-counts` with the caller's token.
//! `seams.rs` calls it to answer the stats module's `TaskCounts` seam.
//!
//! EXERCISE 05 (solved): this client expects the network to fail. Every call
//! 1. has a **timeout** (`TASK_SERVICE_TIMEOUT_MS`, connect + answer), so a hung
//!    task-service cannot hang stats requests;
//! 2. goes through a **circuit breaker** (`failsafe`): after `CIRCUIT_BREAKER_FAILURES`
//!    transient failures in a row the circuit opens for `CIRCUIT_BREAKER_OPEN_MS`, and calls
//!    fail at once without touching the network, which gives task-service room to recover;
//!    then one trial call decides whether it closes again;
//! 3. is **retried** with exponential backoff and jitter (`backon`) on transient failures
//!    (refused connection, timeout, 500/502/503/504), at most `TASK_SERVICE_RETRIES` times.
//!    The call is a GET, so retrying is safe; an open circuit is not retried.

use std::time::Duration;

use crate::{call_error::CallError, config::TaskServiceSettings};
use backon::{ExponentialBuilder, Retryable};
use failsafe::{
    Config, StateMachine, backoff,
    failure_policy::{self, ConsecutiveFailures},
    futures::CircuitBreaker,
};
use reqwest::{StatusCode, header::AUTHORIZATION};
use service_kit::middleware::REQUEST_ID_HEADER;
use stats::TaskCount;

/// The internal route task-service answers counts on.
pub const TASK_COUNTS_PATH: &str = "/internal/v1/task-counts";

/// One breaker for the whole process: task-service's health is the same for every caller.
type Breaker = StateMachine<ConsecutiveFailures<backoff::Constant>, ()>;

#[derive(Clone)]
pub struct TaskServiceClient {
    http: reqwest::Client,
    base_url: String,
    timeout: Duration,
    retries: usize,
    breaker: Breaker,
}

impl TaskServiceClient {
    /// Everything comes from `settings`: `timeout` (`TASK_SERVICE_TIMEOUT_MS`), `retries`
    /// (`TASK_SERVICE_RETRIES`), `breaker_failures` (`CIRCUIT_BREAKER_FAILURES`) and
    /// `breaker_open` (`CIRCUIT_BREAKER_OPEN_MS`).
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

    /// The caller's task counts, asked with the caller's own token. `request_id` goes along
    /// so task-service logs the call under the same id.
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

    /// One attempt, refused at once while the circuit is open. Only transient failures
    /// count against task-service: a 401 or a malformed body is not a sign it is down.
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

    /// One call, one answer: the status decides which `CallError` a failure is.
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

    /// A timeout is told apart from a refused connection: both are transient.
    fn transport_error(&self, error: reqwest::Error) -> CallError {
        if error.is_timeout() {
            CallError::TimedOut(self.timeout)
        } else {
            CallError::Unreachable(error.to_string())
        }
    }
}
