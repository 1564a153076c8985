//! The HTTP client for task-service: `GET /internal/v1/task-counts` with the caller's token.
//! `seams.rs` calls it to answer the stats module's `TaskCounts` seam.
//!
//! EXERCISE 05: this client trusts the network. It waits as long as task-service takes (no
//! timeout), gives up at the first failure (no retry), and keeps calling a task-service
//! that is down (no circuit breaker). Steps 1 to 3 of the README make it resilient.

use crate::{call_error::CallError, config::TaskServiceSettings};
use reqwest::{StatusCode, header::AUTHORIZATION};
use service_kit::middleware::REQUEST_ID_HEADER;
use stats::TaskCount;

/// The internal route task-service answers counts on.
pub const TASK_COUNTS_PATH: &str = "/internal/v1/task-counts";

#[derive(Clone)]
pub struct TaskServiceClient {
    http: reqwest::Client,
    base_url: String,
}

impl TaskServiceClient {
    /// `settings` also carries `timeout`, `retries`, `breaker_failures` and `breaker_open`
    /// (from `TASK_SERVICE_TIMEOUT_MS`, `TASK_SERVICE_RETRIES`, `CIRCUIT_BREAKER_FAILURES`,
    /// `CIRCUIT_BREAKER_OPEN_MS`): this naive client ignores them.
    pub fn new(settings: &TaskServiceSettings) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::new(),
            base_url: settings.url.clone(),
        })
    }

    /// The caller's task counts, asked with the caller's own token. `request_id` goes along
    /// so task-service logs the call under the same id.
    pub async fn task_counts(
        &self,
        token: &str,
        request_id: Option<&str>,
    ) -> Result<Vec<TaskCount>, CallError> {
        self.call(token, request_id).await
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
            .map_err(|error| CallError::Unreachable(error.to_string()))?;
        match response.status() {
            StatusCode::OK => response
                .json()
                .await
                .map_err(|error| CallError::Unexpected(format!("a malformed body: {error}"))),
            StatusCode::UNAUTHORIZED => Err(CallError::Unauthorized),
            status @ (StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
            | StatusCode::INTERNAL_SERVER_ERROR) => Err(CallError::ServerError(status)),
            status => Err(CallError::Unexpected(format!("status {status}"))),
        }
    }
}
