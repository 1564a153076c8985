//! stats-service's HTTP client for task-service: the one place that knows the network can
//! fail, and what to do about it.
//!
//! Every call to `GET /internal/v1/task-counts`:
//! 1. has a **timeout** (`TASK_SERVICE_TIMEOUT_MS`, connect + answer), so a hung
//!    task-service cannot hang stats requests;
//! 2. goes through a **circuit breaker** ([`Breaker`]: `failsafe`, plus the rules it lacks):
//!    after `CIRCUIT_BREAKER_FAILURES` failed calls in a row the circuit opens for
//!    `CIRCUIT_BREAKER_OPEN_MS`, and calls fail at once without touching the network, which
//!    gives a struggling task-service room to recover; then exactly one trial call decides
//!    whether it closes again, while every other call still fails at once. Every answer
//!    stats-service cannot use counts as a failure: a refused connection, a timeout, a 5xx,
//!    and also a 401, another unexpected status or a body that does not parse (the token
//!    was verified here first, so those mean task-service is misconfigured or broken, not
//!    that the caller did something wrong);
//! 3. is **retried** with exponential backoff and jitter (`backon`) on transient failures
//!    only (refused connection, timeout, 500/502/503/504), at most `TASK_SERVICE_RETRIES`
//!    times. The call is a GET, so retrying is safe; an open circuit is not retried, and
//!    neither is an answer that would be the same the second time.
//!
//! `/metrics` shows each attempt's duration and outcome, the retries, and the breaker's state
//! (`outbound_request_duration_seconds`, `outbound_retries_total`, `circuit_breaker_state`,
//! all with `peer="task-service"`).

use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use reqwest::{
    Method, StatusCode,
    header::{AUTHORIZATION, HeaderMap},
};
use tracing::{Instrument, Span};

use service_kit::{
    metrics::{OutboundMetrics, Outcome},
    middleware::REQUEST_ID_HEADER,
    server_timing, telemetry,
};

use stats::TaskCount;

use super::{breaker::Breaker, call_error::CallError};
use crate::config::TaskServiceSettings;

/// The internal route task-service answers counts on. Not reachable through the gateway.
pub const TASK_COUNTS_PATH: &str = "/internal/v1/task-counts";

/// The callee, as spans and `/metrics` name it.
const PEER: &str = "task-service";

#[derive(Clone)]
pub struct TaskServiceClient {
    http: reqwest::Client,
    base_url: String,
    timeout: Duration,
    retries: usize,
    breaker: Breaker,
    metrics: OutboundMetrics,
}

impl TaskServiceClient {
    /// A client whose calls, retries and breaker show in `metrics`.
    pub fn new(settings: &TaskServiceSettings, metrics: OutboundMetrics) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .build()?;
        Ok(Self {
            http,
            base_url: settings.url.clone(),
            timeout: settings.timeout,
            retries: settings.retries,
            breaker: Breaker::new(
                settings.breaker_failures,
                settings.breaker_open,
                metrics.clone(),
                PEER,
            ),
            metrics,
        })
    }

    /// The caller's task counts, asked with the caller's own token. `request_id` (the
    /// caller's `x-request-id`) goes along, so task-service logs the call under the same id.
    /// Its span holds one client span per attempt (`through_breaker`).
    #[tracing::instrument(level = "debug", name = "TaskServiceClient::task_counts", skip_all)]
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
                self.metrics.retry(PEER);
                tracing::warn!(%error, ?delay, "task-service call failed; retrying");
            })
            .await
    }

    async fn through_breaker(
        &self,
        token: &str,
        request_id: Option<&str>,
    ) -> Result<Vec<TaskCount>, CallError> {
        // One client span per attempt, the breaker's decision on it: a refused attempt
        // is a span too, so a trace shows the circuit open.
        let call = telemetry::client_span(&Method::GET, PEER, TASK_COUNTS_PATH);
        let started = Instant::now();
        let Some(permit) = self.breaker.permit() else {
            call.record("circuit_breaker", "open: refused without calling");
            telemetry::record_failure(&call);
            self.metrics
                .observe(PEER, Outcome::Rejected, started.elapsed());
            return Err(CallError::CircuitOpen);
        };
        call.record("circuit_breaker", "let through");
        let result = self
            .call(token, request_id, &call, started)
            .instrument(call.clone())
            .await;
        permit.record(result.is_ok());
        result
    }

    /// One attempt; `span` is its client span, whose `traceparent` goes along. Its time,
    /// from `started` to the answer's head (or the failure), goes to `/metrics`.
    async fn call(
        &self,
        token: &str,
        request_id: Option<&str>,
        span: &Span,
        started: Instant,
    ) -> Result<Vec<TaskCount>, CallError> {
        let mut headers = HeaderMap::new();
        telemetry::inject_trace(span, &mut headers);
        let mut request = self
            .http
            .get(format!("{}{TASK_COUNTS_PATH}", self.base_url))
            .headers(headers)
            .header(AUTHORIZATION, format!("Bearer {token}"));
        if let Some(request_id) = request_id {
            request = request.header(REQUEST_ID_HEADER, request_id);
        }
        let response = request.send().await.map_err(|error| {
            telemetry::record_failure(span);
            let error = self.transport_error(error);
            let outcome = match error {
                CallError::TimedOut(_) => Outcome::Timeout,
                _ => Outcome::TransportError,
            };
            self.metrics.observe(PEER, outcome, started.elapsed());
            error
        })?;
        self.metrics.observe(
            PEER,
            Outcome::of_status(response.status()),
            started.elapsed(),
        );
        telemetry::record_status(span, response.status());
        // task-service's own Server-Timing entries join this request's, under its name.
        server_timing::record_callee(PEER, response.headers());
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
