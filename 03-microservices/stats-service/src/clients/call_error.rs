//! Why a call to task-service gave no counts, and which failures are worth retrying.
//!
//! A file of its own, apart from the client that makes the calls (`TaskServiceClient`), so
//! that exercise 05 can compile it, with the settings, the caller layer and the router, in
//! place (`#[path]`) without the finished client, which is that exercise's answer.

use std::time::Duration;

use reqwest::StatusCode;

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
    /// Worth retrying: the same request may well succeed a moment later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unreachable(_) | Self::TimedOut(_) | Self::ServerError(_)
        )
    }
}
